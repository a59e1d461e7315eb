//! Audit hashing: the canonical form of an event and the SHA-256 chain over it.
//!
//! Each event's hash covers the previous event's hash and the event's canonical JSON, so editing,
//! deleting, inserting or reordering an event breaks every link after it; the head (last seq and
//! hash, kept apart) catches deletion at the end.

use crate::domain::field::canonical_timestamp;
use crate::domain::{Event, EventDraft};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical JSON text of the event at `seq`: fixed key order, `data` keys sorted at every
/// depth, the timestamp in keel's one textual form. The same event always gives the same bytes.
pub fn canonical(seq: i64, draft: &EventDraft) -> String {
    let mut object = Map::new();
    object.insert("seq".into(), Value::from(seq));
    object.insert("at".into(), Value::from(canonical_timestamp(&draft.at)));
    object.insert("request_id".into(), Value::from(draft.request_id.clone()));
    object.insert("actor".into(), Value::from(draft.actor.clone()));
    object.insert("action".into(), Value::from(draft.action.clone()));
    object.insert("rule".into(), Value::from(draft.rule.clone()));
    object.insert("reason".into(), Value::from(draft.reason.clone()));
    object.insert("data".into(), sorted(&draft.data));
    Value::Object(object).to_string()
}

/// The value with every object's keys in sorted order (serde_json here keeps insertion order).
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// SHA-256 over the previous hash and the canonical form of the event at `seq`, as lowercase hex.
pub fn chain_hash(prev_hash: &str, seq: i64, draft: &EventDraft) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical(seq, draft).as_bytes());
    hex::encode(hasher.finalize())
}

/// A break in the chain, naming the event where verification failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Tamper {
    pub seq: i64,
    pub problem: String,
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)
    }
}

impl std::error::Error for Tamper {}

fn tamper(seq: i64, problem: String) -> Tamper {
    Tamper { seq, problem }
}

/// Checks events in stored order against each other and against the recorded head (last seq
/// and hash). Every edited, unreadable, deleted, inserted or reordered event is named, not only
/// the first: each event is checked against its own hash and against the event stored before
/// it, so one break does not hide the next. `Ok(n)` when all `n` events are intact.
pub fn verify(events: &[Event], head: Option<(i64, &str)>) -> Result<usize, Vec<Tamper>> {
    let mut breaks = Vec::new();
    let mut prev: Option<&Event> = None;
    let mut last_seq = 0;
    for event in events {
        if let Some(problem) = link_problem(prev, last_seq, event) {
            breaks.push(problem);
        }
        if let Some(problem) = content_problem(event) {
            breaks.push(problem);
        }
        prev = Some(event);
        last_seq = last_seq.max(event.seq);
    }
    if let Some((head_seq, head_hash)) = head
        && let Err(problem) = check_head(prev, head_seq, head_hash)
    {
        breaks.push(problem);
    }
    if breaks.is_empty() {
        Ok(events.len())
    } else {
        Err(breaks)
    }
}

/// Whether `event` follows `prev` in the chain: the seq after the highest one so far
/// (`last_seq`; an event moved earlier is reported once, not as a gap after it), and the hash
/// of the event stored before it.
fn link_problem(prev: Option<&Event>, last_seq: i64, event: &Event) -> Option<Tamper> {
    let expected = last_seq + 1;
    let prev_hash = prev.map_or(GENESIS, |p| p.hash.as_str());
    if event.seq > expected {
        let missing = if event.seq == expected + 1 {
            format!("event {expected} is missing (deleted?)")
        } else {
            format!(
                "events {expected} to {} are missing (deleted?)",
                event.seq - 1
            )
        };
        return Some(tamper(expected, missing));
    }
    if event.seq < expected {
        return Some(tamper(
            event.seq,
            format!(
                "event {} appears after event {}: events were reordered or inserted",
                event.seq,
                expected - 1
            ),
        ));
    }
    if event.prev_hash == prev_hash {
        return None;
    }
    let problem = match prev {
        Some(p) => format!(
            "event {} does not follow event {}: events were deleted or reordered",
            event.seq, p.seq
        ),
        None => format!(
            "event {} does not start the chain: earlier events were deleted",
            event.seq
        ),
    };
    Some(tamper(event.seq, problem))
}

/// Whether the event's stored content still gives its stored hash.
fn content_problem(event: &Event) -> Option<Tamper> {
    if let Some(damage) = &event.damage {
        return Some(tamper(
            event.seq,
            format!(
                "event {} was edited: its stored content cannot be read ({damage})",
                event.seq
            ),
        ));
    }
    (chain_hash(&event.prev_hash, event.seq, &event.draft) != event.hash).then(|| {
        tamper(
            event.seq,
            format!(
                "event {} was edited: its content no longer matches its hash",
                event.seq
            ),
        )
    })
}

fn check_head(last: Option<&Event>, head_seq: i64, head_hash: &str) -> Result<(), Tamper> {
    let (last_seq, last_hash) = last.map_or((0, GENESIS), |e| (e.seq, e.hash.as_str()));
    if last_seq < head_seq {
        return Err(tamper(
            last_seq + 1,
            format!(
                "the chain ends at event {last_seq} but the head records event {head_seq}: \
                 events at the end were deleted"
            ),
        ));
    }
    if last_seq > head_seq {
        return Err(tamper(
            head_seq + 1,
            format!(
                "the chain goes on to event {last_seq} but the head records event {head_seq}: \
                 events were appended outside keel"
            ),
        ));
    }
    if last_hash != head_hash {
        return Err(tamper(
            last_seq,
            format!(
                "event {last_seq} does not match the head's hash: the end of the chain was rewritten"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
