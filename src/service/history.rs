//! Past requests: rows of a workflow's history record type (change_orders.csv…) become requests
//! with their recorded outcome and timestamps. Those still pending become live requests waiting
//! for their recorded approver, with reminders, escalation and expiry counted from submission,
//! as when a company moves its open approvals into keel.

use super::Keel;
use crate::domain::field::parse_timestamp;
use crate::domain::request::AssignedBy;
use crate::domain::{
    Assignment, EventDraft, Fields, HistoryMapping, NewTimer, Notification, NotificationKind,
    Quorum, Record, Request, Status, StepDecision, StepState, TimerKind, Workflow,
};
use crate::engine::anomaly;
use crate::engine::calendar::BusinessCalendar;
use crate::engine::lifecycle::card_for;
use crate::store::ANOMALY_HISTORY;
use anyhow::{Context as _, anyhow};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde_json::json;
use std::collections::HashSet;

impl Keel {
    /// Creates the requests of every workflow's history not yet imported; returns (created,
    /// already present).
    pub(super) async fn import_history(&self) -> anyhow::Result<(usize, usize)> {
        let (mut created, mut unchanged) = (0, 0);
        let people = self.directory.get(&self.store).await?;
        let labels = self.record_labels().await?;
        for workflow in self.config.workflows.values() {
            let Some(mapping) = &workflow.history else {
                continue;
            };
            let records = self.store.list_records(&mapping.record_type).await?;
            let filter = crate::store::RequestFilter {
                workflow: Some(workflow.name.clone()),
                ..Default::default()
            };
            let existing: HashSet<String> = self
                .store
                .list_requests(&filter)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect();
            let now = self.clock.now();
            let mut tx = self.store.begin().await?;
            let mut highest = 0;
            let calendar = &self.config.settings.company.calendar;
            let mut pasts = records
                .iter()
                .map(|record| {
                    past_request(workflow, mapping, record, calendar)
                        .with_context(|| format!("{} {}", mapping.record_type, record.key))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            flag_unusual(workflow, &mut pasts);
            for past in pasts {
                highest = highest.max(number_of(&past.request.id));
                if existing.contains(&past.request.id) {
                    unchanged += 1;
                    continue;
                }
                tx.insert_request(&past.request).await?;
                tx.append_events(&[imported_event(&past.request, now)])
                    .await?;
                self.write_request_facts(&mut tx, &past.request, &[], &people.directory)
                    .await?;
                if past.request.status == Status::Pending {
                    // The card is rendered again, with its facts, when it is delivered.
                    let look = self.card_look(&people.directory, &labels);
                    let card = card_for(&past.request, workflow, &look);
                    let notifications: Vec<Notification> = past.request.steps[0]
                        .approvers
                        .iter()
                        .map(|a| Notification {
                            to: a.person.clone(),
                            kind: NotificationKind::ApprovalRequested,
                            request_id: past.request.id.clone(),
                            text: format!(
                                "{} {} is waiting for your approval.",
                                workflow.title, past.request.id
                            ),
                            card: Some(card.clone()),
                        })
                        .collect();
                    tx.enqueue(&notifications, now).await?;
                    tx.schedule_timers(&past.timers).await?;
                }
                created += 1;
            }
            if highest > 0 {
                tx.ensure_request_number_above(&workflow.name, highest)
                    .await?;
            }
            tx.commit()
                .await
                .with_context(|| format!("committing the history of {}", workflow.name))?;
        }
        Ok((created, unchanged))
    }
}

struct PastRequest {
    request: Request,
    timers: Vec<NewTimer>,
}

/// Flags the past requests the workflow's anomaly check would have flagged when each was
/// submitted (scored against the earlier ones of its group in the history), so that the
/// anomalies insight finds the unusual requests of an imported history as it finds new ones.
/// Requests submitted in keel before the history was imported are not compared with.
fn flag_unusual(workflow: &Workflow, pasts: &mut [PastRequest]) {
    let Some(spec) = &workflow.anomaly else {
        return;
    };
    pasts.sort_by_key(|past| past.request.submitted_at);
    let seen: Vec<anomaly::Past> = pasts
        .iter()
        .map(|past| anomaly::past_of(spec, &past.request))
        .collect();
    let ungrouped = workflow.title.to_lowercase();
    let flags = anomaly::score_history(spec, &seen, ANOMALY_HISTORY, &ungrouped);
    for (past, flag) in pasts.iter_mut().zip(flags) {
        past.request.flags.extend(flag);
    }
}

fn past_request(
    workflow: &Workflow,
    mapping: &HistoryMapping,
    record: &Record,
    calendar: &BusinessCalendar,
) -> anyhow::Result<PastRequest> {
    let f = &record.fields;
    let text = |column: &str| {
        f.get(column)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let id = text(&mapping.id).ok_or_else(|| anyhow!("no {} value", mapping.id))?;
    let submitted_at = text(&mapping.submitted_at)
        .and_then(|t| moment(&t, calendar))
        .ok_or_else(|| anyhow!("no usable {} value", mapping.submitted_at))?;
    let status = history_status(mapping, f)?;
    let decided_at = mapping
        .decided_at
        .as_deref()
        .and_then(text)
        .and_then(|t| moment(&t, calendar))
        .map(|decided| decided.max(submitted_at));
    let approver = mapping.approver.as_deref().and_then(text);
    let mut fields = Fields::new();
    for field in &workflow.fields {
        let column = mapping.fields.get(&field.name).unwrap_or(&field.name);
        if let Some(value) = f.get(column).filter(|v| !v.is_null()) {
            fields.insert(field.name.clone(), value.clone());
        }
    }
    let steps: Vec<StepState> = approver
        .iter()
        .map(|person| StepState {
            name: "approve".into(),
            quorum: Quorum::Any,
            approvers: vec![Assignment {
                person: person.clone(),
                assigned_by: AssignedBy::Chain,
            }],
            approvals: match (status, decided_at) {
                (Status::Approved, Some(at)) => vec![StepDecision {
                    person: person.clone(),
                    on_behalf_of: None,
                    at,
                }],
                _ => Vec::new(),
            },
            started_at: Some(submitted_at),
            escalated: false,
        })
        .collect();
    if status == Status::Pending && steps.is_empty() {
        return Err(anyhow!("a pending request needs an approver"));
    }
    let request = Request {
        id: id.clone(),
        workflow: workflow.name.clone(),
        requester: mapping.requester.as_deref().and_then(text),
        fields,
        status,
        steps,
        current_step: 0,
        rule: None,
        flags: Vec::new(),
        submitted_at,
        decided_at: if status.is_final() {
            decided_at.or(Some(submitted_at))
        } else {
            None
        },
        idempotency_key: None,
        idempotency_fingerprint: None,
        version: 1,
    };
    let mut timers = Vec::new();
    if status == Status::Pending {
        let timing = &workflow.timing;
        for (kind, hours) in [
            (TimerKind::Remind, timing.remind_after_business_hours),
            (TimerKind::Escalate, timing.escalate_after_business_hours),
        ] {
            if let Some(hours) = hours {
                let due_at = calendar.add_business_hours(submitted_at, hours);
                timers.push(NewTimer {
                    request_id: id.clone(),
                    kind,
                    step: 0,
                    due_at,
                });
            }
        }
        if let Some(days) = timing.expire_after_days {
            let due_at = submitted_at + chrono::Duration::days(i64::from(days));
            timers.push(NewTimer {
                request_id: id.clone(),
                kind: TimerKind::Expire,
                step: 0,
                due_at,
            });
        }
    }
    Ok(PastRequest { request, timers })
}

fn history_status(mapping: &HistoryMapping, fields: &Fields) -> anyhow::Result<Status> {
    let raw = fields
        .get(&mapping.status)
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let status = mapping.status_map.get(raw).map_or(raw, String::as_str);
    status.parse().map_err(|e: String| anyhow!(e))
}

/// A timestamp, or a date taken as the midnight that begins it in the company's time zone: a
/// claim dated that day was made at some time on it, and only its start is never later than a
/// decision taken the same day (the start of the working day was, for decisions before 8:00,
/// and gave negative waiting times).
fn moment(text: &str, calendar: &BusinessCalendar) -> Option<DateTime<Utc>> {
    if let Ok(at) = parse_timestamp(text) {
        return Some(at);
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    day.and_time(NaiveTime::MIN)
        .and_local_timezone(calendar.time_zone)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The number in a request id (`CO-1464` → 1464), 0 when there is none.
fn number_of(id: &str) -> i64 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn imported_event(request: &Request, now: DateTime<Utc>) -> EventDraft {
    let approver = request
        .steps
        .first()
        .and_then(|s| s.approvers.first())
        .map(|a| a.person.clone());
    EventDraft {
        request_id: Some(request.id.clone()),
        at: now,
        actor: "import".into(),
        action: "imported".into(),
        rule: None,
        reason: None,
        data: json!({
            "status": request.status,
            "requester": request.requester,
            "approver": approver,
            "submitted_at": request.submitted_at,
            "decided_at": request.decided_at,
        }),
    }
}
