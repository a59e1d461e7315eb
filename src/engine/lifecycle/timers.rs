//! Timers firing: reminders, escalations (the approver's manager joins the step, the approver
//! keeps it) and expiry. A timer whose request or step has moved on does nothing.

use super::act::{ask_approvers, card_updates, event, outcome};
use super::{Context, Transition, card_for, names};
use crate::domain::request::AssignedBy;
use crate::domain::{Assignment, Notification, NotificationKind, Request, Timer, TimerKind};
use serde_json::json;

/// The transition a due timer causes, or `None` when it no longer applies.
pub fn fire_timer(request: &Request, timer: &Timer, ctx: &Context) -> Option<Transition> {
    if request.status.is_final() {
        return None;
    }
    if timer.kind != TimerKind::Expire && timer.step != request.current_step {
        return None;
    }
    Some(match timer.kind {
        TimerKind::Remind => remind(request, ctx),
        TimerKind::Escalate => escalate(request, ctx),
        TimerKind::Expire => expire(request, ctx),
    })
}

fn remind(request: &Request, ctx: &Context) -> Transition {
    let mut next = request.clone();
    next.version += 1;
    let waiting: Vec<String> = waiting(request);
    let data = json!({ "step": request.current_step, "to": waiting });
    let events = vec![event(&next, "system", "reminded", None, data, ctx)];
    let card = card_for(&next, ctx.workflow, &ctx.look());
    let notifications = waiting
        .iter()
        .map(|to| Notification {
            to: to.clone(),
            kind: NotificationKind::Reminder,
            request_id: request.id.clone(),
            text: format!(
                "Reminder: {} {} is waiting for your decision.",
                ctx.workflow.title, request.id
            ),
            card: Some(card.clone()),
        })
        .collect();
    Transition {
        request: next,
        events,
        notifications,
        cancel_timers: false,
        timers: Vec::new(),
    }
}

fn escalate(request: &Request, ctx: &Context) -> Transition {
    let mut next = request.clone();
    next.version += 1;
    let waiting = waiting(request);
    let step = &mut next.steps[request.current_step];
    let mut added = Vec::new();
    for approver in &waiting {
        let manager = ctx
            .directory
            .get(approver)
            .and_then(|p| p.manager_id.clone());
        if let Some(manager) = manager
            && !step.is_approver(&manager)
            && request.requester.as_deref() != Some(manager.as_str())
            && ctx.directory.get(&manager).is_some_and(|m| m.active)
        {
            step.approvers.push(Assignment {
                person: manager.clone(),
                assigned_by: AssignedBy::Escalation,
            });
            added.push(manager);
        }
    }
    step.escalated = true;
    let added_refs: Vec<&str> = added.iter().map(String::as_str).collect();
    let reason = format!(
        "waited {} business hours; added {}",
        ctx.workflow
            .timing
            .escalate_after_business_hours
            .unwrap_or_default(),
        names(ctx.directory, &added_refs)
    );
    let data = json!({ "step": request.current_step, "added": added, "waiting": waiting });
    let events = vec![event(
        &next,
        "system",
        "escalated",
        Some(&reason),
        data,
        ctx,
    )];
    let mut notifications: Vec<Notification> = ask_approvers(&next, ctx)
        .into_iter()
        .map(|mut n| {
            if added.contains(&n.to) {
                n.kind = NotificationKind::Escalation;
                n.text = format!(
                    "Escalated to you: {} {} has waited too long for {}.",
                    ctx.workflow.title,
                    request.id,
                    names(
                        ctx.directory,
                        &waiting.iter().map(String::as_str).collect::<Vec<_>>()
                    )
                );
            } else {
                n.kind = NotificationKind::CardUpdated;
                n.text = format!(
                    "{} {} was escalated; you can still decide.",
                    ctx.workflow.title, request.id
                );
            }
            n
        })
        .collect();
    notifications.retain(|n| added.contains(&n.to) || waiting.contains(&n.to));
    Transition {
        request: next,
        events,
        notifications,
        cancel_timers: false,
        timers: Vec::new(),
    }
}

fn expire(request: &Request, ctx: &Context) -> Transition {
    let mut next = request.clone();
    next.version += 1;
    next.status = crate::domain::Status::Expired;
    next.decided_at = Some(ctx.now);
    let days = ctx.workflow.timing.expire_after_days.unwrap_or_default();
    let reason = format!("no decision within {days} days");
    let events = vec![event(
        &next,
        "system",
        "expired",
        Some(&reason),
        json!({ "step": request.current_step }),
        ctx,
    )];
    let mut notifications = card_updates(request, &next, "keel", ctx);
    notifications.extend(outcome(
        &next,
        format!("not decided within {days} days and has expired"),
        ctx,
    ));
    Transition {
        request: next,
        events,
        notifications,
        cancel_timers: true,
        timers: Vec::new(),
    }
}

fn waiting(request: &Request) -> Vec<String> {
    request
        .current()
        .map(|s| s.waiting_for().into_iter().map(String::from).collect())
        .unwrap_or_default()
}
