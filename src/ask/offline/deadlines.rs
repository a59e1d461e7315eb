//! "delivered on time", "arrived by the promised date", "paid after their due date", "paid
//! late": a record's event date compared with its deadline. The deadline is the date field
//! whose name says so (`due_date`, `promised_date`); the event is the date the question's verb
//! names (`delivered_date` for "delivered"), else, when the deadline itself is named, the one
//! date that is filled in only when the event happens (an optional field). "Late" or "on time"
//! alone needs the verb: "late invoices" may mean unpaid ones.

use super::super::text::Words;
use super::coverage::Coverage;
use super::grouping::spoken;
use crate::domain::plan::{Filter, Op};
use crate::domain::{FieldType, RecordType};
use serde_json::json;

/// Parts of a date field's name that make it a deadline.
const DEADLINE_PARTS: &[&str] = &["due", "promised", "deadline", "expected", "target"];
/// Phrases meaning the event came no later than its deadline, and later.
const ON_TIME: &[&str] = &["on time", "in time", "on schedule"];
const LATE: &[&str] = &["late"];
const BEFORE: &[&str] = &["on or before", "no later than", "before", "by"];
const AFTER: &[&str] = &["later than", "after", "past", "beyond"];
const DETERMINERS: &[&str] = &["the", "their", "its", "his", "her", "our"];
/// Verbs that say an event happened, whichever it is.
const HAPPENED: &[&str] = &[
    "arrived", "arrive", "arrives", "came", "come", "received", "landed",
];
/// The present tense of past forms that are not the stem plus "ed".
const IRREGULAR: &[(&str, &str)] = &[("paid", "pay"), ("sent", "send"), ("made", "make")];

/// The filter comparing the event date with the deadline, its words claimed.
/// `words` are the question's words with the record types' own marked read ("orders" and
/// "deliveries" name the records, not an event).
pub fn filter(words: &Words, record: &RecordType, cov: &mut Coverage) -> Option<Filter> {
    let dates: Vec<&str> = record
        .fields
        .iter()
        .filter(|f| matches!(f.field_type, FieldType::Date | FieldType::Timestamp))
        .map(|f| f.name.as_str())
        .collect();
    let deadline = *dates
        .iter()
        .find(|d| d.split('_').any(|part| DEADLINE_PARTS.contains(&part)))?;
    let (op, range, said) = comparison(words, &spoken_date(deadline))?;
    // "Late" alone may mean unpaid past the deadline; "on time", "arrived by the promised
    // date" can only mean the event.
    let event_implied = said != Said::Late || words.has_any(HAPPENED);
    let kind = record.field(deadline)?.field_type.clone();
    // Dates filled in only when the event happens are the likelier events ("orders
    // delivered" is about the delivery, not the ordering).
    let mut candidates: Vec<&str> = dates
        .iter()
        .copied()
        .filter(|d| *d != deadline && record.field(d).is_some_and(|f| f.field_type == kind))
        .collect();
    candidates.sort_by_key(|d| record.field(d).is_some_and(|f| f.required));
    let named = candidates.iter().copied().find_map(|d| {
        let verb = event_verb(d);
        let at = (0..words.words.len()).find(|&at| {
            !words.is_used(at) && verb.iter().any(|v| words.words[at].starts_with(v.as_str()))
        })?;
        Some((d, Some(at)))
    });
    let optional = || {
        let mut unfilled = candidates
            .iter()
            .copied()
            .filter(|d| record.field(d).is_some_and(|f| !f.required));
        match (unfilled.next(), unfilled.next()) {
            (Some(d), None) => Some((d, None)),
            _ => None,
        }
    };
    let (event, verb_at) = named.or_else(|| optional().filter(|_| event_implied))?;
    let label = format!(
        "{} {} {}",
        spoken_date(event),
        if op == Op::Le {
            "on or before"
        } else {
            "after"
        },
        spoken_date(deadline)
    );
    cov.claim_range(range, &label);
    if let Some(at) = verb_at {
        cov.claim_range((at, at + 1), &label);
    }
    cov.claim(HAPPENED, &label);
    Some(Filter {
        field: event.to_string(),
        op,
        value: json!({ "field": deadline }),
    })
}

/// A date field as people say it, without "date": `promised_date` is "promised date".
fn spoken_date(field: &str) -> String {
    spoken(field)
}

/// The stems a question may say the event with: `delivered_date` by "deliver…", `paid_date`
/// by "paid" or "pay".
fn event_verb(field: &str) -> Vec<String> {
    let first = field.split('_').next().unwrap_or(field);
    let mut stems = vec![first.to_string()];
    if let Some(stem) = first.strip_suffix("ed") {
        stems.push(stem.to_string());
    }
    if let Some((_, present)) = IRREGULAR.iter().find(|(past, _)| *past == first) {
        stems.push(present.to_string());
    }
    stems.retain(|s| s.len() >= 3);
    stems
}

/// Whether the question compares with the deadline, how, and the words saying so.
/// How the question put the comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Said {
    /// "after the due date", "by the promised date".
    Deadline,
    OnTime,
    Late,
}

fn comparison(words: &Words, deadline: &str) -> Option<(Op, (usize, usize), Said)> {
    for (phrases, op) in [(BEFORE, Op::Le), (AFTER, Op::Gt)] {
        for phrase in phrases {
            for det in DETERMINERS
                .iter()
                .map(|d| format!(" {d}"))
                .chain([String::new()])
            {
                if let Some(range) = words.find(&format!("{phrase}{det} {deadline}")) {
                    return Some((op, range, Said::Deadline));
                }
            }
        }
    }
    [(ON_TIME, Op::Le, Said::OnTime), (LATE, Op::Gt, Said::Late)]
        .into_iter()
        .find_map(|(phrases, op, said)| {
            phrases
                .iter()
                .find_map(|p| words.find(p))
                .map(|range| (op, range, said))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> crate::domain::RecordSchema {
        crate::config::demo().schema
    }

    fn read(question: &str, record: &str) -> Option<(String, Op, String)> {
        let schema = schema();
        let record = schema.get(record).expect("a record type");
        let mut words = Words::new(question);
        for type_word in [
            "orders",
            "deliveries",
            "invoices",
            "invoice",
            "pos",
            "projects",
        ] {
            while words.take(type_word) {}
        }
        let filter = filter(&words, record, &mut Coverage::new(&words))?;
        let other = filter.value["field"].as_str()?.to_string();
        Some((filter.field, filter.op, other))
    }

    #[test]
    fn an_event_date_is_compared_with_the_deadline_the_question_names() {
        let delivered = |op| {
            Some((
                "delivered_date".to_string(),
                op,
                "promised_date".to_string(),
            ))
        };
        let paid = |op| Some(("paid_date".to_string(), op, "due_date".to_string()));
        let cases = [
            (
                "how many ironclad orders were delivered on time",
                "purchase_order",
                delivered(Op::Le),
            ),
            (
                "ironclad on time deliveries count",
                "purchase_order",
                delivered(Op::Le),
            ),
            (
                "how many arrived by the promised date",
                "purchase_order",
                delivered(Op::Le),
            ),
            (
                "pos delivered after the promised date",
                "purchase_order",
                delivered(Op::Gt),
            ),
            (
                "how many invoices did we pay after their due date",
                "invoice",
                paid(Op::Gt),
            ),
            ("number of invoices paid late", "invoice", paid(Op::Gt)),
            (
                "how often did we pay an invoice past its due date",
                "invoice",
                paid(Op::Gt),
            ),
            (
                "how many invoices did we pay on time",
                "invoice",
                paid(Op::Le),
            ),
            ("how many invoices came in last month", "invoice", None),
            ("how many late invoices are there", "invoice", None),
            ("count overdue invoices", "invoice", None),
            ("which projects are late", "project", None),
        ];
        for (question, record, expected) in cases {
            assert_eq!(read(question, record), expected, "{question}");
        }
    }
}
