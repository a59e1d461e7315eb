//! Parked notifications: the ones a platform refused for good, or that ran out of attempts.
//! Operators list them (`keel outbox failed`, the dashboard, `/metrics`) and make them due again
//! (`keel outbox retry`).

use super::OutboxItem;
use super::Store;
use super::outbox::{OUTBOX_COLUMNS, OutboxRow};
use super::sql::parse_ts;
use super::statement::Statement;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

/// A parked notification, for operators to look at.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedDelivery {
    pub item: OutboxItem,
    pub last_error: Option<String>,
    /// When it was parked.
    pub failed_at: DateTime<Utc>,
    /// When keel tries it again by itself; `None` while it is held until `keel outbox retry`.
    pub retry_at: Option<DateTime<Utc>>,
}

/// Undelivered notifications, by whether they are parked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Waiting for their first delivery or a retry.
    pub pending: i64,
    /// Parked (see [`FailedDelivery`]).
    pub parked: i64,
}

impl Store {
    /// Parked notifications not delivered since, most recently parked first.
    pub async fn outbox_failed(&self) -> Result<Vec<FailedDelivery>> {
        let sql = format!(
            "select {OUTBOX_COLUMNS}, last_error, failed_at, next_attempt_at, held from outbox \
             where failed_at is not null and delivered_at is null \
             order by failed_at desc, id desc"
        );
        let rows = self
            .read(Statement::new(sql, "listing parked notifications").bulk())
            .await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                let item = OutboxRow::read(&mut columns)?.into_item()?;
                let last_error = columns.opt_text()?;
                let failed_at = parse_ts(&columns.text()?)?;
                let next_attempt_at = parse_ts(&columns.text()?)?;
                let held = columns.int()? != 0;
                Ok(FailedDelivery {
                    item,
                    last_error,
                    failed_at,
                    retry_at: (!held).then_some(next_attempt_at),
                })
            })
            .collect()
    }

    /// How many notifications are pending and how many parked.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let read = Statement::new(
            "select count(*) - count(failed_at), count(failed_at) from outbox \
             where delivered_at is null",
            "counting undelivered notifications",
        );
        let row = self.read(read).await?.into_iter().next();
        let mut columns = row.context("a count gave no row")?.columns();
        Ok(OutboxCounts {
            pending: columns.int()?,
            parked: columns.int()?,
        })
    }

    /// Makes parked notifications due at once with their attempts reset: the one numbered `id`,
    /// or every one when it is `None`. Returns the ids made due (none when `id` is not parked).
    pub async fn retry_parked(&self, id: Option<i64>) -> Result<Vec<i64>> {
        // Due since they were queued: due at once on every deliverer's clock, first in line.
        let mut sql = "update outbox set attempts = 0, failed_at = null, held = 0, \
                       next_attempt_at = created_at, claimed_until = null \
                       where failed_at is not null and delivered_at is null"
            .to_string();
        if id.is_some() {
            sql.push_str(" and id = $1");
        }
        sql.push_str(" returning id");
        let mut retry = Statement::new(sql, "making parked notifications due again");
        if let Some(id) = id {
            retry.push(id);
        }
        self.ids_written(retry).await
    }

    /// Runs `statement` (an update `returning id`) in a transaction of its own; the ids, sorted.
    pub(super) async fn ids_written(&self, statement: Statement) -> Result<Vec<i64>> {
        let mut tx = self.begin().await?;
        let rows = tx.fetch(statement).await?;
        tx.commit().await?;
        let mut ids = rows
            .into_iter()
            .map(|row| row.columns().int())
            .collect::<Result<Vec<_>>>()?;
        ids.sort_unstable();
        Ok(ids)
    }
}
