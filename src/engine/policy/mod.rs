//! Policy changes tested against history: past requests replayed through a workflow's decision
//! table and routing ([`replay`]), two policies' replays compared ([`compare`]), changes the
//! history supports proposed ([`suggest`]) with a config diff ([`diff`]). Pure: the service
//! loads the requests and records, these take them as plain data and return plain data.

pub mod compare;
pub mod diff;
pub mod replay;
pub mod suggest;
mod suggest_steps;

use serde::Serialize;

/// What a policy decides for one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    AutoApproved,
    AutoRejected,
    /// Sent to people: the chain and the approvers of its steps, in order.
    Routed {
        chain: String,
        approvers: Vec<String>,
    },
    /// The rules route it, but nobody could be found to approve it (the reason says why).
    Unroutable {
        reason: String,
    },
}

impl Outcome {
    /// The kind in one word, for counting changes (`auto_approved → routed`).
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::AutoApproved => "auto_approved",
            Outcome::AutoRejected => "auto_rejected",
            Outcome::Routed { .. } => "routed",
            Outcome::Unroutable { .. } => "unroutable",
        }
    }
}

/// A transition's key (`routed → auto_approved`) in the words a person uses
/// ("sent to an approver → approved automatically"), for text a person reads.
pub fn transition_words(kind: &str) -> String {
    kind.split(" → ")
        .map(|side| match side {
            "auto_approved" => "approved automatically".to_string(),
            "auto_rejected" => "rejected automatically".to_string(),
            "routed" => "sent to an approver".to_string(),
            "unroutable" => "no approver found".to_string(),
            other => other.replace('_', " "),
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

/// One request replayed through one policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replayed {
    pub outcome: Outcome,
    /// The deciding row (`None`: no row matched, the default chain).
    pub rule: Option<String>,
    /// Where its flags came from: `anomaly` and the names of the `flag` rows that matched.
    pub flags: Vec<String>,
}

#[cfg(test)]
mod tests;
