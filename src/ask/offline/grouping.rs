//! How a question groups its records: by a field ("by status"), by a field of a record they
//! refer to ("by project manager", "per client industry"), or by month or year.

use super::super::text::Words;
use super::Context;
use super::coverage::Coverage;
use super::query::Problem;
use super::types::{self, Named};
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

/// "by project manager", "per vendor category", "by the vendor's category", "by industry of
/// the client": a lead, a type's words and a field of that type, or the field, "of" and the
/// type. The words are claimed.
pub fn ref_group(
    words: &Words,
    types: &[Named],
    schema: &RecordSchema,
    vocabulary: &Vocabulary,
    cov: &mut Coverage,
) -> Option<RefGroup> {
    types.iter().find_map(|(target, at, end)| {
        let record = schema.get(target)?;
        let type_words = vocabulary.types.get(target).cloned().unwrap_or_default();
        let phrases = groupable_phrases(record, &type_words);
        let label = |phrase: &str| format!("by {} {phrase}", target.replace('_', " "));
        // The lead, "the" and the type, then the field: "by the vendor('s) category".
        let start = lead_before(words, *at);
        let before = start.and_then(|start| {
            phrases.iter().find_map(|(phrase, field)| {
                let last = phrase_at(words, *end, phrase)?;
                cov.claim_range((start, last), &label(phrase));
                Some(field.clone())
            })
        });
        // The lead and the field, then "of (the)" and the type: "by industry of the client".
        let after = || {
            let of = at
                .checked_sub(1)
                .filter(|i| words.at(*i) == Some("the"))
                .unwrap_or(*at)
                .checked_sub(1)
                .filter(|i| words.at(*i) == Some("of"))?;
            phrases.iter().find_map(|(phrase, field)| {
                let n = phrase.split_whitespace().count();
                let first = of.checked_sub(n)?;
                phrase_at(words, first, phrase).filter(|last| *last == of)?;
                let lead = first.checked_sub(1)?;
                LEADS.contains(&words.at(lead)?).then_some(())?;
                cov.claim_range((lead, *end), &label(phrase));
                Some(field.clone())
            })
        };
        let field = before.or_else(after)?;
        Some(RefGroup {
            target: target.clone(),
            field,
        })
    })
}

/// Where the lead of a type's words at `at` starts: "by" right before it, or "by the".
fn lead_before(words: &Words, at: usize) -> Option<usize> {
    let lead = |i: usize| words.at(i).is_some_and(|w| LEADS.contains(&w));
    match at.checked_sub(1)? {
        before if lead(before) => Some(before),
        before if words.at(before) == Some("the") => before.checked_sub(1).filter(|i| lead(*i)),
        _ => None,
    }
}

/// "per department" of expenses: a field of the one type `record` refers to that has it (a
/// person's department), as `ref.field`; `None` when no referred type or several have it. The
/// words are claimed.
pub fn referred_field(
    words: &Words,
    record: &RecordType,
    schema: &RecordSchema,
    vocabulary: &Vocabulary,
    cov: &mut Coverage,
) -> Option<String> {
    let own = vocabulary
        .types
        .get(&record.name)
        .cloned()
        .unwrap_or_default();
    let owned: Vec<String> = groupable_phrases(record, &own)
        .into_iter()
        .map(|(phrase, _)| phrase)
        .collect();
    let mut targets: Vec<&str> = record
        .fields
        .iter()
        .filter_map(|f| match &f.field_type {
            FieldType::Ref(to) if *to != record.name => Some(to.as_str()),
            _ => None,
        })
        .collect();
    targets.sort_unstable();
    targets.dedup();
    let mut found: Vec<(&str, String, String)> = Vec::new();
    for target in targets {
        let Some(other) = schema.get(target) else {
            continue;
        };
        let words_of = vocabulary.types.get(target).cloned().unwrap_or_default();
        for (phrase, field) in groupable_phrases(other, &words_of) {
            // A reference is grouped by the type's own words ("by vendor"), not through it.
            let referring = matches!(
                other.field(&field).map(|f| &f.field_type),
                Some(FieldType::Ref(_))
            );
            if !referring && !owned.contains(&phrase) && leads_to(words, &phrase) {
                found.push((target, field, phrase));
                break;
            }
        }
    }
    let [(target, field, phrase)] = found.as_slice() else {
        return None;
    };
    let via = super::types::ref_field_to(record, target, words, cov)?;
    let leads: Vec<String> = LEADS
        .iter()
        .map(|lead| format!("{lead} {phrase}"))
        .collect();
    let leads: Vec<&str> = leads.iter().map(String::as_str).collect();
    cov.claim(&leads, &format!("by {} {}", spoken(&via), spoken(field)));
    Some(format!("{via}.{field}"))
}

/// Whether a lead comes right before `phrase` in the question: "per department".
fn leads_to(words: &Words, phrase: &str) -> bool {
    LEADS
        .iter()
        .any(|lead| words.has(&format!("{lead} {phrase}")))
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
        // Words a grouping by another type's field read ("by status of the client") are its.
        let unread = |lead: &&str| {
            words
                .find(lead)
                .is_some_and(|(from, to)| (from..to).any(|at| !cov.is_claimed(at)))
        };
        if leads.iter().any(unread) {
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

/// The fields grouped by: a field of a referenced record, the reference to a grouping type, a
/// field of the record, and its date cut to months or years; each once.
pub fn group_by(
    words: &Words,
    (record, cx): (&RecordType, &Context),
    vocabulary: &TypeWords,
    ref_group: Option<RefGroup>,
    grouped_by_type: Option<String>,
    cov: &mut Coverage,
) -> Result<Vec<String>, Problem> {
    let mut group_by = Vec::new();
    if let Some(group) = ref_group {
        if group.target == record.name {
            group_by.push(group.field);
        } else {
            let via = types::ref_field_to(record, &group.target, words, cov).ok_or_else(|| {
                Problem(format!(
                    "{} records do not refer to {} records, so I cannot group them by their {}",
                    spoken(&record.name),
                    spoken(&group.target),
                    spoken(&group.field)
                ))
            })?;
            group_by.push(format!("{via}.{}", group.field));
        }
    } else if let Some(target) = grouped_by_type.as_ref().filter(|t| **t != record.name) {
        // "invoices per employee": records that do not refer to the type are not grouped by it.
        let field = types::ref_field_to(record, target, words, cov)
            .or_else(|| types::ref_through(record, target, cx.schema))
            .ok_or_else(|| {
                Problem(format!(
                    "{} records do not refer to {} records, so I cannot group them by {}",
                    spoken(&record.name),
                    spoken(target),
                    spoken(target)
                ))
            })?;
        group_by.push(field);
    }
    let fields = grouping_field(words, record, vocabulary, cov)
        .or_else(|| referred_field(words, record, cx.schema, cx.vocabulary, cov))
        .into_iter();
    let dates = date_grouping(words, vocabulary.date.as_deref(), cov).into_iter();
    for field in fields.chain(dates) {
        if !group_by.contains(&field) {
            group_by.push(field);
        }
    }
    Ok(group_by)
}
