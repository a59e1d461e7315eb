//! Submission: a validated form with its decision becomes a new request.

use super::{Context, Transition, card_for, name_of, step_timers};
use crate::domain::{
    Assignment, EventDraft, Fields, Flag, NewTimer, Notification, NotificationKind, Quorum,
    Request, Status, StepState, TimerKind, request::AssignedBy,
};
use crate::engine::decision::{Decision, Verdict};
use serde_json::json;
use sha2::{Digest, Sha256};

/// A submission the service has validated, decided and routed.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub id: String,
    pub requester: String,
    pub fields: Fields,
    pub idempotency_key: Option<String>,
    /// What the key is given with ([`fingerprint`]), with the key.
    pub idempotency_fingerprint: Option<String>,
    pub decision: Decision,
    /// Flags from the anomaly check (the decision carries the rule flags).
    pub anomaly_flags: Vec<Flag>,
    /// The routed chain's steps with their resolved approvers (empty unless routed).
    pub steps: Vec<(String, Quorum, Vec<String>)>,
}

/// Builds the new request, its events, notifications and timers.
pub fn submit(submission: Submission, ctx: &Context) -> Transition {
    let Submission {
        id,
        requester,
        fields,
        idempotency_key,
        idempotency_fingerprint,
        decision,
        anomaly_flags,
        steps,
    } = submission;
    let mut flags = anomaly_flags;
    flags.extend(decision.flags.iter().cloned());
    let status = match decision.verdict {
        Verdict::Approve => Status::AutoApproved,
        Verdict::Reject => Status::AutoRejected,
        Verdict::Route(_) => Status::Pending,
    };
    let steps: Vec<StepState> = steps
        .into_iter()
        .enumerate()
        .map(|(index, (name, quorum, approvers))| StepState {
            name,
            quorum,
            approvers: approvers
                .into_iter()
                .map(|person| Assignment {
                    person,
                    assigned_by: AssignedBy::Chain,
                })
                .collect(),
            approvals: Vec::new(),
            started_at: (index == 0).then_some(ctx.now),
            escalated: false,
        })
        .collect();
    let request = Request {
        id: id.clone(),
        workflow: ctx.workflow.name.clone(),
        requester: Some(requester.clone()),
        fields,
        status,
        steps,
        current_step: 0,
        rule: decision.rule.clone(),
        flags,
        submitted_at: ctx.now,
        decided_at: status.is_final().then_some(ctx.now),
        idempotency_key,
        idempotency_fingerprint,
        version: 1,
    };
    let event = |actor: &str, action: &str, data: serde_json::Value| EventDraft {
        request_id: Some(id.clone()),
        at: ctx.now,
        actor: actor.into(),
        action: action.into(),
        rule: None,
        reason: None,
        data,
    };
    let mut events = vec![event(
        &requester,
        "submitted",
        json!({ "fields": request.fields }),
    )];
    for flag in &request.flags {
        let mut flagged = event(
            "system",
            "flagged",
            json!({ "kind": flag.kind, "details": flag.details }),
        );
        flagged.rule = Some(flag.source.clone());
        flagged.reason = Some(flag.message.clone());
        events.push(flagged);
    }
    let outcome_action = match &decision.verdict {
        Verdict::Approve => "auto_approved",
        Verdict::Reject => "auto_rejected",
        Verdict::Route(_) => "routed",
    };
    let mut outcome = event("system", outcome_action, json!({}));
    if let Verdict::Route(chain) = &decision.verdict {
        outcome.data =
            json!({ "chain": chain, "approvers": request.steps.first().map(|s| &s.approvers) });
    }
    outcome.rule = decision.rule.clone();
    outcome.reason = Some(decision.reason.clone());
    events.push(outcome);

    let card = card_for(&request, ctx.workflow, &ctx.look());
    let notifications = match request.current() {
        Some(step) => step
            .approvers
            .iter()
            .map(|a| Notification {
                to: a.person.clone(),
                kind: NotificationKind::ApprovalRequested,
                request_id: id.clone(),
                text: format!(
                    "{} asks you to approve {} {}.",
                    name_of(ctx.directory, &requester),
                    ctx.workflow.title,
                    id
                ),
                card: Some(card.clone()),
            })
            .collect(),
        None => vec![Notification {
            to: requester.clone(),
            kind: NotificationKind::Outcome,
            request_id: id.clone(),
            text: format!(
                "{} {} was {}: {}",
                ctx.workflow.title,
                id,
                status_words(status),
                decision.reason
            ),
            card: Some(card),
        }],
    };
    let mut timers = Vec::new();
    if request.status == Status::Pending {
        timers = step_timers(&request, ctx);
        if let Some(days) = ctx.workflow.timing.expire_after_days {
            timers.push(NewTimer {
                request_id: id.clone(),
                kind: TimerKind::Expire,
                step: 0,
                due_at: ctx.now + chrono::Duration::days(i64::from(days)),
            });
        }
    }
    Transition {
        request,
        events,
        notifications,
        cancel_timers: false,
        timers,
    }
}

/// What a submission with an idempotency key is remembered by: the SHA-256 of its workflow, its
/// requester (a staff id, however they were named) and its canonical form (in the form's order,
/// so the same values however they were written give the same text). Computed from the values
/// as validated, never as read back from the database, so a retry always matches.
pub fn fingerprint(workflow: &str, requester: &str, fields: &Fields) -> String {
    let canonical = json!([workflow, requester, fields]).to_string();
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

pub(crate) fn status_words(status: Status) -> &'static str {
    match status {
        Status::Pending => "sent for approval",
        Status::Approved => "approved",
        Status::AutoApproved => "approved automatically",
        Status::Rejected => "rejected",
        Status::AutoRejected => "rejected automatically",
        Status::Cancelled => "cancelled",
        Status::Expired => "expired without a decision",
    }
}
