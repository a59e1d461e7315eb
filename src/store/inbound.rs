//! The inbound queue: deliveries of other systems' webhooks and records their pollers read,
//! written before keel answers (a replay of a delivery id writes nothing), claimed by appliers
//! (each row by one at a time, passed over by the others on Postgres), then applied with the
//! records they carry, retried later, or kept as dead letters until `keel sync retry`.

use super::sql::{numbered_list, parse_opt_ts, parse_ts, ts};
use super::statement::{Columns, Statement};
use super::{Store, Tx};
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

/// What an event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundKind {
    /// A webhook's body: one or several events, perhaps thin.
    Hook,
    /// A full record a poller read.
    Record,
}

impl InboundKind {
    fn as_str(self) -> &'static str {
        match self {
            InboundKind::Hook => "hook",
            InboundKind::Record => "record",
        }
    }
}

/// One queued, applied or dead event.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundEvent {
    pub id: i64,
    pub source: String,
    pub delivery_id: String,
    pub kind: InboundKind,
    pub payload: String,
    pub received_at: DateTime<Utc>,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub failed_at: Option<DateTime<Utc>>,
}

const EVENT_COLUMNS: &str =
    "id, source, delivery_id, kind, payload, received_at, status, attempts, last_error, failed_at";

fn event_from(columns: &mut Columns) -> Result<InboundEvent> {
    Ok(InboundEvent {
        id: columns.int()?,
        source: columns.text()?,
        delivery_id: columns.text()?,
        kind: if columns.text()? == "record" {
            InboundKind::Record
        } else {
            InboundKind::Hook
        },
        payload: columns.text()?,
        received_at: parse_ts(&columns.text()?)?,
        status: columns.text()?,
        attempts: columns.int()?,
        last_error: columns.opt_text()?,
        failed_at: parse_opt_ts(columns.opt_text()?.as_deref())?,
    })
}

/// Per source, what `keel sync status` shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceCounts {
    pub queued: i64,
    /// Queued events that failed at least once and wait for their retry.
    pub retrying: i64,
    pub dead: i64,
    pub last_applied_at: Option<DateTime<Utc>>,
    /// When the oldest queued event arrived.
    pub oldest_queued_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Queues one delivery for each `(source, delivery id)` (the sources sharing a hook), in one
    /// transaction, skipping a source that queued that id before; how many were new.
    pub async fn queue_inbound(
        &self,
        deliveries: &[(&str, &str)],
        kind: InboundKind,
        payload: &str,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        let mut queued = 0;
        for (source, delivery_id) in deliveries {
            if tx
                .queue_inbound(source, delivery_id, kind, payload, at)
                .await?
            {
                queued += 1;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Claims up to `limit` queued events due at `now`, oldest first, for `claim` (the others'
    /// appliers pass them over until then).
    pub async fn claim_inbound(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        claim: Duration,
    ) -> Result<Vec<InboundEvent>> {
        let due = format!(
            "select id from inbound_events where status = 'queued' and next_attempt_at <= $1 \
             and (claimed_until is null or claimed_until < $1) \
             order by next_attempt_at, id limit $3{}",
            self.backend.for_update_skip_locked()
        );
        let sql = format!(
            "update inbound_events set claimed_until = $2 where id in ({due}) \
             returning {EVENT_COLUMNS}"
        );
        let claim = Statement::new(sql, "claiming inbound events")
            .bind(ts(&now))
            .bind(ts(&(now + claim)))
            .bind(limit.max(0));
        let mut tx = self.begin().await?;
        let rows = tx.fetch(claim).await?;
        tx.commit().await?;
        let mut events = rows
            .into_iter()
            .map(|row| event_from(&mut row.columns()))
            .collect::<Result<Vec<_>>>()?;
        events.sort_by_key(|event| event.id);
        Ok(events)
    }

    /// Moves the claim on `ids` held until `held` to `until`. Events whose claim lapsed and
    /// was taken by another applier are left to it (their final write is fenced by the claim).
    pub async fn renew_inbound_claims(
        &self,
        ids: &[i64],
        held: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "update inbound_events set claimed_until = $2 where claimed_until = $1 \
             and id in ({})",
            numbered_list(3, ids.len())
        );
        let mut renew = Statement::new(sql, "renewing the claim on inbound events")
            .bind(ts(&held))
            .bind(ts(&until));
        for id in ids {
            renew.push(*id);
        }
        self.write_one(renew).await
    }

    /// Records a failed try: the event is tried again at `retry_at`. Nothing changes if the
    /// claim held until `held` lapsed and another applier has the event now.
    pub async fn retry_inbound_at(
        &self,
        id: i64,
        held: DateTime<Utc>,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<()> {
        let retry = Statement::new(
            "update inbound_events set attempts = attempts + 1, last_error = $3, \
             next_attempt_at = $4, claimed_until = null where id = $1 and claimed_until = $2",
            format!("scheduling inbound event {id} again"),
        )
        .bind(id)
        .bind(ts(&held))
        .bind(error)
        .bind(ts(&retry_at));
        self.write_one(retry).await
    }

    /// Makes an event a dead letter with its reason; it waits for `keel sync retry`. Nothing
    /// changes if the claim held until `held` lapsed and another applier has the event now.
    pub async fn bury_inbound(
        &self,
        id: i64,
        held: DateTime<Utc>,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let dead = Statement::new(
            "update inbound_events set status = 'dead', last_error = $3, failed_at = $4, \
             claimed_until = null where id = $1 and claimed_until = $2",
            format!("making inbound event {id} a dead letter"),
        )
        .bind(id)
        .bind(ts(&held))
        .bind(error)
        .bind(ts(&at));
        self.write_one(dead).await
    }

    /// Dead letters, newest first.
    pub async fn inbound_dead_letters(&self) -> Result<Vec<InboundEvent>> {
        let sql = format!(
            "select {EVENT_COLUMNS} from inbound_events where status = 'dead' \
             order by failed_at desc, id desc"
        );
        let rows = self
            .read(Statement::new(sql, "listing dead letters").bulk())
            .await?;
        rows.into_iter()
            .map(|row| event_from(&mut row.columns()))
            .collect()
    }

    /// Queues dead letters again, with their attempts reset: the one numbered `id`, or all.
    /// Returns how many.
    pub async fn requeue_dead(&self, id: Option<i64>, at: DateTime<Utc>) -> Result<usize> {
        let which = if id.is_some() { " and id = $2" } else { "" };
        let mut requeue = Statement::new(
            format!(
                "update inbound_events set status = 'queued', attempts = 0, failed_at = null, \
                 next_attempt_at = $1, claimed_until = null where status = 'dead'{which} \
                 returning id"
            ),
            "queueing dead letters again",
        )
        .bind(ts(&at));
        if let Some(id) = id {
            requeue.push(id);
        }
        self.count_returned(requeue).await
    }

    /// Queues the applied events of `source` received since `since` again (a replay).
    pub async fn requeue_applied(
        &self,
        source: &str,
        since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<usize> {
        let replay = Statement::new(
            "update inbound_events set status = 'queued', attempts = 0, next_attempt_at = $3, \
             claimed_until = null where source = $1 and received_at >= $2 \
             and status = 'applied' returning id",
            format!("replaying the events of {source}"),
        )
        .bind(source)
        .bind(ts(&since))
        .bind(ts(&at));
        self.count_returned(replay).await
    }

    /// What is queued, retrying and dead per source, and when each last applied an event.
    pub async fn inbound_counts(&self) -> Result<Vec<(String, SourceCounts)>> {
        let read = Statement::new(
            "select source, \
             sum(case when status = 'queued' then 1 else 0 end), \
             sum(case when status = 'queued' and attempts > 0 then 1 else 0 end), \
             sum(case when status = 'dead' then 1 else 0 end), \
             max(applied_at), \
             min(case when status = 'queued' then received_at end) \
             from inbound_events group by source order by source",
            "counting inbound events",
        );
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok((
                    columns.text()?,
                    SourceCounts {
                        queued: columns.int()?,
                        retrying: columns.int()?,
                        dead: columns.int()?,
                        last_applied_at: parse_opt_ts(columns.opt_text()?.as_deref())?,
                        oldest_queued_at: parse_opt_ts(columns.opt_text()?.as_deref())?,
                    },
                ))
            })
            .collect()
    }

    /// Runs one write in a transaction of its own.
    async fn write_one(&self, statement: Statement) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.write(statement).await?;
        tx.commit().await
    }

    /// Runs a `… returning id` in a transaction of its own; how many rows it touched.
    async fn count_returned(&self, statement: Statement) -> Result<usize> {
        let mut tx = self.begin().await?;
        let rows = tx.fetch(statement).await?;
        tx.commit().await?;
        Ok(rows.len())
    }
}

impl Tx {
    /// Queues a delivery unless `delivery_id` of `source` is already queued; whether it is new.
    pub async fn queue_inbound(
        &mut self,
        source: &str,
        delivery_id: &str,
        kind: InboundKind,
        payload: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let at = ts(&at);
        let insert = Statement::new(
            "insert into inbound_events (source, delivery_id, kind, payload, received_at, \
             next_attempt_at) values ($1, $2, $3, $4, $5, $5) \
             on conflict (source, delivery_id) do nothing returning id",
            format!("queueing a delivery of {source}"),
        )
        .bind(source)
        .bind(delivery_id)
        .bind(kind.as_str())
        .bind(payload)
        .bind(at);
        Ok(!self.fetch(insert).await?.is_empty())
    }

    /// Marks an event applied (with the records it carried, in this transaction), if this
    /// applier's claim (held until `held`) is still its own: a claim that lapsed while a
    /// fetch-back hung may have been taken by another applier, and this transaction must then
    /// roll back rather than write the event's records twice.
    pub async fn mark_inbound_applied(
        &mut self,
        id: i64,
        held: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let applied = Statement::new(
            "update inbound_events set status = 'applied', applied_at = $3, last_error = null, \
             claimed_until = null where id = $1 and claimed_until = $2 returning id",
            format!("marking inbound event {id} applied"),
        )
        .bind(id)
        .bind(ts(&held))
        .bind(ts(&at));
        if self.fetch(applied).await?.is_empty() {
            anyhow::bail!(
                "the claim on inbound event {id} lapsed and another applier took it over; \
                 this round's writes are undone and that applier applies it"
            );
        }
        Ok(())
    }
}
