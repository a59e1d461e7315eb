//! The shape of a `workflows/*.toml` file as written, before validation turns it into a
//! [`crate::domain::Workflow`]. Values that validation reports on keep their place in the file.

use super::ordered::Ordered;
use crate::domain::Quorum;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkflowFile {
    pub name: Spanned<String>,
    pub title: String,
    pub command: Spanned<String>,
    pub id_prefix: Spanned<String>,
    #[serde(default = "one")]
    pub first_number: i64,
    pub channel: Option<String>,
    pub default_chain: Spanned<String>,
    pub flagged_chain: Option<Spanned<String>>,
    pub fields: Vec<FieldFile>,
    #[serde(default)]
    pub rules: Vec<RuleFile>,
    #[serde(default)]
    pub chains: Ordered<ChainFile>,
    pub anomaly: Option<AnomalyFile>,
    #[serde(default)]
    pub timing: TimingFile,
    pub history: Option<HistoryFile>,
    #[serde(default)]
    pub context: Vec<super::workflow_context::ContextFile>,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FieldFile {
    pub name: Spanned<String>,
    pub label: Option<String>,
    #[serde(rename = "type")]
    pub field_type: Spanned<String>,
    #[serde(default)]
    pub required: bool,
    pub max_len: Option<usize>,
    pub help: Option<String>,
    pub min: Option<Spanned<BoundFile>>,
    pub max: Option<Spanned<BoundFile>>,
}

/// A `min` or `max` as written: `1`, `0.01` or `"0.01"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum BoundFile {
    Whole(i64),
    Fraction(f64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum OutcomeKind {
    Approve,
    Reject,
    Flag,
    Route,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RuleFile {
    pub name: Spanned<String>,
    pub when: Spanned<String>,
    pub outcome: Spanned<OutcomeKind>,
    pub chain: Option<Spanned<String>>,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChainFile {
    pub steps: Vec<StepFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StepFile {
    pub name: String,
    #[serde(default = "any")]
    pub quorum: Quorum,
    pub approvers: Vec<Spanned<ApproverFile>>,
}

fn any() -> Quorum {
    Quorum::Any
}

/// Exactly one of `person`, `role`, `manager_of`, `record_field` or `authority` (with `roles`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApproverFile {
    pub person: Option<String>,
    pub role: Option<String>,
    pub manager_of: Option<String>,
    pub record_field: Option<String>,
    pub authority: Option<String>,
    pub roles: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AnomalyFile {
    pub field: Spanned<String>,
    pub group_by: Option<Spanned<String>>,
    #[serde(default = "threshold")]
    pub threshold: Spanned<f64>,
    #[serde(default = "min_history")]
    pub min_history: usize,
}

fn threshold() -> Spanned<f64> {
    Spanned::new(0..0, 3.5)
}

fn min_history() -> usize {
    5
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TimingFile {
    pub remind_after_business_hours: Option<u32>,
    pub escalate_after_business_hours: Option<u32>,
    pub expire_after_days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HistoryFile {
    pub record_type: Spanned<String>,
    pub id: Spanned<String>,
    pub requester: Option<Spanned<String>>,
    pub submitted_at: Spanned<String>,
    pub status: Spanned<String>,
    #[serde(default)]
    pub status_map: BTreeMap<String, Spanned<String>>,
    pub approver: Option<Spanned<String>>,
    pub decided_at: Option<Spanned<String>>,
    #[serde(default)]
    pub fields: BTreeMap<String, Spanned<String>>,
}
