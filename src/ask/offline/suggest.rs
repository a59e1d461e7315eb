//! Declining a question honestly: what was understood, what was not, and the two or three
//! closest questions keel can answer, built from the schema and each checked to read fully.

use super::coverage::Coverage;
use super::grouping::spoken;
use super::{Context, Declined, Outcome, query};
use crate::domain::{FieldType, RecordType};

/// Suggestions offered with a declined question.
const SUGGESTIONS: usize = 3;

/// Words about time: a question using them is closest to a date field.
const TIME_WORDS: &[&str] = &[
    "schedule",
    "scheduled",
    "behind",
    "ahead",
    "late",
    "early",
    "delay",
    "delayed",
    "deadline",
    "due",
    "on time",
    "overdue",
    "when",
    "slow",
    "slipping",
    "finish",
    "finished",
    "end",
    "ending",
    "start",
    "started",
    "long",
    "soon",
    "time",
];
/// Words about progress or quantity: closest to a number field.
const PROGRESS_WORDS: &[&str] = &[
    "behind",
    "ahead",
    "progress",
    "track",
    "schedule",
    "done",
    "complete",
    "completed",
    "finished",
    "far",
    "along",
    "capacity",
    "utilisation",
    "utilization",
    "busy",
    "load",
];
/// Words about money: closest to a money field.
const MONEY_WORDS: &[&str] = &[
    "money",
    "over",
    "under",
    "budget",
    "profit",
    "margin",
    "revenue",
    "expensive",
    "cheap",
    "price",
    "cost",
    "overrun",
    "overspent",
    "overspend",
    "earn",
    "earned",
];

/// What was read of a declined question.
pub struct Reading {
    understood: Vec<String>,
    not_understood: Vec<String>,
    subject: Option<String>,
    problem: Option<String>,
    /// The question without the words not understood, when the rest says something.
    rest: Option<String>,
}

impl Reading {
    pub fn of(cov: &Coverage, subject: Option<String>, problem: Option<String>) -> Reading {
        let understood = cov.understood();
        let not_understood = cov.left_over();
        let rest =
            (understood.len() >= 2 && !not_understood.is_empty()).then(|| cov.without_left_over());
        Reading {
            understood,
            not_understood,
            subject,
            problem,
            rest,
        }
    }

    /// A question of which nothing was read.
    pub fn nothing() -> Reading {
        Reading {
            understood: Vec::new(),
            not_understood: Vec::new(),
            subject: None,
            problem: Some("ask a question about the company's records".into()),
            rest: None,
        }
    }
}

/// The question declined, saying why, with suggestions.
pub fn decline(_question: &str, cx: &Context, reading: Reading) -> Outcome {
    let suggestions = suggestions(cx, &reading);
    let mut message = String::new();
    if let Some(problem) = &reading.problem {
        let mut problem = problem.clone();
        if let Some(first) = problem.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        message.push_str(&format!("{problem}. "));
    }
    if !reading.understood.is_empty() {
        message.push_str(&format!(
            "I understood: {}. ",
            reading.understood.join(", ")
        ));
    }
    if !reading.not_understood.is_empty() {
        let quoted: Vec<String> = reading
            .not_understood
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect();
        let why = match &reading.subject {
            Some(subject) if reading.problem.is_none() => {
                format!(
                    " ({} records have nothing I can match it to)",
                    spoken(subject)
                )
            }
            _ => String::new(),
        };
        message.push_str(&format!(
            "I did not understand: {}{why}, so I have not answered. ",
            quoted.join(", ")
        ));
    }
    if !suggestions.is_empty() {
        message.push_str("I can answer these instead: ");
        message.push_str(&suggestions.join("; "));
        message.push('.');
    }
    Outcome::Declined(Declined {
        message: message.trim().to_string(),
        understood: reading.understood,
        not_understood: reading.not_understood,
        suggestions,
    })
}

/// The closest questions keel can answer: the question without what was not understood, then
/// questions about the fields of the type asked about that the unread words point at.
fn suggestions(cx: &Context, reading: &Reading) -> Vec<String> {
    let mut candidates: Vec<String> = reading.rest.iter().cloned().collect();
    match reading.subject.as_deref().and_then(|s| cx.schema.get(s)) {
        Some(record) => candidates.extend(about_fields(cx, record, &reading.not_understood)),
        None => candidates.extend(about_types(cx)),
    }
    let mut chosen: Vec<String> = Vec::new();
    for candidate in candidates {
        if chosen.len() == SUGGESTIONS {
            break;
        }
        if !chosen.contains(&candidate) && query::reads_fully(&candidate, cx) {
            chosen.push(candidate);
        }
    }
    chosen
}

/// Questions about each field of `record`, closest to the unread words first.
fn about_fields(cx: &Context, record: &RecordType, unread: &[String]) -> Vec<String> {
    let one = spoken(&record.name);
    let many = plural(cx, &record.name);
    let default_date = cx
        .vocabulary
        .types
        .get(&record.name)
        .and_then(|t| t.date.clone());
    let unread: Vec<&str> = unread.iter().flat_map(|w| w.split_whitespace()).collect();
    let mut scored: Vec<(i32, usize, String)> = Vec::new();
    for (at, field) in record.fields.iter().enumerate() {
        if record.key.contains(&field.name) || record.label.as_deref() == Some(&field.name) {
            continue;
        }
        let name = spoken(&field.name);
        let question = match &field.field_type {
            FieldType::Money => format!("total {name} of {many}"),
            FieldType::Date | FieldType::Timestamp | FieldType::Number | FieldType::Text => {
                format!("{name} of each {one}")
            }
            FieldType::Enum(_) | FieldType::Ref(_) | FieldType::Bool => {
                format!("{many} by {name}")
            }
        };
        let mut score = relevance(&field.field_type, &name, &unread);
        if default_date.as_deref() == Some(&field.name) {
            score -= 2;
        }
        scored.push((score, at, question));
    }
    scored.sort_by_key(|(score, at, _)| (std::cmp::Reverse(*score), *at));
    scored.into_iter().map(|(_, _, q)| q).collect()
}

/// How close a field is to the unread words: by its name, then by the kind of thing the words
/// are about (time, progress, money).
fn relevance(field_type: &FieldType, name: &str, unread: &[&str]) -> i32 {
    let stem = |w: &str| w.chars().take(4).collect::<String>();
    let mut score = 0;
    if name
        .split_whitespace()
        .any(|part| unread.iter().any(|w| w.len() >= 4 && stem(w) == stem(part)))
    {
        score += 3;
    }
    let about = |words: &[&str]| unread.iter().any(|w| words.contains(w));
    match field_type {
        FieldType::Date | FieldType::Timestamp if about(TIME_WORDS) => score += 2,
        FieldType::Number if about(PROGRESS_WORDS) => score += 1,
        FieldType::Money if about(MONEY_WORDS) => score += 2,
        _ => {}
    }
    score
}

/// When no type was understood: a total or a count of the types people ask about most.
fn about_types(cx: &Context) -> Vec<String> {
    cx.vocabulary
        .types
        .iter()
        .filter(|(_, words)| words.amount.is_some() && words.date.is_some())
        .map(|(name, words)| {
            let amount = words.amount.as_deref().map(spoken).unwrap_or_default();
            format!("total {amount} of {} this year", plural(cx, name))
        })
        .collect()
}

/// A type's name in the plural as the question would say it: the plural `ask.toml` knows for
/// it, else its spoken name with an `s` ("staff" stays "staff").
pub fn plural(cx: &Context, name: &str) -> String {
    let one = spoken(name);
    if one.ends_with("ff") {
        return one;
    }
    let known = |word: &String| {
        cx.vocabulary
            .types
            .get(name)
            .is_some_and(|t| t.words.contains(word))
    };
    let ies = one.strip_suffix('y').map(|stem| format!("{stem}ies"));
    ies.filter(known).unwrap_or(format!("{one}s"))
}
