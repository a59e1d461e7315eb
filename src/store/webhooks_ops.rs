//! Outbound webhooks for operators: per-target status, the failing and dead-lettered payloads,
//! sending them again, enabling a disabled target.

use super::Store;
use super::sql::{parse_opt_ts, parse_ts};
use super::statement::Statement;
use super::webhooks::{WEBHOOK_COLUMNS, WebhookItem, target_row};
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// How one target stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetStatus {
    pub last_success_at: Option<DateTime<Utc>>,
    /// When the oldest payload still owed was queued (the lag is now minus this).
    pub oldest_pending_at: Option<DateTime<Utc>>,
    /// Owed, dead letters aside.
    pub pending: i64,
    /// Of those, how many failed at least once.
    pub failing: i64,
    pub dead: i64,
    /// When and why it was disabled (410 Gone), until `keel sync enable`.
    pub disabled: Option<(DateTime<Utc>, String)>,
}

/// A payload that failed at least once and is not delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookFailure {
    pub item: WebhookItem,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    /// The next attempt; `None` for a dead letter.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub dead_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Every target keel has queued for or remembers, by name.
    pub async fn webhook_status(&self) -> Result<BTreeMap<String, TargetStatus>> {
        let read = Statement::new(
            "select target, min(created_at), \
             sum(case when dead_at is null then 1 else 0 end), \
             sum(case when dead_at is null and attempts > 0 then 1 else 0 end), \
             sum(case when dead_at is null then 0 else 1 end) \
             from webhook_deliveries where delivered_at is null group by target",
            "counting outbound webhooks per target",
        );
        let mut status: BTreeMap<String, TargetStatus> = BTreeMap::new();
        for row in self.read(read).await? {
            let mut columns = row.columns();
            let target = status.entry(columns.text()?).or_default();
            target.oldest_pending_at = parse_opt_ts(columns.opt_text()?.as_deref())?;
            target.pending = columns.int()?;
            target.failing = columns.int()?;
            target.dead = columns.int()?;
        }
        let read = Statement::new(
            "select name, last_success_at, disabled_at, disabled_reason from webhook_targets",
            "reading outbound targets",
        );
        for row in self.read(read).await? {
            let mut columns = row.columns();
            let target = status.entry(columns.text()?).or_default();
            target.last_success_at = parse_opt_ts(columns.opt_text()?.as_deref())?;
            let disabled_at = parse_opt_ts(columns.opt_text()?.as_deref())?;
            let reason = columns.opt_text()?.unwrap_or_default();
            target.disabled = disabled_at.map(|at| (at, reason));
        }
        Ok(status)
    }

    /// Undelivered payloads that failed at least once, dead letters first, then by id.
    pub async fn webhook_failures(&self) -> Result<Vec<WebhookFailure>> {
        let sql = format!(
            "select {WEBHOOK_COLUMNS}, last_status, last_error, next_attempt_at, dead_at \
             from webhook_deliveries where delivered_at is null \
             and (attempts > 0 or dead_at is not null or last_status is not null) \
             order by case when dead_at is null then 1 else 0 end, id"
        );
        let rows = self
            .read(Statement::new(sql, "listing failed webhooks").bulk())
            .await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                let item = WebhookItem::read(&mut columns)?;
                let last_status = columns.opt_int()?;
                let last_error = columns.opt_text()?;
                let next = parse_ts(&columns.text()?)?;
                let dead_at = parse_opt_ts(columns.opt_text()?.as_deref())?;
                Ok(WebhookFailure {
                    item,
                    last_status,
                    last_error,
                    next_attempt_at: dead_at.is_none().then_some(next),
                    dead_at,
                })
            })
            .collect()
    }

    /// Makes dead letters and failing payloads due at once with their attempts reset: the one
    /// numbered `id`, or every one when it is `None`. The ids made due.
    pub async fn retry_webhooks(&self, id: Option<i64>) -> Result<Vec<i64>> {
        // Due since they were queued: due at once on every deliverer's clock, first in line.
        let mut sql = "update webhook_deliveries set attempts = 0, dead_at = null, \
                       next_attempt_at = created_at, claimed_until = null \
                       where delivered_at is null \
                       and (attempts > 0 or dead_at is not null or last_status is not null)"
            .to_string();
        if id.is_some() {
            sql.push_str(" and id = $1");
        }
        sql.push_str(" returning id");
        let mut retry = Statement::new(sql, "making failed webhooks due again");
        if let Some(id) = id {
            retry.push(id);
        }
        self.ids_written(retry).await
    }

    /// Enables a disabled target; `false` when it was not disabled.
    pub async fn enable_target(&self, target: &str) -> Result<bool> {
        let enable = Statement::new(
            "update webhook_targets set disabled_at = null, disabled_reason = null \
             where name = $1 and disabled_at is not null returning name",
            format!("enabling target {target}"),
        )
        .bind(target);
        let mut tx = self.begin().await?;
        tx.write(target_row(target)).await?;
        let rows = tx.fetch(enable).await?;
        tx.commit().await?;
        Ok(!rows.is_empty())
    }
}
