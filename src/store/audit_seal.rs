//! Sealing on PostgreSQL: the events transitions wrote unchained are given their places in the
//! audit chain, in batches, by one sealer at a time.
//!
//! Why: chaining an event in its transition's transaction holds the chain's head row lock until
//! that transaction commits, so every decision on PostgreSQL waited for the one before it to
//! commit (411–473 decisions/s, however many keel processes shared the database). A transition
//! now only inserts its events into `pending_events`, durable with the decision and sharing no
//! lock, and a sealing round takes the head's row lock, moves up to [`SEAL_BATCH`] pending
//! events in id order into `events` with their seq and hashes, moves the head and commits: one
//! short transaction per batch instead of one queued lock per decision. `events` and
//! `audit_head` keep their meaning, so verification and chains written before are unchanged.
//!
//! Who seals: every `keel serve` runs a round every [`SEAL_PERIOD`]. The head's row lock, taken
//! with `skip locked`, elects one sealer per round, so two processes never chain at once, and
//! what a killed process left is sealed by the other or by its restart (pending rows are
//! committed data; the lock dies with its connection). Readers of the chain (verify, export,
//! the API's audit pages, the dashboard) seal first, waiting for a round in progress, so they
//! see every event committed before they asked; one-shot CLI commands seal before they exit.
//!
//! Order: a request's events are chained in the order its transitions committed. A transition
//! on a request starts after the one before it committed (the request row's version check), so
//! its ids are higher, and a round reads one snapshot, which cannot hold the later without the
//! earlier.
//!
//! Bound: while a keel process serves, a committed event is sealed within one period and one
//! round, well under a second as long as rounds keep up (a round of 5,000 events takes tens of
//! milliseconds). Until then it shows in its request's timeline (seq 0, no hashes) but is not
//! yet protected by the chain: editing it in the database in that window goes undetected.

use super::events::{
    StoredDraft, all_events_read, audit_head_read, event_from_row, head_from_rows,
};
use super::statement::Statement;
use super::{Backend, Store};
use crate::domain::Event;
use anyhow::{Context, Result};
use std::time::Duration;

/// How often a serving keel seals what is pending.
pub const SEAL_PERIOD: Duration = Duration::from_millis(200);

/// The most events one round seals; more pending means another round at once.
const SEAL_BATCH: usize = 5_000;

impl Store {
    /// Seals what is pending, round after round until a round finds less than a batch; how many
    /// it sealed. With `wait`, a round another process is sealing is waited for (a reader must
    /// see what it seals); without, that process is left to it. Nothing to do on SQLite.
    pub async fn seal_events(&self, wait: bool) -> Result<usize> {
        if self.backend != Backend::Postgres || !self.any_pending_events().await? {
            return Ok(0);
        }
        let mut sealed = 0;
        loop {
            match self.seal_round(wait).await? {
                Some(count) => {
                    sealed += count;
                    if count < SEAL_BATCH {
                        return Ok(sealed);
                    }
                }
                None => return Ok(sealed),
            }
        }
    }

    /// One round; `None` when another sealer holds the head and `wait` is off.
    async fn seal_round(&self, wait: bool) -> Result<Option<usize>> {
        let mut tx = self.begin().await?;
        let Some(head) = tx.lock_audit_head(!wait).await? else {
            return Ok(None);
        };
        let take = Statement::new(
            "delete from pending_events where id in \
             (select id from pending_events order by id limit $1) \
             returning id, request_id, at, actor, action, rule, reason, data",
            "taking the pending events to seal",
        )
        .bind(SEAL_BATCH as i64);
        let mut taken = Vec::new();
        for row in tx.fetch(take).await? {
            let mut columns = row.columns();
            let id = columns.int()?;
            taken.push((id, StoredDraft::read(&mut columns)?));
        }
        if taken.is_empty() {
            return Ok(Some(0));
        }
        taken.sort_by_key(|(id, _)| *id);
        let count = taken.len();
        tx.chain(head, taken.into_iter().map(|(_, event)| event).collect())
            .await?;
        tx.commit().await.context("committing sealed events")?;
        Ok(Some(count))
    }

    /// Whether any event waits to be sealed: one cheap look, so that an idle sealer or a reader
    /// of the chain opens no transaction and takes no lock.
    async fn any_pending_events(&self) -> Result<bool> {
        let look = Statement::new(
            "select id from pending_events limit 1",
            "looking for events to seal",
        );
        Ok(!self.read(look).await?.is_empty())
    }

    /// The whole chain and its recorded head (last seq and hash; `None` while empty), everything
    /// committed so far sealed. On PostgreSQL both come from one snapshot, so a round sealed
    /// between the two reads cannot look like events deleted at the end.
    pub async fn audit_chain(&self) -> Result<(Vec<Event>, Option<(i64, String)>)> {
        self.seal_events(true).await?;
        let (rows, head) = match self.backend {
            Backend::Postgres => {
                let mut tx = self.begin().await?;
                let snapshot = Statement::new(
                    "set transaction isolation level repeatable read",
                    "reading the chain in one snapshot",
                );
                tx.write(snapshot).await?;
                let head = head_from_rows(tx.fetch(audit_head_read("")).await?)?;
                let rows = tx.fetch(all_events_read()).await?;
                tx.commit().await.context("ending the chain's snapshot")?;
                (rows, head)
            }
            Backend::Sqlite => {
                let rows = self.read(all_events_read()).await?;
                (rows, head_from_rows(self.read(audit_head_read("")).await?)?)
            }
        };
        let head = head.context("the audit head row is missing")?;
        let events = rows
            .into_iter()
            .map(event_from_row)
            .collect::<Result<_>>()?;
        Ok((events, (head.0 > 0).then_some(head)))
    }
}
