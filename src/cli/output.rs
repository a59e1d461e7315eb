//! How requests, reports and histories read in a terminal.

use crate::domain::{Event, Request, Status};
use crate::service::{Keel, TypeReport};
use serde_json::json;
use std::fmt::Write;

pub fn type_report(report: &TypeReport) -> String {
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
        .map(|r| format!(" (rule: {r})"))
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
                names.push(format!("{} ({id})", keel.display_name(id).await));
            }
            format!(
                "{} is pending: waiting for {}{rule}{flags}",
                request.id,
                names.join(", ")
            )
        }
        None => format!("{} is {}{rule}{flags}", request.id, request.status),
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
            names.push(keel.display_name(id).await);
        }
        let _ = writeln!(
            out,
            "  {:<10} {:<16} {:>12}  waiting for {:<28} since {}",
            request.id,
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
            Some(id) => keel.display_name(id).await,
            None => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<10} {:<16} {:<14} {:>12}  {:<22} {}",
            request.id,
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
        .unwrap_or("")
        .to_string()
}

pub async fn request_text(keel: &Keel, request: &Request, events: &[Event]) -> String {
    let mut out = format!("{}  {}\n", request.id, status_line(keel, request).await);
    if let Some(requester) = &request.requester {
        let _ = writeln!(
            out,
            "  requester: {} ({requester})",
            keel.display_name(requester).await
        );
    }
    let _ = writeln!(out, "  submitted: {}", request.submitted_at.to_rfc3339());
    if let Some(at) = request.decided_at {
        let _ = writeln!(out, "  decided:   {}", at.to_rfc3339());
    }
    for (name, value) in &request.fields {
        let _ = writeln!(
            out,
            "  {name}: {}",
            value
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| value.to_string())
        );
    }
    for flag in &request.flags {
        let _ = writeln!(out, "  flag: {}", flag.message);
    }
    for (index, step) in request.steps.iter().enumerate() {
        let approvers: Vec<&str> = step.approvers.iter().map(|a| a.person.as_str()).collect();
        let current = if request.status == Status::Pending && index == request.current_step {
            " <- current"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  step {} {} ({:?}): {}{current}",
            index + 1,
            step.name,
            step.quorum,
            approvers.join(", ")
        );
    }
    out.push_str("  history:\n");
    for event in events {
        let d = &event.draft;
        let extra = [
            d.rule.as_ref().map(|r| format!("rule {r}")),
            d.reason.clone(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
        let _ = writeln!(
            out,
            "    #{:<6} {} {:<10} {:<14} {extra}",
            event.seq,
            d.at.format("%Y-%m-%d %H:%M:%S"),
            d.actor,
            d.action
        );
    }
    out.trim_end().to_string()
}

pub fn request_json(request: &Request, events: &[Event]) -> String {
    serde_json::to_string_pretty(&request_json_value(request, events)).unwrap_or_default()
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
