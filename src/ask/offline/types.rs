//! Which record types the question names, which of them it asks about, which it groups by,
//! and through which field one refers to another.

use super::super::text::Words;
use super::coverage::Coverage;
use super::names::Mention;
use super::query::Problem;
use super::{Context, suggest};
use crate::domain::{FieldType, RecordType};

/// A record type named in the question, and where its words start and end.
pub type Named = (String, usize, usize);

/// Record types the question names, in the order they appear, their words marked read and
/// claimed.
pub fn type_mentions(words: &mut Words, cx: &Context, cov: &mut Coverage) -> Vec<Named> {
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
            cov.claim_range(range, &suggest::plural(cx, name));
            found.push((name.to_string(), range.0, range.1));
        }
    }
    found.sort_by_key(|(_, at, _)| *at);
    found
}

/// The record type the question groups by: "by vendor", "per project", "which clients", "each
/// vendor", "top 5 vendors".
pub fn grouping_type(words: &Words, types: &[Named]) -> Option<String> {
    types.iter().find_map(|(name, at, _)| {
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
pub fn subject(
    types: &[Named],
    mentions: &[Mention],
    grouped_by: Option<&str>,
    words: &Words,
    cx: &Context,
) -> Result<String, Problem> {
    // The only types named are words of a role ("project managers"): the people who hold it.
    if mentions.is_empty() && super::roles::within_a_role(types, words, cx) {
        return Ok(cx.people.to_string());
    }
    let mut candidates: Vec<&str> = types
        .iter()
        .map(|(name, _, _)| name.as_str())
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
        .map(|(n, _, _)| n.as_str())
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
    // No type named, but a role is ("how many superintendents"): the people who hold it.
    if mentions.is_empty() && super::roles::names_a_role(words, cx) {
        return Ok(cx.people.to_string());
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
    Err(Problem(format!(
        "I could not tell which records the question is about; ask about {}",
        known.join(", ")
    )))
}

/// The field of `record` that refers to `target`; when several do, the one the question's words
/// point at ("approved by" → `approver_id`).
pub fn ref_field_to(
    record: &RecordType,
    target: &str,
    words: &Words,
    cov: &mut Coverage,
) -> Option<String> {
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
            cov.claim(phrases, &part.replace('_', " "));
            return Some(field.to_string());
        }
    }
    fields.first().map(|f| f.to_string())
}
