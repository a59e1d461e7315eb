//! The approval card of a request: the same platform-neutral card for every surface.

use super::{name_of, names};
use crate::domain::{
    Card, CardButton, Directory, FieldType, RecordLabels, Request, Status, Workflow,
};

/// The card as it should look now: fields (referenced records by name), where it stands, why,
/// flags, and buttons while pending.
pub fn card_for(
    request: &Request,
    workflow: &Workflow,
    directory: &Directory,
    labels: &RecordLabels,
) -> Card {
    let mut fields = Vec::new();
    if let Some(requester) = &request.requester {
        fields.push(("Requested by".to_string(), name_of(directory, requester)));
    }
    for field in &workflow.fields {
        if let Some(value) = request.fields.get(&field.name) {
            let text = match (value.as_str(), &field.field_type) {
                (Some(key), FieldType::Ref(record_type)) => match labels.label(record_type, key) {
                    Some(label) if label != key => format!("{label} ({key})"),
                    _ => key.to_string(),
                },
                (Some(text), _) => text.to_string(),
                (None, _) => value.to_string(),
            };
            fields.push((field.label.clone(), text));
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
                names(directory, &step.waiting_for())
            )
        }
        None => decided_status(request, directory),
    };
    let mut notes = Vec::new();
    if let Some(rule) = &request.rule {
        notes.push(format!("Rule: {rule}"));
    }
    notes.extend(request.flags.iter().map(|f| format!("⚑ {}", f.message)));
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
        buttons,
        questions: Vec::new(),
    }
}

fn decided_status(request: &Request, directory: &Directory) -> String {
    let when = request
        .decided_at
        .map(|t| t.format(" on %Y-%m-%d at %H:%M UTC").to_string())
        .unwrap_or_default();
    let last_approver = request
        .steps
        .iter()
        .rev()
        .find_map(|s| s.approvals.last())
        .map(|d| name_of(directory, &d.person));
    match request.status {
        Status::Approved => format!(
            "Approved by {}{when}",
            last_approver.unwrap_or_else(|| "approvers".into())
        ),
        Status::AutoApproved => format!("Approved automatically{when}"),
        Status::AutoRejected => format!("Rejected automatically{when}"),
        Status::Rejected => format!("Rejected{when}"),
        Status::Cancelled => format!("Cancelled by the requester{when}"),
        Status::Expired => format!("Expired without a decision{when}"),
        Status::Pending => "Pending".into(),
    }
}
