//! "X whose <reference> is <name>", "X where the <reference> is <name>": the records are
//! narrowed by that reference field, whichever way it points. "People whose manager is Rachel"
//! are those Rachel manages, not Rachel: the phrase names the field, and the name after "is" is
//! what the field holds.

use super::super::text::Words;
use super::grouping::spoken;
use super::relations::Relation;
use crate::domain::{FieldType, RecordType};
use std::collections::BTreeMap;

/// Words that say the field holds what follows.
const IS: &[&str] = &["is", "are", "was", "were", "equals"];

/// The reference field of `record` a "whose" or "where the" clause names, with the phrase that
/// names it: the field's own name ("manager", "account manager", "submitted by") or a noun of
/// `ask.toml`'s `[relations]` naming it ("pm").
pub fn read(
    words: &Words,
    record: &RecordType,
    relations: &BTreeMap<String, Vec<String>>,
) -> Option<Relation> {
    let opens = words
        .words
        .iter()
        .enumerate()
        .filter(|(_, w)| matches!(w.as_str(), "whose" | "where"))
        .map(|(at, _)| {
            let skip = matches!(words.at(at + 1), Some("the" | "their" | "its"));
            at + 1 + usize::from(skip)
        });
    for start in opens {
        for (field, target, phrase) in phrases(record, relations) {
            let n = phrase.split_whitespace().count();
            let fits = words
                .words
                .get(start..start + n)
                .is_some_and(|found| found.join(" ") == phrase)
                && words.at(start + n).is_some_and(|w| IS.contains(&w));
            if fits {
                return Some(Relation {
                    field,
                    target,
                    range: (start, start + n),
                    phrases: vec![phrase],
                });
            }
        }
    }
    None
}

/// Each reference field of `record`, the type it refers to and a phrase naming it, longest
/// phrase first.
fn phrases(
    record: &RecordType,
    relations: &BTreeMap<String, Vec<String>>,
) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for field in &record.fields {
        let FieldType::Ref(target) = &field.field_type else {
            continue;
        };
        let own = [spoken(&field.name), field.name.replace('_', " ")];
        let nouns = relations
            .iter()
            .filter(|(phrase, parts)| {
                !phrase.contains(' ') && parts.first().is_some_and(|p| spoken(&field.name) == *p)
            })
            .map(|(phrase, _)| phrase.clone());
        for phrase in own.into_iter().chain(nouns) {
            found.push((field.name.clone(), target.clone(), phrase));
        }
    }
    found.sort_by_key(|(_, _, phrase)| std::cmp::Reverse(phrase.len()));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(question: &str, record: &str) -> Option<String> {
        let config = crate::config::demo();
        let record = config.schema.get(record).expect("a record type");
        read(&Words::new(question), record, &config.vocabulary.relations).map(|r| r.field)
    }

    #[test]
    fn a_whose_clause_names_the_reference_field_whichever_way_it_points() {
        let cases = [
            (
                "employees whose manager is jo park",
                "staff",
                Some("manager_id"),
            ),
            (
                "staff where the manager was jo park",
                "staff",
                Some("manager_id"),
            ),
            (
                "clients whose account manager is jo",
                "client",
                Some("account_manager_id"),
            ),
            ("jobs whose pm is jo", "project", Some("manager_id")),
            (
                "jobs whose superintendent is jo",
                "project",
                Some("superintendent_id"),
            ),
            (
                "change orders whose approver is jo",
                "change_order",
                Some("approver_id"),
            ),
            ("staff whose title is foreman", "staff", None),
            ("who is the manager of jo", "staff", None),
        ];
        for (question, record, expected) in cases {
            assert_eq!(field(question, record).as_deref(), expected, "{question}");
        }
    }
}
