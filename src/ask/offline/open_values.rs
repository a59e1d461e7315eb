//! Values of open-list text fields named in a question: "healthcare clients" are the clients
//! whose industry is healthcare, "electricians" the people whose title is Electrician. The
//! values are the records' own ([`RecordLabels::values_of`]), so a new industry is known as
//! soon as a client has it.
//!
//! [`RecordLabels::values_of`]: crate::domain::RecordLabels::values_of

use super::super::text::{self, Words};
use super::coverage::{Coverage, is_stop_word};
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
    let mut values: Vec<(String, &str, &str)> = sayings(labels.values_of(&record.name));
    values.sort_by_key(|(phrase, _, _)| std::cmp::Reverse(phrase.len()));
    let mut matched: Vec<(&str, Vec<&str>)> = Vec::new();
    for (phrase, field, value) in values {
        if let Some(range) = words.find(&phrase) {
            words.use_range(range);
            cov.claim_range(range, &format!("{} {}", spoken(field), value));
            match matched.iter_mut().find(|(f, _)| *f == field) {
                Some((_, values)) if values.contains(&value) => {}
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

/// The ways a question may name each value, as `(phrase, field, value)`: the value itself; a
/// plural value in the singular ("meal" for `meals`); and a value of three words or more by its
/// first two or more, when no other value starts so ("weather damage" for "Weather damage
/// repair"). A leading part ending in a function word ("substitution of") names nothing.
pub fn sayings<'a>(
    values: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<(String, &'a str, &'a str)> {
    let values: Vec<(String, &str, &str)> = values
        .map(|(field, value)| (text::normalise(&value.replace('_', " ")), field, value))
        .filter(|(phrase, _, _)| !phrase.is_empty())
        .collect();
    let mut sayings = values.clone();
    for (phrase, field, value) in &values {
        if let Some(one) = singular(phrase) {
            sayings.push((one, field, value));
        }
        let words: Vec<&str> = phrase.split_whitespace().collect();
        for n in 2..words.len() {
            let lead = words[..n].join(" ");
            let shared = values.iter().any(|(other, _, v)| {
                v != value && (other == &lead || other.starts_with(&format!("{lead} ")))
            });
            if !shared && !is_stop_word(words[n - 1]) {
                sayings.push((lead, field, value));
            }
        }
    }
    sayings
}

/// A plural phrase with its last word in the singular ("safety boots" → "safety boot").
pub fn singular(phrase: &str) -> Option<String> {
    let stem = phrase.strip_suffix('s').filter(|s| !s.ends_with('s'))?;
    let last = stem.rsplit(' ').next().unwrap_or(stem);
    (last.len() >= 3).then(|| stem.to_string())
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
                FieldType::Enum(values) => values
                    .iter()
                    .map(|v| (f.name.as_str(), v.as_str()))
                    .collect(),
                _ => Vec::new(),
            });
            let open = labels.values_of(&record.name);
            sayings(listed.chain(open))
                .iter()
                .any(|(phrase, _, _)| words.has(phrase))
        })
        .map(|record| record.name.as_str())
        .collect();
    named.dedup();
    match named.as_slice() {
        [one] => Some(one.to_string()),
        _ => None,
    }
}
