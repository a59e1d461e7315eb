//! Audit events: one entry per transition, hash-chained so that tampering is detectable.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An event as a transition produces it, before the store gives it a place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDraft {
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
    /// A staff id, `system` (timers, rules) or `import`.
    pub actor: String,
    /// `submitted`, `auto_approved`, `auto_rejected`, `routed`, `flagged`, `approved`,
    /// `step_approved`, `rejected`, `cancelled`, `commented`, `escalated`, `reminded`, `expired`,
    /// `delegated`, `imported`.
    pub action: String,
    pub rule: Option<String>,
    pub reason: Option<String>,
    /// Anything else worth keeping (the step, on whose behalf, the anomaly numbers).
    pub data: serde_json::Value,
}

/// A stored event: its position in the chain and the hashes that bind it there. An event written
/// on PostgreSQL and not yet sealed into the chain (for at most about a second, see
/// `store::audit_seal`) shows in its request's timeline with `seq` 0 and empty hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    #[serde(flatten)]
    pub draft: EventDraft,
    pub prev_hash: String,
    pub hash: String,
    /// Why the stored row could not be read back as written (its data is not JSON, its time is
    /// not a time), when someone edited it outside keel; the draft then holds what could be read.
    /// Verification names such an event instead of failing as a whole.
    #[serde(skip)]
    pub damage: Option<String>,
}

impl Event {
    /// Whether the event has its place in the chain yet.
    pub fn is_sealed(&self) -> bool {
        self.seq > 0
    }
}
