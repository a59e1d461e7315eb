//! Misspellings: a word of a question that nothing understood, close to exactly one word keel
//! knows (a word of `ask.toml`, a record type, a field, a listed value, a word of a record's
//! name), is read as that word, and the answer says so ("read 'concerte' as 'Concrete'").
//! Close is one edit (a letter added, dropped, changed, or two swapped) for words of five
//! letters or more, two for words of eight or more; a word close to several is left alone.

use super::super::text::normalise;
use super::Context;
use std::collections::BTreeMap;

/// The question with its misspelt words among `not_understood` read as the words meant, and
/// a note for each; `None` when none was.
pub fn correct(
    question: &str,
    not_understood: &[String],
    cx: &Context,
) -> Option<(String, Vec<String>)> {
    let unknown: Vec<&str> = not_understood
        .iter()
        .flat_map(|run| run.split_whitespace())
        .collect();
    let known = known_words(cx);
    let mut notes = Vec::new();
    let words: Vec<String> = normalise(question)
        .split_whitespace()
        .map(|word| {
            let meant = unknown
                .contains(&word)
                .then(|| meant(word, &known))
                .flatten();
            match meant {
                Some(shown) => {
                    notes.push(format!("I read '{word}' as '{shown}'."));
                    shown.to_lowercase()
                }
                None => word.to_string(),
            }
        })
        .collect();
    (!notes.is_empty()).then(|| (words.join(" "), notes))
}

/// The one known word `word` is a misspelling of, as it is written in keel's records.
fn meant<'a>(word: &str, known: &'a BTreeMap<String, String>) -> Option<&'a str> {
    let letters = word.chars().count();
    let most = match letters {
        0..=4 => return None,
        5..=7 => 1,
        _ => 2,
    };
    if word.chars().any(|c| c.is_ascii_digit()) || known.contains_key(word) {
        return None;
    }
    let mut close = known
        .iter()
        .filter(|(candidate, _)| distance(word, candidate) <= most);
    match (close.next(), close.next()) {
        (Some((_, shown)), None) => Some(shown.as_str()),
        _ => None,
    }
}

/// The words keel knows, lowercase, each with how it is written (a name's capitals).
fn known_words(cx: &Context) -> BTreeMap<String, String> {
    let mut known = BTreeMap::new();
    let mut add = |text: &str, shown: bool| {
        for (word, written) in normalise(text)
            .split_whitespace()
            .zip(text.split_whitespace())
        {
            let written = written.trim_matches(|c: char| !c.is_alphanumeric());
            let form = if shown && written.to_lowercase() == word {
                written
            } else {
                word
            };
            known
                .entry(word.to_string())
                .or_insert_with(|| form.to_string());
        }
    };
    for (name, words) in &cx.vocabulary.types {
        add(name, false);
        for phrase in words
            .words
            .iter()
            .chain(words.fields.keys())
            .chain(words.values.keys())
        {
            add(phrase, false);
        }
    }
    for phrase in cx.vocabulary.values.keys() {
        add(phrase, false);
    }
    for record in cx.schema.types.values() {
        add(&record.name, false);
        for field in &record.fields {
            add(&field.name, false);
            if let crate::domain::FieldType::Enum(values) = &field.field_type {
                for value in values {
                    add(value, false);
                }
            }
        }
        for (_, label) in cx.labels.of_type(&record.name) {
            add(label, true);
        }
    }
    known
}

/// Damerau-Levenshtein distance (optimal string alignment): letters added, dropped, changed,
/// or two neighbours swapped.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::{distance, meant};
    use std::collections::BTreeMap;

    fn known() -> BTreeMap<String, String> {
        [
            ("concrete", "Concrete"),
            ("purchase", "purchase"),
            ("rejected", "rejected"),
            ("approved", "approved"),
            ("approver", "approver"),
            ("budget", "budget"),
            ("invoice", "invoice"),
            ("paid", "paid"),
        ]
        .into_iter()
        .map(|(w, s)| (w.to_string(), s.to_string()))
        .collect()
    }

    #[test]
    fn a_swap_a_dropped_or_an_added_letter_is_one_edit() {
        assert_eq!(distance("concerte", "concrete"), 1);
        assert_eq!(distance("purchse", "purchase"), 1);
        assert_eq!(distance("rejectd", "rejected"), 1);
        assert_eq!(distance("budgets", "budget"), 1);
        assert_eq!(distance("invoice", "invoice"), 0);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn a_word_close_to_exactly_one_known_word_is_read_as_it() {
        let known = known();
        let cases = [
            ("concerte", Some("Concrete")),
            ("purchse", Some("purchase")),
            ("rejectd", Some("rejected")),
            ("budgets", Some("budget")),
            ("invoce", Some("invoice")),
        ];
        for (word, expected) in cases {
            assert_eq!(meant(word, &known), expected, "{word}");
        }
    }

    #[test]
    fn short_ambiguous_known_or_far_words_are_left_alone() {
        let known = known();
        // "approve" is one edit from both "approved" and "approver".
        for word in ["approve", "pade", "invoice", "healthcare", "2026x"] {
            assert_eq!(meant(word, &known), None, "{word}");
        }
    }
}
