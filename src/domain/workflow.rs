//! Workflows: a kind of request (change order, expense, purchase order) as declared in
//! `config/workflows/*.toml`: its form, its decision table, its approval chains and its timing.

use super::field::FieldType;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One field of a workflow's form.
#[derive(Debug, Clone, PartialEq)]
pub struct FormField {
    pub name: String,
    pub label: String,
    pub field_type: FieldType,
    pub required: bool,
    /// Longest accepted text, in characters (text fields; default 2,000).
    pub max_len: usize,
    pub help: Option<String>,
    /// Smallest accepted value of a money or number field, inclusive (`min = 0.01` refuses
    /// amounts of zero or less).
    pub min: Option<Decimal>,
    /// Largest accepted value of a money or number field, inclusive.
    pub max: Option<Decimal>,
}

/// What a matching row of the decision table decides.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Approve at once; the rule is the approver of record.
    Approve,
    /// Reject at once, with the rule's reason.
    Reject,
    /// Send through the named approval chain.
    Route(String),
    /// Mark the request for attention and keep evaluating the rows below. A flagged request is
    /// never approved automatically: an `approve` row reached after a flag routes to the
    /// workflow's `flagged_chain` instead.
    Flag,
}

/// One row of a decision table: a CEL condition and an outcome. Rows are tried top-down and the
/// first non-flag row that matches decides.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec {
    pub name: String,
    pub when: String,
    pub outcome: Outcome,
    /// Why, in words a requester understands ("Expenses up to 100 are approved automatically").
    pub reason: String,
}

/// How many of a step's approvers must agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quorum {
    Any,
    All,
}

/// Who approves a step.
#[derive(Debug, Clone, PartialEq)]
pub enum ApproverSpec {
    /// A named person (staff id).
    Person(String),
    /// Everyone holding a role.
    Role(String),
    /// The requester's manager.
    ManagerOfRequester,
    /// The person a referenced record names, e.g. `project.manager_id`: (form field, record field).
    RecordField {
        form_field: String,
        record_field: String,
    },
    /// The person with the lowest approval limit that still covers the amount, among these roles
    /// (all roles when empty); ties go to the lowest staff id.
    Authority {
        amount_field: String,
        roles: Vec<String>,
    },
}

/// One level of an approval chain.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSpec {
    pub name: String,
    pub approvers: Vec<ApproverSpec>,
    pub quorum: Quorum,
}

/// An ordered list of steps; the request is approved when the last step is.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    pub name: String,
    pub steps: Vec<StepSpec>,
}

/// Flags submissions far outside their group's history (robust z-score on median and MAD).
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalySpec {
    /// The money or number field measured (`amount`).
    pub field: String,
    /// The form field that groups history (`project`); `None` compares with the whole workflow.
    pub group_by: Option<String>,
    /// |robust z| above this is flagged (3.5 is the usual cut, after Iglewicz and Hoaglin).
    pub threshold: f64,
    /// Fewer past requests than this in the group and nothing is flagged: too little to judge.
    pub min_history: usize,
}

/// The facts a workflow's `context` can put on its cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// A `ref(project)` field's project: spend against budget, percent complete, projected
    /// overrun (the `budget_burn` insight's arithmetic, for one project).
    Budget,
    /// This workflow's requests on the same record as a `ref` field: how many, and their total.
    RequestsSoFar,
    /// This workflow's requests decided in the last `months` with the same values of `by`
    /// (ref fields, or `requester`): approved, rejected, approved automatically, median amount.
    SimilarDecisions,
    /// A `ref(vendor)` field's vendor: on-time rate and average days late (the
    /// `vendor_reliability` insight's arithmetic, for one vendor).
    VendorReliability,
    /// The requester's total of this workflow this month against their usual month (the median
    /// of their previous months with any).
    RequesterSpend,
}

impl FactKind {
    pub const ALL: [FactKind; 5] = [
        FactKind::Budget,
        FactKind::RequestsSoFar,
        FactKind::SimilarDecisions,
        FactKind::VendorReliability,
        FactKind::RequesterSpend,
    ];

    /// As written in a workflow file.
    pub fn name(self) -> &'static str {
        match self {
            FactKind::Budget => "budget",
            FactKind::RequestsSoFar => "requests_so_far",
            FactKind::SimilarDecisions => "similar_decisions",
            FactKind::VendorReliability => "vendor_reliability",
            FactKind::RequesterSpend => "requester_spend",
        }
    }

    pub fn parse(name: &str) -> Option<FactKind> {
        FactKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One entry of a workflow's `context` list, bound to the request's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ContextSpec {
    pub fact: FactKind,
    /// The `ref` form field the fact is about (budget, requests_so_far, vendor_reliability).
    pub field: Option<String>,
    /// What makes a past request similar: ref form fields, or `requester`.
    pub by: Vec<String>,
    /// How far back similar decisions go, in months.
    pub months: u32,
    /// The money form field added up and compared.
    pub amount: String,
}

/// When reminders, escalations and expiry happen for a pending request.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// Business hours a step may wait before its approvers are reminded.
    pub remind_after_business_hours: Option<u32>,
    /// Business hours a step may wait before each approver's manager is added to it.
    pub escalate_after_business_hours: Option<u32>,
    /// Calendar days after submission when a still-pending request expires.
    pub expire_after_days: Option<u32>,
}

/// How rows of a historical record type become requests at import (columns of the CSV).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryMapping {
    /// The record type holding past requests (`change_order`).
    pub record_type: String,
    /// Column with the request id (`change_order_id`).
    pub id: String,
    pub requester: Option<String>,
    pub submitted_at: String,
    pub status: String,
    /// Column value to request status (`delivered = "approved"`), for record types whose status
    /// column is not an approval status (a purchase order is `open` or `delivered`). Empty means
    /// the column already holds request statuses (`approved`, `rejected`, `auto_approved`…).
    pub status_map: BTreeMap<String, String>,
    pub approver: Option<String>,
    pub decided_at: Option<String>,
    /// Form field name to record column, for fields named differently.
    pub fields: BTreeMap<String, String>,
}

/// A workflow, validated and ready for the engine (its rules are compiled separately).
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    pub name: String,
    pub title: String,
    /// The slash command, without the slash (`changeorder`).
    pub command: String,
    /// Request ids are `{id_prefix}-{number}` (`CO-1042`).
    pub id_prefix: String,
    pub first_number: i64,
    pub fields: Vec<FormField>,
    pub rules: Vec<RuleSpec>,
    pub chains: BTreeMap<String, Chain>,
    /// The chain a flagged request goes to when an `approve` row matches after a flag.
    pub flagged_chain: Option<String>,
    /// The chain used when no row matches.
    pub default_chain: String,
    pub anomaly: Option<AnomalySpec>,
    pub timing: Timing,
    pub history: Option<HistoryMapping>,
    /// The chat channel where cards are also posted (`#approvals`).
    pub channel: Option<String>,
    /// The facts its cards show beside the form.
    pub context: Vec<ContextSpec>,
}

impl Workflow {
    pub fn field(&self, name: &str) -> Option<&FormField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields that refer to a record, with the record's type (a platform offers type-ahead
    /// over them where it can).
    pub fn record_fields(&self) -> impl Iterator<Item = (&FormField, &str)> {
        self.fields
            .iter()
            .filter_map(|field| match &field.field_type {
                FieldType::Ref(record_type) => Some((field, record_type.as_str())),
                _ => None,
            })
    }
}
