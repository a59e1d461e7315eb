//! What can go wrong in a use case: a [`UserError`] the person can act on (its `Display` is the
//! reply), or an internal failure that is logged with a reference and never shown in detail.

use crate::engine::form::FieldError;
use crate::engine::lifecycle::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("There is no workflow `{name}`. The workflows are: {known}.")]
    UnknownWorkflow { name: String, known: String },
    #[error(
        "keel does not know `{0}`: use a staff id (S023) or an email from the directory, or ask an administrator to add you."
    )]
    UnknownPerson(String),
    /// Someone on a chat platform the directory does not map to a person.
    #[error(
        "keel does not know your {} account ({id}). Ask an administrator to put your {} id in your staff record ({field}).",
        platform_name(platform),
        platform_name(platform)
    )]
    UnknownChatMember {
        platform: String,
        id: String,
        field: String,
    },
    #[error("There is no request {0}.")]
    UnknownRequest(String),
    /// A record type the schema does not declare (HTTP 404).
    #[error("There is no record type `{name}`. The types are: {known}.")]
    UnknownRecordType { name: String, known: String },
    /// A record that is not stored (HTTP 404).
    #[error("There is no {record_type} `{key}`.")]
    UnknownRecord { record_type: String, key: String },
    /// A write made against a version of a record that is no longer its current one (HTTP 412).
    #[error("{}", stale(record_type, key, *expected, *current))]
    StaleVersion {
        record_type: String,
        key: String,
        expected: i64,
        current: i64,
    },
    #[error(
        "Only the requester of {0}, the people it was routed to and administrators may see it."
    )]
    NotVisible(String),
    #[error("The form has problems:\n{}", list(.0))]
    InvalidForm(Vec<FieldError>),
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error(
        "This request cannot be routed: {0}. Nothing was submitted; ask an administrator to check the approval chain."
    )]
    Unroutable(String),
    #[error("{0}")]
    Invalid(String),
    /// An idempotency key given before with another submission (HTTP 409).
    #[error("{0}")]
    KeyReused(String),
    /// A write to records another system owns (`[[owner]]`), refused (HTTP 409).
    #[error("{0}")]
    OwnedElsewhere(String),
}

/// A platform's name as people write it (`slack` → Slack).
pub fn platform_name(platform: &str) -> String {
    let mut letters = platform.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default()
}

/// What a write against a superseded version (`current` 0: the record is not stored) is told.
fn stale(record_type: &str, key: &str, expected: i64, current: i64) -> String {
    if current == 0 {
        return format!(
            "There is no {record_type} `{key}` (If-Match asked for version {expected}): send it without If-Match to create it. Nothing was changed."
        );
    }
    format!(
        "{record_type} `{key}` is at version {current}, not {expected}: read it again, apply your change to version {current} and send it with If-Match: \"{current}\". Nothing was changed."
    )
}

fn list(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("  - {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    /// What to tell the person: the user error itself, or for an internal failure only a
    /// reference to the log line that holds it.
    pub fn told(self) -> String {
        match self {
            ServiceError::User(error) => error.to_string(),
            ServiceError::Internal(error) => logged(error),
        }
    }
}

/// Logs an internal failure with a short reference; what to tell the person (the reference).
pub fn logged(error: anyhow::Error) -> String {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    tracing::error!(reference, "{error:#}");
    format!("Something went wrong (ref {reference}).")
}

impl From<Refusal> for ServiceError {
    fn from(refusal: Refusal) -> Self {
        ServiceError::User(UserError::Refused(refusal))
    }
}
