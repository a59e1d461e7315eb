//! The words that say how a question measures: ranking ("most", "top 5"), counting ("how
//! many"), adding up ("how much", "total"), averages and medians.

use super::super::text::Words;
use super::coverage::Coverage;
use crate::domain::plan::Order;

const MOST: &[&str] = &[
    "most common",
    "most frequent",
    "most popular",
    "commonest",
    "most",
    "largest",
    "biggest",
    "highest",
    "top",
    "max",
    "maximum",
    "greatest",
    "most expensive",
    "best",
];
const LEAST: &[&str] = &[
    "least common",
    "least frequent",
    "rarest",
    "least",
    "smallest",
    "lowest",
    "fewest",
    "cheapest",
    "min",
    "minimum",
    "bottom",
    "worst",
];
pub const HOW_MANY: &[&str] = &[
    "how many",
    "number of",
    "number",
    "count",
    "total number",
    "total count",
    "how often",
    "often",
];
pub const MONEY: &[&str] = &[
    "how much", "total", "sum", "spend", "spent", "value", "amount", "cost", "costs", "worth",
    "paid", "pay", "invoiced", "billed", "money", "totals", "add up", "added up", "adds up",
];
/// Nouns that are money in themselves: an expense is money spent, a cost money paid.
pub const MONEY_NOUNS: &[&str] = &[
    "expense", "expenses", "cost", "costs", "payment", "payments", "spending", "fee", "fees",
];
/// Units of money. Said after a figure ("over 5000 dollars") they are its unit; said alone
/// ("invoice dollars per vendor", "how many bucks went on fuel") they ask for the amount.
pub const CURRENCY: &[&str] = &["dollars", "dollar", "bucks", "usd"];
pub const AVERAGE: &[&str] = &[
    "average",
    "avg",
    "mean",
    "typical",
    "typically",
    "on average",
];
pub const MEDIAN: &[&str] = &["median"];

/// Numbers written as words, for "top five".
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// What the question says about its measure.
pub struct Cues {
    pub most: bool,
    pub least: bool,
    pub how_many: bool,
    pub money: bool,
    pub average: bool,
    pub median: bool,
    /// "most" or "fewest", which rank by a count unless an amount is named.
    pub most_or_fewest: bool,
    /// "top 5", "the 3 largest", "top five": how many and the words saying it.
    pub top_n: Option<(u32, (usize, usize))>,
    /// "the largest purchase order", "the biggest single expense": a size ranking of one
    /// record, not of totals ("which vendor has the largest purchase order" is the vendor of the
    /// one largest order, not the vendor with the most ordered).
    pub one_record: bool,
}

impl Cues {
    pub fn read(words: &Words) -> Cues {
        // "the total number of invoices" is a count.
        let total_is_count = words.has_any(&["total number", "total count"]);
        let money = MONEY
            .iter()
            .filter(|w| !(total_is_count && **w == "total"))
            .any(|w| words.has(w))
            || currency_asked(words);
        // "how many dollars" asks how much, not how many records.
        let dollars_counted = CURRENCY
            .iter()
            .any(|c| words.has(&format!("how many {c}")) || words.has(&format!("number of {c}")));
        Cues {
            most: words.has_any(MOST),
            least: words.has_any(LEAST),
            how_many: words.has_any(HOW_MANY) && !dollars_counted,
            money,
            average: words.has_any(AVERAGE),
            median: words.has_any(MEDIAN),
            most_or_fewest: words.has_any(&[
                "most",
                "fewest",
                "commonest",
                "rarest",
                "least common",
                "least frequent",
            ]) && !words.has("most expensive"),
            top_n: top_n(words),
            one_record: one_record(words),
        }
    }

    pub fn ranked(&self) -> bool {
        self.most || self.least
    }

    /// The order a ranked question asks for, the measure's when `field` is `None`.
    pub fn order(&self, field: Option<&str>) -> Option<Order> {
        self.ranked().then(|| Order {
            field: field.map(str::to_string),
            descending: !self.least,
        })
    }

    /// Rows kept: the N asked for, or one for "which … the most".
    pub fn limit(&self) -> Option<u32> {
        self.ranked()
            .then(|| self.top_n.map_or(1, |(n, _)| n))
            .or(self.top_n.map(|(n, _)| n))
    }

    /// Claims the ranking words, when the plan ranks.
    pub fn claim_rank(&self, cov: &mut Coverage) {
        let label = if self.least {
            "lowest first"
        } else {
            "highest first"
        };
        cov.claim(MOST, label);
        cov.claim(LEAST, label);
        if let Some((n, range)) = self.top_n {
            cov.claim_range(range, &format!("the first {n}"));
        }
    }
}

/// Whether a unit of money is said on its own, not after a figure ("5000 dollars", "5k
/// bucks", "2 million dollars"): then it asks for the amount.
fn currency_asked(words: &Words) -> bool {
    words.words.iter().enumerate().any(|(at, word)| {
        let figure_before = at
            .checked_sub(1)
            .and_then(|b| words.at(b))
            .is_some_and(|b| {
                matches!(b, "thousand" | "million" | "grand")
                    || super::super::text::amount(b, None).is_some()
            });
        CURRENCY.contains(&word.as_str()) && !figure_before
    })
}

/// A number written as a word ("five"), for "top five".
pub fn number_word(word: &str) -> Option<u32> {
    NUMBER_WORDS
        .iter()
        .position(|w| *w == word)
        .map(|i| i as u32 + 1)
}

/// A word that ranks: "top", "largest", "fewest", "last"…
pub fn is_ranking(word: &str) -> bool {
    matches!(
        word,
        "top"
            | "first"
            | "bottom"
            | "last"
            | "largest"
            | "biggest"
            | "highest"
            | "lowest"
            | "smallest"
            | "most"
            | "least"
            | "best"
            | "worst"
    )
}

/// "top 5", "top five", "the 3 largest", "five biggest", "which 3": N between 1 and 100.
/// Superlatives of size, which can rank single records.
const SIZE: &[&str] = &[
    "largest",
    "biggest",
    "highest",
    "smallest",
    "lowest",
    "cheapest",
    "priciest",
    "costliest",
];

/// Whether a size superlative is followed by a singular noun phrase that is not a total
/// ("the largest purchase order", "the biggest single expense"; not "the largest invoices",
/// "the biggest expense totals", "the highest spend").
fn one_record(words: &Words) -> bool {
    /// Words that end the noun phrase after the superlative.
    const ENDS: &[&str] = &[
        "by", "per", "for", "in", "on", "of", "from", "this", "last", "to", "with", "and", "or",
        "who", "that", "which",
    ];
    let is_size = |at: usize, word: &str| {
        SIZE.contains(&word) || (word == "expensive" && at > 0 && words.words[at - 1] == "most")
    };
    words.words.iter().enumerate().any(|(at, word)| {
        if !is_size(at, word) {
            return false;
        }
        let rest = &words.words[at + 1..];
        let phrase: Vec<&str> = rest
            .iter()
            .map(String::as_str)
            .take_while(|w| !ENDS.contains(w))
            .take(3)
            .collect();
        // "the biggest expense staff who claimed" (a doer noun, read as people): people ranked.
        let people = rest.get(phrase.len()).is_some_and(|w| w == "who");
        !phrase.is_empty()
            && !people
            && phrase.iter().all(|w| {
                !w.ends_with('s')
                    && w.parse::<f64>().is_err()
                    && number_word(w).is_none()
                    && !MONEY.contains(w)
                    && !matches!(
                        *w,
                        "number" | "count" | "share" | "rate" | "average" | "one" | "ones"
                    )
            })
    })
}

fn top_n(words: &Words) -> Option<(u32, (usize, usize))> {
    let number = |word: &str| {
        word.parse::<u32>()
            .ok()
            .or_else(|| number_word(word))
            .filter(|n| (1..=100).contains(n))
    };
    let ranking = is_ranking;
    let beside = words.words.windows(2).enumerate().find_map(|(at, pair)| {
        let (a, b) = (pair[0].as_str(), pair[1].as_str());
        if (ranking(a) && a != "last") || matches!(a, "which" | "what") {
            number(b).map(|n| (n, (at, at + 2)))
        } else if ranking(b) && b != "last" && b != "first" {
            number(a).map(|n| (n, (at, at + 2)))
        } else {
            None
        }
    });
    beside.or_else(|| counted_before_ranking(words, number, ranking))
}

/// "three employees with the largest expense totals", "the 4 vendors we paid most": a number
/// opening the question (or after "the", "show me"…) that a ranking word follows closely. A
/// number after a comparison ("over 50 … largest") is a figure, not how many to keep.
fn counted_before_ranking(
    words: &Words,
    number: impl Fn(&str) -> Option<u32>,
    ranking: impl Fn(&str) -> bool,
) -> Option<(u32, (usize, usize))> {
    let opens = |at: usize| {
        at == 0
            || words
                .at(at - 1)
                .is_some_and(|w| matches!(w, "the" | "me" | "show" | "list" | "our" | "give"))
    };
    (0..words.words.len()).find_map(|at| {
        let n = number(words.at(at)?)?;
        let ranked = (at + 1..(at + 5).min(words.words.len())).any(|i| {
            words
                .at(i)
                .is_some_and(|w| ranking(w) && w != "last" && w != "first")
        });
        (opens(at) && ranked).then_some((n, (at, at + 1)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(question: &str) -> Option<u32> {
        top_n(&Words::new(question)).map(|(n, _)| n)
    }

    #[test]
    fn a_size_superlative_before_one_record_ranks_single_records() {
        let one = |q: &str| Cues::read(&Words::new(q)).one_record;
        assert!(one("which vendor has the largest purchase order"));
        assert!(one("who filed the biggest single expense claim"));
        assert!(one("the project with the smallest change order"));
        assert!(!one("which vendor has the largest invoices"));
        assert!(!one("three employees with the largest expense totals"));
        assert!(!one("which vendor has the highest spend"));
        assert!(!one("the 3 largest invoices"));
        assert!(!one("which project has the most change orders"));
        assert!(!one("the biggest expense staff who claimed"));
    }

    #[test]
    fn top_n_is_read_before_or_after_the_ranking_word_and_in_words() {
        assert_eq!(n("top 5 vendors by spend"), Some(5));
        assert_eq!(n("the 3 largest invoices"), Some(3));
        assert_eq!(n("top five projects"), Some(5));
        assert_eq!(n("ten biggest change orders"), Some(10));
        assert_eq!(n("invoices in the last 30 days"), None);
        assert_eq!(n("the top vendor"), None);
        assert_eq!(n("which 3 vendors did we pay most"), Some(3));
        assert_eq!(n("four clients with the most calls"), Some(4));
        assert_eq!(n("show me the 6 people who logged most hours"), Some(6));
        assert_eq!(
            n("jobs over 50 percent complete with the highest budget"),
            None
        );
        assert_eq!(n("2 vendors"), None);
    }
}
