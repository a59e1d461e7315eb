//! Records the question names: by name, by key, by one distinctive word of a name, or by a
//! role or title only one person holds ("the CFO").

use super::super::text::{self, Words};
use super::{Context, Holder};
use crate::domain::FieldType;
use crate::domain::Person;
use std::collections::HashMap;

/// A record named in the question.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention {
    pub record_type: String,
    pub key: String,
    /// The words that name it.
    pub range: (usize, usize),
    /// Found by one distinctive word of its name, not the whole name or key.
    pub partial: bool,
}

/// Words that never name a record on their own, however distinctive in the names.
const COMMON: &[&str] = &[
    "what",
    "which",
    "when",
    "where",
    "with",
    "that",
    "this",
    "from",
    "have",
    "much",
    "many",
    "total",
    "month",
    "year",
    "last",
    "most",
    "least",
    "than",
    "more",
    "less",
    "over",
    "under",
    "open",
    "paid",
    "late",
    "company",
    "group",
    "supply",
    "services",
    "partners",
    "office",
    "center",
    "building",
    "construction",
    "school",
    "medical",
    "health",
    "city",
    "county",
    "north",
    "south",
    "east",
    "west",
    "river",
    "park",
    "main",
    "street",
    "road",
    "home",
    "homes",
    "steel",
    "concrete",
    "electric",
    "plumbing",
    "lumber",
    "glass",
    "roofing",
    "mechanical",
    "each",
    "every",
    "average",
    "biggest",
    "largest",
    "active",
    "pending",
    "approved",
    "rejected",
    "show",
    "list",
];

/// Records named in the question, by name or key, their words marked read. A name matches in
/// full; one distinctive word of a name (seen in no other name, not a common word) matches too.
pub fn mentions(words: &mut Words, cx: &Context) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut names: Vec<(String, String, String)> = Vec::new();
    for record_type in cx.schema.types.keys() {
        for (key, label) in cx.labels.of_type(record_type) {
            names.push((record_type.clone(), key.to_string(), text::normalise(label)));
        }
    }
    // Longest names first, so that "Bayview Medical Office Annex" wins over "Bayview Medical".
    names.sort_by(|a, b| b.2.len().cmp(&a.2.len()).then(a.1.cmp(&b.1)));
    for (record_type, key, name) in &names {
        if name.is_empty() {
            continue;
        }
        if let Some(range) = words.find(name) {
            words.use_range(range);
            found.push(Mention {
                record_type: record_type.clone(),
                key: key.clone(),
                range,
                partial: false,
            });
        }
    }
    // A role or title one person holds: "the CFO", "our controller".
    for holder in cx.holders {
        if let Some(range) = words.find(&holder.phrase) {
            words.use_range(range);
            found.push(Mention {
                record_type: holder.record_type.clone(),
                key: holder.key.clone(),
                range,
                partial: false,
            });
        }
    }
    // Keys: P001, V002, INV-70001 (any record type's keys, when they look like keys).
    for at in 0..words.words.len() {
        if words.is_used(at) {
            continue;
        }
        let word = words.words[at].clone();
        if !word.chars().any(|c| c.is_ascii_digit()) || !word.chars().any(|c| c.is_alphabetic()) {
            continue;
        }
        for record_type in cx.schema.types.keys() {
            if let Some((key, _)) = cx
                .labels
                .of_type(record_type)
                .find(|(key, _)| key.to_lowercase() == word)
            {
                words.use_range((at, at + 1));
                found.push(Mention {
                    record_type: record_type.clone(),
                    key: key.to_string(),
                    range: (at, at + 1),
                    partial: false,
                });
                break;
            }
        }
    }
    found.extend(leading_words(words, &names));
    // One distinctive word of a name.
    let mut by_word: HashMap<&str, Vec<&(String, String, String)>> = HashMap::new();
    for entry in &names {
        for word in entry.2.split_whitespace() {
            by_word.entry(word).or_default().push(entry);
        }
    }
    for at in 0..words.words.len() {
        if words.is_used(at) {
            continue;
        }
        let word = words.words[at].clone();
        if word.len() < 4 || COMMON.contains(&word.as_str()) || is_schema_word(&word, cx) {
            continue;
        }
        if let Some(entries) = by_word.get(word.as_str())
            && let [(record_type, key, _)] = beside_its_type(entries, words, at, cx).as_slice()
            && !found
                .iter()
                .any(|m: &Mention| m.key == *key && m.record_type == *record_type)
        {
            words.use_range((at, at + 1));
            found.push(Mention {
                record_type: record_type.clone(),
                key: key.clone(),
                range: (at, at + 1),
                partial: true,
            });
        }
    }
    found
}

/// The records whose names hold a word: all of them, or when several, those of the type
/// named right beside it ("the Larkspur project" is the project among a project and a client
/// named Larkspur).
fn beside_its_type<'a>(
    entries: &[&'a (String, String, String)],
    words: &Words,
    at: usize,
    cx: &Context,
) -> Vec<&'a (String, String, String)> {
    if entries.len() < 2 {
        return entries.to_vec();
    }
    let names_type = |i: Option<usize>, record_type: &str| {
        let word = i.and_then(|i| words.at(i));
        cx.vocabulary
            .types
            .get(record_type)
            .is_some_and(|t| word.is_some_and(|w| t.words.iter().any(|tw| tw == w)))
    };
    entries
        .iter()
        .copied()
        .filter(|(record_type, _, _)| {
            names_type(Some(at + 1), record_type) || names_type(at.checked_sub(1), record_type)
        })
        .collect()
}

/// A word the vocabulary or schema uses for types, fields or values, never a record's name.
fn is_schema_word(word: &str, cx: &Context) -> bool {
    let singular = word.trim_end_matches('s');
    cx.vocabulary
        .types
        .values()
        .any(|t| t.words.iter().any(|w| w == word || w == singular) || t.fields.contains_key(word))
        || cx.schema.types.values().any(|t| {
            t.fields.iter().any(|f| {
                f.name == word
                    || f.name.split('_').any(|part| part == word)
                    || matches!(&f.field_type, FieldType::Enum(values)
                        if values.iter().any(|v| v.split(['_', ' ']).any(|part| part == word || part == singular)))
            })
        })
}

/// The people a role or title names because they alone hold it among the active ("cfo", "chief
/// financial officer"); roles several hold ("project manager") name nobody.
pub fn holders(people: &[&Person], record_type: &str) -> Vec<Holder> {
    let mut by_phrase: HashMap<String, Vec<&str>> = HashMap::new();
    for person in people.iter().filter(|p| p.active) {
        let phrases = [Some(person.role.replace('_', " ")), person.title.clone()];
        for phrase in phrases.into_iter().flatten() {
            let phrase = text::normalise(&phrase);
            if !phrase.is_empty() {
                by_phrase.entry(phrase).or_default().push(&person.id);
            }
        }
    }
    let mut holders: Vec<Holder> = by_phrase
        .into_iter()
        .filter_map(|(phrase, ids)| match ids.as_slice() {
            [id] => Some(Holder {
                phrase,
                record_type: record_type.to_string(),
                key: id.to_string(),
            }),
            _ => None,
        })
        .collect();
    // Longest first, so that "chief financial officer" wins over a shorter title inside it.
    holders.sort_by(|a, b| b.phrase.len().cmp(&a.phrase.len()).then(a.key.cmp(&b.key)));
    holders
}

/// Records named by the leading words of their name ("Bayview Medical" for "Bayview Medical
/// Office"), two words or more, when those words lead no other name and one of them is not a
/// common word; the longest such run wins.
fn leading_words(words: &mut Words, names: &[(String, String, String)]) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut at = 0;
    while at < words.words.len() {
        let longest = (2..=words.words.len() - at).rev().find_map(|n| {
            let run = &words.words[at..at + n];
            if (at..at + n).any(|i| words.is_used(i))
                || run
                    .iter()
                    .all(|w| COMMON.contains(&w.as_str()) || w.len() < 4)
            {
                return None;
            }
            let phrase = run.join(" ");
            let mut named = names.iter().filter(|(_, _, name)| {
                name.strip_prefix(&phrase)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
            });
            match (named.next(), named.next()) {
                (Some((record_type, key, _)), None) => Some(Mention {
                    record_type: record_type.clone(),
                    key: key.clone(),
                    range: (at, at + n),
                    partial: false,
                }),
                _ => None,
            }
        });
        match longest {
            Some(mention) => {
                words.use_range(mention.range);
                at = mention.range.1;
                found.push(mention);
            }
            None => at += 1,
        }
    }
    found
}

/// "\"bayview\" is in the names of 2 projects: Bayview Medical Office (P001), Bayview Dental
/// Clinic Fit-out (P029); name the one you mean": for a word the question left unread that is
/// a word of a few records' names (too many and it is no name at all).
pub fn shared_by_several(left_over: &[String], cx: &Context) -> Option<String> {
    left_over
        .iter()
        .flat_map(|run| run.split_whitespace())
        .find_map(|word| {
            if word.len() < 4 || COMMON.contains(&word) || is_schema_word(word, cx) {
                return None;
            }
            let mut named: Vec<(String, String, String)> = Vec::new();
            for record_type in cx.schema.types.keys() {
                for (key, label) in cx.labels.of_type(record_type) {
                    if text::normalise(label).split_whitespace().any(|w| w == word) {
                        named.push((record_type.clone(), key.to_string(), label.to_string()));
                    }
                }
            }
            if !(2..=5).contains(&named.len()) {
                return None;
            }
            let types: Vec<&str> = named.iter().map(|(t, _, _)| t.as_str()).collect();
            let noun = match types.iter().all(|t| *t == types[0]) {
                true => crate::ask::words::plural(&types[0].replace('_', " ")),
                false => "records".to_string(),
            };
            let listed: Vec<String> = named
                .iter()
                .map(|(_, key, label)| format!("{label} ({key})"))
                .collect();
            Some(format!(
                "\"{word}\" is in the names of {} {noun}: {}; name the one you mean",
                named.len(),
                listed.join(", ")
            ))
        })
}
