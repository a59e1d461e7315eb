//! Rule conditions: CEL expressions compiled and type-checked against the workflow's schema at
//! start-up, then evaluated against a request's bindings.
//!
//! cel-rust parses and interprets CEL but does not type-check it, so [`compile`] walks the parsed
//! expression with the workflow's field types ([`check`]) and refuses what could never work
//! (an unknown field, text compared with a number) with a hint, before a request ever meets it.
//! The checker also rewrites the expression so that whole numbers mix with decimals:
//! `request.amount <= 2500` compares a double with an int, which cel-rust's arithmetic would
//! refuse, so int operands meeting doubles become doubles.
//!
//! Money is an exact decimal in storage but rules see it as a double: thresholds in rules are
//! written by people in whole units or cents, far inside a double's exact range, and comparing
//! them needs no arithmetic that could round.

mod bind;
mod calls;
mod check;
mod types;

pub use bind::{bindings, bindings_with_staff};

use crate::domain::{FieldType, RecordSchema, RecordTypeField, Workflow};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, IdedExpr, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

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

impl CelType {
    /// The type rules see for a field of this type (money and numbers are doubles, dates are
    /// timestamps at midnight UTC).
    pub fn of_field(field_type: &FieldType) -> CelType {
        match field_type {
            FieldType::Text | FieldType::Enum(_) | FieldType::Ref(_) => CelType::String,
            FieldType::Number | FieldType::Money => CelType::Double,
            FieldType::Date | FieldType::Timestamp => CelType::Timestamp,
            FieldType::Bool => CelType::Bool,
        }
    }
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

impl RuleError {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        RuleError {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (hint: {})", self.message, self.hint)
    }
}

impl std::error::Error for RuleError {}

/// A compiled, type-checked condition. It holds the checked expression, not a `cel::Program`,
/// so that it is plain data: `Send + Sync`, shared by every task deciding requests.
#[derive(Debug)]
pub struct Condition {
    pub source: String,
    expr: IdedExpr,
}

/// Values for evaluating conditions on one request, already in the interpreter's own value
/// form so that evaluating twenty rows converts nothing.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    vars: BTreeMap<String, Arc<dyn Val>>,
}

impl VariableResolver for Bindings {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.vars
            .get(variable)
            .map(|value| CowVal::Borrowed(value.as_ref()))
    }
}

/// The CEL environment every rule is compiled and run in: the standard library plus the strings
/// extension (`lowerAscii`, `trim`…). Built once; contexts share it.
static CEL_ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    env.add_extension(cel::extensions::strings)
        .expect("the strings extension registers once on a fresh standard environment");
    Arc::new(env)
});

/// Builds the rule environment of a workflow. `staff_type` is the record type of people.
pub fn rule_env(workflow: &Workflow, schema: &RecordSchema, staff_type: &str) -> RuleEnv {
    let record = |name: &str| match schema.get(name) {
        Some(record_type) => record_object(&record_type.fields),
        None => CelType::Dyn,
    };
    let mut vars = BTreeMap::new();
    let request = workflow
        .fields
        .iter()
        .map(|f| (f.name.clone(), CelType::of_field(&f.field_type)))
        .collect();
    vars.insert("request".to_string(), CelType::Object(request));
    vars.insert("requester".to_string(), record(staff_type));
    for field in &workflow.fields {
        if let FieldType::Ref(target) = &field.field_type {
            vars.insert(field.name.clone(), record(target));
        }
    }
    vars.insert("now".to_string(), CelType::Timestamp);
    RuleEnv { vars }
}

fn record_object(fields: &[RecordTypeField]) -> CelType {
    CelType::Object(
        fields
            .iter()
            .map(|f| (f.name.clone(), CelType::of_field(&f.field_type)))
            .collect(),
    )
}

/// Parses and type-checks `source`; it must be a bool expression over the env's variables.
pub fn compile(source: &str, env: &RuleEnv) -> Result<Condition, RuleError> {
    let program = CEL_ENV.compile(source).map_err(|e| {
        RuleError::new(
            format!("cannot read the rule `{source}`: {e}"),
            "check brackets, quotes and operators; text goes in quotes, e.g. \
             request.category == \"travel\" && request.amount <= 2500",
        )
    })?;
    let expr = check::check_condition(program.expression(), env)?;
    Ok(Condition {
        source: source.to_string(),
        expr,
    })
}

impl Condition {
    /// Evaluates to true or false; an evaluation error (a missing optional value compared, say)
    /// is returned as text and treated by the decision table as "no match".
    pub fn eval(&self, bindings: &Bindings) -> Result<bool, String> {
        self.eval_in(&context_for(bindings))
    }

    /// Evaluates in a context already bound to a request, so a table builds one context for all
    /// of its rows.
    pub(crate) fn eval_in(&self, context: &Context) -> Result<bool, String> {
        match context.resolve(&self.expr) {
            Ok(Value::Bool(result)) => Ok(result),
            Ok(other) => Err(format!("the rule gave {other:?}, not true or false")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// A context over one request's bindings, for evaluating many conditions.
pub(crate) fn context_for(bindings: &Bindings) -> Context<'_, '_> {
    let mut context = Context::with_env(Arc::clone(&CEL_ENV));
    context.set_variable_resolver(bindings);
    context
}

#[cfg(test)]
pub(crate) mod fixture;

#[cfg(test)]
mod tests;
