//! The request state machine. A submission or an action on a request, with the facts it needs
//! (who is acting, the directory, delegations, the calendar, `now`), becomes either a
//! [`Transition`] (the new request, its audit events, its notifications and its timer changes,
//! which the service writes in one transaction) or a [`Refusal`] explaining why not.
//!
//! ```text
//! submitted ─► auto_approved | auto_rejected
//!     └──────► pending(step 0) ─► pending(step n) ─► approved
//!                    │  ▲ escalate adds managers   ├► rejected (reason required)
//!                    │  └ remind                   ├► cancelled (requester only)
//!                    └─────────────────────────────└► expired
//! ```

mod act;
mod cards;
mod late;
mod submit;
#[cfg(test)]
pub(crate) mod tests;
mod timers;

pub use act::act;
pub use cards::{CardLook, card_for};
pub use late::moved_on;
pub use submit::{Submission, fingerprint, submit};
pub use timers::fire_timer;

use super::calendar::BusinessCalendar;
use crate::domain::{
    CardFact, Delegation, Directory, EventDraft, NewTimer, Notification, RecordLabels, Request,
    Workflow,
};
use chrono::{DateTime, Utc};

/// The facts a transition reads besides the request itself.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub workflow: &'a Workflow,
    pub directory: &'a Directory,
    /// Delegations in force today.
    pub delegations: &'a [Delegation],
    pub calendar: &'a BusinessCalendar,
    /// Names of referenced records, for cards.
    pub labels: &'a RecordLabels,
    /// The company's currency, for money on cards.
    pub currency: &'a str,
    /// The workflow's context facts for this request, computed by the service beforehand.
    pub facts: &'a [CardFact],
    /// Who rejected the request and the reason given, when the card shows a decision made
    /// earlier (a timer firing after it); an action supplies its own.
    pub rejected_by: Option<&'a str>,
    pub reason: Option<&'a str>,
}

impl<'a> Context<'a> {
    /// What the transition's cards are written with.
    pub fn look(&self) -> CardLook<'a> {
        CardLook {
            directory: self.directory,
            labels: self.labels,
            currency: self.currency,
            time_zone: self.calendar.time_zone,
            facts: self.facts,
            rejected_by: self.rejected_by,
            reason: self.reason,
        }
    }
}

/// What a person does to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Approve,
    Reject { reason: String },
    Cancel { reason: Option<String> },
    Comment { text: String },
}

impl Action {
    /// The reason or comment the action carries, if any.
    fn text(&self) -> Option<&str> {
        match self {
            Action::Approve => None,
            Action::Reject { reason } => Some(reason),
            Action::Cancel { reason } => reason.as_deref(),
            Action::Comment { text } => Some(text),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject { .. } => "reject",
            Action::Cancel { .. } => "cancel",
            Action::Comment { .. } => "comment",
        }
    }
}

/// An action by a person, with the step they saw when they clicked (cards carry it), so that a
/// click on a card whose step has moved on is refused instead of acting on the next step.
#[derive(Debug, Clone, PartialEq)]
pub struct Act {
    pub actor: String,
    pub action: Action,
    pub seen_step: Option<usize>,
}

/// Everything one transition changes, written by the service in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub request: Request,
    pub events: Vec<EventDraft>,
    pub notifications: Vec<Notification>,
    /// Cancel the request's pending timers before scheduling `timers`.
    pub cancel_timers: bool,
    pub timers: Vec<NewTimer>,
}

/// Longest reason or comment accepted, in characters.
pub const MAX_TEXT: usize = 2_000;

/// Why an action was not carried out; the `Display` is what the person is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{id} is already {status}; there is nothing left to decide.")]
    Closed { id: String, status: String },
    #[error(
        "{id} has moved on since this was sent: step {seen} is done and it now waits at step {current}. Nothing was changed."
    )]
    StepMovedOn {
        id: String,
        seen: usize,
        current: usize,
    },
    /// `seen` is the step as given (0-based); the sentence counts from 1, as cards do.
    #[error(
        "{id} has no step {} (\"step\": {seen}, counted from 0): its approval chain has {}, and it waits at step {current} (\"step\": {}). Nothing was changed.",
        .seen + 1,
        chain_length(.steps),
        .current - 1
    )]
    NoSuchStep {
        id: String,
        seen: usize,
        steps: usize,
        current: usize,
    },
    #[error("{id} waits at step {current}; step {seen} has not started yet. Nothing was changed.")]
    StepNotStarted {
        id: String,
        seen: usize,
        current: usize,
    },
    #[error("You cannot approve or reject your own request {id}.")]
    OwnRequest { id: String },
    #[error("{id} is waiting for {waiting}; you are not an approver of its current step.")]
    NotYourTurn { id: String, waiting: String },
    #[error("You have already approved {id}; it is still waiting for {waiting}.")]
    AlreadyApproved { id: String, waiting: String },
    #[error("A reason is required to reject {id}: tell the requester what to change.")]
    ReasonRequired { id: String },
    #[error("Only the requester, {requester}, can cancel {id}.")]
    NotRequester { id: String, requester: String },
    #[error("Only people involved in {id} (its requester and approvers) can comment on it.")]
    NotParticipant { id: String },
    #[error("The text is empty or longer than {MAX_TEXT} characters.")]
    BadText,
    #[error("The reason {}. Nothing was changed.", super::form::NUL_REFUSED)]
    NulInReason,
}

/// "1 step", "3 steps".
fn chain_length(steps: &usize) -> String {
    match steps {
        1 => "1 step".into(),
        n => format!("{n} steps"),
    }
}

/// A person's display name, or their id when they are not in the directory.
pub(crate) fn name_of(directory: &Directory, id: &str) -> String {
    directory
        .get(id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// Names joined for a sentence: "A", "A and B", "A, B and C".
pub(crate) fn names(directory: &Directory, ids: &[&str]) -> String {
    let names: Vec<String> = ids.iter().map(|id| name_of(directory, id)).collect();
    match names.as_slice() {
        [] => "nobody".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Reminder and escalation timers for the step that starts now.
pub(crate) fn step_timers(request: &Request, ctx: &Context) -> Vec<NewTimer> {
    use crate::domain::TimerKind;
    let timing = &ctx.workflow.timing;
    let mut timers = Vec::new();
    for (kind, hours) in [
        (TimerKind::Remind, timing.remind_after_business_hours),
        (TimerKind::Escalate, timing.escalate_after_business_hours),
    ] {
        if let Some(hours) = hours {
            timers.push(NewTimer {
                request_id: request.id.clone(),
                kind,
                step: request.current_step,
                due_at: ctx.calendar.add_business_hours(ctx.now, hours),
            });
        }
    }
    timers
}
