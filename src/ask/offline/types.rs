//! Which record types the question names, which of them it asks about, which it groups by,
//! and through which field one refers to another.

use super::super::text::Words;
use super::coverage::Coverage;
use super::names::Mention;
use super::query::Problem;
use super::{Context, suggest};
use crate::domain::{FieldType, RecordSchema, RecordType};

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
    let verbs = money_verbs(cx);
    phrases.extend(
        verbs
            .iter()
            .map(|(verb, name)| (verb.as_str(), name.as_str())),
    );
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

/// The past participle of each one-word noun of a type that has an amount, as a word of the
/// type: money "expensed" is expenses, as "invoiced" is invoices. Types without an amount are
/// left out: "accounted for" is not about accounts.
fn money_verbs(cx: &Context) -> Vec<(String, String)> {
    let known: Vec<&str> = cx
        .vocabulary
        .types
        .values()
        .flat_map(|t| t.words.iter().map(String::as_str))
        .collect();
    cx.vocabulary
        .types
        .iter()
        .filter(|(_, t)| t.amount.is_some())
        .flat_map(|(name, t)| t.words.iter().map(move |w| (w, name)))
        .filter(|(w, _)| {
            w.len() >= 4 && !w.contains(' ') && !w.ends_with('s') && !w.ends_with("ed")
        })
        .map(|(w, name)| {
            let verb = match w.strip_suffix('e') {
                Some(_) => format!("{w}d"),
                None => format!("{w}ed"),
            };
            (verb, name.clone())
        })
        .filter(|(verb, _)| !known.contains(&verb.as_str()))
        .collect()
}

/// The record type the question groups by: "by vendor", "per project", "which clients", "each
/// vendor", "top 5 vendors".
pub fn grouping_type(words: &Words, types: &[Named]) -> Option<String> {
    types.iter().find_map(|(name, at, end)| {
        // "the top three expense staff": a type naming another ("expense") is not the head.
        let head = !types.iter().any(|(_, next, _)| next == end);
        let before = at.checked_sub(1).and_then(|i| words.at(i));
        let two_before = at.checked_sub(2).and_then(|i| words.at(i));
        // "by total PO amount" ranks by the orders' total, it does not group by order.
        let measured = matches!(before, Some("total" | "sum" | "overall" | "combined"))
            && matches!(two_before, Some("by"));
        let grouping = matches!(
            before,
            Some("by" | "per" | "each" | "every" | "which" | "what")
        ) || head
            && matches!(
                two_before,
                Some("by" | "per" | "for" | "top" | "which" | "what")
            )
            && !matches!(before, Some("the" | "a"))
            && !measured
            || matches!((two_before, before), (Some("for"), Some("each" | "every")))
            || head && before.is_some_and(counted) && two_before.is_none_or(opens_a_count);
        grouping.then(|| name.clone())
    })
}

/// A number of records to keep: "5", "five".
fn counted(word: &str) -> bool {
    word.parse::<u32>().is_ok() || super::cues::number_word(word).is_some()
}

/// Words before a number that make it how many of a type to keep: "top 5 vendors", "the three
/// projects", "biggest 5 suppliers", "which five jobs".
fn opens_a_count(word: &str) -> bool {
    matches!(
        word,
        "top" | "the" | "which" | "what" | "me" | "show" | "list" | "our"
    ) || super::cues::is_ranking(word)
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
    let reaches = |from: &str, to: &str| {
        refers(from, to)
            || cx
                .schema
                .get(from)
                .is_some_and(|t| ref_through(t, to, cx.schema).is_some())
    };
    // The type measured reaches the most of the others ("invoiced on projects for a client":
    // invoices reach projects and, through them, clients; projects reach only clients), then
    // refers to the most of them directly.
    let mut distinct = others.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if let Some(best) = candidates.iter().copied().max_by_key(|c| {
        (
            distinct.iter().filter(|o| *o != c && reaches(c, o)).count(),
            others.iter().filter(|o| *o != c && refers(c, o)).count(),
        )
    }) {
        // "the biggest invoice staff": two types named, neither reaching the other, is not a
        // question about one of them.
        // A type named only by a verb ("spend on", "invoiced", "ordered") may be the verb.
        let by_a_verb = |c: &str| {
            types.iter().filter(|(n, _, _)| n == c).all(|(_, at, _)| {
                words
                    .at(*at)
                    .is_some_and(|w| super::cues::MONEY.contains(&w) || w.ends_with("ed"))
            })
        };
        if let Some(apart) = candidates.iter().find(|c| {
            **c != best
                && !reaches(best, c)
                && !reaches(c, best)
                && !by_a_verb(c)
                && !by_a_verb(best)
        }) {
            return Err(Problem(format!(
                "{} records and {} records do not refer to each other",
                suggest::plural(cx, best),
                suggest::plural(cx, apart)
            )));
        }
        return Ok(best.to_string());
    }
    if let Some(grouped) = grouped_by {
        return Ok(grouped.to_string());
    }
    // No type named, but a role is ("how many superintendents"): the people who hold it.
    if mentions.is_empty() && super::roles::names_a_role(words, cx) {
        return Ok(cx.people.to_string());
    }
    // No type named: a value of one type names it ("fuel spend" is expenses').
    if mentions.is_empty()
        && let Some(record) = super::open_values::type_of_value(words, cx.schema, cx.labels, |t| {
            // People's roles and titles are read by `roles`, which knows when they are not
            // a question about the people ("how much do we pay superintendents").
            t != cx.people && cx.vocabulary.types.contains_key(t)
        })
    {
        return Ok(record);
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

/// `ref.field` when `record` refers to `target` only through one record it refers to, by the
/// reference named for `target`: change orders reach clients through their project
/// (`project_id.client_id`); `None` when no way or several do.
pub fn ref_through(record: &RecordType, target: &str, schema: &RecordSchema) -> Option<String> {
    let mut ways = record.fields.iter().filter_map(|via| {
        let FieldType::Ref(to) = &via.field_type else {
            return None;
        };
        let other = schema.get(to).filter(|t| t.name != record.name)?;
        // The reference named for its type is the record's own one: a project's `client_id`,
        // not a purchase order's `approver_id` for "per employee".
        let own = [target.to_string(), format!("{target}_id")];
        let mut fields = other.fields.iter().filter(|f| {
            f.field_type == FieldType::Ref(target.to_string()) && own.contains(&f.name)
        });
        match (fields.next(), fields.next()) {
            (Some(field), None) => Some(format!("{}.{}", via.name, field.name)),
            _ => None,
        }
    });
    match (ways.next(), ways.next()) {
        (Some(way), None) => Some(way),
        _ => None,
    }
}
