//! Alerts' crossing state per (alert, record), and their mutes. A state changes only through
//! [`Tx::set_alert_state`], whose conditional upsert reports the change to one transaction
//! only: two keel processes evaluating the same crossing tell it once.

use super::sql::{parse_ts, ts};
use super::statement::Statement;
use super::{Store, Tx};
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// A muted alert, for `keel alerts list`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertMute {
    pub alert: String,
    pub muted_at: DateTime<Utc>,
    /// `None`: until unmuted.
    pub until: Option<DateTime<Utc>>,
}

impl Store {
    /// The records stored as past the alert's bound.
    pub async fn crossed_records(&self, alert: &str) -> Result<BTreeSet<String>> {
        let read = Statement::new(
            "select record_key from alert_states where alert = $1 and crossed = 1",
            format!("reading the crossings of alert {alert}"),
        )
        .bind(alert);
        let rows = self.read(read).await?;
        rows.into_iter().map(|row| row.columns().text()).collect()
    }

    /// Per alert, how many records are past its bound now.
    pub async fn crossed_counts(&self) -> Result<Vec<(String, i64)>> {
        let read = Statement::new(
            "select alert, count(*) from alert_states where crossed = 1 group by alert order by alert",
            "counting alerts' crossings",
        );
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok((columns.text()?, columns.int()?))
            })
            .collect()
    }

    /// Mutes `alert` until `until` (`None`: until unmuted), replacing an earlier mute.
    pub async fn mute_alert(
        &self,
        alert: &str,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mute = Statement::new(
            "insert into alert_mutes (alert, muted_at, until) values ($1, $2, $3) \
             on conflict (alert) do update set muted_at = excluded.muted_at, until = excluded.until",
            format!("muting alert {alert}"),
        )
        .bind(alert)
        .bind(ts(&now))
        .bind(until.as_ref().map(ts));
        let mut tx = self.begin().await?;
        tx.write(mute).await?;
        tx.commit().await
    }

    /// Unmutes `alert`; whether it was muted.
    pub async fn unmute_alert(&self, alert: &str) -> Result<bool> {
        let unmute = Statement::new(
            "delete from alert_mutes where alert = $1 returning alert",
            format!("unmuting alert {alert}"),
        )
        .bind(alert);
        let mut tx = self.begin().await?;
        let removed = !tx.fetch(unmute).await?.is_empty();
        tx.commit().await?;
        Ok(removed)
    }

    /// Every mute, expired ones included (the reader compares `until` with its clock).
    pub async fn alert_mutes(&self) -> Result<Vec<AlertMute>> {
        let read = Statement::new(
            "select alert, muted_at, until from alert_mutes order by alert",
            "reading muted alerts",
        );
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok(AlertMute {
                    alert: columns.text()?,
                    muted_at: parse_ts(&columns.text()?)?,
                    until: columns.opt_text()?.map(|t| parse_ts(&t)).transpose()?,
                })
            })
            .collect()
    }
}

impl Tx {
    /// Records whether `key` is past `alert`'s bound; `true` when that changed its state in
    /// this transaction (a concurrent one that changed it first leaves this one `false`).
    pub async fn set_alert_state(
        &mut self,
        alert: &str,
        key: &str,
        crossed: bool,
        value: Option<f64>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let upsert = Statement::new(
            "insert into alert_states (alert, record_key, crossed, value, changed_at) \
             values ($1, $2, $3, $4, $5) \
             on conflict (alert, record_key) do update set crossed = excluded.crossed, \
             value = excluded.value, changed_at = excluded.changed_at \
             where alert_states.crossed <> excluded.crossed returning record_key",
            format!("recording alert {alert} for {key}"),
        )
        .bind(alert)
        .bind(key)
        .bind(i64::from(crossed))
        .bind(value)
        .bind(ts(&now));
        Ok(!self.fetch(upsert).await?.is_empty())
    }
}
