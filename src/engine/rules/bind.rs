//! Bindings: a request's canonical JSON values turned, once, into rule values, typed as the
//! checker typed them (money and numbers as doubles, dates as midnight-UTC timestamps), and laid
//! out as the checker saw them (variables and declared fields in name order).

use super::Bindings;
use super::value::{Object, Value};
use crate::domain::field::parse_timestamp;
use crate::domain::{FieldType, Fields, RecordSchema, RecordType, RecordTypeField, Workflow};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Binds a request's values: the form (`request`), the requester's staff record, the records its
/// `ref` fields point at (by form field name; absent when the field is empty), and `now`.
///
/// The requester's record type is recognised as the schema's type whose fields cover the
/// requester's fields (so money on it, `approval_limit`, is a number); callers that know the
/// staff type name say so with [`bindings_with_staff`].
pub fn bindings(
    workflow: &Workflow,
    schema: &RecordSchema,
    form: &Fields,
    requester: &Fields,
    refs: &BTreeMap<String, Fields>,
    now: DateTime<Utc>,
) -> Bindings {
    let staff_type = staff_type_of(schema, requester);
    bindings_with_staff(workflow, schema, staff_type, form, requester, refs, now)
}

/// [`bindings`] with the staff record type named, as [`super::rule_env`] takes it.
pub fn bindings_with_staff(
    workflow: &Workflow,
    schema: &RecordSchema,
    staff_type: Option<&str>,
    form: &Fields,
    requester: &Fields,
    refs: &BTreeMap<String, Fields>,
    now: DateTime<Utc>,
) -> Bindings {
    let record_fields = |name: Option<&str>| name.and_then(|n| schema.get(n)).map(|t| &t.fields);
    let mut vars: BTreeMap<String, Value> = BTreeMap::new();
    let form_names = workflow.fields.iter().map(|f| f.name.as_str());
    let form_type = |name: &str| workflow.field(name).map(|f| &f.field_type);
    vars.insert("request".into(), object(form, form_names, form_type));
    let staff = record_fields(staff_type);
    vars.insert(
        "requester".into(),
        object(requester, names(staff), |n| field_type_in(staff, n)),
    );
    for field in &workflow.fields {
        if let FieldType::Ref(target) = &field.field_type {
            let fields = record_fields(Some(target));
            let empty = Fields::new();
            let values = refs.get(&field.name).unwrap_or(&empty);
            let map = object(values, names(fields), |n| field_type_in(fields, n));
            vars.insert(field.name.clone(), map);
        }
    }
    vars.insert("now".into(), Value::Timestamp(utc(now)));
    Bindings {
        vars: vars.into_iter().collect(),
        interpreted: Default::default(),
    }
}

/// Binds a record change for [`super::record_env`]'s conditions: the record as written, as it
/// was before (`None` for a new record: every field absent) and `now`.
pub fn record_bindings(
    record_type: &RecordType,
    fields: &Fields,
    before: Option<&Fields>,
    now: DateTime<Utc>,
) -> Bindings {
    let declared = Some(&record_type.fields);
    let bind = |values: &Fields| object(values, names(declared), |n| field_type_in(declared, n));
    let mut vars: BTreeMap<String, Value> = BTreeMap::new();
    vars.insert("record".into(), bind(fields));
    vars.insert("before".into(), bind(before.unwrap_or(&Fields::new())));
    vars.insert("now".into(), Value::Timestamp(utc(now)));
    Bindings {
        vars: vars.into_iter().collect(),
        interpreted: Default::default(),
    }
}

fn names(fields: Option<&Vec<RecordTypeField>>) -> impl Iterator<Item = &str> {
    fields.into_iter().flatten().map(|f| f.name.as_str())
}

fn field_type_in<'a>(
    fields: Option<&'a Vec<RecordTypeField>>,
    name: &str,
) -> Option<&'a FieldType> {
    fields?
        .iter()
        .find(|f| f.name == name)
        .map(|f| &f.field_type)
}

/// The record type whose fields include every field of `requester`, the most specific first.
fn staff_type_of<'s>(schema: &'s RecordSchema, requester: &Fields) -> Option<&'s str> {
    let preferred = ["staff", "person", "people", "employee"];
    schema
        .types
        .values()
        .filter(|t| requester.keys().all(|k| t.field(k).is_some()))
        .min_by_key(|t| {
            let named = !preferred.contains(&t.name.as_str());
            (named, t.fields.len())
        })
        .map(|t| t.name.as_str())
}

/// A record's fields: the `declared` ones in name order, each with its value or `None`, so that
/// a field's position matches the checker's; then fields the type does not declare. Empty and
/// malformed values are `None`, so `has()` answers false.
fn object<'a, 'n>(
    fields: &Fields,
    declared: impl Iterator<Item = &'n str>,
    type_of: impl Fn(&str) -> Option<&'a FieldType>,
) -> Value {
    let declared: BTreeSet<&str> = declared.collect();
    let value = |name: &str, json: &Json| match type_of(name) {
        Some(field_type) => typed_value(field_type, json),
        None => untyped_value(json),
    };
    let mut entries: Vec<(Box<str>, Option<Value>)> = declared
        .iter()
        .map(|name| {
            (
                Box::from(*name),
                fields.get(*name).and_then(|j| value(name, j)),
            )
        })
        .collect();
    entries.extend(
        fields
            .iter()
            .filter(|(name, _)| !declared.contains(name.as_str()))
            .map(|(name, json)| (Box::from(name.as_str()), value(name, json))),
    );
    Value::Object(Arc::new(Object { fields: entries }))
}

/// A canonical JSON value as the checker typed its field; `None` for null or a malformed value.
fn typed_value(field_type: &FieldType, json: &Json) -> Option<Value> {
    match field_type {
        FieldType::Text | FieldType::Enum(_) | FieldType::Ref(_) => string(json),
        FieldType::Number | FieldType::Money => number(json).map(Value::Double),
        FieldType::Date => {
            let date = NaiveDate::parse_from_str(json.as_str()?, "%Y-%m-%d").ok()?;
            let midnight = date.and_hms_opt(0, 0, 0)?.and_utc();
            Some(Value::Timestamp(utc(midnight)))
        }
        FieldType::Timestamp => {
            let at = parse_timestamp(json.as_str()?).ok()?;
            Some(Value::Timestamp(utc(at)))
        }
        FieldType::Bool => json.as_bool().map(Value::Bool),
    }
}

/// A value of a field the schema does not describe: numbers are doubles, like every number.
fn untyped_value(json: &Json) -> Option<Value> {
    match json {
        Json::String(_) => string(json),
        Json::Number(n) => n.as_f64().map(Value::Double),
        Json::Bool(b) => Some(Value::Bool(*b)),
        _ => None,
    }
}

fn string(json: &Json) -> Option<Value> {
    let text: Arc<str> = match json {
        Json::String(s) => Arc::from(s.as_str()),
        Json::Number(n) => Arc::from(n.to_string()),
        Json::Bool(b) => Arc::from(b.to_string()),
        _ => return None,
    };
    Some(Value::Str(text))
}

fn number(json: &Json) -> Option<f64> {
    match json {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn utc(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.fixed_offset()
}
