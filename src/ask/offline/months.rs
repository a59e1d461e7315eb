//! A range of months: "from March to May", "Jan–Mar", "between June and August 2025",
//! "March 2025 through May 2025". Without a year, the range is the latest whose last month has
//! begun, as "in March" is the latest March that has begun; "this year" or "last year" after
//! the range names its year ("from Mar to Jun this year").

use super::super::text::{Words, latest_year_of, month_number, year};
use crate::domain::plan::Window;
use chrono::{Months, NaiveDate};

/// Words joining the two months of a range.
const JOINS: &[&str] = &["to", "through", "thru", "until", "till", "and"];

/// The range of months the question names, its words marked read.
pub fn range(words: &mut Words, today: NaiveDate) -> Option<Window> {
    for i in 0..words.words.len() {
        if words.is_used(i) {
            continue;
        }
        let Some(first) = words.at(i).and_then(month_number) else {
            continue;
        };
        let first_year = words.at(i + 1).and_then(year);
        let join = i + 1 + usize::from(first_year.is_some());
        let between = i > 0 && words.at(i - 1) == Some("between");
        let joined = match words.at(join) {
            Some("and") => between,
            Some(word) => JOINS.contains(&word),
            None => false,
        };
        let Some(last) = words.at(join + 1).and_then(month_number).filter(|_| joined) else {
            continue;
        };
        let (last_year, said) = match words.at(join + 2).and_then(year) {
            Some(y) => (Some(y), 1),
            None => relative_year(words, join + 2, today).map_or((None, 0), |(y, n)| (Some(y), n)),
        };
        let end = join + 2 + said;
        let to_year = last_year
            .or(first_year.map(|y| if last >= first { y } else { y + 1 }))
            .unwrap_or_else(|| latest_year_of(last, today));
        let from_year = first_year.unwrap_or(if first <= last { to_year } else { to_year - 1 });
        let from = NaiveDate::from_ymd_opt(from_year, first, 1)?;
        let to = NaiveDate::from_ymd_opt(to_year, last, 1)?
            .checked_add_months(Months::new(1))?
            .pred_opt()?;
        let start = if i > 0 && matches!(words.at(i - 1), Some("from" | "between")) {
            i - 1
        } else {
            i
        };
        words.use_range((start, end));
        return Some(Window::Between { from, to });
    }
    None
}

/// "this year", "last year", "of last year", "in this year" at `at`: the year and how many
/// words said it.
fn relative_year(words: &Words, at: usize, today: NaiveDate) -> Option<(i32, usize)> {
    use chrono::Datelike;
    let lead = usize::from(matches!(words.at(at), Some("of" | "in")));
    let which = match words.at(at + lead)? {
        "this" => today.year(),
        "last" => today.year() - 1,
        _ => return None,
    };
    (words.at(at + lead + 1) == Some("year")).then_some((which, lead + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(question: &str) -> Option<(String, String)> {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let question = super::super::prepare::question(question);
        match range(&mut Words::new(&question), today)? {
            Window::Between { from, to } => Some((from.to_string(), to.to_string())),
            other => panic!("{other:?}"),
        }
    }

    fn days(from: &str, to: &str) -> Option<(String, String)> {
        Some((from.to_string(), to.to_string()))
    }

    #[test]
    fn a_range_of_months_is_the_latest_whose_last_month_has_begun() {
        let spring = days("2026-03-01", "2026-05-31");
        assert_eq!(read("spend from March to May"), spring);
        assert_eq!(read("invoices Mar–May"), spring);
        assert_eq!(read("invoices mar-may"), spring);
        assert_eq!(read("between march and may"), spring);
        assert_eq!(read("march through may"), spring);
        assert_eq!(
            read("from November to January"),
            days("2025-11-01", "2026-01-31")
        );
        assert_eq!(
            read("from december to february 2025"),
            days("2024-12-01", "2025-02-28")
        );
        assert_eq!(
            read("from March 2025 to May"),
            days("2025-03-01", "2025-05-31")
        );
        assert_eq!(
            read("october to december"),
            days("2025-10-01", "2025-12-31")
        );
    }

    #[test]
    fn a_year_said_after_the_range_is_the_range_s_year() {
        assert_eq!(
            read("orders placed from feb to apr this year, how many"),
            days("2026-02-01", "2026-04-30")
        );
        assert_eq!(
            read("between may and july of last year"),
            days("2025-05-01", "2025-07-31")
        );
        assert_eq!(
            read("november to january last year"),
            days("2024-11-01", "2025-01-31")
        );
    }

    #[test]
    fn months_not_joined_as_a_range_are_not_one() {
        assert_eq!(read("invoices in march and may"), None);
        assert_eq!(read("invoices in march"), None);
        assert_eq!(read("march may be late"), None);
    }
}
