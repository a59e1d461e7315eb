//! People acting on a request: approve, reject, cancel, comment, with every refusal explained.

use super::{
    Act, Action, Context, MAX_TEXT, Refusal, Transition, card_for, name_of, names, step_timers,
};
use crate::domain::{EventDraft, Notification, NotificationKind, Request, Status, StepDecision};
use serde_json::json;

/// Applies one person's action to a request, or explains why not.
pub fn act(request: &Request, act: &Act, ctx: &Context) -> Result<Transition, Refusal> {
    let id = request.id.clone();
    if act.action.text().is_some_and(crate::engine::form::has_nul) {
        return Err(Refusal::NulInReason);
    }
    if let Action::Comment { text } = &act.action {
        return comment(request, &act.actor, text, ctx);
    }
    if request.status.is_final() {
        return Err(Refusal::Closed {
            id,
            status: request.status.to_string(),
        });
    }
    if let Some(seen) = act.seen_step
        && seen != request.current_step
    {
        return Err(wrong_step(request, seen));
    }
    match &act.action {
        Action::Approve => approve(request, &act.actor, ctx),
        Action::Reject { reason } => reject(request, &act.actor, reason, ctx),
        Action::Cancel { reason } => cancel(request, &act.actor, reason.as_deref(), ctx),
        Action::Comment { .. } => unreachable!("comments are handled above"),
    }
}

/// Why acting on step `seen` (0-based, as cards and the API count) is refused when the request
/// waits at another: that step does not exist, has not started, or is done.
fn wrong_step(request: &Request, seen: usize) -> Refusal {
    let id = request.id.clone();
    let current = request.current_step + 1;
    if seen >= request.steps.len() {
        Refusal::NoSuchStep {
            id,
            seen,
            steps: request.steps.len(),
            current,
        }
    } else if seen > request.current_step {
        Refusal::StepNotStarted {
            id,
            seen: seen + 1,
            current,
        }
    } else {
        Refusal::StepMovedOn {
            id,
            seen: seen + 1,
            current,
        }
    }
}

/// Whose approval the actor gives: their own, or a waiting approver's as delegate or admin.
fn acting_for(request: &Request, actor: &str, ctx: &Context) -> Result<Option<String>, Refusal> {
    let id = request.id.clone();
    if request.requester.as_deref() == Some(actor) {
        return Err(Refusal::OwnRequest { id });
    }
    let step = request.current().ok_or_else(|| Refusal::Closed {
        id: id.clone(),
        status: request.status.to_string(),
    })?;
    let waiting = step.waiting_for();
    if step.is_approver(actor) {
        if !waiting.contains(&actor) {
            return Err(Refusal::AlreadyApproved {
                id,
                waiting: names(ctx.directory, &waiting),
            });
        }
        return Ok(None);
    }
    let today = ctx.now.with_timezone(&ctx.calendar.time_zone).date_naive();
    let delegated = ctx.delegations.iter().find(|d| {
        d.to_person == actor && d.covers(today) && waiting.contains(&d.from_person.as_str())
    });
    if let Some(delegation) = delegated {
        return Ok(Some(delegation.from_person.clone()));
    }
    if ctx.directory.is_admin(actor)
        && let Some(first) = waiting.first()
    {
        return Ok(Some(first.to_string()));
    }
    Err(Refusal::NotYourTurn {
        id,
        waiting: names(ctx.directory, &waiting),
    })
}

fn approve(request: &Request, actor: &str, ctx: &Context) -> Result<Transition, Refusal> {
    let on_behalf_of = acting_for(request, actor, ctx)?;
    let mut next = request.clone();
    next.version += 1;
    let step_index = next.current_step;
    let step = &mut next.steps[step_index];
    step.approvals.push(StepDecision {
        person: actor.into(),
        on_behalf_of: on_behalf_of.clone(),
        at: ctx.now,
    });
    let step_done = step.is_complete();
    let step_name = step.name.clone();
    let last_step = step_index + 1 == next.steps.len();
    let mut cancel_timers = false;
    let mut timers = Vec::new();
    if step_done && last_step {
        next.status = Status::Approved;
        next.decided_at = Some(ctx.now);
        cancel_timers = true;
    } else if step_done {
        next.current_step += 1;
        next.steps[next.current_step].started_at = Some(ctx.now);
        cancel_timers = true;
        timers = step_timers(&next, ctx);
        timers.extend(expiry_timer(request, ctx));
    }
    let data = json!({
        "step": step_index, "step_name": step_name, "on_behalf_of": on_behalf_of,
        "step_complete": step_done, "final": step_done && last_step,
    });
    let events = vec![event(&next, actor, "approved", None, data, ctx)];
    let mut notifications = card_updates(request, &next, actor, ctx);
    if next.status == Status::Approved {
        notifications.extend(outcome(
            &next,
            format!("approved by {}", name_of(ctx.directory, actor)),
            ctx,
        ));
    } else if step_done {
        notifications.extend(ask_approvers(&next, ctx));
    }
    Ok(Transition {
        request: next,
        events,
        notifications,
        cancel_timers,
        timers,
    })
}

fn reject(
    request: &Request,
    actor: &str,
    reason: &str,
    ctx: &Context,
) -> Result<Transition, Refusal> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Refusal::ReasonRequired {
            id: request.id.clone(),
        });
    }
    if reason.chars().count() > MAX_TEXT {
        return Err(Refusal::BadText);
    }
    let on_behalf_of = acting_for(request, actor, ctx)?;
    let mut next = request.clone();
    next.version += 1;
    next.status = Status::Rejected;
    next.decided_at = Some(ctx.now);
    let data = json!({ "step": request.current_step, "on_behalf_of": on_behalf_of });
    let events = vec![event(&next, actor, "rejected", Some(reason), data, ctx)];
    // The cards of the rejection say who rejected it and why.
    let ctx = &Context {
        rejected_by: Some(actor),
        reason: Some(reason),
        ..*ctx
    };
    let mut notifications = card_updates(request, &next, actor, ctx);
    let words = format!("rejected by {}: {reason}", name_of(ctx.directory, actor));
    notifications.extend(outcome(&next, words, ctx));
    Ok(Transition {
        request: next,
        events,
        notifications,
        cancel_timers: true,
        timers: Vec::new(),
    })
}

fn cancel(
    request: &Request,
    actor: &str,
    reason: Option<&str>,
    ctx: &Context,
) -> Result<Transition, Refusal> {
    let requester = request.requester.clone().unwrap_or_default();
    if requester != actor {
        return Err(Refusal::NotRequester {
            id: request.id.clone(),
            requester: name_of(ctx.directory, &requester),
        });
    }
    if reason.is_some_and(|r| r.chars().count() > MAX_TEXT) {
        return Err(Refusal::BadText);
    }
    let mut next = request.clone();
    next.version += 1;
    next.status = Status::Cancelled;
    next.decided_at = Some(ctx.now);
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let events = vec![event(
        &next,
        actor,
        "cancelled",
        reason,
        json!({ "step": request.current_step }),
        ctx,
    )];
    let ctx = &Context { reason, ..*ctx };
    let notifications = card_updates(request, &next, actor, ctx);
    Ok(Transition {
        request: next,
        events,
        notifications,
        cancel_timers: true,
        timers: Vec::new(),
    })
}

fn comment(
    request: &Request,
    actor: &str,
    text: &str,
    ctx: &Context,
) -> Result<Transition, Refusal> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return Err(Refusal::BadText);
    }
    let participants = participants(request);
    let involved = participants.iter().any(|p| p == actor) || ctx.directory.is_admin(actor);
    if !involved {
        return Err(Refusal::NotParticipant {
            id: request.id.clone(),
        });
    }
    let mut next = request.clone();
    next.version += 1;
    let events = vec![event(&next, actor, "commented", Some(text), json!({}), ctx)];
    let notifications = participants
        .iter()
        .filter(|p| p.as_str() != actor)
        .map(|to| Notification {
            to: to.clone(),
            kind: NotificationKind::Comment,
            request_id: request.id.clone(),
            text: format!(
                "{} commented on {}: {text}",
                name_of(ctx.directory, actor),
                request.id
            ),
            card: None,
        })
        .collect();
    Ok(Transition {
        request: next,
        events,
        notifications,
        cancel_timers: false,
        timers: Vec::new(),
    })
}

/// The requester and everyone assigned to any step, without duplicates.
fn participants(request: &Request) -> Vec<String> {
    let mut people: Vec<String> = request.requester.iter().cloned().collect();
    for assignment in request.steps.iter().flat_map(|s| &s.approvers) {
        if !people.contains(&assignment.person) {
            people.push(assignment.person.clone());
        }
    }
    people
}

pub(super) fn event(
    request: &Request,
    actor: &str,
    action: &str,
    reason: Option<&str>,
    data: serde_json::Value,
    ctx: &Context,
) -> EventDraft {
    EventDraft {
        request_id: Some(request.id.clone()),
        at: ctx.now,
        actor: actor.into(),
        action: action.into(),
        rule: None,
        reason: reason.map(Into::into),
        data,
    }
}

/// Tells everyone who holds the card of the previous state (the current step's approvers) that
/// it changed, so that every surface it was posted to shows the new state.
pub(super) fn card_updates(
    before: &Request,
    after: &Request,
    actor: &str,
    ctx: &Context,
) -> Vec<Notification> {
    let card = card_for(after, ctx.workflow, &ctx.look());
    before
        .current()
        .map(|step| {
            step.approvers
                .iter()
                .map(|a| a.person.clone())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .map(|to| Notification {
            to,
            kind: NotificationKind::CardUpdated,
            request_id: after.id.clone(),
            text: format!(
                "{} {}: {} by {}.",
                ctx.workflow.title,
                after.id,
                card.status,
                name_of(ctx.directory, actor)
            ),
            card: Some(card.clone()),
        })
        .collect()
}

/// Tells the requester how their request ended.
pub(super) fn outcome(request: &Request, words: String, ctx: &Context) -> Option<Notification> {
    let requester = request.requester.clone()?;
    Some(Notification {
        to: requester,
        kind: NotificationKind::Outcome,
        request_id: request.id.clone(),
        text: format!(
            "Your {} {} was {words}.",
            ctx.workflow.title.to_lowercase(),
            request.id
        ),
        card: Some(card_for(request, ctx.workflow, &ctx.look())),
    })
}

/// Asks the current step's approvers to decide.
pub(super) fn ask_approvers(request: &Request, ctx: &Context) -> Vec<Notification> {
    let card = card_for(request, ctx.workflow, &ctx.look());
    let requester = request
        .requester
        .as_deref()
        .map(|r| name_of(ctx.directory, r))
        .unwrap_or_default();
    request
        .current()
        .map(|step| step.waiting_for())
        .unwrap_or_default()
        .into_iter()
        .map(|to| Notification {
            to: to.to_string(),
            kind: NotificationKind::ApprovalRequested,
            request_id: request.id.clone(),
            text: format!(
                "{requester} asks you to approve {} {}.",
                ctx.workflow.title, request.id
            ),
            card: Some(card.clone()),
        })
        .collect()
}

/// Moving to the next step cancels the request's timers, so its expiry (counted from
/// submission, not from the step) is scheduled again with the same due time.
fn expiry_timer(request: &Request, ctx: &Context) -> Option<crate::domain::NewTimer> {
    let days = ctx.workflow.timing.expire_after_days?;
    Some(crate::domain::NewTimer {
        request_id: request.id.clone(),
        kind: crate::domain::TimerKind::Expire,
        step: 0,
        due_at: request.submitted_at + chrono::Duration::days(i64::from(days)),
    })
}
