//! The conditions a question puts on the records: a named record, a listed value and its
//! synonyms ("turned down" is rejected), a yes/no field, an amount over or under a figure, and
//! "my".

use super::super::text::{self, Words};
use super::coverage::Coverage;
use super::names::Mention;
use super::types::ref_field_to;
use crate::domain::plan::{Filter, Op};
use crate::domain::{FieldType, RecordType};
use serde_json::json;

/// The filter a named record puts on the records asked about.
pub fn mention_filter(
    mention: &Mention,
    record: &RecordType,
    words: &Words,
    cov: &mut Coverage,
) -> Option<Filter> {
    if mention.record_type == record.name {
        let key_field = record.key.first()?;
        return Some(Filter {
            field: key_field.clone(),
            op: Op::Eq,
            value: json!(mention.key),
        });
    }
    let field = ref_field_to(record, &mention.record_type, words, cov)?;
    Some(Filter {
        field,
        op: Op::Eq,
        value: json!(mention.key),
    })
}

/// Statuses and other listed values ("overdue", "on hold", "site visits") and the phrases
/// `ask.toml` gives for them (`synonyms`: phrase and the values it means), yes/no fields
/// ("preferred vendors"), and amounts over or under a figure.
pub fn value_filters(
    words: &mut Words,
    record: &RecordType,
    synonyms: &[(String, Vec<String>)],
    cov: &mut Coverage,
) -> Vec<Filter> {
    let mut filters = Vec::new();
    for field in &record.fields {
        match &field.field_type {
            FieldType::Enum(values) => {
                let matched = listed_values(words, field.name.as_str(), values, synonyms, cov);
                match matched.len() {
                    0 => {}
                    1 => filters.push(Filter {
                        field: field.name.clone(),
                        op: Op::Eq,
                        value: json!(matched[0]),
                    }),
                    _ => filters.push(Filter {
                        field: field.name.clone(),
                        op: Op::In,
                        value: json!(matched),
                    }),
                }
            }
            FieldType::Bool => filters.extend(yes_or_no(words, &field.name, cov)),
            _ => {}
        }
    }
    filters.extend(amount_filters(words, record, cov));
    filters
}

/// The values of one listed field the question names, by a synonym or by the value itself
/// (`auto_approved` as "auto approved" or "autoapproved"), longest phrases first.
fn listed_values(
    words: &mut Words,
    field: &str,
    values: &[String],
    synonyms: &[(String, Vec<String>)],
    cov: &mut Coverage,
) -> Vec<String> {
    let mut phrases: Vec<(String, Vec<String>)> = synonyms
        .iter()
        .filter(|(_, meant)| meant.iter().all(|v| values.contains(v)))
        .cloned()
        .collect();
    for value in values {
        let spoken = value.replace('_', " ").to_lowercase();
        phrases.push((spoken.replace(' ', ""), vec![value.clone()]));
        // "meal" for `meals`: the question speaks of one.
        if let Some(one) = super::open_values::singular(&spoken) {
            phrases.push((one, vec![value.clone()]));
        }
        phrases.push((spoken, vec![value.clone()]));
    }
    phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    // Verbs last: a value said as such ("approved automatically") is read first.
    for value in values {
        for verb in base_verbs(&value.replace('_', " ").to_lowercase()) {
            if let Some(range) = words.find(&verb).filter(|r| done_by_us(words, r.0)) {
                phrases.push((words.words[range.0..range.1].join(" "), vec![value.clone()]));
            }
        }
    }
    let mut matched: Vec<String> = Vec::new();
    let mut ranges = Vec::new();
    for (phrase, meant) in phrases {
        while let Some(range) = words.find(&phrase) {
            words.use_range(range);
            // "approved by Dana" names who approved, not a status.
            if words.at(range.1) == Some("by") {
                continue;
            }
            ranges.push(range);
            let label = format!("{} {}", field.replace('_', " "), meant.join(" or "));
            cov.claim_range(range, &label.replace('_', " "));
            for value in &meant {
                if !matched.contains(value) {
                    matched.push(value.clone());
                }
            }
        }
    }
    while let Some((at, value)) = listed_beside(words, &ranges, values, &matched) {
        words.use_range((at, at + 1));
        cov.claim_range(
            (at, at + 1),
            &format!("{} {}", field, value).replace('_', " "),
        );
        ranges.push((at, at + 1));
        matched.push(value);
    }
    matched
}

/// A value named by the last word of its name in a list of values of the same field ("calls,
/// emails and tickets" names `support_ticket`): a word beside a value read, or beside it across
/// "and" or "or", that ends the name of one value only. Alone, such a word ("tickets") may name
/// the records themselves.
fn listed_beside(
    words: &Words,
    ranges: &[(usize, usize)],
    values: &[String],
    matched: &[String],
) -> Option<(usize, String)> {
    let head_of = |word: &str| {
        let mut found = values.iter().filter(|v| {
            let spoken = v.to_lowercase().replace('_', " ");
            let last = spoken.rsplit(' ').next().unwrap_or_default().to_string();
            spoken.contains(' ')
                && [Some(word), word.strip_suffix('s'), word.strip_suffix("es")]
                    .contains(&Some(last.as_str()))
        });
        match (found.next(), found.next()) {
            (Some(value), None) if !matched.contains(value) => Some(value.clone()),
            _ => None,
        }
    };
    let joins = |at: usize| matches!(words.at(at), Some("and" | "or"));
    ranges.iter().find_map(|&(start, end)| {
        let after = [Some(end), joins(end).then_some(end + 1)];
        let before = [
            start.checked_sub(1),
            start.checked_sub(2).filter(|b| joins(b + 1)),
        ];
        after.into_iter().chain(before).flatten().find_map(|at| {
            let word = words.at(at)?;
            (!words.is_used(at))
                .then(|| head_of(word))
                .flatten()
                .map(|v| (at, v))
        })
    })
}

/// Whether the verb at `at` is asked of the company itself, after "did" or "do" ("how many
/// did we approve", "do they deliver"): asked of a named person ("did the CFO approve"), the
/// verb names who acted (a relation), not a status.
fn done_by_us(words: &Words, at: usize) -> bool {
    let asked_with_do = words.words[..at]
        .iter()
        .any(|w| matches!(w.as_str(), "did" | "do" | "does"));
    let subject = at.checked_sub(1).and_then(|before| words.at(before));
    asked_with_do && matches!(subject, Some("we" | "you" | "they" | "i"))
}

/// The verb a value in the past participle is done by, in the base form a question with "did"
/// or "do" puts it in: "how many did we approve" asks for the approved, "which did Ironclad
/// deliver" the delivered. Both spellings of the stem are given ("approv-e", "reject"), as
/// only the real one appears in a question; a doubled consonant is undoubled ("cancel-led").
fn base_verbs(value: &str) -> Vec<String> {
    let Some(stem) = value
        .strip_suffix("ed")
        .filter(|s| s.len() >= 3 && !s.contains(' '))
    else {
        return Vec::new();
    };
    let mut verbs = vec![format!("{stem}e"), stem.to_string()];
    let mut letters = stem.chars().rev();
    if let (Some(last), Some(before)) = (letters.next(), letters.next())
        && last == before
    {
        verbs.push(stem[..stem.len() - last.len_utf8()].to_string());
    }
    verbs
}

/// A yes/no field named as such ("preferred") or negated ("non preferred", "not preferred").
fn yes_or_no(words: &mut Words, field: &str, cov: &mut Coverage) -> Option<Filter> {
    let phrase = field.replace('_', " ");
    let negated = [
        format!("not {phrase}"),
        format!("non {phrase}"),
        format!("in{phrase}"),
        format!("un{phrase}"),
    ];
    let (value, found) = match negated.iter().find_map(|n| words.find(n)) {
        Some(range) => (false, range),
        None => (true, words.find(&phrase)?),
    };
    words.use_range(found);
    let label = if value {
        phrase.clone()
    } else {
        format!("not {phrase}")
    };
    cov.claim_range(found, &label);
    Some(Filter {
        field: field.to_string(),
        op: Op::Eq,
        value: json!(value),
    })
}

/// "over 50k", "at most $1,000": a condition on the record's money field.
fn amount_filters(words: &mut Words, record: &RecordType, cov: &mut Coverage) -> Vec<Filter> {
    let Some(field) = record
        .fields
        .iter()
        .find(|f| matches!(f.field_type, FieldType::Money))
        .map(|f| f.name.clone())
    else {
        return Vec::new();
    };
    let comparisons: [(&[&str], Op); 4] = [
        (
            &[
                "over",
                "above",
                "more than",
                "greater than",
                "exceeding",
                "bigger than",
                "larger than",
            ],
            Op::Gt,
        ),
        (&["at least", "no less than"], Op::Ge),
        (&["under", "below", "less than", "smaller than"], Op::Lt),
        (&["at most", "no more than", "up to"], Op::Le),
    ];
    let mut filters = Vec::new();
    for (phrases, op) in comparisons {
        for phrase in phrases {
            if let Some((_, end)) = words.find(phrase)
                && let Some(word) = words.at(end).map(str::to_string)
                && let Some(value) = text::amount(&word, words.at(end + 1))
            {
                let scale = matches!(words.at(end + 1), Some("thousand" | "million"));
                let range = (
                    end - phrase.split_whitespace().count(),
                    end + 1 + usize::from(scale),
                );
                words.use_range(range);
                cov.claim_range(range, &format!("{phrase} {word}"));
                filters.push(Filter {
                    field: field.clone(),
                    op,
                    value: json!(value),
                });
            }
        }
    }
    filters
}

/// "my expenses", "waiting for me": the asker's own records, through the field that refers to
/// people (the approver when the question is about approving).
pub fn mine(
    words: &Words,
    record: &RecordType,
    people: &str,
    asker: &str,
    cov: &mut Coverage,
) -> Option<Filter> {
    let phrases = ["my", "me", "i", "mine"];
    if !words.has_any(&phrases) || asker.is_empty() {
        return None;
    }
    let field = ref_field_to(record, people, words, cov)?;
    cov.claim(&phrases, "yours");
    Some(Filter {
        field,
        op: Op::Eq,
        value: json!(asker),
    })
}

/// The listed field of an approval workflow's records and its values that mean approved
/// (`approved`, `auto_approved`): what "spend" counts.
pub fn approved_values(record: &RecordType) -> Option<(String, Vec<String>)> {
    record.fields.iter().find_map(|field| {
        let FieldType::Enum(values) = &field.field_type else {
            return None;
        };
        let approved: Vec<String> = values
            .iter()
            .filter(|v| {
                v.split('_').any(|part| part == "approved")
                    && !v.starts_with("un")
                    && !v.starts_with("not")
            })
            .cloned()
            .collect();
        (!approved.is_empty()).then(|| (field.name.clone(), approved))
    })
}
