//! The offline planner: reads a question with the record schema, the words of `ask.toml`, the
//! names of the company's records and a few rules of English, and writes a [`Plan`] without a
//! model. It says plainly what it did not understand rather than guess.
//!
//! It reads, in order: names of records (vendors, projects, clients, people, keys), the date
//! window, which record type is asked about, how it is grouped, the conditions (statuses,
//! yes/no fields, amounts over or under a figure, "my"), and what is measured.

use super::text::{self, Words};
use crate::domain::plan::{Filter, Measure, Op, Order, Plan, Query};
use crate::domain::vocabulary::Vocabulary;
use crate::domain::{FieldType, RecordLabels, RecordSchema, RecordType};
use chrono::NaiveDate;
use serde_json::json;
use std::collections::HashMap;

/// What the offline planner reads a question against.
pub struct Context<'a> {
    pub schema: &'a RecordSchema,
    pub vocabulary: &'a Vocabulary,
    pub labels: &'a RecordLabels,
    pub today: NaiveDate,
    /// The staff id of the person asking ("my expenses").
    pub asker: &'a str,
}

/// A question the offline planner cannot turn into a plan, with what it would understand.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct NotUnderstood(pub String);

/// A record named in the question.
#[derive(Debug, Clone, PartialEq)]
struct Mention {
    record_type: String,
    key: String,
    at: usize,
    /// Found by one distinctive word of its name, not the whole name or key.
    partial: bool,
}

/// Words that never name a record on their own, however distinctive in the names.
const COMMON: &[&str] = &[
    "what",
    "which",
    "when",
    "where",
    "with",
    "that",
    "this",
    "from",
    "have",
    "much",
    "many",
    "total",
    "month",
    "year",
    "last",
    "most",
    "least",
    "than",
    "more",
    "less",
    "over",
    "under",
    "open",
    "paid",
    "late",
    "company",
    "group",
    "supply",
    "services",
    "partners",
    "office",
    "center",
    "building",
    "construction",
    "school",
    "medical",
    "health",
    "city",
    "county",
    "north",
    "south",
    "east",
    "west",
    "river",
    "park",
    "main",
    "street",
    "road",
    "home",
    "homes",
    "steel",
    "concrete",
    "electric",
    "plumbing",
    "lumber",
    "glass",
    "roofing",
    "mechanical",
    "each",
    "every",
    "average",
    "biggest",
    "largest",
    "active",
    "pending",
    "approved",
    "rejected",
    "show",
    "list",
];

pub fn plan(question: &str, cx: &Context) -> Result<Plan, NotUnderstood> {
    let mut words = Words::new(question);
    if words.words.is_empty() {
        return Err(NotUnderstood(
            "ask a question about the company's records".into(),
        ));
    }
    // An analysis from the catalogue, when the question asks for one.
    for insight in crate::insights::ALL {
        if insight
            .cues()
            .iter()
            .any(|cue| words.has(&text::normalise(cue)))
        {
            return Ok(Plan::Insight { name: insight });
        }
    }
    let mentions = mentions(&mut words, cx);
    let window = text::window(&mut words, cx.today);
    // Values are read from the words as they were before types were: "site visits" names both
    // touchpoints and their kind.
    let mut value_words = words.clone();
    let field_words = words.clone();
    let types = type_mentions(&mut words, cx);
    let grouped_by_type = grouping_type(&words, &types);
    let subject = subject(&types, &mentions, grouped_by_type.as_deref(), &words, cx)?;
    let record = cx
        .schema
        .get(&subject)
        .ok_or_else(|| NotUnderstood(format!("`{subject}` is not a record type")))?;
    let vocabulary = cx
        .vocabulary
        .types
        .get(&subject)
        .cloned()
        .unwrap_or_default();

    let mut filters = Vec::new();
    for mention in &mentions {
        match mention_filter(mention, record, &words) {
            Some(filter) => filters.push(filter),
            // One word of a name may be a coincidence; a whole name is not.
            None if mention.partial => {}
            None => {
                let name = cx
                    .labels
                    .label(&mention.record_type, &mention.key)
                    .unwrap_or(&mention.key);
                return Err(NotUnderstood(format!(
                    "{subject} records do not refer to {} records, so I cannot narrow them to {name}",
                    mention.record_type.replace('_', " ")
                )));
            }
        }
    }
    if let (Some(window), Some(date)) = (&window, &vocabulary.date) {
        filters.push(Filter {
            field: date.clone(),
            op: Op::Within,
            value: serde_json::to_value(window).unwrap_or_default(),
        });
    } else if let Some(window) = &window {
        return Err(NotUnderstood(format!(
            "{} records have no date, so \"{}\" does not apply to them",
            subject,
            window.words()
        )));
    }
    filters.extend(value_filters(&mut value_words, record));
    filters.extend(mine(&words, record, cx.asker));

    let mut group_by = Vec::new();
    if let Some(target) = &grouped_by_type
        && *target != subject
        && let Some(field) = ref_field_to(record, target, &words)
    {
        group_by.push(field);
    }
    if let Some(field) = grouping_field(&words, record, &vocabulary) {
        group_by.push(field);
    }
    if words.has_any(&[
        "by month",
        "per month",
        "monthly",
        "each month",
        "month by month",
    ]) && let Some(date) = &vocabulary.date
    {
        group_by.push(format!("{date}:month"));
    } else if words.has_any(&["by year", "per year", "yearly", "each year", "annually"])
        && let Some(date) = &vocabulary.date
    {
        group_by.push(format!("{date}:year"));
    }

    let named_field = named_numeric_field(&field_words, record, &vocabulary);
    let amount = named_field.clone().or(vocabulary.amount.clone());
    let top_n = top_n(&words);
    let most = words.has_any(&[
        "most",
        "largest",
        "biggest",
        "highest",
        "top",
        "max",
        "maximum",
        "greatest",
        "most expensive",
    ]);
    let least = words.has_any(&[
        "least", "smallest", "lowest", "fewest", "cheapest", "min", "minimum",
    ]);
    let how_many = words.has_any(&["how many", "number of", "count"]);
    let money_words: &[&str] = &[
        "how much", "total", "sum", "spend", "spent", "value", "amount", "cost", "worth", "paid",
        "invoiced", "billed",
    ];
    // "how many hours" adds hours up; "how many invoices" counts them.
    let counting = (how_many || words.has_any(&["most", "fewest"]))
        && !words.has_any(money_words)
        && named_field.is_none();
    let summing = words.has_any(money_words) || (how_many && named_field.is_some());
    let average = words.has_any(&["average", "avg", "mean", "typical", "typically"]);
    let median = words.has_any(&["median"]);

    let measure_field = |what: &str| {
        amount.clone().ok_or_else(|| {
            NotUnderstood(format!(
                "{subject} records have no amount to {what}; name a number field ({})",
                numeric_fields(record).join(", ")
            ))
        })
    };
    let grouped = !group_by.is_empty();
    let (measure, order, limit) = if median {
        (
            Measure::Median {
                field: measure_field("take the median of")?,
            },
            None,
            None,
        )
    } else if average {
        let measure = Measure::Average {
            field: measure_field("average")?,
        };
        let order = grouped.then_some(Order {
            field: None,
            descending: !least,
        });
        (measure, order, grouped.then_some(top_n).flatten())
    } else if counting {
        let order = (grouped && (most || least)).then_some(Order {
            field: None,
            descending: !least,
        });
        let limit = if grouped && (most || least) {
            Some(top_n.unwrap_or(1))
        } else {
            None
        };
        (Measure::Count, order, limit)
    } else if summing || (grouped && (most || least) && amount.is_some()) {
        let field = measure_field("add up")?;
        if grouped || !(most || least) {
            let order = (grouped && (most || least)).then_some(Order {
                field: None,
                descending: !least,
            });
            let limit = (grouped && (most || least)).then(|| top_n.unwrap_or(1));
            (Measure::Sum { field }, order, limit)
        } else {
            largest(record, &field, least, top_n)
        }
    } else if (most || least) && !grouped {
        match &amount {
            Some(field) => largest(record, field, least, top_n),
            None => (list_of(record, None), None, top_n),
        }
    } else if grouped {
        let order = (most || least).then_some(Order {
            field: None,
            descending: !least,
        });
        (
            Measure::Count,
            order,
            (most || least).then(|| top_n.unwrap_or(1)),
        )
    } else {
        (list_of(record, named_field.as_deref()), None, top_n)
    };
    Ok(Plan::Query(Query {
        record: subject,
        filters,
        group_by,
        measure,
        order,
        limit,
    }))
}

/// The records with the largest (or smallest) `field`, `n` of them (one unless asked).
fn largest(
    record: &RecordType,
    field: &str,
    least: bool,
    n: Option<u32>,
) -> (Measure, Option<Order>, Option<u32>) {
    (
        list_of(record, Some(field)),
        Some(Order {
            field: Some(field.to_string()),
            descending: !least,
        }),
        Some(n.unwrap_or(1)),
    )
}

/// A list of the records: their label (when they have one) and `field`, or every field.
fn list_of(record: &RecordType, field: Option<&str>) -> Measure {
    let mut fields = Vec::new();
    if let Some(label) = &record.label {
        fields.push(label.clone());
    }
    match field {
        Some(field) => {
            if !fields.iter().any(|f| f == field) {
                fields.push(field.to_string());
            }
        }
        None => fields.clear(),
    }
    Measure::List { fields }
}

fn numeric_fields(record: &RecordType) -> Vec<String> {
    record
        .fields
        .iter()
        .filter(|f| matches!(f.field_type, FieldType::Number | FieldType::Money))
        .map(|f| f.name.clone())
        .collect()
}

/// "top 5" → 5.
fn top_n(words: &Words) -> Option<u32> {
    words.words.windows(2).find_map(|pair| {
        matches!(
            pair[0].as_str(),
            "top" | "first" | "largest" | "biggest" | "highest" | "lowest" | "smallest"
        )
        .then(|| pair[1].parse::<u32>().ok())
        .flatten()
        .filter(|n| (1..=100).contains(n))
    })
}

/// Records named in the question, by name or key, their words marked read. A name matches in
/// full; one distinctive word of a name (seen in no other name, not a common word) matches too.
fn mentions(words: &mut Words, cx: &Context) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut names: Vec<(String, String, String)> = Vec::new();
    for record_type in cx.schema.types.keys() {
        for (key, label) in cx.labels.of_type(record_type) {
            names.push((record_type.clone(), key.to_string(), text::normalise(label)));
        }
    }
    // Longest names first, so that "Bayview Medical Office Annex" wins over "Bayview Medical".
    names.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then(a.1.cmp(&b.1)));
    for (record_type, key, name) in &names {
        if name.is_empty() {
            continue;
        }
        if let Some(range) = words.find(name) {
            words.use_range(range);
            found.push(Mention {
                record_type: record_type.clone(),
                key: key.clone(),
                at: range.0,
                partial: false,
            });
        }
    }
    // Keys: P001, V002, INV-70001 (any record type's keys, when they look like keys).
    for at in 0..words.words.len() {
        if words.is_used(at) {
            continue;
        }
        let word = words.words[at].clone();
        if !word.chars().any(|c| c.is_ascii_digit()) || !word.chars().any(|c| c.is_alphabetic()) {
            continue;
        }
        for record_type in cx.schema.types.keys() {
            if let Some((key, _)) = cx
                .labels
                .of_type(record_type)
                .find(|(key, _)| key.to_lowercase() == word)
            {
                words.use_range((at, at + 1));
                found.push(Mention {
                    record_type: record_type.clone(),
                    key: key.to_string(),
                    at,
                    partial: false,
                });
                break;
            }
        }
    }
    // One distinctive word of a name.
    let mut by_word: HashMap<&str, Vec<&(String, String, String)>> = HashMap::new();
    for entry in &names {
        for word in entry.2.split_whitespace() {
            by_word.entry(word).or_default().push(entry);
        }
    }
    for at in 0..words.words.len() {
        if words.is_used(at) {
            continue;
        }
        let word = words.words[at].clone();
        if word.len() < 4 || COMMON.contains(&word.as_str()) || is_schema_word(&word, cx) {
            continue;
        }
        if let Some(entries) = by_word.get(word.as_str())
            && let [(record_type, key, _)] = entries.as_slice()
            && !found
                .iter()
                .any(|m: &Mention| m.key == *key && m.record_type == *record_type)
        {
            words.use_range((at, at + 1));
            found.push(Mention {
                record_type: record_type.clone(),
                key: key.clone(),
                at,
                partial: true,
            });
        }
    }
    found
}

/// A word the vocabulary or schema uses for types, fields or values, never a record's name.
fn is_schema_word(word: &str, cx: &Context) -> bool {
    let singular = word.trim_end_matches('s');
    cx.vocabulary
        .types
        .values()
        .any(|t| t.words.iter().any(|w| w == word || w == singular) || t.fields.contains_key(word))
        || cx.schema.types.values().any(|t| {
            t.fields.iter().any(|f| {
                f.name == word
                    || f.name.split('_').any(|part| part == word)
                    || matches!(&f.field_type, FieldType::Enum(values)
                        if values.iter().any(|v| v.split(['_', ' ']).any(|part| part == word || part == singular)))
            })
        })
}

/// Record types the question names, in the order they appear, their words marked read.
fn type_mentions(words: &mut Words, cx: &Context) -> Vec<(String, usize)> {
    let mut phrases: Vec<(&str, &str)> = cx
        .vocabulary
        .types
        .iter()
        .flat_map(|(name, t)| t.words.iter().map(move |w| (w.as_str(), name.as_str())))
        .collect();
    phrases.sort_by(|a, b| {
        b.0.split_whitespace()
            .count()
            .cmp(&a.0.split_whitespace().count())
            .then(b.0.len().cmp(&a.0.len()))
    });
    let mut found = Vec::new();
    for (phrase, name) in phrases {
        while let Some(range) = words.find(phrase) {
            words.use_range(range);
            found.push((name.to_string(), range.0));
        }
    }
    found.sort_by_key(|(_, at)| *at);
    found
}

/// The record type the question groups by: "by vendor", "per project", "which clients", "each
/// vendor", "top 5 vendors".
fn grouping_type(words: &Words, types: &[(String, usize)]) -> Option<String> {
    types.iter().find_map(|(name, at)| {
        let before = at.checked_sub(1).and_then(|i| words.at(i));
        let two_before = at.checked_sub(2).and_then(|i| words.at(i));
        let grouping = matches!(
            before,
            Some("by" | "per" | "each" | "every" | "which" | "what")
        ) || matches!(
            two_before,
            Some("by" | "per" | "for" | "top" | "which" | "what")
        ) && !matches!(before, Some("the" | "a"))
            || matches!((two_before, before), (Some("for"), Some("each" | "every")))
            || before.is_some_and(|w| w.parse::<u32>().is_ok())
                && matches!(two_before, Some("top"));
        grouping.then(|| name.clone())
    })
}

/// The type asked about: the one named that is not only a grouping, preferring one that refers
/// to the others (invoices refer to vendors); else the type of a named record.
fn subject(
    types: &[(String, usize)],
    mentions: &[Mention],
    grouped_by: Option<&str>,
    words: &Words,
    cx: &Context,
) -> Result<String, NotUnderstood> {
    let mut candidates: Vec<&str> = types
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| Some(*name) != grouped_by)
        .collect();
    candidates.dedup();
    let refers = |from: &str, to: &str| {
        cx.schema.get(from).is_some_and(|t| {
            t.fields
                .iter()
                .any(|f| f.field_type == FieldType::Ref(to.to_string()))
        })
    };
    // A type that refers to every other named type (or to the grouping) is the one measured.
    let others: Vec<&str> = types
        .iter()
        .map(|(n, _)| n.as_str())
        .chain(mentions.iter().map(|m| m.record_type.as_str()))
        .collect();
    let money = words.has_any(&[
        "how much", "spend", "spent", "cost", "paid", "pay", "money", "total",
    ]);
    let named: Vec<&str> = grouped_by
        .into_iter()
        .chain(others.iter().copied())
        .collect();
    let without_amount = |c: &&str| {
        cx.vocabulary
            .types
            .get(*c)
            .is_none_or(|t| t.amount.is_none())
    };
    if money
        && candidates.iter().all(without_amount)
        && let Some((name, _)) = cx
            .vocabulary
            .types
            .iter()
            .find(|(_, t)| t.money_of.iter().any(|of| named.contains(&of.as_str())))
    {
        // Money asked of a type without an amount ("which vendors did we spend the most
        // with") is about the type `ask.toml` names for that money.
        return Ok(name.clone());
    }
    if let Some(best) = candidates
        .iter()
        .copied()
        .max_by_key(|c| others.iter().filter(|o| *o != c && refers(c, o)).count())
    {
        return Ok(best.to_string());
    }
    if let Some(grouped) = grouped_by {
        return Ok(grouped.to_string());
    }
    // No type named: a field word names one ("the budget of Bayview Medical Office").
    for (name, t) in &cx.vocabulary.types {
        if t.fields.keys().any(|w| words.has(w)) {
            return Ok(name.clone());
        }
    }
    if let Some(mention) = mentions.first() {
        return Ok(mention.record_type.clone());
    }
    let known: Vec<String> = cx
        .vocabulary
        .types
        .values()
        .filter_map(|t| t.words.iter().find(|w| w.ends_with('s')).cloned())
        .collect();
    Err(NotUnderstood(format!(
        "I could not tell which records the question is about; ask about {}",
        known.join(", ")
    )))
}

/// The field of `record` that refers to `target`; when several do, the one the question's words
/// point at ("approved by" → `approver_id`).
fn ref_field_to(record: &RecordType, target: &str, words: &Words) -> Option<String> {
    let fields: Vec<&str> = record
        .fields
        .iter()
        .filter(|f| f.field_type == FieldType::Ref(target.to_string()))
        .map(|f| f.name.as_str())
        .collect();
    if fields.len() <= 1 {
        return fields.first().map(|f| f.to_string());
    }
    let cues: [(&[&str], &str); 5] = [
        (
            &[
                "approved by",
                "approver",
                "approve",
                "approved",
                "approves",
                "decided",
            ],
            "approver",
        ),
        (
            &[
                "submitted by",
                "submitted",
                "requested by",
                "raised by",
                "filed by",
            ],
            "submitted",
        ),
        (&["superintendent", "super"], "superintendent"),
        (&["managed by", "manager", "manages", "runs"], "manager"),
        (&["account manager"], "account_manager"),
    ];
    for (phrases, part) in cues {
        if words.has_any(phrases)
            && let Some(field) = fields.iter().find(|f| f.contains(part))
        {
            return Some(field.to_string());
        }
    }
    fields.first().map(|f| f.to_string())
}

/// The filter a named record puts on the records asked about.
fn mention_filter(mention: &Mention, record: &RecordType, words: &Words) -> Option<Filter> {
    if mention.record_type == record.name {
        let key_field = record.key.first()?;
        return Some(Filter {
            field: key_field.clone(),
            op: Op::Eq,
            value: json!(mention.key),
        });
    }
    let field = ref_field_to(record, &mention.record_type, words)?;
    Some(Filter {
        field,
        op: Op::Eq,
        value: json!(mention.key),
    })
}

/// Statuses and other listed values ("overdue", "on hold", "site visits"), yes/no fields
/// ("preferred vendors"), and amounts over or under a figure.
fn value_filters(words: &mut Words, record: &RecordType) -> Vec<Filter> {
    let mut filters = Vec::new();
    for field in &record.fields {
        match &field.field_type {
            FieldType::Enum(values) => {
                let mut sorted: Vec<&String> = values.iter().collect();
                sorted.sort_by_key(|v| std::cmp::Reverse(v.len()));
                let mut matched = Vec::new();
                for value in sorted {
                    let phrase = value.replace('_', " ").to_lowercase();
                    if words.take(&phrase) {
                        matched.push(value.clone());
                    }
                }
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
            FieldType::Bool => {
                let phrase = field.name.replace('_', " ");
                let negated = [
                    format!("not {phrase}"),
                    format!("non {phrase}"),
                    format!("non-{phrase}"),
                    format!("in{phrase}"),
                ];
                if negated.iter().any(|n| words.take(n)) {
                    filters.push(Filter {
                        field: field.name.clone(),
                        op: Op::Eq,
                        value: json!(false),
                    });
                } else if words.take(&phrase) {
                    filters.push(Filter {
                        field: field.name.clone(),
                        op: Op::Eq,
                        value: json!(true),
                    });
                }
            }
            _ => {}
        }
    }
    let amount_field = record
        .fields
        .iter()
        .find(|f| matches!(f.field_type, FieldType::Money))
        .map(|f| f.name.clone());
    if let Some(field) = amount_field {
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
        for (phrases, op) in comparisons {
            for phrase in phrases {
                if let Some((_, end)) = words.find(phrase)
                    && let Some(word) = words.at(end)
                    && let Some(value) = text::amount(word, words.at(end + 1))
                {
                    words.use_range((end - phrase.split_whitespace().count(), end + 1));
                    filters.push(Filter {
                        field: field.clone(),
                        op,
                        value: json!(value),
                    });
                }
            }
        }
    }
    filters
}

/// "my expenses", "waiting for me": the asker's own records, through the field that refers to
/// people (the approver when the question is about approving).
fn mine(words: &Words, record: &RecordType, asker: &str) -> Option<Filter> {
    if !words.has_any(&["my", "me", "i", "mine"]) || asker.is_empty() {
        return None;
    }
    let field = ref_field_to(record, "staff", words)?;
    Some(Filter {
        field,
        op: Op::Eq,
        value: json!(asker),
    })
}

/// "by status", "per category", "by kind": a field of the record to group by.
fn grouping_field(
    words: &Words,
    record: &RecordType,
    vocabulary: &crate::domain::vocabulary::TypeWords,
) -> Option<String> {
    // Refs group through their type's words; numbers and amounts order rather than group.
    let groupable =
        |t: &FieldType| !matches!(t, FieldType::Ref(_) | FieldType::Number | FieldType::Money);
    for field in &record.fields {
        if !groupable(&field.field_type) {
            continue;
        }
        let spoken = field.name.replace('_', " ");
        for lead in ["by", "per", "each", "every", "which", "what"] {
            if words.has(&format!("{lead} {spoken}")) {
                return Some(field.name.clone());
            }
        }
    }
    for (word, field) in &vocabulary.fields {
        if !record
            .field(field)
            .is_some_and(|f| groupable(&f.field_type))
        {
            continue;
        }
        for lead in ["by", "per", "each"] {
            if words.has(&format!("{lead} {word}")) {
                return Some(field.clone());
            }
        }
    }
    None
}

/// A number field the question names ("average hours", "total budget", "contract value").
fn named_numeric_field(
    words: &Words,
    record: &RecordType,
    vocabulary: &crate::domain::vocabulary::TypeWords,
) -> Option<String> {
    let numeric = |name: &str| {
        record
            .field(name)
            .is_some_and(|f| matches!(f.field_type, FieldType::Number | FieldType::Money))
    };
    let mut synonyms: Vec<(&String, &String)> = vocabulary.fields.iter().collect();
    synonyms.sort_by_key(|(word, _)| std::cmp::Reverse(word.len()));
    for (word, field) in synonyms {
        if numeric(field) && words.has(word) {
            return Some(field.clone());
        }
    }
    record
        .fields
        .iter()
        .filter(|f| matches!(f.field_type, FieldType::Number | FieldType::Money))
        .find(|f| words.has(&f.name.replace('_', " ")))
        .map(|f| f.name.clone())
}
