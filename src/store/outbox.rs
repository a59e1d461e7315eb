//! The outbox: notifications written with the transition that caused them, claimed by deliverers
//! (each row by one at a time), retried later or given up on.

use super::sql::{from_json, parse_opt_ts, parse_ts, to_json, ts, value_tuples};
use super::statement::{Row, Statement};
use super::{OutboxItem, Store, Tx};
use crate::domain::Notification;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};

/// How long a claim keeps other deliverers off a row (a deliverer that dies frees it by then).
const CLAIM_SECONDS: i64 = 60;

/// A notification keel gave up on, for operators to look at.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedDelivery {
    pub item: OutboxItem,
    pub last_error: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// A row of [`OUTBOX_COLUMNS`].
struct OutboxRow {
    id: i64,
    payload: String,
    attempts: i64,
    created_at: String,
    last_error: Option<String>,
    failed_at: Option<String>,
}

impl OutboxRow {
    fn read(row: Row) -> Result<OutboxRow> {
        let mut columns = row.columns();
        Ok(OutboxRow {
            id: columns.int()?,
            payload: columns.text()?,
            attempts: columns.int()?,
            created_at: columns.text()?,
            last_error: columns.opt_text()?,
            failed_at: columns.opt_text()?,
        })
    }

    fn into_item(self) -> Result<OutboxItem> {
        Ok(OutboxItem {
            id: self.id,
            notification: from_json(&self.payload, "outbox payload")?,
            attempts: i32::try_from(self.attempts).context("reading outbox attempts")?,
            created_at: parse_ts(&self.created_at)?,
        })
    }
}

const OUTBOX_COLUMNS: &str = "id, payload, attempts, created_at, last_error, failed_at";

impl Store {
    /// Claims up to `limit` notifications due at `now` for a minute, oldest first. A row whose
    /// earlier claim ran out without an outcome (its deliverer was killed or hung mid-delivery)
    /// counts that attempt, so a chat port knows it may have posted already.
    pub async fn claim_outbox(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxItem>> {
        let due = format!(
            "select id from outbox where delivered_at is null and failed_at is null \
             and next_attempt_at <= $1 and (claimed_until is null or claimed_until < $1) \
             order by next_attempt_at, id limit $3{}",
            self.backend.for_update_skip_locked()
        );
        let sql = format!(
            "update outbox set claimed_until = $2, \
             attempts = attempts + (case when claimed_until is null then 0 else 1 end) \
             where id in ({due}) returning {OUTBOX_COLUMNS}"
        );
        let claim = Statement::new(sql, "claiming outbox notifications")
            .bind(ts(&now))
            .bind(ts(&(now + Duration::seconds(CLAIM_SECONDS))))
            .bind(limit.max(0));
        let mut tx = self.begin().await?;
        let rows = tx.fetch(claim).await?;
        tx.commit().await?;
        let mut items = rows
            .into_iter()
            .map(|row| OutboxRow::read(row)?.into_item())
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|item| item.id);
        Ok(items)
    }

    /// Records deliveries, in one transaction: those rows are never claimed again.
    pub async fn mark_delivered(&self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let placeholders: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
        let mut delivered = Statement::new(
            format!(
                "update outbox set delivered_at = $1, claimed_until = null where id in ({})",
                placeholders.join(", ")
            ),
            format!("marking {} notifications delivered", ids.len()),
        )
        .bind(ts(&at));
        for id in ids {
            delivered.push(*id);
        }
        let mut tx = self.begin().await?;
        tx.write(delivered).await?;
        tx.commit().await
    }

    /// Records a failed delivery: tried again at `retry_at`, or given up on when it is `None`
    /// (then `failed_at` is the wall clock's now).
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let (column, at) = match retry_at {
            Some(retry_at) => ("next_attempt_at", retry_at),
            None => ("failed_at", Utc::now()),
        };
        let failed = Statement::new(
            format!(
                "update outbox set attempts = attempts + 1, last_error = $2, {column} = $3, \
                 claimed_until = null where id = $1"
            ),
            format!("recording a failed delivery of notification {id}"),
        )
        .bind(id)
        .bind(error)
        .bind(ts(&at));
        let mut tx = self.begin().await?;
        tx.write(failed).await?;
        tx.commit().await
    }

    /// Notifications still to deliver (including ones waiting for a retry).
    pub async fn outbox_pending_count(&self) -> Result<i64> {
        let read = Statement::new(
            "select count(*) from outbox where delivered_at is null and failed_at is null",
            "counting pending notifications",
        );
        let row = self.read(read).await?.into_iter().next();
        row.context("a count gave no row")?.columns().int()
    }

    /// Notifications keel gave up on, most recent first.
    pub async fn outbox_failed(&self) -> Result<Vec<FailedDelivery>> {
        let sql = format!(
            "select {OUTBOX_COLUMNS} from outbox where failed_at is not null \
             order by failed_at desc, id desc"
        );
        let rows = self
            .read(Statement::new(sql, "listing failed notifications").bulk())
            .await?;
        rows.into_iter()
            .map(|row| {
                let row = OutboxRow::read(row)?;
                let last_error = row.last_error.clone();
                let failed_at = parse_opt_ts(row.failed_at.as_deref())?;
                Ok(FailedDelivery {
                    item: row.into_item()?,
                    last_error,
                    failed_at,
                })
            })
            .collect()
    }
}

/// Rows per multi-row insert of a transition's notifications (far below parameter limits).
const MAX_ROWS_PER_INSERT: usize = 500;

impl Tx {
    /// Queues notifications for delivery, due at once.
    pub async fn enqueue(
        &mut self,
        notifications: &[Notification],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let at = ts(&at);
        for chunk in notifications.chunks(MAX_ROWS_PER_INSERT) {
            let sql = format!(
                "insert into outbox (created_at, recipient, kind, request_id, payload, \
                 next_attempt_at) values {}",
                value_tuples(self.backend, chunk.len(), 6)
            );
            let mut insert = Statement::new(sql, "queueing notifications");
            for notification in chunk {
                let kind = to_json(&notification.kind)?;
                insert.push(at.clone());
                insert.push(&notification.to);
                insert.push(kind.trim_matches('"'));
                insert.push(notification.request_id.clone());
                insert.push(to_json(notification)?);
                insert.push(at.clone());
            }
            self.write(insert).await?;
        }
        Ok(())
    }
}
