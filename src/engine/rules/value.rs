//! The evaluator's own values: a small enum read by position, instead of the interpreter's boxed
//! `dyn Val`s behind string-keyed maps. Bindings hold these; the interpreter's form is made from
//! them only when a condition needs the interpreter.

use cel::common::types::{CelBool, CelDouble, CelInt, CelMap, CelMapKey, CelString, CelTimestamp};
use cel::common::value::Val;
use chrono::{DateTime, FixedOffset, TimeDelta};
use std::collections::HashMap;
use std::sync::Arc;

/// A rule value. `List` only comes from constant lists in a rule, `Object` only from bindings.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(Arc<str>),
    Timestamp(DateTime<FixedOffset>),
    Duration(TimeDelta),
    Null,
    List(Arc<[Value]>),
    Object(Arc<Object>),
}

/// A record's fields: the fields its type declares first, in name order (so a field's position
/// is known when the rule is compiled), then any undeclared fields it carries. `None` is a field
/// left empty, which `has()` reports as absent.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Object {
    pub fields: Vec<(Box<str>, Option<Value>)>,
}

impl Object {
    /// The field `name`, looked up first at `hint`, its position in the declared type; a record
    /// bound with another type still answers, by a scan.
    pub(super) fn get(&self, hint: usize, name: &str) -> Option<&Value> {
        match self.fields.get(hint) {
            Some((field, value)) if **field == *name => value.as_ref(),
            _ => self
                .fields
                .iter()
                .find(|(field, _)| **field == *name)
                .and_then(|(_, value)| value.as_ref()),
        }
    }

    /// The interpreter's map of the fields with a value.
    fn to_cel(&self) -> CelMap<'static> {
        let entries: HashMap<CelMapKey<'static>, Box<dyn Val>> = self
            .fields
            .iter()
            .filter_map(|(name, value)| {
                let value = value.as_ref()?.to_cel()?;
                Some((CelMapKey::from(name.to_string()), value))
            })
            .collect();
        CelMap::from(entries)
    }
}

impl Value {
    /// The interpreter's form of a bound value; `None` for kinds bindings never hold.
    pub(super) fn to_cel(&self) -> Option<Box<dyn Val>> {
        Some(match self {
            Value::Bool(b) => Box::new(CelBool::from(*b)),
            Value::Int(i) => Box::new(CelInt::from(*i)),
            Value::Double(d) => Box::new(CelDouble::from(*d)),
            Value::Str(s) => Box::new(CelString::from(s.to_string())),
            Value::Timestamp(t) => Box::new(CelTimestamp::from(*t)),
            Value::Object(object) => Box::new(object.to_cel()),
            Value::Duration(_) | Value::Null | Value::List(_) => return None,
        })
    }

    /// A constant the interpreter computed (a literal, `duration("72h")`, a list of literals);
    /// `None` for kinds the evaluator leaves to the interpreter.
    pub(super) fn from_cel(value: &cel::Value) -> Option<Value> {
        Some(match value {
            cel::Value::Bool(b) => Value::Bool(*b),
            cel::Value::Int(i) => Value::Int(*i),
            cel::Value::Float(d) => Value::Double(*d),
            cel::Value::String(s) => Value::Str(Arc::from(s.as_str())),
            cel::Value::Timestamp(t) => Value::Timestamp(*t),
            cel::Value::Duration(d) => Value::Duration(*d),
            cel::Value::Null => Value::Null,
            cel::Value::List(items) => Value::List(
                items
                    .iter()
                    .map(Value::from_cel)
                    .collect::<Option<Vec<_>>>()?
                    .into(),
            ),
            _ => return None,
        })
    }
}
