//! Rule conditions: CEL expressions compiled and type-checked against the workflow's schema at
//! start-up, then evaluated against a request's bindings.
//! STUB: to be implemented.

use crate::domain::{Fields, RecordSchema, Workflow};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The static type of a CEL value as the checker sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum CelType {
    Bool,
    Int,
    Double,
    String,
    Timestamp,
    Null,
    /// A record or the request: a map with known fields.
    Object(BTreeMap<String, CelType>),
    /// Unknown statically; checked at run time.
    Dyn,
}

/// The variables a workflow's rules may read, with their types: `request` (the form),
/// `requester` (the staff record), one variable per `ref` form field bound to the referenced
/// record (`project`, `vendor`), and `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEnv {
    pub vars: BTreeMap<String, CelType>,
}

/// A problem with a rule's expression, with a hint on how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    pub message: String,
    pub hint: String,
}

/// A compiled, type-checked condition.
#[derive(Debug)]
pub struct Condition {
    pub source: String,
}

/// Values for evaluating conditions on one request.
#[derive(Debug, Clone, Default)]
pub struct Bindings {}

/// Builds the rule environment of a workflow. `staff_type` is the record type of people.
pub fn rule_env(_workflow: &Workflow, _schema: &RecordSchema, _staff_type: &str) -> RuleEnv {
    RuleEnv {
        vars: BTreeMap::new(),
    }
}

/// Parses and type-checks `source`; it must be a bool expression over the env's variables.
pub fn compile(source: &str, _env: &RuleEnv) -> Result<Condition, RuleError> {
    Ok(Condition {
        source: source.to_string(),
    })
}

/// Binds a request's values: the form (`request`), the requester's staff record, the records its
/// `ref` fields point at (by form field name; absent when the field is empty), and `now`.
pub fn bindings(
    _workflow: &Workflow,
    _schema: &RecordSchema,
    _form: &Fields,
    _requester: &Fields,
    _refs: &BTreeMap<String, Fields>,
    _now: DateTime<Utc>,
) -> Bindings {
    Bindings {}
}

impl Condition {
    /// Evaluates to true or false; an evaluation error (a missing optional value compared, say)
    /// is returned as text and treated by the decision table as "no match".
    pub fn eval(&self, _bindings: &Bindings) -> Result<bool, String> {
        Ok(false)
    }
}
