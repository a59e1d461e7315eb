//! What a question measures: a count, the sum or average of the field it names (or of the
//! type's amount), a median, the records themselves, ordered and cut to "top N"; or two of
//! these at once ("how many and how much").

use super::super::text::Words;
use super::coverage::Coverage;
use super::cues::{AVERAGE, Cues, HOW_MANY, MEDIAN, MONEY};
use super::grouping::spoken;
use super::query::Problem;
use crate::domain::plan::{Measure, Order};
use crate::domain::vocabulary::TypeWords;
use crate::domain::{FieldType, RecordType};

/// One measure of an answer, with its order and how many rows it keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub measure: Measure,
    pub order: Option<Order>,
    pub limit: Option<u32>,
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
    // "count and total amount": naming the type's own amount still asks for both.
    let both = cues.how_many
        && cues.money
        && (reading.named.is_none() || reading.named == reading.amount)
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
        claim_amount_words(reading, cov, &format!("the median {of}"));
        Asked {
            measure: Measure::Median {
                field: measured(reading, "take the median of")?,
            },
            order: None,
            limit: None,
        }
    } else if cues.average {
        cov.claim(AVERAGE, &format!("the average {of}"));
        claim_amount_words(reading, cov, &format!("the average {of}"));
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
            let measure = if grouped && cues.ranked() && cues.one_record && !summing {
                // "which vendor has the largest purchase order": each group's largest one.
                if cues.least {
                    Measure::Min { field }
                } else {
                    Measure::Max { field }
                }
            } else if summing || additive(reading, &field) {
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

/// Claims "size", "value", "big" and the like when what is measured is the type's own amount.
fn claim_amount_words(reading: &Reading, cov: &mut Coverage, label: &str) {
    if reading.named.is_none() && reading.amount.is_some() {
        cov.claim(super::lexicon::AMOUNT, label);
    }
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
    if reading.amount.as_deref() == Some(field) {
        claim_amount_words(reading, cov, &spoken(field));
    }
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
