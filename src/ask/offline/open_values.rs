//! Values of open-list text fields named in a question: "healthcare clients" are the clients
//! whose industry is healthcare, "electricians" the people whose title is Electrician. The
//! values are the records' own ([`RecordLabels::values_of`]), so a new industry is known as
//! soon as a client has it.
//!
//! [`RecordLabels::values_of`]: crate::domain::RecordLabels::values_of

use super::super::text::{self, Words};
use super::coverage::Coverage;
use super::grouping::spoken;
use crate::domain::plan::{Filter, Op};
use crate::domain::{FieldType, RecordLabels, RecordSchema, RecordType};
use serde_json::json;

/// The filters the values of `record`'s open-list fields named in the question put on it, one
/// per field (several values of one field are any of them); their words marked read.
pub fn filters(
    words: &mut Words,
    record: &RecordType,
    labels: &RecordLabels,
    cov: &mut Coverage,
) -> Vec<Filter> {
    let mut values: Vec<(String, &str, &str)> = labels
        .values_of(&record.name)
        .map(|(field, value)| (text::normalise(value), field, value))
        .filter(|(phrase, _, _)| !phrase.is_empty())
        .collect();
    values.sort_by_key(|(phrase, _, _)| std::cmp::Reverse(phrase.len()));
    let mut matched: Vec<(&str, Vec<&str>)> = Vec::new();
    for (phrase, field, value) in values {
        if let Some(range) = words.find(&phrase) {
            words.use_range(range);
            cov.claim_range(range, &format!("{} {}", spoken(field), value));
            match matched.iter_mut().find(|(f, _)| *f == field) {
                Some((_, values)) => values.push(value),
                None => matched.push((field, vec![value])),
            }
        }
    }
    matched
        .into_iter()
        .map(|(field, values)| match values.as_slice() {
            [one] => Filter {
                field: field.to_string(),
                op: Op::Eq,
                value: json!(one),
            },
            _ => Filter {
                field: field.to_string(),
                op: Op::In,
                value: json!(values),
            },
        })
        .collect()
}

/// The one record type a value named in the question belongs to, when no type is named:
/// "fuel" is a category of expenses only, so "last month's fuel spend" is about expenses. A
/// value several types have ("approved", "open") names none of them. Only types questions
/// name (`known`) count: the requests' history repeats the workflows' values.
pub fn type_of_value(
    words: &Words,
    schema: &RecordSchema,
    labels: &RecordLabels,
    known: impl Fn(&str) -> bool,
) -> Option<String> {
    let mut named: Vec<&str> = schema
        .types
        .values()
        .filter(|record| known(&record.name))
        .filter(|record| {
            let listed = record.fields.iter().flat_map(|f| match &f.field_type {
                FieldType::Enum(values) => values.iter().map(String::as_str).collect(),
                _ => Vec::new(),
            });
            let open = labels.values_of(&record.name).map(|(_, value)| value);
            listed.chain(open).any(|value| {
                let phrase = text::normalise(&value.replace('_', " "));
                !phrase.is_empty() && words.has(&phrase)
            })
        })
        .map(|record| record.name.as_str())
        .collect();
    named.dedup();
    match named.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}
