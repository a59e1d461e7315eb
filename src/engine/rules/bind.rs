//! Bindings: a request's canonical JSON values turned, once, into the interpreter's values, typed
//! as the checker typed them (money and numbers as doubles, dates as midnight-UTC timestamps).

use super::Bindings;
use crate::domain::field::parse_timestamp;
use crate::domain::{FieldType, Fields, RecordSchema, RecordTypeField, Workflow};
use cel::common::types::{CelBool, CelDouble, CelMap, CelMapKey, CelString, CelTimestamp};
use cel::common::value::Val;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashMap};
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
    let mut vars: BTreeMap<String, Arc<dyn Val>> = BTreeMap::new();
    let form_type = |name: &str| workflow.field(name).map(|f| &f.field_type);
    vars.insert("request".into(), Arc::new(object(form, form_type)));
    let staff = record_fields(staff_type);
    vars.insert(
        "requester".into(),
        Arc::new(object(requester, |n| field_type_in(staff, n))),
    );
    for field in &workflow.fields {
        if let FieldType::Ref(target) = &field.field_type {
            let fields = record_fields(Some(target));
            let empty = Fields::new();
            let values = refs.get(&field.name).unwrap_or(&empty);
            let map = object(values, |n| field_type_in(fields, n));
            vars.insert(field.name.clone(), Arc::new(map));
        }
    }
    vars.insert("now".into(), Arc::new(CelTimestamp::from(utc(now))));
    Bindings { vars }
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

/// A map of the fields with a value; absent fields are absent keys, so `has()` answers false.
fn object<'a>(fields: &Fields, type_of: impl Fn(&str) -> Option<&'a FieldType>) -> CelMap<'static> {
    let entries: HashMap<CelMapKey<'static>, Box<dyn Val>> = fields
        .iter()
        .filter_map(|(name, json)| {
            let value = match type_of(name) {
                Some(field_type) => typed_value(field_type, json),
                None => untyped_value(json),
            }?;
            Some((CelMapKey::from(name.clone()), value))
        })
        .collect();
    CelMap::from(entries)
}

/// A canonical JSON value as the checker typed its field; `None` for null or a malformed value.
fn typed_value(field_type: &FieldType, json: &Json) -> Option<Box<dyn Val>> {
    match field_type {
        FieldType::Text | FieldType::Enum(_) | FieldType::Ref(_) => string(json),
        FieldType::Number | FieldType::Money => number(json).map(double),
        FieldType::Date => {
            let date = NaiveDate::parse_from_str(json.as_str()?, "%Y-%m-%d").ok()?;
            let midnight = date.and_hms_opt(0, 0, 0)?.and_utc();
            Some(Box::new(CelTimestamp::from(utc(midnight))))
        }
        FieldType::Timestamp => {
            let at = parse_timestamp(json.as_str()?).ok()?;
            Some(Box::new(CelTimestamp::from(utc(at))))
        }
        FieldType::Bool => json
            .as_bool()
            .map(|b| Box::new(CelBool::from(b)) as Box<dyn Val>),
    }
}

/// A value of a field the schema does not describe: numbers are doubles, like every number.
fn untyped_value(json: &Json) -> Option<Box<dyn Val>> {
    match json {
        Json::String(_) => string(json),
        Json::Number(n) => n.as_f64().map(double),
        Json::Bool(b) => Some(Box::new(CelBool::from(*b))),
        _ => None,
    }
}

fn string(json: &Json) -> Option<Box<dyn Val>> {
    let text = match json {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        _ => return None,
    };
    Some(Box::new(CelString::from(text)))
}

fn number(json: &Json) -> Option<f64> {
    match json {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn double(value: f64) -> Box<dyn Val> {
    Box::new(CelDouble::from(value))
}

fn utc(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.fixed_offset()
}
