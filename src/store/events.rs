//! The audit trail: appending hash-chained events under the head's lock, and reading them back.

use super::sql::{from_json, parse_ts, to_json, ts, value_tuples};
use super::statement::{Row, Statement};
use super::{Store, Tx};
use crate::domain::{Event, EventDraft};
use crate::engine::audit::{GENESIS, chain_hash};
use anyhow::{Context, Result};
use chrono::SubsecRound;

const EVENT_COLUMNS: &str =
    "seq, request_id, at, actor, action, rule, reason, data, prev_hash, hash";

/// An event from a row of [`EVENT_COLUMNS`]. A time or data that cannot be read (an edit made
/// outside keel) is kept as [`Event::damage`], for verification to name the event.
fn event_from_row(row: Row) -> Result<Event> {
    let mut columns = row.columns();
    let seq = columns.int()?;
    let request_id = columns.opt_text()?;
    let at = columns.text()?;
    let actor = columns.text()?;
    let action = columns.text()?;
    let rule = columns.opt_text()?;
    let reason = columns.opt_text()?;
    let data = columns.text()?;
    let mut damage = Vec::new();
    let at = parse_ts(&at).unwrap_or_else(|error| {
        damage.push(format!("{error:#}"));
        chrono::DateTime::UNIX_EPOCH
    });
    let data = from_json(&data, "event data").unwrap_or_else(|error| {
        damage.push(format!("{error:#}"));
        serde_json::Value::Null
    });
    Ok(Event {
        seq,
        draft: EventDraft {
            request_id,
            at,
            actor,
            action,
            rule,
            reason,
            data,
        },
        prev_hash: columns.text()?,
        hash: columns.text()?,
        damage: (!damage.is_empty()).then(|| damage.join("; ")),
    })
}

impl Store {
    /// A request's events, in chain order.
    pub async fn request_events(&self, request_id: &str) -> Result<Vec<Event>> {
        let sql = format!("select {EVENT_COLUMNS} from events where request_id = $1 order by seq");
        let read = Statement::new(sql, format!("reading the events of request {request_id}"))
            .bind(request_id);
        let rows = self.read(read).await?;
        rows.into_iter().map(event_from_row).collect()
    }

    /// The whole chain, in order (for verification and export).
    pub async fn all_events(&self) -> Result<Vec<Event>> {
        let sql = format!("select {EVENT_COLUMNS} from events order by seq");
        let rows = self
            .read(Statement::new(sql, "reading all events").bulk())
            .await?;
        rows.into_iter().map(event_from_row).collect()
    }

    /// Up to `limit` events after `after_seq`, in chain order: the trail a page at a time.
    pub async fn page_events(&self, after_seq: i64, limit: usize) -> Result<Vec<Event>> {
        let sql =
            format!("select {EVENT_COLUMNS} from events where seq > $1 order by seq limit $2");
        let read = Statement::new(sql, format!("reading events after {after_seq}"))
            .bind(after_seq)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let rows = self.read(read.bulk()).await?;
        rows.into_iter().map(event_from_row).collect()
    }

    /// The last event's seq and hash; `None` while the chain is empty.
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        let read = Statement::new(
            "select last_seq, last_hash from audit_head where id = 1",
            "reading the audit head",
        );
        let row = self.read(read).await?.into_iter().next();
        let mut columns = row.context("the audit head row is missing")?.columns();
        let (seq, hash) = (columns.int()?, columns.text()?);
        Ok((seq > 0).then_some((seq, hash)))
    }
}

impl Tx {
    /// Gives the drafts the next places in the chain and stores them. The head row stays locked
    /// until the transaction ends, so concurrent appenders take turns and the chain has no forks.
    pub async fn append_events(&mut self, drafts: &[EventDraft]) -> Result<Vec<Event>> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let remembered = self.remembered().and_then(|r| r.audit_head.clone());
        let (mut seq, mut prev_hash) = match remembered {
            Some(head) => head,
            None => {
                let sql = format!(
                    "select last_seq, last_hash from audit_head where id = 1{}",
                    self.backend.for_update()
                );
                let rows = self
                    .fetch(Statement::new(sql, "locking the audit head"))
                    .await?;
                let row = rows.into_iter().next();
                let mut columns = row.context("the audit head row is missing")?.columns();
                (columns.int()?, columns.text()?)
            }
        };
        if seq == 0 {
            prev_hash = GENESIS.to_string();
        }
        let mut events = Vec::with_capacity(drafts.len());
        for draft in drafts {
            seq += 1;
            // Hashed as stored: timestamps keep microseconds.
            let mut draft = draft.clone();
            draft.at = draft.at.trunc_subsecs(6);
            let hash = chain_hash(&prev_hash, seq, &draft);
            events.push(Event {
                seq,
                draft,
                prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                hash,
                damage: None,
            });
        }
        for chunk in events.chunks(500) {
            let sql = format!(
                "insert into events (seq, request_id, at, actor, action, rule, reason, data, \
                 prev_hash, hash) values {}",
                value_tuples(self.backend, chunk.len(), 10)
            );
            let last = chunk.last().map_or(seq, |event| event.seq);
            let mut insert = Statement::new(sql, format!("appending events up to {last}"));
            for event in chunk {
                let draft = &event.draft;
                insert.push(event.seq);
                insert.push(draft.request_id.clone());
                insert.push(ts(&draft.at));
                insert.push(&draft.actor);
                insert.push(&draft.action);
                insert.push(draft.rule.clone());
                insert.push(draft.reason.clone());
                insert.push(to_json(&draft.data)?);
                insert.push(&event.prev_hash);
                insert.push(&event.hash);
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
        Ok(events)
    }
}
