//! Roles as a kind of person: "how many superintendents do we have?", "count the supers" ask
//! about the people whose role is superintendent, though no record type is named. A role is a
//! value of the directory's role field, by its own name or a phrase `ask.toml` gives it.

use super::super::text::Words;
use super::Context;
use crate::domain::FieldType;

/// Whether the question names a role of the directory (in the plural or not), and no money:
/// "how much did superintendents spend" is about what they spent, not about them.
pub fn names_a_role(words: &Words, cx: &Context) -> bool {
    let Some(FieldType::Enum(roles)) = cx
        .schema
        .get(cx.people)
        .and_then(|t| t.field(cx.role))
        .map(|f| &f.field_type)
    else {
        return false;
    };
    let money = [
        "how much", "spend", "spent", "cost", "costs", "money", "total", "amount",
    ];
    if words.has_any(&money) {
        return false;
    }
    let synonyms = cx
        .vocabulary
        .types
        .get(cx.people)
        .into_iter()
        .flat_map(|t| &t.values)
        .chain(&cx.vocabulary.values)
        .filter(|(_, meant)| meant.iter().all(|v| roles.contains(v)))
        .map(|(phrase, _)| phrase.clone());
    roles
        .iter()
        .map(|role| role.replace('_', " "))
        .chain(synonyms)
        .any(|phrase| words.has(&phrase))
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
