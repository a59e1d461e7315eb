//! Relations named by a verb or a noun: "projects Diana Brooks manages", "who reports to Rachel
//! Kim", "POs the CFO signed off on", "which account manager has the most clients". A phrase of
//! `ask.toml`'s `[relations]` names a reference field by part of its name; a person (or record)
//! the question names is then the one that field holds, and without one, "who", "which", "each"
//! or "per" before the phrase groups the records by it.

use super::super::text::Words;
use super::coverage::Coverage;
use super::grouping::spoken;
use crate::domain::plan::{Filter, Op};
use crate::domain::{FieldType, RecordSchema, RecordType};
use serde_json::json;
use std::collections::BTreeMap;

/// A reference field a phrase of the question names.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// The field, or `ref.field` through a reference (a change order's "PM" is its project's
    /// manager).
    pub field: String,
    /// The record type the field refers to.
    pub target: String,
    /// Where the first phrase naming it is.
    pub range: (usize, usize),
    /// Every phrase of the question naming the same field.
    pub phrases: Vec<String>,
}

/// Words before a relation's phrase that make it a grouping ("which account manager", "per
/// PM").
const LEADS: &[&str] = &["which", "what", "each", "every", "per", "by"];

/// The reference field of `record` the question names by a relation phrase, longest phrase
/// first.
pub fn read(
    words: &Words,
    record: &RecordType,
    schema: &RecordSchema,
    relations: &BTreeMap<String, Vec<String>>,
) -> Option<Relation> {
    let mut phrases: Vec<(&String, &Vec<String>)> = relations.iter().collect();
    phrases.sort_by_key(|(p, _)| std::cmp::Reverse((p.split_whitespace().count(), p.len())));
    let mut found: Option<Relation> = None;
    for (phrase, parts) in phrases {
        let Some(range) = words.find(phrase) else {
            continue;
        };
        let Some((field, target)) = field_for(record, schema, phrase, parts) else {
            continue;
        };
        match &mut found {
            None => {
                found = Some(Relation {
                    field,
                    target,
                    range,
                    phrases: vec![phrase.clone()],
                })
            }
            Some(relation) if relation.field == field => relation.phrases.push(phrase.clone()),
            Some(_) => {}
        }
    }
    found
}

impl Relation {
    /// Claims the phrases naming the relation.
    pub fn claim(&self, cov: &mut Coverage) {
        let phrases: Vec<&str> = self.phrases.iter().map(String::as_str).collect();
        let label = self.field.rsplit('.').next().unwrap_or(&self.field);
        cov.claim(&phrases, &spoken(label));
    }

    /// The filter putting `key` (a record of the relation's target type) in the field.
    pub fn filter(&self, key: &str) -> Filter {
        Filter {
            field: self.field.clone(),
            op: Op::Eq,
            value: json!(key),
        }
    }

    /// "the expenses I submitted": the asker is the one the field holds, when it refers to
    /// people.
    pub fn mine(
        &self,
        words: &Words,
        people: &str,
        asker: &str,
        cov: &mut Coverage,
    ) -> Option<Filter> {
        let phrases = ["my", "me", "i", "mine"];
        if self.target != people || asker.is_empty() || !words.has_any(&phrases) {
            return None;
        }
        cov.claim(&phrases, "yours");
        self.claim(cov);
        Some(self.filter(asker))
    }

    /// Groups by the relation when the question asks whose ("who manages the most clients",
    /// "projects per PM") and no condition already uses it.
    pub fn group(
        &self,
        words: &Words,
        filters: &[Filter],
        group_by: &mut Vec<String>,
        cov: &mut Coverage,
    ) {
        if filters.iter().any(|f| f.field == self.field) {
            return;
        }
        if group_by.contains(&self.field) {
            self.claim(cov);
        } else if self.groups(words) {
            group_by.push(self.field.clone());
            self.claim(cov);
        }
    }

    /// Whether the question groups by the relation: "who manages the most", "which account
    /// manager", "projects per PM".
    fn groups(&self, words: &Words) -> bool {
        let lead = self
            .range
            .0
            .checked_sub(1)
            .and_then(|at| words.words.get(at));
        // "account manager with the most clients": the question opens with whose.
        let opens = self.range.0 == 0 && words.at(self.range.1) == Some("with");
        opens
            || lead.is_some_and(|w| LEADS.contains(&w.as_str()))
            || words.words.iter().any(|w| w == "who" || w == "whom")
    }
}

/// The field of `record` (or of a record it refers to) that `phrase` names by one of `parts`,
/// first fitting first, and the type it refers to.
fn field_for(
    record: &RecordType,
    schema: &RecordSchema,
    phrase: &str,
    parts: &[String],
) -> Option<(String, String)> {
    let direct = parts.iter().find_map(|part| {
        let (field, target) = ref_named(record, part)?;
        // A record referring to its own type reads one way only by its words: "reports to
        // Rachel" and "Rachel's direct reports" are hers, "who manages Rachel" is not.
        (target != record.name || reads_towards(phrase)).then_some((field, target))
    });
    direct.or_else(|| {
        parts.iter().find_map(|part| {
            record.fields.iter().find_map(|via| {
                let FieldType::Ref(to) = &via.field_type else {
                    return None;
                };
                let other = schema.get(to).filter(|t| t.name != record.name)?;
                let (field, target) = ref_named(other, part)?;
                (target != other.name).then(|| (format!("{}.{field}", via.name), target))
            })
        })
    })
}

/// Phrases that say the records point at the person named: "reports to", "reporting to",
/// "direct reports", "as their manager".
fn reads_towards(phrase: &str) -> bool {
    phrase.ends_with(" to") || phrase.ends_with("reports") || phrase.starts_with("as ")
}

/// The reference field of `record` whose name is `part` (with `_id` or `_by`), else the one
/// that holds it; and the type it refers to.
fn ref_named(record: &RecordType, part: &str) -> Option<(String, String)> {
    let refs: Vec<(&str, &str)> = record
        .fields
        .iter()
        .filter_map(|f| match &f.field_type {
            FieldType::Ref(to) => Some((f.name.as_str(), to.as_str())),
            _ => None,
        })
        .collect();
    let exact = [format!("{part}_id"), format!("{part}_by"), part.to_string()];
    refs.iter()
        .find(|(name, _)| exact.iter().any(|e| e == name))
        .or_else(|| refs.iter().find(|(name, _)| name.contains(part)))
        .map(|(name, to)| (name.to_string(), to.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn demo() -> Config {
        crate::config::demo()
    }

    fn relations() -> BTreeMap<String, Vec<String>> {
        demo().vocabulary.relations
    }

    fn test_schema() -> RecordSchema {
        demo().schema
    }

    fn field(question: &str, record: &str) -> Option<String> {
        let schema = test_schema();
        let record = schema.get(record).expect("a record type");
        read(&Words::new(question), record, &schema, &relations()).map(|r| r.field)
    }

    #[test]
    fn a_verb_or_noun_names_the_reference_field_it_is_part_of() {
        let cases = [
            (
                "which projects does diana brooks manage",
                "project",
                Some("manager_id"),
            ),
            (
                "projects where diana is the pm",
                "project",
                Some("manager_id"),
            ),
            (
                "who manages the most client accounts",
                "client",
                Some("account_manager_id"),
            ),
            (
                "which account manager has the most clients",
                "client",
                Some("account_manager_id"),
            ),
            (
                "how many pos has the cfo signed off on",
                "purchase_order",
                Some("approver_id"),
            ),
            (
                "how many purchase orders did the cfo approve",
                "purchase_order",
                Some("approver_id"),
            ),
            (
                "total expenses submitted by diana",
                "expense",
                Some("staff_id"),
            ),
            (
                "change orders submitted by hector",
                "change_order",
                Some("submitted_by"),
            ),
            (
                "change order count by pm",
                "change_order",
                Some("project_id.manager_id"),
            ),
            ("how many invoices came in", "invoice", None),
        ];
        for (question, record, expected) in cases {
            assert_eq!(field(question, record).as_deref(), expected, "{question}");
        }
    }

    #[test]
    fn a_record_referring_to_its_own_type_reads_only_towards_the_person_named() {
        assert_eq!(
            field("who reports to rachel kim", "staff").as_deref(),
            Some("manager_id")
        );
        assert_eq!(
            field("rachel kim direct reports", "staff").as_deref(),
            Some("manager_id")
        );
        assert_eq!(field("who manages rachel kim", "staff"), None);
    }

    #[test]
    fn who_which_each_or_per_before_the_phrase_groups_by_it() {
        let schema = test_schema();
        let client = schema.get("client").expect("clients");
        let grouped = |q: &str| {
            let words = Words::new(q);
            read(&words, client, &schema, &relations()).is_some_and(|r| r.groups(&words))
        };
        assert!(grouped("which account manager has the most clients"));
        assert!(grouped("who manages the most client accounts"));
        assert!(grouped(
            "account manager with the largest number of clients"
        ));
        assert!(grouped("clients per account manager"));
        assert!(!grouped("clients diana manages"));
    }
}
