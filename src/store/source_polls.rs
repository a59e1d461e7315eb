//! Each polled source's watermark and lease: the newest change time whose records are queued
//! (moved in the transaction that queues them, so a killed poller resumes from it), and which
//! keel process polls the source (a lease it renews; another takes over once it lapses).

use super::Store;
use super::inbound::InboundKind;
use super::sql::{parse_opt_ts, ts};
use super::statement::Statement;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// How a source's polling stands.
#[derive(Debug, Clone, PartialEq)]
pub struct PollState {
    pub watermark: String,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Failed polls in a row.
    pub failures: i64,
}

impl Store {
    /// Takes or renews the lease on polling `source` for `owner` until `until`: the watermark
    /// to poll from when this process holds it, `None` when another does. The row is created
    /// with the `start` watermark on first use.
    pub async fn lease_poll(
        &self,
        source: &str,
        owner: &str,
        start: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let mut tx = self.begin().await?;
        let create = Statement::new(
            "insert into source_polls (source, watermark) values ($1, $2) \
             on conflict (source) do nothing",
            format!("creating the poll state of {source}"),
        )
        .bind(source)
        .bind(start);
        tx.write(create).await?;
        let take = Statement::new(
            "update source_polls set lease_owner = $2, lease_until = $4 where source = $1 \
             and (lease_owner = $2 or lease_until is null or lease_until < $3) returning watermark",
            format!("taking the poll lease of {source}"),
        )
        .bind(source)
        .bind(owner)
        .bind(ts(&now))
        .bind(ts(&until));
        let held = tx.fetch(take).await?.into_iter().next();
        tx.commit().await?;
        held.map(|row| row.columns().text()).transpose()
    }

    /// The state of every polled source, by name.
    pub async fn poll_states(&self) -> Result<Vec<(String, PollState)>> {
        let read = Statement::new(
            "select source, watermark, last_success_at, last_error, failures from source_polls \
             order by source",
            "reading the poll states",
        );
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok((
                    columns.text()?,
                    PollState {
                        watermark: columns.text()?,
                        last_success_at: parse_opt_ts(columns.opt_text()?.as_deref())?,
                        last_error: columns.opt_text()?,
                        failures: columns.int()?,
                    },
                ))
            })
            .collect()
    }

    /// Queues a page's records (each by its content id, so a record read twice is queued
    /// once), moves the watermark to `watermark` and renews the lease until `at.1`, in one
    /// transaction, if `owner` still holds the lease: how many records were new, or `None`
    /// when the lease was lost (nothing is written then).
    pub async fn queue_polled_page(
        &self,
        source: &str,
        owner: &str,
        records: &[(String, String)],
        watermark: &str,
        (at, until): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Option<usize>> {
        let mut tx = self.begin().await?;
        let mark = Statement::new(
            "update source_polls set watermark = $4, lease_until = $5, last_success_at = $3, \
             last_error = null, failures = 0 where source = $1 and lease_owner = $2 \
             returning source",
            format!("moving the watermark of {source}"),
        )
        .bind(source)
        .bind(owner)
        .bind(ts(&at))
        .bind(watermark)
        .bind(ts(&until));
        if tx.fetch(mark).await?.is_empty() {
            return Ok(None);
        }
        let mut new = 0;
        for (id, payload) in records {
            if tx
                .queue_inbound(source, id, InboundKind::Record, payload, at)
                .await?
            {
                new += 1;
            }
        }
        tx.commit().await?;
        Ok(Some(new))
    }

    /// Records a failed poll of `source`.
    pub async fn record_poll_failure(&self, source: &str, error: &str) -> Result<()> {
        let failed = Statement::new(
            "update source_polls set last_error = $2, failures = failures + 1 where source = $1",
            format!("recording a failed poll of {source}"),
        )
        .bind(source)
        .bind(error);
        let mut tx = self.begin().await?;
        tx.write(failed).await?;
        tx.commit().await
    }
}
