//! Groupings a ranked question implies without saying "by": "who spent the most on expenses"
//! ranks the people the expenses refer to, and "projects with the most hours" the projects the
//! time entries refer to. A superlative asked of records that refer to what the question is
//! about ranks those referred-to records by the records' measure, not the records one by one.

use super::super::text::Words;
use super::Context;
use super::coverage::Coverage;
use super::cues::Cues;
use super::types::{self, Named};
use crate::domain::{FieldType, RecordType};

/// The reference field of `record` a ranked question groups by when it says no grouping: the
/// type named before the records measured ("projects with the most hours"), else the person
/// "who" asks for ("who logged the most hours"); `None` when the question does not rank.
pub fn grouping(
    words: &Words,
    types: &[Named],
    record: &RecordType,
    cx: &Context,
    cov: &mut Coverage,
) -> Option<String> {
    if !Cues::read(words).ranked() {
        return None;
    }
    leading(words, types, record, cov).or_else(|| whose(words, record, cx, cov))
}

/// The type named first, before any word naming `record`'s own type, when `record` refers to
/// it: "projects with the most hours" (time entries refer to projects).
fn leading(
    words: &Words,
    types: &[Named],
    record: &RecordType,
    cov: &mut Coverage,
) -> Option<String> {
    let (first, at, _) = types.first()?;
    let own = types
        .iter()
        .find(|(name, _, _)| *name == record.name)
        .map(|(_, at, _)| *at)?;
    if *first == record.name || *at > own {
        return None;
    }
    types::ref_field_to(record, first, words, cov)
}

/// "who", when `record` refers to people: "who spent the most on expenses" is whose expenses.
fn whose(words: &Words, record: &RecordType, cx: &Context, cov: &mut Coverage) -> Option<String> {
    let asks_who = words.words.iter().any(|w| w == "who" || w == "whom");
    let refers = record
        .fields
        .iter()
        .any(|f| f.field_type == FieldType::Ref(cx.people.to_string()));
    if !asks_who || !refers || record.name == cx.people {
        return None;
    }
    types::ref_field_to(record, cx.people, words, cov)
}
