//! The approval card of a request: the same platform-neutral card for every surface, written
//! for a person: names not ids, money with the company's currency, the rule's reason instead of
//! its name, an unusual amount in words with its numbers behind a "why", who decided, when (in
//! the company's time zone) and why, and the workflow's context facts as the service computed
//! them.

use super::{name_of, names};
use crate::domain::{
    Card, CardButton, CardFact, Directory, FieldType, Flag, RecordLabels, Request, Status, Workflow,
};
use chrono_tz::Tz;
use serde_json::Value;

/// What a card is written with besides the request and its workflow.
#[derive(Clone, Copy)]
pub struct CardLook<'a> {
    pub directory: &'a Directory,
    pub labels: &'a RecordLabels,
    /// The company's currency symbol or code (`[company] currency`).
    pub currency: &'a str,
    /// The company's time zone: when it was decided, as people there read the time.
    pub time_zone: Tz,
    /// The workflow's context facts, computed by the service before the transition.
    pub facts: &'a [CardFact],
    /// Who rejected it (a staff id): the request keeps only its approvals.
    pub rejected_by: Option<&'a str>,
    /// The reason the person who decided gave (a rejection's, a cancellation's).
    pub reason: Option<&'a str>,
}

/// The card as it should look now: fields (referenced records by name), where it stands, why,
/// flags, context facts, and buttons while pending.
pub fn card_for(request: &Request, workflow: &Workflow, look: &CardLook) -> Card {
    let mut fields = Vec::new();
    if let Some(requester) = &request.requester {
        fields.push((
            "Requested by".to_string(),
            name_of(look.directory, requester),
        ));
    }
    for field in &workflow.fields {
        if let Some(value) = request.fields.get(&field.name) {
            fields.push((
                field.label.clone(),
                field_text(value, &field.field_type, look),
            ));
        }
    }
    let status = match request.current() {
        Some(step) => {
            let step_label = if request.steps.len() > 1 {
                format!(
                    " (step {} of {}: {})",
                    request.current_step + 1,
                    request.steps.len(),
                    step.name
                )
            } else {
                String::new()
            };
            format!(
                "Waiting for {}{step_label}",
                names(look.directory, &step.waiting_for())
            )
        }
        None => decided_status(request, look),
    };
    let mut notes = Vec::new();
    if let Some(rule) = &request.rule {
        notes.push(rule_words(workflow, rule));
    }
    if let (Some(reason), true) = (look.reason, request.status.is_final()) {
        notes.push(format!("Reason given: {reason}"));
    }
    let mut flags = Vec::new();
    for flag in &request.flags {
        match unusual(flag, workflow, look) {
            Some(fact) => flags.push(fact),
            None => notes.push(format!("⚑ {}", flag.message)),
        }
    }
    let buttons = if request.status == Status::Pending {
        [
            ("Approve", "approve"),
            ("Reject", "reject"),
            ("Comment", "comment"),
        ]
        .into_iter()
        .map(|(label, action)| CardButton {
            label: label.into(),
            action: action.into(),
            request_id: request.id.clone(),
            step: request.current_step,
        })
        .collect()
    } else {
        Vec::new()
    };
    Card {
        title: format!("{} {}", workflow.title, request.id),
        fields,
        status,
        notes,
        flags,
        facts: look.facts.to_vec(),
        buttons,
        questions: Vec::new(),
    }
}

/// A form value as a person reads it: a record by its name, money with the currency and
/// thousands separators.
fn field_text(value: &Value, field_type: &FieldType, look: &CardLook) -> String {
    match (value, field_type) {
        (Value::String(key), FieldType::Ref(record_type)) => {
            match look.labels.label(record_type, key) {
                Some(label) if label != key => format!("{label} ({key})"),
                _ => key.clone(),
            }
        }
        (value, FieldType::Money) => match number(value) {
            Some(amount) => crate::ask::figure(&Value::from(amount), Some(look.currency)),
            None => plain(value),
        },
        (value, _) => plain(value),
    }
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The decision-table row in words: its reason, or its name made readable.
fn rule_words(workflow: &Workflow, rule: &str) -> String {
    match workflow.rules.iter().find(|r| r.name == rule) {
        Some(row) if !row.reason.trim().is_empty() => format!("Why here: {}", row.reason),
        _ => format!("Why here: the “{}” rule", rule.replace('_', " ")),
    }
}

/// An anomaly flag in words ("about 4.9× this project's usual change order") with its stored
/// numbers behind the why; `None` for a flag that is not an anomaly's or lacks its numbers.
fn unusual(flag: &Flag, workflow: &Workflow, look: &CardLook) -> Option<CardFact> {
    if flag.kind != "anomaly" {
        return None;
    }
    let detail = |name: &str| flag.details.get(name).and_then(Value::as_f64);
    let (value, median, mad, z, n) = (
        detail("value")?,
        detail("median")?,
        detail("mad")?,
        detail("z")?,
        detail("n")?,
    );
    let noun = workflow.title.to_lowercase();
    let spec = workflow.anomaly.as_ref();
    let field = spec.map_or("amount", |s| s.field.as_str());
    let money = matches!(
        workflow.field(field).map(|f| &f.field_type),
        Some(FieldType::Money)
    );
    let figure = |v: f64| crate::ask::figure(&Value::from(v), money.then_some(look.currency));
    let grouped = flag.details.get("compared_with").and_then(Value::as_str) == Some("group");
    let whose = match spec.and_then(|s| s.group_by.as_deref()) {
        Some(group) if grouped => {
            let group = workflow
                .field(group)
                .map_or(group.to_string(), |f| f.label.to_lowercase());
            format!("this {group}'s usual {noun}")
        }
        _ => format!("the usual {noun}"),
    };
    let text = if median > 0.0 && value >= median {
        format!("about {:.1}× {whose}", value / median)
    } else if median > 0.0 {
        format!("about {:.0}% of {whose}", value / median * 100.0)
    } else {
        format!("far from {whose}")
    };
    let why = format!(
        "{} against a median of {} over {n} past {noun}s; median absolute deviation {}, robust z {z:.1} (flagged beyond {}).",
        figure(value),
        figure(median),
        figure(mad),
        spec.map_or(3.5, |s| s.threshold)
    );
    Some(CardFact {
        label: format!("Unusual {field}"),
        text,
        why: Some(why),
        reads: Vec::new(),
        owner: None,
    })
}

fn decided_status(request: &Request, look: &CardLook) -> String {
    let when = request
        .decided_at
        .map(|t| {
            t.with_timezone(&look.time_zone)
                .format(" on %a %-d %b %Y at %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default();
    let last_approver = request
        .steps
        .iter()
        .rev()
        .find_map(|s| s.approvals.last())
        .map(|d| name_of(look.directory, &d.person));
    match request.status {
        Status::Approved => format!(
            "Approved by {}{when}",
            last_approver.unwrap_or_else(|| "approvers".into())
        ),
        Status::AutoApproved => format!("Approved automatically{when}"),
        Status::AutoRejected => format!("Rejected automatically{when}"),
        Status::Rejected => match look.rejected_by {
            Some(by) => format!("Rejected by {}{when}", name_of(look.directory, by)),
            None => format!("Rejected{when}"),
        },
        Status::Cancelled => format!("Cancelled by the requester{when}"),
        Status::Expired => format!("Expired without a decision{when}"),
        Status::Pending => "Pending".into(),
    }
}

#[cfg(test)]
#[path = "cards_tests.rs"]
mod tests;
