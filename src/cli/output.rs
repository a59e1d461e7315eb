//! How requests, reports and histories read in a terminal. What people typed and files brought
//! in is printed through [`shown`], so it cannot steer the terminal.

use super::terminal::{json_shown, shown};
use crate::domain::{Event, Request, Status};
use crate::service::{Keel, TypeReport};
use serde_json::json;
use std::borrow::Cow;
use std::fmt::Write;

pub fn type_report(report: &TypeReport) -> String {
    if !report.proposed.is_empty() {
        return format!(
            "{:<18} {:>6} change requests filed ({}), nothing written until they are approved  ({})",
            report.record_type,
            report.proposed.len(),
            report.proposed.join(", "),
            report.file.display()
        );
    }
    format!(
        "{:<18} {:>6} new, {:>5} updated, {:>6} unchanged  ({})",
        report.record_type,
        report.inserted,
        report.updated,
        report.unchanged,
        report.file.display()
    )
}

/// "CO-1042 is pending: waiting for Rachel Kim (rule: director)".
pub async fn status_line(keel: &Keel, request: &Request) -> String {
    let rule = request
        .rule
        .as_ref()
        .map(|r| format!(" (rule: {})", shown(r)))
        .unwrap_or_default();
    let flags = if request.flags.is_empty() {
        String::new()
    } else {
        format!(", {} flag(s)", request.flags.len())
    };
    match request.current() {
        Some(step) => {
            let mut names = Vec::new();
            for id in step.waiting_for() {
                let name = keel.display_name(id).await;
                names.push(format!("{} ({})", shown(&name), shown(id)));
            }
            format!(
                "{} is pending: waiting for {}{rule}{flags}",
                shown(&request.id),
                names.join(", ")
            )
        }
        None => format!("{} is {}{rule}{flags}", shown(&request.id), request.status),
    }
}

/// Pending approvals grouped by who they wait for.
pub async fn pending_table(keel: &Keel, pending: &[Request]) -> String {
    let mut out = format!("Pending approvals: {}\n", pending.len());
    for request in pending {
        let waiting = request
            .current()
            .map(|s| s.waiting_for())
            .unwrap_or_default();
        let mut names = Vec::new();
        for id in waiting {
            names.push(shown(&keel.display_name(id).await).into_owned());
        }
        let _ = writeln!(
            out,
            "  {:<10} {:<16} {:>12}  waiting for {:<28} since {}",
            shown(&request.id),
            request.workflow,
            amount(request),
            names.join(", "),
            request.submitted_at.format("%Y-%m-%d %H:%M")
        );
    }
    out.trim_end().to_string()
}

pub async fn request_table(keel: &Keel, requests: &[Request]) -> String {
    let mut out = String::new();
    for request in requests {
        let requester = match &request.requester {
            Some(id) => shown(&keel.display_name(id).await).into_owned(),
            None => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<10} {:<16} {:<14} {:>12}  {:<22} {}",
            shown(&request.id),
            request.workflow,
            request.status.as_str(),
            amount(request),
            requester,
            request.submitted_at.format("%Y-%m-%d %H:%M")
        );
    }
    out.trim_end().to_string()
}

fn amount(request: &Request) -> String {
    request
        .fields
        .get("amount")
        .and_then(|v| v.as_str())
        .map(|amount| shown(amount).into_owned())
        .unwrap_or_default()
}

pub async fn request_text(keel: &Keel, request: &Request, events: &[Event]) -> String {
    let mut out = format!(
        "{}  {}\n",
        shown(&request.id),
        status_line(keel, request).await
    );
    if let Some(requester) = &request.requester {
        let _ = writeln!(
            out,
            "  requester: {} ({})",
            shown(&keel.display_name(requester).await),
            shown(requester)
        );
    }
    let _ = writeln!(out, "  submitted: {}", request.submitted_at.to_rfc3339());
    if let Some(at) = request.decided_at {
        let _ = writeln!(out, "  decided:   {}", at.to_rfc3339());
    }
    for (name, value) in &request.fields {
        let text = value
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| value.to_string());
        let _ = writeln!(out, "  {}: {}", shown(name), shown(&text));
    }
    for flag in &request.flags {
        let _ = writeln!(out, "  flag: {}", shown(&flag.message));
    }
    for (index, step) in request.steps.iter().enumerate() {
        let approvers: Vec<Cow<str>> = step.approvers.iter().map(|a| shown(&a.person)).collect();
        let current = if request.status == Status::Pending && index == request.current_step {
            " <- current"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  step {} {} ({:?}): {}{current}",
            index + 1,
            shown(&step.name),
            step.quorum,
            approvers.join(", ")
        );
    }
    out.push_str("  history:\n");
    for event in events {
        let d = &event.draft;
        let extra = [
            d.rule.as_ref().map(|r| format!("rule {}", shown(r))),
            d.reason.as_deref().map(|reason| shown(reason).into_owned()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
        let _ = writeln!(
            out,
            "    {:<7} {} {:<10} {:<14} {extra}",
            if event.is_sealed() {
                format!("#{}", event.seq)
            } else {
                "unsealed".to_string()
            },
            d.at.format("%Y-%m-%d %H:%M:%S"),
            shown(&d.actor),
            shown(&d.action)
        );
    }
    out.trim_end().to_string()
}

pub fn request_json(request: &Request, events: &[Event]) -> String {
    let json = serde_json::to_string_pretty(&request_json_value(request, events));
    json_shown(&json.unwrap_or_default()).into_owned()
}

/// A request with its history as JSON (the API and `keel request show --format json`).
pub fn request_json_value(request: &Request, events: &[Event]) -> serde_json::Value {
    json!({
        "id": request.id,
        "workflow": request.workflow,
        "requester": request.requester,
        "status": request.status,
        "fields": request.fields,
        "steps": request.steps,
        "current_step": request.current_step,
        "rule": request.rule,
        "flags": request.flags,
        "submitted_at": request.submitted_at,
        "decided_at": request.decided_at,
        "events": events,
    })
}
