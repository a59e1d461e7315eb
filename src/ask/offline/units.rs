//! A number said with its unit for a field whose name ends in that unit: "60 day payment terms"
//! and "payment terms of 60 days" are `payment_terms_days` 60, "a capacity of 40 hours" is
//! `capacity_hours` 40.

use super::super::text::Words;
use super::coverage::Coverage;
use crate::domain::plan::{Filter, Op};
use crate::domain::{FieldType, RecordType};
use serde_json::json;

/// Units a number field's name may end in.
const UNITS: &[&str] = &["days", "hours", "weeks", "months", "years", "percent"];

/// The conditions "N unit" puts on the record's number fields named beside it, their words
/// marked read.
pub fn filters(words: &mut Words, record: &RecordType, cov: &mut Coverage) -> Vec<Filter> {
    let mut filters = Vec::new();
    for field in &record.fields {
        if field.field_type != FieldType::Number {
            continue;
        }
        let parts: Vec<&str> = field.name.split('_').collect();
        let Some((unit, rest)) = parts
            .split_last()
            .filter(|(u, r)| UNITS.contains(u) && !r.is_empty())
        else {
            continue;
        };
        let rest = rest.join(" ");
        let one = unit.trim_end_matches('s');
        if let Some((range, n)) = said(words, &rest, one) {
            words.use_range(range);
            cov.claim_range(range, &format!("{} {n}", field.name.replace('_', " ")));
            filters.push(Filter {
                field: field.name.clone(),
                op: Op::Eq,
                value: json!(n),
            });
        }
    }
    filters
}

/// Where the question says "N unit rest" or "rest [of|is] N unit", and N.
fn said(words: &Words, rest: &str, unit: &str) -> Option<((usize, usize), f64)> {
    let n_rest = rest.split_whitespace().count();
    (0..words.words.len()).find_map(|at| {
        let n: f64 = words.at(at)?.parse().ok()?;
        let unit_said = words
            .at(at + 1)
            .is_some_and(|w| w == unit || w == format!("{unit}s"));
        if !unit_said || words.is_used(at) || words.is_used(at + 1) {
            return None;
        }
        // "60 day payment terms"
        if let Some((start, end)) = words.find(rest).filter(|(start, _)| *start == at + 2) {
            return Some(((at, end.max(start)), n));
        }
        // "payment terms of 60 days", "payment terms 60 days"
        let lead = usize::from(
            at > 0
                && words
                    .at(at - 1)
                    .is_some_and(|w| matches!(w, "of" | "is" | "are")),
        );
        let start = at.checked_sub(lead + n_rest)?;
        words
            .find(rest)
            .filter(|(s, _)| *s == start)
            .map(|_| ((start, at + 2), n))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::demo;

    fn read(question: &str) -> Vec<Filter> {
        let schema = demo().schema;
        let words = &mut Words::new(question);
        let mut cov = Coverage::new(words);
        filters(words, schema.get("vendor").unwrap(), &mut cov)
    }

    #[test]
    fn a_number_with_the_unit_a_field_ends_in_is_that_field() {
        for question in [
            "subcontractors on 45 day payment terms",
            "suppliers whose payment terms are 45 days",
            "vendors with payment terms of 45 days",
        ] {
            let found = read(question);
            assert_eq!(found.len(), 1, "{question}");
            assert_eq!(found[0].field, "payment_terms_days");
            assert_eq!(found[0].value, json!(45.0));
        }
        assert!(read("vendors paid in the last 45 days").is_empty());
        assert!(read("vendors with 45 days").is_empty());
    }
}
