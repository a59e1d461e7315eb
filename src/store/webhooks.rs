//! Outbound webhooks (migration 0019): payloads queued in the transaction that caused them,
//! claimed by their target's deliverer (each row by one at a time, on PostgreSQL across
//! processes), then delivered, retried, dead-lettered or held while their target is disabled.
//! The operators' side (status, failures, retry, enable) is in [`super::webhooks_ops`].

use super::sql::{parse_ts, ts, value_tuples};
use super::statement::{Columns, Statement};
use super::{Store, Tx};
use crate::domain::Notification;
use crate::sync::targets::queue::Queued;
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

/// A payload claimed for delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookItem {
    /// Sent as `webhook-id`.
    pub id: i64,
    pub target: String,
    pub rule: String,
    pub event_type: String,
    pub subject: String,
    pub body: String,
    /// Failed attempts so far.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

pub(super) const WEBHOOK_COLUMNS: &str =
    "id, target, rule, event_type, subject, body, attempts, created_at";

impl WebhookItem {
    pub(super) fn read(columns: &mut Columns) -> Result<WebhookItem> {
        Ok(WebhookItem {
            id: columns.int()?,
            target: columns.text()?,
            rule: columns.text()?,
            event_type: columns.text()?,
            subject: columns.text()?,
            body: columns.text()?,
            attempts: columns.int()?,
            created_at: parse_ts(&columns.text()?)?,
        })
    }
}

/// What becomes of a payload whose attempt failed.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterWebhookFailure {
    RetryAt(DateTime<Utc>),
    /// Out of attempts: held until `keel sync retry`.
    DeadLetter,
}

impl Tx {
    /// Queues payloads for their targets, due at once.
    pub async fn queue_webhooks(&mut self, queued: &[Queued], at: DateTime<Utc>) -> Result<()> {
        let at = ts(&at);
        for chunk in queued.chunks(200) {
            let sql = format!(
                "insert into webhook_deliveries (created_at, target, rule, event_type, subject, \
                 body, next_attempt_at) values {}",
                value_tuples(self.backend, chunk.len(), 7)
            );
            let mut insert = Statement::new(sql, "queueing outbound webhooks");
            for item in chunk {
                insert.push(at.clone());
                insert.push(&item.target);
                insert.push(&item.rule);
                insert.push(item.event_type);
                insert.push(&item.subject);
                insert.push(&item.body);
                insert.push(at.clone());
            }
            self.write(insert).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Claims up to `limit` payloads of `target` due at `now` for `hold` (longer than a call may
    /// take), oldest first; none while the target is disabled. A row whose earlier claim lapsed
    /// without an outcome (its deliverer died mid-call) is claimed again with the same id, so
    /// the receiver drops it if the first call did arrive.
    pub async fn claim_webhooks(
        &self,
        target: &str,
        now: DateTime<Utc>,
        limit: i64,
        hold: Duration,
    ) -> Result<Vec<WebhookItem>> {
        let due = format!(
            "select id from webhook_deliveries where target = $1 and delivered_at is null \
             and dead_at is null and next_attempt_at <= $2 \
             and (claimed_until is null or claimed_until < $2) \
             and not exists (select 1 from webhook_targets t where t.name = $1 \
             and t.disabled_at is not null) \
             order by next_attempt_at, id limit $4{}",
            self.backend.for_update_skip_locked()
        );
        let sql = format!(
            "update webhook_deliveries set claimed_until = $3 where id in ({due}) \
             returning {WEBHOOK_COLUMNS}"
        );
        let claim = Statement::new(sql, format!("claiming webhooks for {target}"))
            .bind(target)
            .bind(ts(&now))
            .bind(ts(&(now + hold)))
            .bind(limit.max(0));
        let mut tx = self.begin().await?;
        let rows = tx.fetch(claim).await?;
        tx.commit().await?;
        let mut items = rows
            .into_iter()
            .map(|row| WebhookItem::read(&mut row.columns()))
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|item| item.id);
        Ok(items)
    }

    /// Records deliveries to `target`, and its last success, in one transaction.
    pub async fn record_webhooks_delivered(
        &self,
        target: &str,
        ids: &[i64],
        at: DateTime<Utc>,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let listed: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
        let mut delivered = Statement::new(
            format!(
                "update webhook_deliveries set delivered_at = $1, claimed_until = null, \
                 last_error = null, last_status = null where id in ({})",
                listed.join(", ")
            ),
            format!("recording {} webhooks delivered to {target}", ids.len()),
        )
        .bind(ts(&at));
        for id in ids {
            delivered.push(*id);
        }
        let mut tx = self.begin().await?;
        tx.write(delivered).await?;
        tx.write(target_row(target)).await?;
        let success = Statement::new(
            "update webhook_targets set last_success_at = $2 where name = $1 \
             and (last_success_at is null or last_success_at < $2)",
            format!("recording a success of target {target}"),
        )
        .bind(target)
        .bind(ts(&at));
        tx.write(success).await?;
        tx.commit().await
    }

    /// Records a failed attempt and what becomes of the payload.
    pub async fn record_webhook_failure(
        &self,
        id: i64,
        status: Option<u16>,
        error: &str,
        after: AfterWebhookFailure,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (next, dead) = match after {
            AfterWebhookFailure::RetryAt(at) => (Some(ts(&at)), None),
            AfterWebhookFailure::DeadLetter => (None, Some(ts(&now))),
        };
        let failed = Statement::new(
            "update webhook_deliveries set attempts = attempts + 1, last_status = $2, \
             last_error = $3, next_attempt_at = coalesce($4, next_attempt_at), dead_at = $5, \
             claimed_until = null where id = $1",
            format!("recording a failed attempt of webhook {id}"),
        )
        .bind(id)
        .bind(status.map(i64::from))
        .bind(error)
        .bind(next)
        .bind(dead);
        let mut tx = self.begin().await?;
        tx.write(failed).await?;
        tx.commit().await
    }

    /// Disables `item`'s target (it answered 410 Gone): its payloads wait, this one among them,
    /// until `keel sync enable`; `notices` tell the admins, in the same transaction. `false` when
    /// the target was disabled already (no notice is queued again).
    pub async fn disable_target(
        &self,
        item: &WebhookItem,
        reason: &str,
        at: DateTime<Utc>,
        notices: &[Notification],
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        tx.write(target_row(&item.target)).await?;
        let disable = Statement::new(
            "update webhook_targets set disabled_at = $2, disabled_reason = $3 \
             where name = $1 and disabled_at is null returning name",
            format!("disabling target {}", item.target),
        )
        .bind(&item.target)
        .bind(ts(&at))
        .bind(reason);
        let newly = !tx.fetch(disable).await?.is_empty();
        let held = Statement::new(
            "update webhook_deliveries set claimed_until = null, last_status = 410, \
             last_error = $2 where id = $1",
            format!("holding webhook {} for a disabled target", item.id),
        )
        .bind(item.id)
        .bind(reason);
        tx.write(held).await?;
        if newly {
            tx.enqueue(notices, at).await?;
        }
        tx.commit().await?;
        Ok(newly)
    }
}

/// Makes sure `target` has its row in `webhook_targets`.
pub(super) fn target_row(target: &str) -> Statement {
    Statement::new(
        "insert into webhook_targets (name) values ($1) on conflict (name) do nothing",
        format!("remembering target {target}"),
    )
    .bind(target)
}
