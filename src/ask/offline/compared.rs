//! A number field named in a condition is not what the question measures: "count purchase
//! orders with an amount greater than 25000" is a count of those orders, and "total of POs
//! whose amount is over 25k" still adds up their amounts because "total" says so.

use super::super::text::Words;
use super::grouping::spoken;
use crate::domain::plan::{Filter, Op};

/// First words of the phrases that compare a field with a figure ("over", "greater than",
/// "at least"), and the verbs that may come between ("is", "was").
const COMPARING: &[&str] = &[
    "over",
    "above",
    "more",
    "greater",
    "exceeding",
    "bigger",
    "larger",
    "at",
    "no",
    "under",
    "below",
    "less",
    "smaller",
    "up",
];
const BETWEEN: &[&str] = &["is", "was", "are", "were", "of"];

/// The fields compared with a figure whose names stand right before the comparison; their
/// words are marked read, so they no longer cue an amount.
pub fn take_compared(words: &mut Words, filters: &[Filter]) -> Vec<String> {
    let mut taken = Vec::new();
    for filter in filters {
        if !matches!(filter.op, Op::Gt | Op::Ge | Op::Lt | Op::Le) {
            continue;
        }
        let field = &filter.field;
        for phrase in [spoken(field), field.replace('_', " ")] {
            let Some((start, end)) = words.find(&phrase) else {
                continue;
            };
            let next = match words.at(end) {
                Some(w) if BETWEEN.contains(&w) => words.at(end + 1),
                other => other,
            };
            if next.is_some_and(|w| COMPARING.contains(&w)) {
                words.use_range((start, end));
                if !taken.contains(field) {
                    taken.push(field.clone());
                }
            }
        }
    }
    taken
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn taken(question: &str) -> Vec<String> {
        let filters = [Filter {
            field: "amount".into(),
            op: Op::Gt,
            value: json!(25000.0),
        }];
        take_compared(&mut Words::new(question), &filters)
    }

    #[test]
    fn a_field_named_right_before_its_comparison_is_a_condition_not_the_measure() {
        let cases = [
            (
                "count purchase orders with an amount greater than 25000",
                true,
            ),
            ("how many pos whose amount is over 25k", true),
            ("number of invoices with amount above 10000", true),
            ("total amount of purchase orders over 25000", false),
            ("sum of amount for pos bigger than 25000", false),
        ];
        for (question, compared) in cases {
            assert_eq!(!taken(question).is_empty(), compared, "{question}");
        }
    }
}
