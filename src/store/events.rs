//! The audit trail: appending events with a transition, and reading them back.
//!
//! On SQLite an event takes its place in the chain in its transition's transaction (the writer
//! is one connection and group commit keeps the head in memory, so appenders never wait on each
//! other). On PostgreSQL it is written unchained to `pending_events`, durable with its decision,
//! and sealed into the chain moments later by [`super::audit_seal`], so concurrent decisions no
//! longer take turns on the head's row lock. Readers of the chain seal first, so they see every
//! event committed before they asked; a request's timeline shows its unsealed events as well.

use super::sql::{from_json, parse_ts, to_json, ts, value_tuples};
use super::statement::{Columns, Row, Statement};
use super::{Backend, Store, Tx};
use crate::domain::{Event, EventDraft};
use crate::engine::audit::{GENESIS, chain_hash};
use anyhow::{Context, Result};
use chrono::SubsecRound;

pub(super) const EVENT_COLUMNS: &str =
    "seq, request_id, at, actor, action, rule, reason, data, prev_hash, hash";

/// A request's events: the chained ones in chain order, then the unsealed ones (seq 0, no
/// hashes) in the order they will be sealed. One statement, so an event sealed meanwhile is read
/// exactly once.
const TIMELINE: &str = "select seq, request_id, at, actor, action, rule, reason, data, \
     prev_hash, hash, 0 as pending from events where request_id = $1 \
     union all select 0, request_id, at, actor, action, rule, reason, data, '', '', id \
     from pending_events where request_id = $1 order by 11, 1";

/// An event's columns from `request_id` to `data` as stored, read back into a draft. The stored
/// texts are kept: sealing copies them as they are, so what was hashed is what verification
/// will read.
pub(super) struct StoredDraft {
    pub(super) draft: EventDraft,
    pub(super) at: String,
    pub(super) data: String,
    /// Why a time or data could not be read (an edit made outside keel).
    pub(super) damage: Vec<String>,
}

impl StoredDraft {
    /// A new event as it will be stored: its time kept to the microsecond, as hashed.
    fn new(draft: &EventDraft) -> Result<StoredDraft> {
        let mut draft = draft.clone();
        draft.at = draft.at.trunc_subsecs(6);
        Ok(StoredDraft {
            at: ts(&draft.at),
            data: to_json(&draft.data)?,
            draft,
            damage: Vec::new(),
        })
    }

    pub(super) fn read(columns: &mut Columns) -> Result<StoredDraft> {
        let request_id = columns.opt_text()?;
        let at_text = columns.text()?;
        let actor = columns.text()?;
        let action = columns.text()?;
        let rule = columns.opt_text()?;
        let reason = columns.opt_text()?;
        let data_text = columns.text()?;
        let mut damage = Vec::new();
        let at = parse_ts(&at_text).unwrap_or_else(|error| {
            damage.push(format!("{error:#}"));
            chrono::DateTime::UNIX_EPOCH
        });
        let data = from_json(&data_text, "event data").unwrap_or_else(|error| {
            damage.push(format!("{error:#}"));
            serde_json::Value::Null
        });
        let draft = EventDraft {
            request_id,
            at,
            actor,
            action,
            rule,
            reason,
            data,
        };
        Ok(StoredDraft {
            draft,
            at: at_text,
            data: data_text,
            damage,
        })
    }

    /// Binds the columns [`Self::read`] reads, in the same order, to `insert`.
    fn push_columns(&self, insert: &mut Statement) {
        let draft = &self.draft;
        insert.push(draft.request_id.clone());
        insert.push(&self.at);
        insert.push(&draft.actor);
        insert.push(&draft.action);
        insert.push(draft.rule.clone());
        insert.push(draft.reason.clone());
        insert.push(&self.data);
    }
}

/// An event from a row of [`EVENT_COLUMNS`]. A time or data that cannot be read (an edit made
/// outside keel) is kept as [`Event::damage`], for verification to name the event.
pub(super) fn event_from_row(row: Row) -> Result<Event> {
    let mut columns = row.columns();
    let seq = columns.int()?;
    let stored = StoredDraft::read(&mut columns)?;
    Ok(Event {
        seq,
        draft: stored.draft,
        prev_hash: columns.text()?,
        hash: columns.text()?,
        damage: (!stored.damage.is_empty()).then(|| stored.damage.join("; ")),
    })
}

impl Store {
    /// A request's events, in chain order, followed by those not yet sealed.
    pub async fn request_events(&self, request_id: &str) -> Result<Vec<Event>> {
        let read = Statement::new(
            TIMELINE,
            format!("reading the events of request {request_id}"),
        )
        .bind(request_id);
        let rows = self.read(read).await?;
        rows.into_iter().map(event_from_row).collect()
    }

    /// The whole chain, in order (for export), with everything committed so far sealed.
    pub async fn all_events(&self) -> Result<Vec<Event>> {
        self.seal_events(true).await?;
        let rows = self.read(all_events_read()).await?;
        rows.into_iter().map(event_from_row).collect()
    }

    /// Up to `limit` events after `after_seq`, in chain order: the trail a page at a time, with
    /// everything committed so far sealed.
    pub async fn page_events(&self, after_seq: i64, limit: usize) -> Result<Vec<Event>> {
        self.seal_events(true).await?;
        let sql =
            format!("select {EVENT_COLUMNS} from events where seq > $1 order by seq limit $2");
        let read = Statement::new(sql, format!("reading events after {after_seq}"))
            .bind(after_seq)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let rows = self.read(read.bulk()).await?;
        rows.into_iter().map(event_from_row).collect()
    }
}

/// Every chained event, in order.
pub(super) fn all_events_read() -> Statement {
    let sql = format!("select {EVENT_COLUMNS} from events order by seq");
    Statement::new(sql, "reading all events").bulk()
}

/// The last event's seq and hash (seq 0 while the chain is empty).
pub(super) fn audit_head_read(lock: &str) -> Statement {
    Statement::new(
        format!("select last_seq, last_hash from audit_head where id = 1{lock}"),
        "reading the audit head",
    )
}

/// The head from the rows of [`audit_head_read`]; `None` when there is none.
pub(super) fn head_from_rows(rows: Vec<Row>) -> Result<Option<(i64, String)>> {
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let mut columns = row.columns();
    Ok(Some((columns.int()?, columns.text()?)))
}

impl Tx {
    /// Writes the drafts with this transaction's transition. On SQLite they take the next places
    /// in the chain at once; on PostgreSQL they wait, durable, for the sealer.
    pub async fn append_events(&mut self, drafts: &[EventDraft]) -> Result<()> {
        if drafts.is_empty() {
            return Ok(());
        }
        let stored = drafts.iter().map(StoredDraft::new).collect::<Result<_>>()?;
        match self.backend {
            Backend::Postgres => self.insert_pending(stored).await,
            Backend::Sqlite => {
                let remembered = self.remembered().and_then(|r| r.audit_head.clone());
                let head = match remembered {
                    Some(head) => head,
                    None => (self.lock_audit_head(false).await?)
                        .context("the audit head row is missing")?,
                };
                self.chain(head, stored).await
            }
        }
    }

    /// Locks the head row until the transaction ends, so that chaining has no forks. With
    /// `skip_locked`, `None` when another transaction holds it (another sealer's round).
    pub(super) async fn lock_audit_head(
        &mut self,
        skip_locked: bool,
    ) -> Result<Option<(i64, String)>> {
        let lock = if skip_locked {
            self.backend.for_update_skip_locked()
        } else {
            self.backend.for_update()
        };
        let rows = self.fetch(audit_head_read(lock)).await?;
        head_from_rows(rows)
    }

    /// Gives the events the places after `head` in the chain, stores them and moves the head.
    pub(super) async fn chain(
        &mut self,
        head: (i64, String),
        stored: Vec<StoredDraft>,
    ) -> Result<()> {
        let (mut seq, mut prev_hash) = head;
        if seq == 0 {
            prev_hash = GENESIS.to_string();
        }
        let mut events = Vec::with_capacity(stored.len());
        for event in stored {
            seq += 1;
            let hash = chain_hash(&prev_hash, seq, &event.draft);
            let prev = std::mem::replace(&mut prev_hash, hash.clone());
            events.push((seq, event, prev, hash));
        }
        for chunk in events.chunks(500) {
            let sql = format!(
                "insert into events (seq, request_id, at, actor, action, rule, reason, data, \
                 prev_hash, hash) values {}",
                value_tuples(self.backend, chunk.len(), 10)
            );
            let last = chunk.last().map_or(seq, |event| event.0);
            let mut insert = Statement::new(sql, format!("appending events up to {last}"));
            for (seq, stored, prev, hash) in chunk {
                insert.push(*seq);
                stored.push_columns(&mut insert);
                insert.push(prev);
                insert.push(hash);
            }
            self.write(insert).await?;
        }
        let move_head = Statement::new(
            "update audit_head set last_seq = $1, last_hash = $2 where id = 1",
            "moving the audit head",
        )
        .bind(seq)
        .bind(&prev_hash);
        self.write(move_head).await?;
        if let Some(remembered) = self.remembered() {
            remembered.audit_head = Some((seq, prev_hash));
        }
        Ok(())
    }

    /// Stores events unchained, for the sealer: no lock shared with other transitions.
    async fn insert_pending(&mut self, stored: Vec<StoredDraft>) -> Result<()> {
        for chunk in stored.chunks(500) {
            let sql = format!(
                "insert into pending_events (request_id, at, actor, action, rule, reason, data) \
                 values {}",
                value_tuples(self.backend, chunk.len(), 7)
            );
            let mut insert = Statement::new(sql, "writing events to seal");
            for event in chunk {
                event.push_columns(&mut insert);
            }
            self.write(insert).await?;
        }
        Ok(())
    }
}
