//! Nouns of the one who does something, read as the people who do it: "the top expense
//! spenders" are the staff who spend on expenses, "the biggest expense claimer" the staff who
//! claimed the most. English makes
//! them from verbs with "-er", so a verb the planner knows (a verb of money, or one that names
//! a reference field in `ask.toml`'s `[relations]`) is known as its doer too.

use super::Context;
use super::cues::MONEY;
use crate::ask::text::normalise;

/// The question with each doer noun of a known verb replaced by the directory's type, "who" and
/// the verb ("staff who spend"), so that records which do not refer to people decline it;
/// unchanged
/// when it has none. Words that name a type or a field ("supplier", "approver", "manager")
/// keep their own meaning.
pub fn reread(question: &str, cx: &Context) -> String {
    let words: Vec<String> = normalise(question)
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut changed = false;
    let read: Vec<String> = words
        .iter()
        .map(|word| match verb_of(word, cx) {
            Some(verb) => {
                changed = true;
                format!("{} who {verb}", cx.people.replace('_', " "))
            }
            None => word.clone(),
        })
        .collect();
    if changed {
        read.join(" ")
    } else {
        question.to_string()
    }
}

/// The known verb `word` is the doer of: "spenders" → "spend", "claimer" → "claimed".
fn verb_of(word: &str, cx: &Context) -> Option<String> {
    let stem = word
        .strip_suffix("ers")
        .or_else(|| word.strip_suffix("er"))
        .filter(|stem| stem.len() >= 3)?;
    if names_something(word, cx) {
        return None;
    }
    let known = |verb: &str| {
        MONEY.contains(&verb)
            || cx
                .vocabulary
                .relations
                .keys()
                .any(|phrase| phrase.as_str() == verb)
    };
    [
        stem.to_string(),
        format!("{stem}e"),
        format!("{stem}ed"),
        format!("{stem}d"),
    ]
    .into_iter()
    .find(|verb| known(verb))
}

/// Whether `word` (or its singular) is a type's word, or part of a field's name.
fn names_something(word: &str, cx: &Context) -> bool {
    let singular = word.strip_suffix('s').unwrap_or(word);
    cx.vocabulary.types.values().any(|t| {
        t.words.iter().any(|w| w == word || w == singular)
            || t.fields.keys().any(|w| w == word || w == singular)
    }) || cx.schema.types.values().any(|t| {
        t.fields.iter().any(|f| {
            f.name
                .split('_')
                .any(|part| part == word || part == singular)
        })
    })
}
