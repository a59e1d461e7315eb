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
use crate::domain::{RecordLabels, RecordType};
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
