//! What a right answer holds, written so that any reasonable form of the right answer passes
//! (the figure in the sentence or in a small table, the entity named in the first row or the
//! sentence) while an answer to another question does not.

use keel::ask::Answer;
use keel::service::ServiceError;
use serde_json::Value;

/// A figure and how far from it a right answer may be (rounding to whole dollars, a tenth of a
/// day…).
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub value: f64,
    pub tolerance: f64,
}

/// A count: exact.
pub fn count(value: f64) -> Figure {
    Figure {
        value,
        tolerance: 0.01,
    }
}

/// Money: to the dollar, as a sentence may round it.
pub fn money(value: f64) -> Figure {
    Figure {
        value,
        tolerance: 0.51,
    }
}

/// Hours, percentages and other figures given to a tenth.
pub fn tenth(value: f64) -> Figure {
    Figure {
        value,
        tolerance: 0.051 + 1e-9 * value.abs(),
    }
}

/// A duration or an average that may be rounded to two significant places.
pub fn rough(value: f64) -> Figure {
    Figure {
        value,
        tolerance: 0.01 + 0.02 * value.abs(),
    }
}

/// What a question's answer must hold.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Each figure appears in the answer: in its sentence, or in a table of a few rows.
    Figures(Vec<Figure>),
    /// The first row names one of these (several on a tie), or the sentence does.
    Top(Vec<String>),
    /// One row per label, each row naming its label, in any order.
    Set(Vec<String>),
    /// One row per group, naming it, with its figure.
    Groups(Vec<(String, Figure)>),
    /// One row per month, oldest first, each with its figure (month labels have many forms).
    Series(Vec<Figure>),
    /// Each label is named somewhere in the answer (rows or sentence).
    Mentions(Vec<String>),
    /// Nothing matches: no rows, or one row of zeros.
    Nothing,
    /// keel must decline: the records do not hold the answer.
    Declined,
    /// keel must decline, or answer saying plainly that it withheld what the asker may not see.
    Refused,
    /// Any of these is right (a question reasonable people read in more than one way).
    AnyOf(Vec<Expect>),
}

/// What an answer said, as the checks read it: the sentence, the note and the table's rows.
pub struct Said<'a> {
    pub sentence: &'a str,
    pub note: Option<&'a str>,
    pub rows: &'a [Vec<Value>],
}

impl<'a> From<&'a Answer> for Said<'a> {
    fn from(answer: &'a Answer) -> Said<'a> {
        Said {
            sentence: &answer.answer,
            note: answer.note.as_deref(),
            rows: &answer.rows,
        }
    }
}

/// How one answer is classed in the report.
#[derive(Debug)]
pub enum Class {
    Correct,
    /// keel said it could not answer: honest, but not an answer.
    Declined,
    /// A confident answer that does not match, or a failure; why.
    Wrong(String),
}

/// The most rows a table may have for a figure in it to count as the answer.
const SMALL_TABLE: usize = 3;

/// Whether keel declined the question rather than answering it. Today a decline is an error the
/// person is shown (a `UserError`); when `Answer` gains its `declined` flag (branch ask/planner),
/// an answer carrying it is a decline too: this is the one place to switch.
pub fn declined(result: &Result<Answer, ServiceError>) -> bool {
    match result {
        Err(ServiceError::User(_)) => true,
        Err(ServiceError::Internal(_)) => false,
        Ok(answer) => {
            answer.declined || (answer.rows.is_empty() && admits_not_answering(&answer.answer))
        }
    }
}

/// Words with which an answer without a table says it did not answer.
fn admits_not_answering(sentence: &str) -> bool {
    let sentence = sentence.to_lowercase();
    [
        "can't answer",
        "cannot answer",
        "could not answer",
        "couldn't answer",
        "not understand",
        "don't understand",
        "do not hold",
        "don't hold",
        "i can't",
        "i cannot",
    ]
    .iter()
    .any(|p| sentence.contains(p))
}

/// Words with which an answer says it left out what the asker may not see.
fn says_withheld(answer: &Said) -> bool {
    let text = format!("{} {}", answer.sentence, answer.note.unwrap_or_default()).to_lowercase();
    [
        "your own",
        "only yours",
        "may not see",
        "can't see",
        "cannot see",
        "not allowed",
        "withheld",
        "hidden",
    ]
    .iter()
    .any(|p| text.contains(p))
}

pub fn classify(result: &Result<Answer, ServiceError>, expect: &Expect) -> Class {
    if declined(result) {
        return if expect.accepts_decline() {
            Class::Correct
        } else {
            Class::Declined
        };
    }
    match result {
        Err(error) => Class::Wrong(format!("keel failed: {error}")),
        Ok(answer) => match expect.holds(&Said::from(answer)) {
            Ok(()) => Class::Correct,
            Err(why) => Class::Wrong(why),
        },
    }
}

impl Expect {
    fn accepts_decline(&self) -> bool {
        match self {
            Expect::Declined | Expect::Refused => true,
            Expect::AnyOf(options) => options.iter().any(Expect::accepts_decline),
            _ => false,
        }
    }

    /// Whether `answer` (not a decline) holds this; otherwise what was expected.
    pub fn holds(&self, answer: &Said) -> Result<(), String> {
        let rows = answer.rows;
        let ok = match self {
            Expect::Figures(figures) => figures.iter().all(|f| has_figure(answer, f)),
            Expect::Top(labels) => labels
                .iter()
                .any(|l| rows.first().is_some_and(|r| names(r, l)) || contains(answer.sentence, l)),
            Expect::Set(labels) => {
                rows.len() == labels.len()
                    && labels.iter().all(|l| rows.iter().any(|r| names(r, l)))
            }
            Expect::Groups(groups) => {
                rows.len() == groups.len()
                    && groups.iter().all(|(l, f)| {
                        rows.iter()
                            .any(|r| names(r, l) && cells(r).any(|v| near(v, f)))
                    })
            }
            Expect::Series(figures) => {
                rows.len() == figures.len()
                    && rows
                        .iter()
                        .zip(figures)
                        .all(|(r, f)| cells(r).any(|v| near(v, f)))
            }
            Expect::Mentions(labels) => labels
                .iter()
                .all(|l| contains(answer.sentence, l) || rows.iter().any(|r| names(r, l))),
            Expect::Nothing => match rows {
                [] => true,
                [row] => {
                    let figures: Vec<f64> = cells(row).collect();
                    !figures.is_empty() && figures.iter().all(|v| *v == 0.0)
                }
                _ => false,
            },
            Expect::Declined => false,
            Expect::Refused => says_withheld(answer),
            Expect::AnyOf(options) => options.iter().any(|o| o.holds(answer).is_ok()),
        };
        ok.then_some(()).ok_or_else(|| format!("{self}"))
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let figures = |list: &[Figure]| {
            let shown: Vec<String> = list
                .iter()
                .take(6)
                .map(|x| format!("{}", x.value))
                .collect();
            let more = if list.len() > 6 { ", …" } else { "" };
            format!("{}{more}", shown.join(", "))
        };
        match self {
            Expect::Figures(list) => write!(f, "the figure(s) {}", figures(list)),
            Expect::Top(labels) => write!(f, "first: {}", labels.join(" or ")),
            Expect::Set(labels) => write!(f, "{} rows: {}", labels.len(), short(labels)),
            Expect::Groups(groups) => {
                let shown: Vec<String> = groups
                    .iter()
                    .take(4)
                    .map(|(l, x)| format!("{l} {}", x.value))
                    .collect();
                write!(f, "{} groups: {}, …", groups.len(), shown.join(", "))
            }
            Expect::Series(list) => write!(f, "{} months: {}", list.len(), figures(list)),
            Expect::Mentions(labels) => write!(f, "naming {}", labels.join(", ")),
            Expect::Nothing => write!(f, "nothing (no rows or zero)"),
            Expect::Declined => write!(f, "declined: the records do not hold this"),
            Expect::Refused => write!(f, "refused, or said what was withheld"),
            Expect::AnyOf(options) => {
                let shown: Vec<String> = options.iter().map(ToString::to_string).collect();
                write!(f, "any of [{}]", shown.join("; "))
            }
        }
    }
}

fn short(labels: &[String]) -> String {
    let mut shown = labels
        .iter()
        .take(5)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if labels.len() > 5 {
        shown.push_str(", …");
    }
    shown
}

fn near(value: f64, figure: &Figure) -> bool {
    (value - figure.value).abs() <= figure.tolerance
}

/// Whether the figure is in the sentence, or in a table small enough to be the answer.
fn has_figure(answer: &Said, figure: &Figure) -> bool {
    numbers_in(answer.sentence).iter().any(|v| near(*v, figure))
        || (answer.rows.len() <= SMALL_TABLE
            && answer
                .rows
                .iter()
                .any(|r| cells(r).any(|v| near(v, figure))))
}

fn contains(text: &str, label: &str) -> bool {
    text.to_lowercase().contains(&label.to_lowercase())
}

/// Whether a row names `label` in one of its cells.
fn names(row: &[Value], label: &str) -> bool {
    row.iter().any(|cell| match cell {
        Value::String(text) => contains(text, label),
        _ => false,
    })
}

/// The cells of a row that are wholly a number ("$1,234.50", "52%", 17).
fn cells(row: &[Value]) -> impl Iterator<Item = f64> + '_ {
    row.iter().filter_map(|cell| match cell {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text
            .trim()
            .trim_start_matches('$')
            .trim_end_matches('%')
            .replace(',', "")
            .parse()
            .ok(),
        _ => None,
    })
}

/// The numbers written in a sentence: "$1,234.56", "57", "0.4".
pub fn numbers_in(text: &str) -> Vec<f64> {
    let chars: Vec<char> = text.chars().collect();
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        while i < chars.len() {
            let c = chars[i];
            let joins = (c == ',' || c == '.')
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                && !digits.is_empty();
            if c.is_ascii_digit() {
                digits.push(c);
            } else if joins && c == '.' && !digits.contains('.') {
                digits.push('.');
            } else if !(joins && c == ',') {
                break;
            }
            i += 1;
        }
        if let Ok(value) = digits.parse() {
            numbers.push(value);
        }
    }
    numbers
}
