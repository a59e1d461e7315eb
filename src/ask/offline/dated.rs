//! The dates a question puts on its records: a window ("in March", "from March to May", "last
//! quarter", "since 2021", "2025") or a bound ("before 2019"), read before the record type is
//! known and applied to the type's own date once it is.

use super::super::text::{self, Words};
use super::coverage::Coverage;
use super::grouping::spoken;
use super::months;
use super::query::Problem;
use super::years::{self, Years};
use crate::domain::plan::{Filter, Op, Window};
use chrono::NaiveDate;

/// Words of a date field's name that say nothing about which date ("spent_on" is "spent").
const DATE_NAME_PARTS: &[&str] = &["date", "at", "on", "day", "week", "month", "year", "start"];

/// The window or bound a question names.
pub struct Dated {
    window: Option<Window>,
    bound: Option<(Op, NaiveDate)>,
}

impl Dated {
    /// Reads the window or bound, its words marked read and claimed.
    pub fn read(words: &mut Words, today: NaiveDate, cov: &mut Coverage) -> Dated {
        let before = words.clone();
        let mut dated = Dated {
            window: months::range(words, today).or_else(|| text::window(words, today)),
            bound: None,
        };
        if dated.window.is_none() {
            match years::read(words, today) {
                Some(Years::Window(read)) => dated.window = Some(read),
                Some(Years::Bound(op, day)) => dated.bound = Some((op, day)),
                None => {}
            }
        }
        if let Some(said) = dated.said() {
            cov.claim_read(&before, words, &said);
        }
        dated
    }

    /// The window or bound in words, if any.
    fn said(&self) -> Option<String> {
        self.window
            .as_ref()
            .map(Window::words)
            .or_else(|| self.bound.map(|(op, day)| years::spoken(op, day)))
    }

    /// Claims the words of the type's own date (`date`), which say nothing more: its verb
    /// ("submitted", "issued", "spent"), and "started" when a start date is asked about.
    pub fn claim_date_words(&self, date: Option<&str>, records: &str, cov: &mut Coverage) {
        let Some(date) = date else {
            return;
        };
        let parts: Vec<&str> = date
            .split('_')
            .filter(|part| !DATE_NAME_PARTS.contains(part))
            .collect();
        cov.claim(&parts, records);
        if self.said().is_some() {
            let verbs: Vec<String> = date
                .split('_')
                .filter(|part| *part == "start")
                .flat_map(|part| ["ed", "ing", "s"].map(|end| format!("{part}{end}")))
                .collect();
            let verbs: Vec<&str> = verbs.iter().map(String::as_str).collect();
            cov.claim(&verbs, &spoken(date));
        }
    }

    /// The filters on the type's date (`date`); a problem when the type has none.
    pub fn filters(&self, date: Option<&str>, subject: &str) -> Result<Vec<Filter>, Problem> {
        let Some(said) = self.said() else {
            return Ok(Vec::new());
        };
        let date = date.ok_or_else(|| {
            Problem(format!(
                "{} records have no date, so \"{said}\" does not apply to them",
                spoken(subject),
            ))
        })?;
        let filter = match (&self.window, self.bound) {
            (Some(window), _) => Filter {
                field: date.to_string(),
                op: Op::Within,
                value: serde_json::to_value(window).unwrap_or_default(),
            },
            (None, Some((op, day))) => Filter {
                field: date.to_string(),
                op,
                value: serde_json::json!(day.to_string()),
            },
            (None, None) => return Ok(Vec::new()),
        };
        Ok(vec![filter])
    }
}
