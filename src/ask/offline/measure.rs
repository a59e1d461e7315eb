//! What a question measures: a count, the sum or average of the field it names (or of the
//! type's amount), a median, the records themselves, ordered and cut to "top N"; or two of
//! these at once ("how many and how much").

use super::super::text::Words;
use super::coverage::Coverage;
use super::grouping::spoken;
use super::query::Problem;
use crate::domain::plan::{Measure, Order};
use crate::domain::vocabulary::TypeWords;
use crate::domain::{FieldType, RecordType};

const MOST: &[&str] = &[
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
    "least", "smallest", "lowest", "fewest", "cheapest", "min", "minimum", "bottom", "worst",
];
const HOW_MANY: &[&str] = &[
    "how many",
    "number of",
    "number",
    "count",
    "total number",
    "total count",
];
const MONEY: &[&str] = &[
    "how much", "total", "sum", "spend", "spent", "value", "amount", "cost", "costs", "worth",
    "paid", "pay", "invoiced", "billed", "money", "totals",
];
const AVERAGE: &[&str] = &[
    "average",
    "avg",
    "mean",
    "typical",
    "typically",
    "on average",
];
const MEDIAN: &[&str] = &["median"];

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

/// One measure of an answer, with its order and how many rows it keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub measure: Measure,
    pub order: Option<Order>,
    pub limit: Option<u32>,
}

/// What the question says about its measure.
pub struct Cues {
    most: bool,
    least: bool,
    how_many: bool,
    money: bool,
    average: bool,
    median: bool,
    /// "most" or "fewest", which rank by a count unless an amount is named.
    most_or_fewest: bool,
    /// "top 5", "the 3 largest", "top five": how many and the words saying it.
    top_n: Option<(u32, (usize, usize))>,
}

impl Cues {
    pub fn read(words: &Words) -> Cues {
        // "the total number of invoices" is a count.
        let total_is_count = words.has_any(&["total number", "total count"]);
        let money = MONEY
            .iter()
            .filter(|w| !(total_is_count && **w == "total"))
            .any(|w| words.has(w));
        Cues {
            most: words.has_any(MOST),
            least: words.has_any(LEAST),
            how_many: words.has_any(HOW_MANY),
            money,
            average: words.has_any(AVERAGE),
            median: words.has_any(MEDIAN),
            most_or_fewest: words.has_any(&["most", "fewest"]) && !words.has("most expensive"),
            top_n: top_n(words),
        }
    }

    fn ranked(&self) -> bool {
        self.most || self.least
    }

    /// The order a ranked question asks for, the measure's when `field` is `None`.
    fn order(&self, field: Option<&str>) -> Option<Order> {
        self.ranked().then(|| Order {
            field: field.map(str::to_string),
            descending: !self.least,
        })
    }

    /// Rows kept: the N asked for, or one for "which … the most".
    fn limit(&self) -> Option<u32> {
        self.ranked()
            .then(|| self.top_n.map_or(1, |(n, _)| n))
            .or(self.top_n.map(|(n, _)| n))
    }

    /// Claims the ranking words, when the plan ranks.
    fn claim_rank(&self, cov: &mut Coverage) {
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

/// "top 5", "top five", "the 3 largest", "five biggest", "which 3": N between 1 and 100.
fn top_n(words: &Words) -> Option<(u32, (usize, usize))> {
    let number = |word: &str| {
        word.parse::<u32>()
            .ok()
            .or_else(|| {
                NUMBER_WORDS
                    .iter()
                    .position(|w| *w == word)
                    .map(|i| i as u32 + 1)
            })
            .filter(|n| (1..=100).contains(n))
    };
    let ranking = |word: &str| {
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
    };
    words.words.windows(2).enumerate().find_map(|(at, pair)| {
        let (a, b) = (pair[0].as_str(), pair[1].as_str());
        if (ranking(a) && a != "last") || matches!(a, "which" | "what") {
            number(b).map(|n| (n, (at, at + 2)))
        } else if ranking(b) && b != "last" && b != "first" {
            number(a).map(|n| (n, (at, at + 2)))
        } else {
            None
        }
    })
}

/// A number field the question names ("average hours", "total budget", "contract value").
pub fn named_number(words: &Words, record: &RecordType, vocabulary: &TypeWords) -> Option<String> {
    named_fields(words, record, vocabulary)
        .into_iter()
        .find(|(field, _)| is_number(record, field))
        .map(|(field, _)| field)
}

/// Fields the question names, by the words `ask.toml` gives them or their own names, and the
/// phrase that named each.
pub fn named_fields(
    words: &Words,
    record: &RecordType,
    vocabulary: &TypeWords,
) -> Vec<(String, String)> {
    let mut phrases: Vec<(String, String)> = vocabulary
        .fields
        .iter()
        .map(|(word, field)| (word.clone(), field.clone()))
        .chain(record.fields.iter().flat_map(|f| {
            [
                (f.name.replace('_', " "), f.name.clone()),
                (spoken(&f.name), f.name.clone()),
            ]
        }))
        .collect();
    phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    let mut found: Vec<(String, String)> = Vec::new();
    for (phrase, field) in phrases {
        if !record.key.contains(&field)
            && words.has(&phrase)
            && !found.iter().any(|(f, _)| *f == field)
        {
            found.push((field, phrase));
        }
    }
    found
}

fn is_number(record: &RecordType, field: &str) -> bool {
    record
        .field(field)
        .is_some_and(|f| matches!(f.field_type, FieldType::Number | FieldType::Money))
}

/// What is measured and how. `named` is the number field the question names, `amount` the
/// type's amount; `listed` the other fields it names, to list.
pub struct Reading<'a> {
    pub record: &'a RecordType,
    pub named: Option<String>,
    pub amount: Option<String>,
    pub listed: Vec<String>,
    pub grouped: bool,
}

/// The measures the question asks for: one, or a count and a total when it asks for both.
pub fn measures(
    words: &Words,
    cues: &Cues,
    reading: &Reading,
    cov: &mut Coverage,
) -> Result<Vec<Asked>, Problem> {
    let count_word = first_at(words, HOW_MANY);
    let money_word = first_at(words, MONEY);
    let both = cues.how_many
        && cues.money
        && reading.named.is_none()
        && !cues.average
        && !cues.median
        && reading.amount.is_some();
    if !both {
        return Ok(vec![one(cues, reading, cov)?]);
    }
    let count = Asked {
        measure: Measure::Count,
        order: cues.order(None).filter(|_| reading.grouped),
        limit: cues.limit().filter(|_| reading.grouped),
    };
    let sum = Asked {
        measure: Measure::Sum {
            field: measured(reading, "add up")?,
        },
        ..count.clone()
    };
    cov.claim(HOW_MANY, "the number");
    cov.claim(MONEY, &format!("the total {}", field_words(reading)));
    if count.order.is_some() {
        cues.claim_rank(cov);
    }
    Ok(if count_word <= money_word {
        vec![count, sum]
    } else {
        vec![sum, count]
    })
}

/// Where the first of `phrases` is in the question.
fn first_at(words: &Words, phrases: &[&str]) -> usize {
    phrases
        .iter()
        .filter_map(|p| words.find(p).map(|(at, _)| at))
        .min()
        .unwrap_or(usize::MAX)
}

/// The field measured: the one named, else the type's amount.
fn measured(reading: &Reading, what: &str) -> Result<String, Problem> {
    reading
        .named
        .clone()
        .or(reading.amount.clone())
        .ok_or_else(|| {
            let numbers: Vec<String> = reading
                .record
                .fields
                .iter()
                .filter(|f| is_number(reading.record, &f.name))
                .map(|f| spoken(&f.name))
                .collect();
            Problem(format!(
                "{} records have no amount to {what}; name a number field ({})",
                reading.record.name.replace('_', " "),
                numbers.join(", ")
            ))
        })
}

fn field_words(reading: &Reading) -> String {
    spoken(
        reading
            .named
            .as_deref()
            .or(reading.amount.as_deref())
            .unwrap_or("amount"),
    )
}

/// One measure, from the question's cues.
fn one(cues: &Cues, reading: &Reading, cov: &mut Coverage) -> Result<Asked, Problem> {
    let grouped = reading.grouped;
    let of = field_words(reading);
    // "which project has the most change orders" counts; "the largest" ranks by an amount.
    let counting = (cues.how_many || cues.most_or_fewest) && !cues.money && reading.named.is_none();
    let summing = cues.money || (cues.how_many && reading.named.is_some());
    let asked = if cues.median {
        cov.claim(MEDIAN, &format!("the median {of}"));
        Asked {
            measure: Measure::Median {
                field: measured(reading, "take the median of")?,
            },
            order: None,
            limit: None,
        }
    } else if cues.average {
        cov.claim(AVERAGE, &format!("the average {of}"));
        let ranked = grouped.then(|| cues.order(None)).flatten();
        if ranked.is_some() {
            cues.claim_rank(cov);
        }
        Asked {
            measure: Measure::Average {
                field: measured(reading, "average")?,
            },
            order: grouped.then_some(Order {
                field: None,
                descending: !cues.least,
            }),
            limit: grouped.then(|| cues.top_n.map(|(n, _)| n)).flatten(),
        }
    } else if counting
        || (grouped
            && reading.named.is_none()
            && !summing
            && !(cues.ranked() && reading.amount.is_some()))
    {
        cov.claim(HOW_MANY, "the number");
        grouped_rank(Measure::Count, cues, grouped, cov)
    } else if summing || grouped {
        cov.claim(MONEY, &format!("the total {of}"));
        if summing {
            cov.claim(HOW_MANY, &format!("the total {of}"));
        }
        let field = measured(reading, "add up")?;
        if grouped || !cues.ranked() {
            let measure = if summing || additive(reading, &field) {
                Measure::Sum { field }
            } else {
                Measure::Average { field }
            };
            grouped_rank(measure, cues, grouped, cov)
        } else {
            largest(reading, &field, cues, cov)
        }
    } else if cues.ranked() {
        match measured(reading, "rank by") {
            Ok(field) => largest(reading, &field, cues, cov),
            Err(_) => {
                cues.claim_rank(cov);
                Asked {
                    measure: list_of(reading.record, &[]),
                    order: None,
                    limit: cues.top_n.map(|(n, _)| n),
                }
            }
        }
    } else {
        let mut fields = reading.listed.clone();
        fields.extend(reading.named.clone());
        if let Some((n, range)) = cues.top_n {
            cov.claim_range(range, &format!("the first {n}"));
        }
        Asked {
            measure: list_of(reading.record, &fields),
            order: None,
            limit: cues.top_n.map(|(n, _)| n),
        }
    };
    Ok(asked)
}

/// A field added up per group when the question names it without saying how: money, or the
/// type's own amount ("hours logged per person" adds hours); other numbers are averaged.
fn additive(reading: &Reading, field: &str) -> bool {
    reading.amount.as_deref() == Some(field)
        || reading
            .record
            .field(field)
            .is_some_and(|f| f.field_type == FieldType::Money)
}

/// A measure per group, ordered and cut when the question ranks.
fn grouped_rank(measure: Measure, cues: &Cues, grouped: bool, cov: &mut Coverage) -> Asked {
    let ranked = grouped && cues.ranked();
    if ranked {
        cues.claim_rank(cov);
    }
    Asked {
        measure,
        order: cues.order(None).filter(|_| ranked),
        limit: cues.limit().filter(|_| ranked),
    }
}

/// The records with the largest (or smallest) `field`, N of them (one unless asked).
fn largest(reading: &Reading, field: &str, cues: &Cues, cov: &mut Coverage) -> Asked {
    cues.claim_rank(cov);
    Asked {
        measure: list_of(reading.record, &[field.to_string()]),
        order: Some(Order {
            field: Some(field.to_string()),
            descending: !cues.least,
        }),
        limit: Some(cues.top_n.map_or(1, |(n, _)| n)),
    }
}

/// A list of the records: their label (when they have one) and `fields`, or every field.
fn list_of(record: &RecordType, fields: &[String]) -> Measure {
    if fields.is_empty() {
        return Measure::List { fields: Vec::new() };
    }
    let mut listed: Vec<String> = record.label.iter().cloned().collect();
    for field in fields {
        if !listed.contains(field) {
            listed.push(field.clone());
        }
    }
    Measure::List { fields: listed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(question: &str) -> Option<u32> {
        top_n(&Words::new(question)).map(|(n, _)| n)
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
    }
}
