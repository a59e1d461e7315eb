//! Conditions on the records a record refers to: "hours superintendents logged" are the time
//! entries whose person's role is superintendent, "electricians' expenses" those whose person's
//! title is Electrician, "POs on active projects" those whose project's status is active,
//! "invoices from preferred vendors" those whose vendor is preferred.

use super::super::text::Words;
use super::conditions::value_filters;
use super::coverage::Coverage;
use super::types::{Named, ref_field_to};
use super::{Context, roles};
use crate::domain::plan::{Filter, Op};
use crate::domain::{FieldType, RecordType};
use serde_json::json;

/// How many words before a type's name may describe it ("active projects", "our preferred
/// vendors").
const BEFORE_A_TYPE: usize = 3;

/// Listed values and yes/no fields of a named type said just before its name, as conditions
/// through the field that refers to it; their words marked read in `words`.
pub fn described_types(
    words: &mut Words,
    record: &RecordType,
    types: &[Named],
    cx: &Context,
    cov: &mut Coverage,
) -> Vec<Filter> {
    let mut filters = Vec::new();
    for (name, at, _) in types {
        if *name == record.name {
            continue;
        }
        let Some(target) = cx.schema.get(name) else {
            continue;
        };
        let Some(field) = ref_field_to(record, name, words, cov) else {
            continue;
        };
        // Only the words just before the type's name are read.
        let mut near = words.clone();
        let from = at.saturating_sub(BEFORE_A_TYPE);
        for i in (0..near.words.len()).filter(|i| *i < from || i >= at) {
            near.use_range((i, i + 1));
        }
        let synonyms: Vec<(String, Vec<String>)> = cx
            .vocabulary
            .types
            .get(name)
            .into_iter()
            .flat_map(|t| &t.values)
            .chain(&cx.vocabulary.values)
            .map(|(phrase, values)| (phrase.clone(), values.clone()))
            .collect();
        let read = value_filters(&mut near, target, &synonyms, cov);
        // A figure ("over 50k projects") is not a description of the type.
        for filter in read.into_iter().filter(|f| !is_amount(target, &f.field)) {
            filters.push(Filter {
                field: format!("{field}.{}", filter.field),
                ..filter
            });
        }
        for i in from..*at {
            if near.is_used(i) && !words.is_used(i) {
                words.use_range((i, i + 1));
            }
        }
    }
    filters
}

fn is_amount(record: &RecordType, field: &str) -> bool {
    record
        .field(field)
        .is_some_and(|f| matches!(f.field_type, FieldType::Money | FieldType::Number))
}

/// People named by a role or title in the plural ("superintendents", "electricians") in a
/// question about other records: a condition on the person the records refer to. A role in the
/// singular, or after "per", "by" or "each", names whose records, not which.
pub fn people_by_role(
    words: &mut Words,
    record: &RecordType,
    cx: &Context,
    cov: &mut Coverage,
) -> Option<Filter> {
    if record.name == cx.people {
        return None;
    }
    let sayings = roles::role_values(cx);
    let mut ordered: Vec<&(String, String, String)> = sayings.iter().collect();
    ordered.sort_by_key(|(phrase, _, _)| std::cmp::Reverse(phrase.len()));
    for (phrase, field, value) in ordered {
        let Some((start, end)) = words.find(phrase) else {
            continue;
        };
        let said = words.at(end - 1).unwrap_or_default();
        let plural = said != phrase.rsplit(' ').next().unwrap_or(phrase);
        let grouping = start > 0
            && words
                .at(start - 1)
                .is_some_and(|w| matches!(w, "per" | "by" | "each" | "every" | "which"));
        if !plural || grouping {
            continue;
        }
        let via = ref_field_to(record, cx.people, words, cov)?;
        words.use_range((start, end));
        cov.claim_range(
            (start, end),
            &format!("{} {value}", field.replace('_', " ")),
        );
        return Some(Filter {
            field: format!("{via}.{field}"),
            op: Op::Eq,
            value: json!(value),
        });
    }
    None
}
