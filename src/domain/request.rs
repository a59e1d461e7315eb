//! Requests: submitted instances of a workflow and where each stands in its approval chain.

use super::field::Fields;
use super::workflow::Quorum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a request stands. Every state but `Pending` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Approved,
    AutoApproved,
    Rejected,
    AutoRejected,
    Cancelled,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::AutoApproved => "auto_approved",
            Status::Rejected => "rejected",
            Status::AutoRejected => "auto_rejected",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
        }
    }

    pub fn is_final(self) -> bool {
        self != Status::Pending
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => Status::Pending,
            "approved" => Status::Approved,
            "auto_approved" => Status::AutoApproved,
            "rejected" => Status::Rejected,
            "auto_rejected" => Status::AutoRejected,
            "cancelled" => Status::Cancelled,
            "expired" => Status::Expired,
            other => return Err(format!("unknown request status `{other}`")),
        })
    }
}

/// Why a person is an approver of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignedBy {
    /// Resolved from the chain when the step began.
    Chain,
    /// Added when the step waited too long (the original approvers keep it).
    Escalation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub person: String,
    pub assigned_by: AssignedBy,
}

/// One approver's approval of a step. `on_behalf_of` is set when a delegate or an admin acted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDecision {
    pub person: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_behalf_of: Option<String>,
    pub at: DateTime<Utc>,
}

/// One step of the request's chain, with its resolved approvers and the approvals so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepState {
    pub name: String,
    pub quorum: Quorum,
    pub approvers: Vec<Assignment>,
    #[serde(default)]
    pub approvals: Vec<StepDecision>,
    /// When the step became current (`None` while an earlier step is pending).
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub escalated: bool,
}

impl StepState {
    pub fn is_approver(&self, person: &str) -> bool {
        self.approvers.iter().any(|a| a.person == person)
    }

    /// Approvers whose approval this step still waits for.
    pub fn waiting_for(&self) -> Vec<&str> {
        self.approvers
            .iter()
            .map(|a| a.person.as_str())
            .filter(|p| {
                !self
                    .approvals
                    .iter()
                    .any(|d| d.person == *p || d.on_behalf_of.as_deref() == Some(*p))
            })
            .collect()
    }

    pub fn is_complete(&self) -> bool {
        match self.quorum {
            Quorum::Any => !self.approvals.is_empty(),
            Quorum::All => self.waiting_for().is_empty(),
        }
    }
}

/// A flag raised at submission: by a rule row or by the anomaly check, with the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// `anomaly` or `rule`.
    pub kind: String,
    /// The rule row's name, or `anomaly`.
    pub source: String,
    pub message: String,
    #[serde(default)]
    pub details: serde_json::Value,
}

/// One submitted instance of a workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// `CO-1042`.
    pub id: String,
    pub workflow: String,
    /// The requester's staff id (`None` only for history imported without one).
    pub requester: Option<String>,
    pub fields: Fields,
    pub status: Status,
    pub steps: Vec<StepState>,
    /// Index into `steps` of the step waiting for a decision (meaningful while pending).
    pub current_step: usize,
    /// The decision-table row that decided or routed it.
    pub rule: Option<String>,
    pub flags: Vec<Flag>,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub idempotency_key: Option<String>,
    /// What the key was given with (see [`crate::engine::lifecycle::fingerprint`]), so that a
    /// retry is told from a different request reusing the key; `None` without a key, and for
    /// requests submitted before keel kept it.
    pub idempotency_fingerprint: Option<String>,
    /// Bumped by every transition; the store refuses a write whose version moved underneath.
    pub version: i64,
}

impl Request {
    pub fn current(&self) -> Option<&StepState> {
        if self.status == Status::Pending {
            self.steps.get(self.current_step)
        } else {
            None
        }
    }
}
