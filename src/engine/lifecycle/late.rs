//! A notification that asked someone to act, delivered after the request moved on (after an
//! outage, a long retry): its sentence must say what happened instead of asking for a decision
//! that is no longer theirs to make.

use super::{name_of, names};
use crate::domain::{Directory, Notification, NotificationKind, Request, Status};

/// The sentence of `notification` when it reaches its recipient after the request moved on from
/// the step it asked them about; `None` while that step still waits for them. `title` is the
/// card's ("Change order CO-1042"); `rejected_by` is the staff id of whoever rejected it.
pub fn moved_on(
    notification: &Notification,
    request: &Request,
    title: &str,
    rejected_by: Option<&str>,
    directory: &Directory,
) -> Option<String> {
    let asks = matches!(
        notification.kind,
        NotificationKind::ApprovalRequested
            | NotificationKind::Reminder
            | NotificationKind::Escalation
    );
    if !asks {
        return None;
    }
    let asked_step = notification
        .card
        .as_ref()
        .and_then(|card| card.buttons.first())
        .map_or(request.current_step, |button| button.step);
    let to = notification.to.as_str();
    let name = |id: &str| name_of(directory, id);
    let before = "before this reached you";
    let words = match request.status {
        Status::Pending => {
            let current = request.current()?;
            if request.current_step == asked_step && current.waiting_for().contains(&to) {
                return None;
            }
            let approver = request
                .steps
                .get(asked_step)
                .and_then(|step| step.approvals.last())
                .map_or_else(|| "someone".to_string(), |d| name(&d.person));
            format!(
                "{title} no longer waits for you: {approver} approved it {before}; it now waits for {}.",
                names(directory, &current.waiting_for())
            )
        }
        Status::Approved => {
            let approver = request
                .steps
                .iter()
                .rev()
                .find_map(|step| step.approvals.last())
                .map_or_else(|| "its approvers".to_string(), |d| name(&d.person));
            format!("{title} was approved by {approver} {before}.")
        }
        Status::Rejected => match rejected_by {
            Some(person) => format!("{title} was rejected by {} {before}.", name(person)),
            None => format!("{title} was rejected {before}."),
        },
        Status::Cancelled => {
            let requester = request
                .requester
                .as_deref()
                .map_or_else(|| "the requester".to_string(), name);
            format!("{title} was cancelled by {requester} {before}.")
        }
        Status::Expired => format!("{title} expired without a decision {before}."),
        Status::AutoApproved => format!("{title} was approved automatically {before}."),
        Status::AutoRejected => format!("{title} was rejected automatically {before}."),
    };
    Some(words)
}
