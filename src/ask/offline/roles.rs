//! Roles as a kind of person: "how many superintendents do we have?", "count the supers" ask
//! about the people whose role is superintendent, though no record type is named. A role is a
//! value of the directory's role field, by its own name or a phrase `ask.toml` gives it, or a
//! title some people hold ("electricians").

use super::super::text::{self, Words};
use super::Context;
use super::types::Named;
use crate::domain::FieldType;

/// Whether the question names a role or title of the directory (in the plural or not), and no
/// money: "how much did superintendents spend" is about what they spent, not about them.
pub fn names_a_role(words: &Words, cx: &Context) -> bool {
    let money = [
        "how much", "spend", "spent", "cost", "costs", "money", "total", "amount",
    ];
    !words.has_any(&money) && role_phrases(cx).iter().any(|phrase| words.has(phrase))
}

/// Whether every record type named lies inside a role or title the question names ("project
/// managers", "account managers"): the question is about those people, not projects.
pub fn within_a_role(types: &[Named], words: &Words, cx: &Context) -> bool {
    if types.is_empty() {
        return false;
    }
    let fresh = Words::new(&words.words.join(" "));
    if !names_a_role(&fresh, cx) {
        return false;
    }
    let ranges: Vec<(usize, usize)> = role_phrases(cx)
        .iter()
        .filter_map(|phrase| fresh.find(phrase))
        .collect();
    types.iter().all(|(_, start, end)| {
        ranges
            .iter()
            .any(|(from, to)| from <= start && end <= to && to - from > end - start)
    })
}

/// The roles and titles of the directory as words: each role by its name and the phrases
/// `ask.toml` gives it, and the titles people hold.
fn role_phrases(cx: &Context) -> Vec<String> {
    let Some(FieldType::Enum(roles)) = cx
        .schema
        .get(cx.people)
        .and_then(|t| t.field(cx.role))
        .map(|f| &f.field_type)
    else {
        return Vec::new();
    };
    let synonyms = cx
        .vocabulary
        .types
        .get(cx.people)
        .into_iter()
        .flat_map(|t| &t.values)
        .chain(&cx.vocabulary.values)
        .filter(|(_, meant)| meant.iter().all(|v| roles.contains(v)))
        .map(|(phrase, _)| phrase.clone());
    let titles = cx
        .labels
        .values_of(cx.people)
        .map(|(_, title)| text::normalise(title));
    roles
        .iter()
        .map(|role| role.replace('_', " "))
        .chain(synonyms)
        .chain(titles)
        .collect()
}

/// Each way a role or title is said, as `(phrase, field, value)`: a role by its name or the one
/// role a phrase of `ask.toml` gives ("supers"), a title as its open list says it.
pub fn role_values(cx: &Context) -> Vec<(String, String, String)> {
    let Some(FieldType::Enum(roles)) = cx
        .schema
        .get(cx.people)
        .and_then(|t| t.field(cx.role))
        .map(|f| &f.field_type)
    else {
        return Vec::new();
    };
    let own = roles
        .iter()
        .map(|role| (role.replace('_', " "), cx.role.to_string(), role.clone()));
    let synonyms = cx
        .vocabulary
        .types
        .get(cx.people)
        .into_iter()
        .flat_map(|t| &t.values)
        .chain(&cx.vocabulary.values)
        .filter_map(|(phrase, meant)| match meant.as_slice() {
            [one] if roles.contains(one) => {
                Some((phrase.clone(), cx.role.to_string(), one.clone()))
            }
            _ => None,
        });
    let titles = super::open_values::sayings(cx.labels.values_of(cx.people))
        .into_iter()
        .map(|(phrase, field, value)| (phrase, field.to_string(), value.to_string()));
    own.chain(synonyms).chain(titles).collect()
}

/// Marks read in `words` every word `read` has read: both are the same question, `read` taken
/// further by a later step.
pub fn mark_read_by(words: &mut Words, read: &Words) {
    for at in 0..words.words.len().min(read.words.len()) {
        if read.is_used(at) {
            words.use_range((at, at + 1));
        }
    }
}
