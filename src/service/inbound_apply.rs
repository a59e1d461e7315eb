//! The applier: queued inbound events taken a few at a time (each by one applier, on any
//! number of keel processes), completed by fetch-back when thin, mapped onto their record type
//! and written through the same upsert as CSV import (versioned; an unchanged record changes
//! nothing), in the transaction that marks the events applied (one per round of events). A
//! source that fails for a while (429, 5xx, no answer) is tried again with backoff; a refusal,
//! a record that does not map or a source out of tries makes the event a dead letter with its
//! reason.

use super::Keel;
use super::import::missing_reference;
use crate::config::InboundSource;
use crate::domain::{FieldType, Fields};
use crate::store::{InboundEvent, InboundKind, ProposedChange};
use crate::sync::sources::fetch::FetchFailure;
use crate::sync::sources::fetch_request::fetch_request;
use crate::sync::sources::mapping::{MappingProblem, describe, map_fetched};
use crate::sync::sources::template::scalar;
use crate::sync::targets::ownership::{Verdict, Writer};
use crate::sync::targets::queue;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

/// Events claimed per round.
const BATCH: i64 = 20;
/// The first retry's wait; each next one doubles, up to [`MAX_BACKOFF_SECONDS`].
const FIRST_BACKOFF_SECONDS: i64 = 5;
const MAX_BACKOFF_SECONDS: i64 = 3600;
/// Added to a claim beyond a fetch-back's timeout: the time to map and write a round. It is
/// also how long a crashed applier's events wait before another applier takes them.
const CLAIM_MARGIN_SECONDS: i64 = 20;

/// What one round of the applier did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub applied: usize,
    pub retrying: usize,
    pub dead: usize,
}

/// The records of a round's events that mapped, written together ([`Keel::write_batch`]).
#[derive(Default)]
struct Batch {
    ids: Vec<i64>,
    /// (record type, source) → rows, in the events' order.
    rows: BTreeMap<(String, String), Vec<(String, Fields)>>,
}

impl Batch {
    /// Whether a record `key` of `record_type` is among the round's.
    fn holds(&self, record_type: &str, key: &str) -> bool {
        self.rows
            .iter()
            .any(|((t, _), rows)| t == record_type && rows.iter().any(|(k, _)| k == key))
    }
}

/// A round's claim on its events: renewed before each fetch-back, so that a live applier
/// keeps its events however many fetches a round makes, and a crashed one's are free again
/// one fetch's timeout and [`CLAIM_MARGIN_SECONDS`] later.
struct Hold {
    ids: Vec<i64>,
    until: DateTime<Utc>,
}

/// Why an event was not applied this time.
enum NotApplied {
    /// Worth trying again (the source failed for now), after at least this long.
    Later(String, Option<std::time::Duration>),
    /// A dead letter, with its reason.
    Dead(String),
}

impl Keel {
    /// Applies the queued events due now, until none is left; what it did.
    pub async fn apply_inbound(&self) -> anyhow::Result<ApplyReport> {
        let mut report = ApplyReport::default();
        loop {
            let now = self.clock.now();
            let claim = self.claim_for();
            let events = self.store.claim_inbound(now, BATCH, claim).await?;
            if events.is_empty() {
                return Ok(report);
            }
            let mut hold = Hold {
                ids: events.iter().map(|event| event.id).collect(),
                until: now + claim,
            };
            let mut batch = Batch::default();
            for event in events {
                self.apply_event(event, now, &mut hold, &mut batch, &mut report)
                    .await?;
            }
            self.write_batch(batch, now, hold.until, &mut report)
                .await?;
        }
    }

    /// Writes the records of a round's events that mapped and marks those events applied, in
    /// one transaction (one commit for the round, not one per event), if the round's claim
    /// (held until `held`) is still its own.
    async fn write_batch(
        &self,
        batch: Batch,
        now: DateTime<Utc>,
        held: DateTime<Utc>,
        report: &mut ApplyReport,
    ) -> anyhow::Result<()> {
        if batch.ids.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        for ((record_type, source), rows) in &batch.rows {
            let origin = format!("sync:{source}");
            let watched = queue::watches(&self.config.outbound, record_type);
            let changes = tx
                .upsert_records_noting(record_type, rows, now, &origin, watched)
                .await?;
            self.queue_record_webhooks(&mut tx, record_type, &changes, now)
                .await?;
        }
        for id in &batch.ids {
            tx.mark_inbound_applied(*id, held, now).await?;
        }
        tx.commit().await?;
        if batch
            .rows
            .keys()
            .any(|(t, _)| *t == self.config.directory.record)
        {
            self.directory.invalidate();
        }
        if batch.rows.values().any(|rows| !rows.is_empty()) {
            self.labels.invalidate();
            let changed: Vec<&str> = batch.rows.keys().map(|(t, _)| t.as_str()).collect();
            self.alerts_after_change(&changed).await;
        }
        report.applied += batch.ids.len();
        Ok(())
    }

    /// How long a round's claim lasts before it is renewed: one fetch-back's longest timeout
    /// and the margin to map and write the round.
    fn claim_for(&self) -> Duration {
        let longest = self
            .config
            .sources
            .iter()
            .filter_map(|s| s.fetch.as_ref())
            .map(|f| f.timeout)
            .max()
            .unwrap_or_default();
        Duration::from_std(longest).unwrap_or_default() + Duration::seconds(CLAIM_MARGIN_SECONDS)
    }

    /// Renews the round's claim before a fetch-back that may take its whole timeout.
    async fn renew(&self, hold: &mut Hold) -> anyhow::Result<()> {
        let until = self.clock.now() + self.claim_for();
        self.store
            .renew_inbound_claims(&hold.ids, hold.until, until)
            .await?;
        hold.until = until;
        Ok(())
    }

    /// Maps one event into `batch`, or schedules it again, or makes it a dead letter.
    async fn apply_event(
        &self,
        event: InboundEvent,
        now: DateTime<Utc>,
        hold: &mut Hold,
        batch: &mut Batch,
        report: &mut ApplyReport,
    ) -> anyhow::Result<()> {
        let Some(source) = self.inbound_source(&event.source) else {
            let reason = format!("the source {} is not configured any more", event.source);
            report.dead += 1;
            return self
                .store
                .bury_inbound(event.id, hold.until, &reason, now)
                .await;
        };
        let writer = Writer::Source(source.name.clone());
        let (workflow, requester) = match self.write_verdict(&source.record_type, &writer) {
            Verdict::Allowed => (None, None),
            Verdict::Refused(why) => {
                report.dead += 1;
                return self
                    .store
                    .bury_inbound(event.id, hold.until, &why, now)
                    .await;
            }
            Verdict::ChangeRequest {
                workflow,
                requester,
            } => (Some(workflow), Some(requester)),
        };
        match self.records_of(source, &event, hold, batch).await? {
            Ok(rows) if workflow.is_some() => {
                // Not the owner: each record it would change becomes a request people decide.
                let (workflow, requester) =
                    (workflow.unwrap_or_default(), requester.unwrap_or_default());
                for (key, fields) in rows {
                    let change = ProposedChange {
                        record_type: source.record_type.clone(),
                        key,
                        fields,
                        writer: writer.label(),
                    };
                    if let Err(error) = self.propose_change(&change, workflow, requester).await {
                        report.dead += 1;
                        let why = format!("filing the change as a request failed: {error}");
                        return self
                            .store
                            .bury_inbound(event.id, hold.until, &why, now)
                            .await;
                    }
                }
                batch.ids.push(event.id);
                Ok(())
            }
            Ok(rows) => {
                batch.ids.push(event.id);
                let key = (source.record_type.clone(), source.name.clone());
                batch.rows.entry(key).or_default().extend(rows);
                Ok(())
            }
            Err(NotApplied::Later(reason, wait)) => {
                let tries = event.attempts + 1;
                let limit = source
                    .fetch
                    .as_ref()
                    .map_or(1, |f| i64::from(f.max_attempts));
                if tries >= limit {
                    report.dead += 1;
                    let reason = format!("{reason} (gave up after {tries} tries)");
                    return self
                        .store
                        .bury_inbound(event.id, hold.until, &reason, now)
                        .await;
                }
                report.retrying += 1;
                let backoff =
                    (FIRST_BACKOFF_SECONDS << event.attempts.min(20)).min(MAX_BACKOFF_SECONDS);
                let asked = wait.map_or(0, |w| i64::try_from(w.as_secs()).unwrap_or(i64::MAX));
                let retry_at =
                    now + Duration::seconds(backoff.max(asked).min(MAX_BACKOFF_SECONDS * 24));
                self.store
                    .retry_inbound_at(event.id, hold.until, &reason, retry_at)
                    .await
            }
            Err(NotApplied::Dead(reason)) => {
                report.dead += 1;
                self.store
                    .bury_inbound(event.id, hold.until, &reason, now)
                    .await
            }
        }
    }

    /// The records an event carries, mapped and checked, or why not.
    async fn records_of(
        &self,
        source: &InboundSource,
        event: &InboundEvent,
        hold: &mut Hold,
        batch: &Batch,
    ) -> anyhow::Result<Result<Vec<(String, Fields)>, NotApplied>> {
        let payload: Value = match serde_json::from_str(&event.payload) {
            Ok(payload) => payload,
            Err(e) => {
                return Ok(Err(NotApplied::Dead(format!(
                    "the payload is not JSON: {e}"
                ))));
            }
        };
        let mut events: Vec<&Value> = match (&source.events, event.kind) {
            (Some(path), InboundKind::Hook) => match path.find(&payload) {
                Some(Value::Array(events)) => events.iter().collect(),
                _ => {
                    let reason = format!("the payload has no list of events at {path}");
                    return Ok(Err(NotApplied::Dead(reason)));
                }
            },
            _ => vec![&payload],
        };
        if let Some(only) = &source.only {
            events.retain(|item| only.admits(item));
        }
        let Some(record_type) = self.config.schema.get(&source.record_type) else {
            let reason = format!("there is no record type {}", source.record_type);
            return Ok(Err(NotApplied::Dead(reason)));
        };
        let mut rows = Vec::with_capacity(events.len());
        let mut problems: Vec<String> = Vec::new();
        for (index, item) in events.iter().enumerate() {
            let fetched;
            let record = match (&source.fetch, event.kind) {
                (Some(_), InboundKind::Hook) => match self.fetch_back(source, item, hold).await? {
                    Ok(record) => {
                        fetched = record;
                        &fetched
                    }
                    Err(not_applied) => return Ok(Err(not_applied)),
                },
                _ => *item,
            };
            let mapped = match map_fetched(record_type, &source.fields, record, item) {
                Ok(row) => self
                    .check_event_references(record_type, &row.1, &rows, batch)
                    .await?
                    .map(|()| row),
                Err(problems) => Err(problems),
            };
            match mapped {
                Ok(row) => rows.push(row),
                Err(found) if events.len() > 1 => {
                    problems.push(format!("event {}:\n{}", index + 1, describe(&found)))
                }
                Err(found) => problems.push(describe(&found)),
            }
        }
        if problems.is_empty() {
            Ok(Ok(rows))
        } else {
            Ok(Err(NotApplied::Dead(problems.join("\n"))))
        }
    }

    /// The whole record a thin event names, read from the source (the round's claim renewed
    /// first, for the call may take its whole timeout).
    async fn fetch_back(
        &self,
        source: &InboundSource,
        event: &Value,
        hold: &mut Hold,
    ) -> anyhow::Result<Result<Value, NotApplied>> {
        let Some(fetch) = &source.fetch else {
            return Ok(Ok(event.clone()));
        };
        let Some(id) = scalar(fetch.id.find(event)) else {
            return Ok(Err(NotApplied::Dead(format!(
                "the event has no record id at {}",
                fetch.id
            ))));
        };
        let request = match fetch_request(fetch, event, &id) {
            Ok(request) => request,
            Err(reason) => return Ok(Err(NotApplied::Dead(reason))),
        };
        self.renew(hold).await?;
        Ok(self
            .source_client
            .get_json(&request.url, &request.headers(), fetch.timeout)
            .await
            .map_err(
                |FetchFailure {
                     reason,
                     transient,
                     retry_after,
                 }| {
                    if transient {
                        NotApplied::Later(reason, retry_after)
                    } else {
                        NotApplied::Dead(reason)
                    }
                },
            ))
    }

    /// Every reference of `fields` points at a stored record, at one of `earlier` (the same
    /// delivery may carry a record and one that refers to it) or at one of the round's.
    async fn check_event_references(
        &self,
        record_type: &crate::domain::RecordType,
        fields: &Fields,
        earlier: &[(String, Fields)],
        batch: &Batch,
    ) -> anyhow::Result<Result<(), Vec<MappingProblem>>> {
        let mut problems = Vec::new();
        for field in &record_type.fields {
            let FieldType::Ref(target) = &field.field_type else {
                continue;
            };
            let Some(key) = fields.get(&field.name).and_then(Value::as_str) else {
                continue;
            };
            let in_delivery = *target == record_type.name && earlier.iter().any(|(k, _)| k == key);
            let pending = in_delivery || batch.holds(target, key);
            if !pending && self.store.get_record(target, key).await?.is_none() {
                problems.push(MappingProblem {
                    field: field.name.clone(),
                    value: Some(key.to_string()),
                    message: missing_reference(target, key),
                });
            }
        }
        Ok(if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        })
    }
}
