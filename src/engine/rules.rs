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
//! Conditions then run on a small evaluator of our own ([`lower`], [`eval`]): variables and fields
//! are read by position from [`Bindings`] and constants are computed once, where cel-rust's
//! interpreter looks names up in maps and rebuilds list literals on every evaluation. Whatever
//! the evaluator does not cover is run by the interpreter, with the same result.
//!
//! Money is an exact decimal in storage but rules see it as a double: thresholds in rules are
//! written by people in whole units or cents, far inside a double's exact range, and comparing
//! them needs no arithmetic that could round.

mod bind;
mod calls;
mod check;
mod eval;
mod lower;
mod types;
mod value;

pub use bind::{bindings, bindings_with_staff, record_bindings};

use crate::domain::{FieldType, RecordSchema, RecordTypeField, Workflow};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Env, IdedExpr, Value};
use eval::Stop;
use lower::{Node, Slot};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock, OnceLock};

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
/// so that it is plain data: `Send + Sync`, shared by every task deciding requests. `fast` is
/// the same expression lowered for our evaluator, when every part of it could be.
#[derive(Debug)]
pub struct Condition {
    pub source: String,
    expr: IdedExpr,
    fast: Option<Node>,
}

/// Values for evaluating conditions on one request, converted once: variables in name order as
/// the checker numbered them. The interpreter's form is built only if a condition needs it.
#[derive(Debug, Clone, Default)]
pub struct Bindings {
    vars: Vec<(String, value::Value)>,
    interpreted: OnceLock<BTreeMap<String, Arc<dyn Val>>>,
}

impl Bindings {
    /// The variable in `slot`, found at its position when the bindings are laid out as the
    /// checker expected, else by name.
    fn var(&self, slot: &Slot) -> Option<&value::Value> {
        match self.vars.get(slot.index) {
            Some((name, value)) if **name == *slot.name => Some(value),
            _ => self
                .vars
                .iter()
                .find(|(name, _)| **name == *slot.name)
                .map(|(_, value)| value),
        }
    }

    fn interpreted(&self) -> &BTreeMap<String, Arc<dyn Val>> {
        self.interpreted.get_or_init(|| {
            self.vars
                .iter()
                .filter_map(|(name, value)| Some((name.clone(), Arc::from(value.to_cel()?))))
                .collect()
        })
    }
}

impl VariableResolver for Bindings {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.interpreted()
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

/// The variables a condition on a record change may read (outbound rules, `when_changed`):
/// `record` (the record as written), `before` (as it was; its fields are absent for a new
/// record, so `has(before.status)` is false) and `now`.
pub fn record_env(record_type: &crate::domain::RecordType) -> RuleEnv {
    let object = record_object(&record_type.fields);
    let mut vars = BTreeMap::new();
    vars.insert("record".to_string(), object.clone());
    vars.insert("before".to_string(), object);
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
    let fast = lower::lower(&expr, env);
    Ok(Condition {
        source: source.to_string(),
        expr,
        fast,
    })
}

impl Condition {
    /// Evaluates to true or false; an evaluation error (a missing optional value compared, say)
    /// is returned as text and treated by the decision table as "no match".
    pub fn eval(&self, bindings: &Bindings) -> Result<bool, String> {
        match self.eval_fast(bindings) {
            Some(Ok(result)) => Ok(result),
            _ => self.eval_in(&context_for(bindings)),
        }
    }

    /// Whether the condition holds, an error counting as no: what a decision table asks. The
    /// interpreter runs only for conditions or values our evaluator leaves to it, in a context
    /// the caller builds once per request on first need.
    pub(crate) fn holds<'b>(
        &self,
        bindings: &'b Bindings,
        context: &mut Option<Context<'b, 'b>>,
    ) -> bool {
        match self.eval_fast(bindings) {
            Some(result) => result.unwrap_or(false),
            None => {
                let context = context.get_or_insert_with(|| context_for(bindings));
                self.eval_in(context).unwrap_or(false)
            }
        }
    }

    /// The evaluator's answer, `Err(())` when the interpreter would fail; `None` when only the
    /// interpreter can answer.
    fn eval_fast(&self, bindings: &Bindings) -> Option<Result<bool, ()>> {
        match eval::eval(self.fast.as_ref()?, bindings) {
            Ok(value) => match *value {
                value::Value::Bool(result) => Some(Ok(result)),
                _ => Some(Err(())),
            },
            Err(Stop::Fail) => Some(Err(())),
            Err(Stop::Defer) => None,
        }
    }

    /// Evaluates with the interpreter in a context already bound to a request.
    fn eval_in(&self, context: &Context) -> Result<bool, String> {
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

#[cfg(test)]
mod eval_tests;
