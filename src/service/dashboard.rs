//! The dashboard's figures: what waits for whom and for how long (against the workflow's
//! escalation time, its service level), how long decisions take per workflow and per approver,
//! and whether the audit trail's hash chain is intact. Counts and times are for everyone; the
//! requests themselves (fields, reasons, comments) only for their participants and admins.

use super::dashboard_figures::{cycle_samples, queues, summarise};
use super::dashboard_integrations::Integrations;
use super::{Keel, ServiceError};
use crate::domain::{Directory, Event, Person, Request, Status};
use crate::store::RequestFilter;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Audit events and requests listed on the dashboard.
const RECENT: usize = 50;
const RECENT_REQUESTS: usize = 100;

#[derive(Debug, Serialize)]
pub struct Dashboard {
    pub generated_at: DateTime<Utc>,
    pub pending: Vec<PendingRow>,
    pub pending_by_approver: Vec<ApproverQueue>,
    pub cycle_time: CycleTimes,
    pub audit: AuditCheck,
    pub recent_audit: Vec<AuditRow>,
    pub recent_requests: Vec<RequestRow>,
    pub undelivered: Undelivered,
    /// Sources and targets, for admins only (`null` for everyone else).
    pub integrations: Option<Integrations>,
}

/// Notifications not delivered yet: counts for everyone; the parked ones listed for the requests
/// the viewer may see.
#[derive(Debug, Serialize)]
pub struct Undelivered {
    pub pending: i64,
    pub parked: i64,
    pub parked_list: Vec<ParkedRow>,
}

/// A parked notification (see `keel outbox failed`).
#[derive(Debug, Serialize)]
pub struct ParkedRow {
    pub id: i64,
    pub request_id: String,
    pub recipient: Named,
    pub kind: &'static str,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub parked_at: DateTime<Utc>,
    /// When keel tries again by itself; `None` while held until `keel outbox retry`.
    pub retry_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct PendingRow {
    pub request_id: String,
    pub workflow: String,
    pub title: String,
    pub requester: Option<Named>,
    pub approvers: Vec<Named>,
    pub age_hours: f64,
    pub waiting_business_hours: f64,
    /// The workflow's escalation time: waiting longer breaches the service level.
    pub sla_business_hours: Option<u32>,
    pub breached: bool,
    pub amount: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct AgeBuckets {
    pub under_1d: usize,
    pub d1_3: usize,
    pub d3_7: usize,
    pub over_7d: usize,
}

#[derive(Debug, Serialize)]
pub struct ApproverQueue {
    pub approver: Named,
    pub count: usize,
    pub breached: usize,
    pub buckets: AgeBuckets,
}

#[derive(Debug, Serialize)]
pub struct CycleTimes {
    pub by_workflow: Vec<CycleTime>,
    pub by_approver: Vec<CycleTime>,
}

/// How long decisions took, in calendar hours.
#[derive(Debug, PartialEq, Serialize)]
pub struct CycleTime {
    pub key: String,
    pub label: String,
    pub count: usize,
    pub median_hours: f64,
    pub p90_hours: f64,
}

#[derive(Debug, Serialize)]
pub struct AuditCheck {
    pub ok: bool,
    pub events: usize,
    pub problem: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub actor: String,
    pub actor_name: String,
    pub action: String,
    pub rule: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RequestRow {
    pub id: String,
    pub workflow: String,
    pub title: String,
    pub status: Status,
    pub requester_name: Option<String>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub amount: Option<String>,
}

impl Keel {
    /// The requests matching `filter` that `viewer` may see (see [`may_see`]): what the
    /// anomalies insight and a digest's waiting requests list.
    pub(super) async fn requests_seen_by(
        &self,
        viewer: &Person,
        filter: &RequestFilter,
    ) -> anyhow::Result<Vec<Request>> {
        let people = self.directory.get(&self.store).await?;
        Ok(self
            .store
            .list_requests(filter)
            .await?
            .into_iter()
            .filter(|r| may_see(&people.directory, viewer, r))
            .collect())
    }

    /// Everything the dashboard shows `viewer`, as of now.
    pub async fn dashboard(&self, viewer: &Person) -> Result<Dashboard, ServiceError> {
        let now = self.clock.now();
        let people = self.directory.get(&self.store).await?;
        let name = |id: &str| Named {
            id: id.to_string(),
            name: people
                .directory
                .get(id)
                .map(|p| p.name.clone())
                .unwrap_or_else(|| id.to_string()),
        };
        let title = |workflow: &str| {
            self.config
                .workflows
                .get(workflow)
                .map(|w| w.title.clone())
                .unwrap_or_else(|| workflow.to_string())
        };
        let requests = self.store.list_requests(&RequestFilter::default()).await?;
        let mut pending = self.pending_rows(&requests, now, &name, &title);
        let pending_by_approver = queues(&pending);
        let visible: std::collections::HashSet<&str> = requests
            .iter()
            .filter(|r| may_see(&people.directory, viewer, r))
            .map(|r| r.id.as_str())
            .collect();
        pending.retain(|row| visible.contains(row.request_id.as_str()));
        let (by_workflow, by_approver) = cycle_samples(&requests);
        let cycle_time = CycleTimes {
            by_workflow: summarise(by_workflow, |key| title(key)),
            by_approver: summarise(by_approver, |key| name(key).name),
        };
        let (events, head) = self.store.audit_chain().await?;
        let audit = audit_check(&events, head);
        let recent_audit = events
            .iter()
            .rev()
            .filter(|e| match &e.draft.request_id {
                Some(id) => visible.contains(id.as_str()),
                None => e.draft.actor == viewer.id || people.directory.is_admin(&viewer.id),
            })
            .take(RECENT)
            .map(|e| audit_row(e, name(&e.draft.actor).name))
            .collect();
        let recent_requests = requests
            .iter()
            .rev()
            .filter(|r| visible.contains(r.id.as_str()))
            .take(RECENT_REQUESTS)
            .map(|r| RequestRow {
                id: r.id.clone(),
                workflow: r.workflow.clone(),
                title: title(&r.workflow),
                status: r.status,
                requester_name: r.requester.as_deref().map(|id| name(id).name),
                submitted_at: r.submitted_at,
                decided_at: r.decided_at,
                amount: amount_of(r),
            })
            .collect();
        let undelivered = self.undelivered(&visible, &people.directory).await?;
        let integrations = self.integrations_for(viewer, &people.directory).await?;
        Ok(Dashboard {
            undelivered,
            integrations,
            generated_at: now,
            pending,
            pending_by_approver,
            cycle_time,
            audit,
            recent_audit,
            recent_requests,
        })
    }

    /// The outbox's counts, and its parked notifications of the requests in `visible`.
    async fn undelivered(
        &self,
        visible: &std::collections::HashSet<&str>,
        directory: &Directory,
    ) -> anyhow::Result<Undelivered> {
        let counts = self.store.outbox_counts().await?;
        let parked_list = self
            .store
            .outbox_failed()
            .await?
            .into_iter()
            .filter(|f| visible.contains(f.item.notification.request_id.as_str()))
            .map(|f| ParkedRow {
                id: f.item.id,
                request_id: f.item.notification.request_id.clone(),
                recipient: Named {
                    id: f.item.notification.to.clone(),
                    name: directory
                        .get(&f.item.notification.to)
                        .map_or_else(|| f.item.notification.to.clone(), |p| p.name.clone()),
                },
                kind: f.item.notification.kind.describe(),
                attempts: f.item.attempts,
                last_error: f.last_error,
                parked_at: f.failed_at,
                retry_at: f.retry_at,
            })
            .collect();
        Ok(Undelivered {
            pending: counts.pending,
            parked: counts.parked,
            parked_list,
        })
    }

    /// A request and its history, for someone who may see it (see [`may_see`]).
    pub async fn request_history_for(
        &self,
        viewer: &Person,
        id: &str,
    ) -> Result<(Request, Vec<Event>), ServiceError> {
        let (request, events) = self.request_with_history(id).await?;
        let people = self.directory.get(&self.store).await?;
        if !may_see(&people.directory, viewer, &request) {
            return Err(super::UserError::NotVisible(request.id).into());
        }
        Ok((request, events))
    }

    /// Whether `viewer` may see request `id` (see [`may_see`]); `false` when there is no such
    /// request. What a shared channel shows of a card is decided by it.
    pub async fn may_see_request(&self, viewer: &Person, id: &str) -> anyhow::Result<bool> {
        let Some(request) = self.store.get_request(id).await? else {
            return Ok(false);
        };
        let people = self.directory.get(&self.store).await?;
        Ok(may_see(&people.directory, viewer, &request))
    }

    pub(super) fn pending_rows(
        &self,
        requests: &[Request],
        now: DateTime<Utc>,
        name: &dyn Fn(&str) -> Named,
        title: &dyn Fn(&str) -> String,
    ) -> Vec<PendingRow> {
        let calendar = &self.config.settings.company.calendar;
        requests
            .iter()
            .filter_map(|request| {
                let step = request.current()?;
                let since = step.started_at.unwrap_or(request.submitted_at);
                let waiting = calendar.business_hours_between(since, now);
                let sla = self
                    .config
                    .workflows
                    .get(&request.workflow)
                    .and_then(|w| w.timing.escalate_after_business_hours);
                Some(PendingRow {
                    request_id: request.id.clone(),
                    workflow: request.workflow.clone(),
                    title: title(&request.workflow),
                    requester: request.requester.as_deref().map(name),
                    approvers: step.waiting_for().into_iter().map(name).collect(),
                    age_hours: hours(now - since),
                    waiting_business_hours: (waiting * 10.0).round() / 10.0,
                    sla_business_hours: sla,
                    breached: sla.is_some_and(|sla| waiting > f64::from(sla)),
                    amount: amount_of(request),
                })
            })
            .collect()
    }
}

/// Whether the chain verifies against its head, as the dashboard shows it.
fn audit_check(events: &[Event], head: Option<(i64, String)>) -> AuditCheck {
    let verdict = crate::engine::audit::verify(
        events,
        head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
    );
    match verdict {
        Ok(count) => AuditCheck {
            ok: true,
            events: count,
            problem: None,
        },
        Err(breaks) => AuditCheck {
            ok: false,
            events: events.len(),
            problem: Some(summary_of(&breaks)),
        },
    }
}

/// Whether `viewer` may see a request's fields and history: its requester, anyone it was ever
/// routed to or approved by, and admins.
pub fn may_see(directory: &Directory, viewer: &Person, request: &Request) -> bool {
    request.requester.as_deref() == Some(viewer.id.as_str())
        || directory.is_admin(&viewer.id)
        || request.steps.iter().any(|step| {
            step.is_approver(&viewer.id)
                || step
                    .approvals
                    .iter()
                    .any(|d| d.person == viewer.id || d.on_behalf_of.as_deref() == Some(&viewer.id))
        })
}

fn audit_row(event: &Event, actor_name: String) -> AuditRow {
    let d = &event.draft;
    AuditRow {
        seq: event.seq,
        at: d.at,
        request_id: d.request_id.clone(),
        actor: d.actor.clone(),
        actor_name,
        action: d.action.clone(),
        rule: d.rule.clone(),
        reason: d.reason.clone(),
    }
}

/// A request's `amount` field, as entered (canonical money text), if it has one.
pub(super) fn amount_of(request: &Request) -> Option<String> {
    request
        .fields
        .get("amount")
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

pub(super) fn hours(duration: chrono::Duration) -> f64 {
    (duration.num_minutes() as f64 / 6.0).round() / 10.0
}

/// The first break of the audit chain, and how many more there are (all are listed by
/// `keel audit verify`).
fn summary_of(breaks: &[crate::engine::audit::Tamper]) -> String {
    let first = breaks.first().map_or_else(String::new, ToString::to_string);
    match breaks.len() {
        0 | 1 => first,
        n => format!("{first}; and {} more (keel audit verify lists them)", n - 1),
    }
}
