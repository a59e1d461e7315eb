//! Years said without "in": "since 2021", "before 2019", "since before 2019", "after 2020",
//! and a year standing alone ("my expenses total 2025" is in 2025). A year before or after is a
//! bound on the records' date, not a window: "clients since before 2019" are those whose date
//! is before 2019-01-01.

use super::super::text::{Words, year};
use crate::domain::plan::{Op, Window};
use chrono::{Datelike, NaiveDate};

/// A year the question puts on the records' date.
#[derive(Debug, Clone, PartialEq)]
pub enum Years {
    /// Within a window: "since 2021", "2025".
    Window(Window),
    /// A comparison with a day: "before 2019" is `Lt 2019-01-01`.
    Bound(Op, NaiveDate),
}

/// Words saying the date is before a year, and after one.
const BEFORE: &[&str] = &["before", "prior to", "earlier than"];
const AFTER: &[&str] = &["after", "later than"];

/// Words after which a number is a figure or a count, not a year ("over 2000", "top 2025").
const FIGURE_BEFORE: &[&str] = &[
    "over",
    "above",
    "under",
    "below",
    "than",
    "least",
    "most",
    "exceeding",
    "top",
    "to",
    "first",
    "last",
    "past",
    "next",
    "of",
    "is",
    "are",
    "equals",
    "exactly",
    "about",
    "around",
    "by",
];

/// Words after a number that make it a quantity ("2000 hours", "2020 dollars").
const UNIT_AFTER: &[&str] = &[
    "hour", "hours", "day", "days", "week", "weeks", "month", "months", "dollars", "dollar", "usd",
    "percent", "k", "thousand", "million", "times", "people", "records",
];

/// The year bound or window the question names, its words marked read. `today` keeps a lone
/// number from reading as a year that has not begun.
pub fn read(words: &mut Words, today: NaiveDate) -> Option<Years> {
    for (phrases, op, day) in [(BEFORE, Op::Lt, 0), (AFTER, Op::Gt, 1)] {
        for phrase in phrases {
            let Some((start, end)) = words.find(phrase) else {
                continue;
            };
            let Some(y) = words.at(end).and_then(year) else {
                continue;
            };
            let since = start > 0 && words.at(start - 1) == Some("since");
            words.use_range((start - usize::from(since), end + 1));
            let date = if day == 0 {
                NaiveDate::from_ymd_opt(y, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(y, 12, 31)?
            };
            return Some(Years::Bound(op, date));
        }
    }
    for at in 0..words.words.len() {
        if words.is_used(at) {
            continue;
        }
        let Some(y) = words.at(at).and_then(year) else {
            continue;
        };
        if words.at(at.wrapping_sub(1)) == Some("since") {
            words.use_range((at - 1, at + 1));
            return Some(Years::Window(Window::Since {
                from: NaiveDate::from_ymd_opt(y, 1, 1)?,
            }));
        }
        let figure = at > 0 && words.at(at - 1).is_some_and(|w| FIGURE_BEFORE.contains(&w));
        let quantity = words.at(at + 1).is_some_and(|w| UNIT_AFTER.contains(&w));
        if !figure && !quantity && y <= today.year() {
            words.use_range((at, at + 1));
            return Some(Years::Window(Window::Year { year: y }));
        }
    }
    None
}

/// How the bound reads in "I understood".
pub fn spoken(op: Op, date: NaiveDate) -> String {
    match op {
        Op::Lt => format!("before {date}"),
        _ => format!("after {date}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn years(question: &str) -> Option<Years> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        read(&mut Words::new(question), today)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_year_before_or_after_bounds_the_date() {
        assert_eq!(
            years("vendors onboarded prior to 2021"),
            Some(Years::Bound(Op::Lt, day(2021, 1, 1)))
        );
        assert_eq!(
            years("customers with us since before 2017"),
            Some(Years::Bound(Op::Lt, day(2017, 1, 1)))
        );
        assert_eq!(
            years("jobs starting after 2024"),
            Some(Years::Bound(Op::Gt, day(2024, 12, 31)))
        );
    }

    #[test]
    fn since_a_year_runs_from_its_first_day() {
        assert_eq!(
            years("touchpoints since 2025"),
            Some(Years::Window(Window::Since {
                from: day(2025, 1, 1)
            }))
        );
    }

    #[test]
    fn a_lone_year_is_a_window_but_a_figure_or_quantity_is_not() {
        assert_eq!(
            years("fuel spend 2025 please"),
            Some(Years::Window(Window::Year { year: 2025 }))
        );
        assert_eq!(years("invoices over 2000"), None);
        assert_eq!(years("people who logged 2000 hours"), None);
        assert_eq!(years("top 2025 records"), None);
        assert_eq!(years("orders in 2031"), None);
    }
}
