//! Which words of a question the plan used. Each step of the planner claims the words it read
//! (a name, a window, a type, a status, a measure) with what it understood them as; the words
//! left over that carry meaning are what the plan did not understand, and a plan that leaves
//! any is not given as the answer to the question.

use super::super::text::Words;

/// Words that carry no meaning of their own in a question about records: function words,
/// question words, politeness, and verbs any record's making or reading is said with ("show",
/// "have", "placed", "recorded"). Separated by spaces.
const STOP_WORDS: &str = "\
    a about across add adds again all along already also altogether am an and any anything \
    approximately are around as at be been being book booked break breakdown broken by came \
    can come company could create created creating currently data did do does doing done down \
    during each enter entered entire ever every everything exactly far file filed find for \
    from get getting give go got gotten had happen happened happening has have having he hello \
    her here hey hi him his how i in incur incurred info information into is it its just \
    kindly know let like list log logs look looking made make me much need now occur occurred \
    of ok okay on one ones or our ours out overall per place placed please pull put quick \
    quickly raise raised record recorded records right roughly s see she show so some sort \
    still tally tell than thanks that the their them then there these they this those to today \
    up us want was we were what whats when where which who whole whom whose why will with \
    within would yet you your";

/// The words of a question and, for each, what the plan understood it as (if anything).
#[derive(Debug, Clone)]
pub struct Coverage {
    words: Vec<String>,
    claims: Vec<Option<String>>,
}

impl Coverage {
    pub fn new(words: &Words) -> Coverage {
        Coverage {
            words: words.words.clone(),
            claims: vec![None; words.words.len()],
        }
    }

    /// Claims words `range` as understood as `label` (words already claimed keep their label).
    pub fn claim_range(&mut self, range: (usize, usize), label: &str) {
        for claim in self.claims[range.0..range.1.min(self.words.len())].iter_mut() {
            if claim.is_none() {
                *claim = Some(label.to_string());
            }
        }
    }

    /// Claims the words `after` has marked read since `before` was taken.
    pub fn claim_read(&mut self, before: &Words, after: &Words, label: &str) {
        for at in 0..self.words.len() {
            if after.is_used(at) && !before.is_used(at) {
                self.claim_range((at, at + 1), label);
            }
        }
    }

    /// Claims every occurrence of each phrase that is in the question; whether any was.
    pub fn claim(&mut self, phrases: &[&str], label: &str) -> bool {
        let mut found = false;
        for phrase in phrases {
            let wanted: Vec<&str> = phrase.split_whitespace().collect();
            let n = wanted.len();
            if n == 0 || n > self.words.len() {
                continue;
            }
            for start in 0..=self.words.len() - n {
                let fits = (0..n).all(|i| same_word(&self.words[start + i], wanted[i]));
                if fits {
                    self.claim_range((start, start + n), label);
                    found = true;
                }
            }
        }
        found
    }

    /// Whether the word at `at` is claimed.
    pub fn is_claimed(&self, at: usize) -> bool {
        self.claims.get(at).is_some_and(Option::is_some)
    }

    /// What the plan understood, in the order the question says it, each once.
    pub fn understood(&self) -> Vec<String> {
        let mut labels: Vec<String> = Vec::new();
        for label in self.claims.iter().flatten() {
            if !labels.contains(label) {
                labels.push(label.clone());
            }
        }
        labels
    }

    /// Runs of words that carry meaning and that no step claimed ("behind schedule"): the
    /// unclaimed words between claimed ones (or an "and"), without stop words at either end.
    pub fn left_over(&self) -> Vec<String> {
        let mut runs: Vec<Vec<&str>> = vec![Vec::new()];
        for (at, word) in self.words.iter().enumerate() {
            if self.claims[at].is_some() || matches!(word.as_str(), "and" | "or") {
                runs.push(Vec::new());
            } else if let Some(run) = runs.last_mut() {
                run.push(word);
            }
        }
        runs.into_iter()
            .filter_map(|run| {
                let first = run.iter().position(|w| !is_stop_word(w))?;
                let last = run.iter().rposition(|w| !is_stop_word(w))?;
                Some(run[first..=last].join(" "))
            })
            .collect()
    }

    /// The question without the meaningful words no step claimed (nor the stop words and
    /// "and" left dangling at either end).
    pub fn without_left_over(&self) -> String {
        let mut kept: Vec<(&str, bool)> = self
            .words
            .iter()
            .zip(&self.claims)
            .filter(|(word, claim)| claim.is_some() || is_stop_word(word))
            .map(|(word, claim)| (word.as_str(), claim.is_some()))
            .collect();
        while kept.last().is_some_and(|(_, claimed)| !claimed) {
            kept.pop();
        }
        let start = kept
            .iter()
            .position(|(word, claimed)| *claimed || !matches!(*word, "and" | "or"))
            .unwrap_or(kept.len());
        let words: Vec<&str> = kept[start..].iter().map(|(word, _)| *word).collect();
        words.join(" ")
    }
}

/// A word of the question equals a word of a phrase, allowing a plural on either side.
fn same_word(word: &str, wanted: &str) -> bool {
    word == wanted
        || (wanted.len() >= 3
            && (word.strip_suffix('s') == Some(wanted) || word.strip_suffix("es") == Some(wanted)))
}

/// Whether `word` carries no meaning of its own; numbers do (a figure, a year, a count).
pub fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.split_whitespace().any(|stop| stop == word) || super::lexicon::is_filler(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(question: &str) -> (Words, Coverage) {
        let words = Words::new(question);
        let coverage = Coverage::new(&words);
        (words, coverage)
    }

    #[test]
    fn a_question_fully_claimed_leaves_nothing_over() {
        let (_, mut c) = coverage("How much did we spend on change orders last quarter?");
        assert!(c.claim(&["change order"], "change orders"));
        c.claim(&["how much", "spend"], "total amount");
        c.claim(&["last quarter"], "last quarter");
        assert!(c.left_over().is_empty(), "{:?}", c.left_over());
        assert_eq!(
            c.understood(),
            ["total amount", "change orders", "last quarter"]
        );
    }

    #[test]
    fn words_no_step_claimed_are_reported_as_runs() {
        let (_, mut c) = coverage("which projects are behind the schedule for Apex?");
        c.claim(&["project"], "projects");
        c.claim(&["apex"], "Apex Concrete");
        assert_eq!(c.left_over(), ["behind the schedule"]);
        let (_, mut c) = coverage("invoices unpaid and late by vendor");
        c.claim(&["invoice"], "invoices");
        c.claim(&["by vendor"], "by vendor");
        assert_eq!(c.left_over(), ["unpaid", "late"]);
        assert_eq!(c.without_left_over(), "invoices and by vendor");
    }

    #[test]
    fn words_read_by_a_step_are_claimed_with_its_label() {
        let (before, mut c) = coverage("invoices in March");
        let mut after = before.clone();
        after.take("in march");
        c.claim_read(&before, &after, "in March 2026");
        assert!(c.is_claimed(1) && c.is_claimed(2) && !c.is_claimed(0));
        assert_eq!(c.left_over(), ["invoices"]);
    }

    #[test]
    fn a_phrase_is_claimed_in_the_plural_and_wherever_it_occurs() {
        let (_, mut c) = coverage("hours and more hours");
        assert!(c.claim(&["hour"], "hours"));
        assert_eq!(c.left_over(), ["more"]);
        assert!(!c.claim(&["minute"], "minutes"));
    }

    #[test]
    fn stop_words_alone_carry_no_meaning_but_numbers_do() {
        let (_, c) = coverage("can you please show me the 5");
        assert_eq!(c.left_over(), ["5"]);
    }
}
