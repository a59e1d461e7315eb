//! How a question groups its records: by a field ("by status"), by a field of a record they
//! refer to ("by project manager", "per client industry"), or by month or year.

use super::super::text::Words;
use super::coverage::Coverage;
use super::types::Named;
use crate::domain::plan::{Filter, Op, Order};
use crate::domain::vocabulary::{TypeWords, Vocabulary};
use crate::domain::{FieldType, RecordSchema, RecordType};

/// Words before a field or type that make it a grouping.
const LEADS: &[&str] = &["by", "per", "each", "every"];
/// Words that rank a field's values by how often they occur, and so group by it: "the most
/// common reason", "the commonest category", "the rarest kind".
const FREQUENCY_LEADS: &[&str] = &["common", "commonest", "frequent", "popular", "rarest"];

/// A grouping by a field of another record type: "by project manager" is the `manager_id` of
/// each record's project.
#[derive(Debug, Clone, PartialEq)]
pub struct RefGroup {
    pub target: String,
    pub field: String,
}

/// A field as people say it: `manager_id` is "manager", `planned_end` "planned end".
pub fn spoken(field: &str) -> String {
    field.trim_end_matches("_id").replace('_', " ")
}

/// The filters a ranking of groups needs: a ranking names a group ("who approved the most
/// expenses", "which project has the most change orders"), and the records with no value in
/// the grouped field are no group to name, so they are left out rather than ranked as
/// "nothing". Fields of referenced records and cut dates are left as they are.
pub fn ranked_groups(
    group_by: &[String],
    order: Option<&Order>,
    filters: &[Filter],
) -> Vec<Filter> {
    if order.is_none_or(|o| o.field.is_some()) {
        return Vec::new();
    }
    group_by
        .iter()
        .filter(|field| !field.contains(['.', ':']))
        .filter(|field| !filters.iter().any(|f| f.field == **field))
        .map(|field| Filter {
            field: field.clone(),
            op: Op::IsNotEmpty,
            value: serde_json::Value::Null,
        })
        .collect()
}

/// Whether the words from `at` are `phrase` (its last word allowing a plural).
fn phrase_at(words: &Words, at: usize, phrase: &str) -> Option<usize> {
    let wanted: Vec<&str> = phrase.split_whitespace().collect();
    let fits = !wanted.is_empty()
        && wanted.iter().enumerate().all(|(i, w)| {
            words.at(at + i).is_some_and(|word| {
                word == *w
                    || (i == wanted.len() - 1
                        && (word.strip_suffix('s') == Some(w)
                            || word
                                .strip_suffix("ies")
                                .is_some_and(|stem| w.strip_suffix('y') == Some(stem))))
            })
        });
    fits.then_some(at + wanted.len())
}

/// The phrases naming each field of `record`, by which a question can group: its spoken name
/// and the words `ask.toml` gives it, longest first. Numbers and money order rather than group.
fn groupable_phrases(record: &RecordType, words: &TypeWords) -> Vec<(String, String)> {
    let groupable = |name: &str| {
        record.field(name).is_some_and(|f| {
            !matches!(f.field_type, FieldType::Number | FieldType::Money)
                && !record.key.contains(&f.name)
                && record.label.as_deref() != Some(name)
        })
    };
    let mut phrases: Vec<(String, String)> = record
        .fields
        .iter()
        .filter(|f| groupable(&f.name))
        .map(|f| (spoken(&f.name), f.name.clone()))
        .chain(
            words
                .fields
                .iter()
                .filter(|(_, field)| groupable(field))
                .map(|(word, field)| (word.clone(), field.clone())),
        )
        .collect();
    phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    phrases
}

/// "by project manager", "per vendor category": a lead, a type's words, then a field of that
/// type. The words are claimed.
pub fn ref_group(
    words: &Words,
    types: &[Named],
    schema: &RecordSchema,
    vocabulary: &Vocabulary,
    cov: &mut Coverage,
) -> Option<RefGroup> {
    types.iter().find_map(|(target, at, end)| {
        let lead = at.checked_sub(1).and_then(|i| words.at(i))?;
        if !LEADS.contains(&lead) {
            return None;
        }
        let record = schema.get(target)?;
        let type_words = vocabulary.types.get(target).cloned().unwrap_or_default();
        groupable_phrases(record, &type_words)
            .into_iter()
            .find_map(|(phrase, field)| {
                let last = phrase_at(words, *end, &phrase)?;
                cov.claim_range(
                    (at - 1, last),
                    &format!("by {} {phrase}", target.replace('_', " ")),
                );
                Some(RefGroup {
                    target: target.clone(),
                    field,
                })
            })
    })
}

/// "by status", "per category", "by manager": a field of the record to group by, claimed.
pub fn grouping_field(
    words: &Words,
    record: &RecordType,
    vocabulary: &TypeWords,
    cov: &mut Coverage,
) -> Option<String> {
    for (phrase, field) in groupable_phrases(record, vocabulary) {
        let leads: Vec<String> = LEADS
            .iter()
            .chain(&["which", "what"])
            .chain(FREQUENCY_LEADS)
            .map(|lead| format!("{lead} {phrase}"))
            .collect();
        let leads: Vec<&str> = leads.iter().map(String::as_str).collect();
        if words.has_any(&leads) {
            cov.claim(&leads, &format!("by {phrase}"));
            return Some(field);
        }
    }
    None
}

/// "by month", "monthly", "per year": the date field cut to its month or year, claimed.
pub fn date_grouping(words: &Words, date: Option<&str>, cov: &mut Coverage) -> Option<String> {
    let date = date?;
    let cuts: [(&[&str], &str); 2] = [
        (
            &[
                "by month",
                "per month",
                "monthly",
                "each month",
                "month by month",
            ],
            "month",
        ),
        (
            &["by year", "per year", "yearly", "each year", "annually"],
            "year",
        ),
    ];
    cuts.iter().find_map(|(phrases, cut)| {
        words.has_any(phrases).then(|| {
            cov.claim(phrases, &format!("by {cut}"));
            format!("{date}:{cut}")
        })
    })
}
