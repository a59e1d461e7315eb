//! Reading a question's words: normalising them, finding phrases, amounts and date windows.
//! Pure functions, so that each reading can be tested on its own.

use crate::domain::plan::Window;
use chrono::{Datelike, NaiveDate};

/// A question as lowercase words, with a marker for each word already used by an earlier step
/// (an entity's name, a window), so that later steps do not read it again.
#[derive(Debug, Clone)]
pub struct Words {
    pub words: Vec<String>,
    used: Vec<bool>,
}

impl Words {
    pub fn new(question: &str) -> Words {
        let words = normalise(question)
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>();
        let used = vec![false; words.len()];
        Words { words, used }
    }

    /// Where `phrase` (normalised words) starts among the words not yet used, allowing a final
    /// plural `s` on its last word.
    pub fn find(&self, phrase: &str) -> Option<(usize, usize)> {
        let wanted: Vec<&str> = phrase.split_whitespace().collect();
        let n = wanted.len();
        if n == 0 || n > self.words.len() {
            return None;
        }
        (0..=self.words.len() - n).find_map(|start| {
            let fits = (0..n).all(|i| {
                let word = &self.words[start + i];
                !self.used[start + i]
                    && (word == wanted[i]
                        || (i == n - 1
                            && wanted[i].len() >= 3
                            && (word.strip_suffix('s') == Some(wanted[i])
                                || word.strip_suffix("es") == Some(wanted[i]))))
            });
            fits.then_some((start, start + n))
        })
    }

    pub fn has(&self, phrase: &str) -> bool {
        self.find(phrase).is_some()
    }

    pub fn has_any(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.has(p))
    }

    /// Marks words `range` as read.
    pub fn use_range(&mut self, range: (usize, usize)) {
        for used in &mut self.used[range.0..range.1] {
            *used = true;
        }
    }

    /// Finds and marks `phrase`; whether it was there.
    pub fn take(&mut self, phrase: &str) -> bool {
        match self.find(phrase) {
            Some(range) => {
                self.use_range(range);
                true
            }
            None => false,
        }
    }

    pub fn is_used(&self, at: usize) -> bool {
        self.used[at]
    }

    /// The word at `at`, if any.
    pub fn at(&self, at: usize) -> Option<&str> {
        self.words.get(at).map(String::as_str)
    }
}

/// Lowercase words separated by single spaces: punctuation becomes space, except inside numbers
/// (`10,000.50`) and keys (`PO-24001`); a possessive `'s` goes.
pub fn normalise(text: &str) -> String {
    let lower = text.to_lowercase().replace("'s ", " ").replace("’s ", " ");
    let chars: Vec<char> = lower.chars().collect();
    let mut out = String::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        let digit_before = i > 0 && chars[i - 1].is_ascii_digit();
        let digit_after = chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        let alnum_around = i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
        match c {
            c if c.is_alphanumeric() => out.push(c),
            ',' if digit_before && digit_after => {}
            '.' if digit_before && digit_after => out.push('.'),
            '-' if alnum_around => out.push('-'),
            '_' => out.push(' '),
            // A lone "$" is the word for money ("CO $ by reason"); before or after a figure it
            // is the figure's unit.
            '$' if digit_before
                || chars[i + 1..]
                    .iter()
                    .find(|c| **c != ' ')
                    .is_some_and(char::is_ascii_digit) =>
            {
                out.push(' ')
            }
            '$' => out.push_str(" dollars "),
            _ => out.push(' '),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An amount written as `25000`, `25k`, `1.5m` or `2 million`.
pub fn amount(word: &str, next: Option<&str>) -> Option<f64> {
    let (number, factor) = if let Some(n) = word.strip_suffix('k') {
        (n, 1_000.0)
    } else if let Some(n) = word.strip_suffix('m') {
        (n, 1_000_000.0)
    } else {
        let factor = match next {
            Some("thousand") => 1_000.0,
            Some("million") => 1_000_000.0,
            _ => 1.0,
        };
        (word, factor)
    };
    let value: f64 = number.parse().ok()?;
    value.is_finite().then_some(value * factor)
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

pub fn month_number(word: &str) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| *m == word || (word.len() >= 3 && m.starts_with(word)))
        .map(|i| i as u32 + 1)
}

pub fn year(word: &str) -> Option<i32> {
    let year: i32 = word.parse().ok()?;
    (word.len() == 4 && (1990..=2100).contains(&year)).then_some(year)
}

/// The date window a question names, marking its words read. A month without a year is the
/// latest one that has begun ("in March" in November 2026 is March 2026).
pub fn window(words: &mut Words, today: NaiveDate) -> Option<Window> {
    let fixed: [(&str, Window); 14] = [
        ("last quarter", Window::LastQuarter),
        ("previous quarter", Window::LastQuarter),
        ("this quarter", Window::ThisQuarter),
        ("current quarter", Window::ThisQuarter),
        ("last month", Window::LastMonth),
        ("previous month", Window::LastMonth),
        ("this month", Window::ThisMonth),
        ("last year", Window::LastYear),
        ("previous year", Window::LastYear),
        ("this year", Window::ThisYear),
        ("year to date", Window::ThisYear),
        ("ytd", Window::ThisYear),
        ("so far this year", Window::ThisYear),
        ("current year", Window::ThisYear),
    ];
    for (phrase, window) in fixed {
        if words.take(phrase) {
            return Some(window);
        }
    }
    let n = words.words.len();
    for i in 0..n {
        if words.is_used(i) {
            continue;
        }
        let word = words.words[i].clone();
        let next = words.at(i + 1).map(str::to_string);
        let after = words.at(i + 2).map(str::to_string);
        // "last 30 days", "past 6 weeks", "last 3 months"
        if matches!(word.as_str(), "last" | "past")
            && let (Some(count), Some(unit)) = (next.as_deref(), after.as_deref())
            && let Ok(count) = count.parse::<u32>()
            && (1..=3_660).contains(&count)
        {
            let days = match unit.trim_end_matches('s') {
                "day" => Some(count),
                "week" => Some(count * 7),
                "month" => {
                    let from = today.checked_sub_months(chrono::Months::new(count))?;
                    words.use_range((i, i + 3));
                    return Some(Window::Since {
                        from: from.succ_opt()?,
                    });
                }
                _ => None,
            };
            if let Some(days) = days {
                words.use_range((i, i + 3));
                return Some(Window::LastDays { days });
            }
        }
        // "q3 2026", "q1"
        if let Some(q) = word.strip_prefix('q').and_then(|q| q.parse::<u32>().ok())
            && (1..=4).contains(&q)
        {
            // "q3 2025", "q3 of 2025"
            let of = usize::from(matches!(next.as_deref(), Some("of" | "in")));
            let said = if of == 1 {
                after.as_deref()
            } else {
                next.as_deref()
            };
            let (year, end) = match said.and_then(year) {
                Some(y) => (y, i + 2 + of),
                None => {
                    let current = (today.month() - 1) / 3 + 1;
                    (
                        if q <= current {
                            today.year()
                        } else {
                            today.year() - 1
                        },
                        i + 1,
                    )
                }
            };
            words.use_range((i, end));
            return Some(Window::Quarter { year, quarter: q });
        }
        // "since march", "since 2026-01-01"
        if word == "since"
            && let Some(next) = next.as_deref()
        {
            if let Ok(from) = NaiveDate::parse_from_str(next, "%Y-%m-%d") {
                words.use_range((i, i + 2));
                return Some(Window::Since { from });
            }
            if let Some(month) = month_number(next) {
                let (y, end) = match after.as_deref().and_then(year) {
                    Some(y) => (y, i + 3),
                    None => (latest_year_of(month, today), i + 2),
                };
                words.use_range((i, end));
                return Some(Window::Since {
                    from: NaiveDate::from_ymd_opt(y, month, 1)?,
                });
            }
        }
        // "between 2026-01-01 and 2026-03-31"
        if let Ok(from) = NaiveDate::parse_from_str(&word, "%Y-%m-%d")
            && let Some(to) = words
                .at(i + 2)
                .and_then(|w| NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
            && matches!(next.as_deref(), Some("and" | "to" | "through" | "until"))
        {
            let start = if i > 0 && matches!(words.at(i - 1), Some("between" | "from")) {
                i - 1
            } else {
                i
            };
            words.use_range((start, i + 3));
            return Some(Window::Between { from, to });
        }
        // "march 2026", "in march"
        if let Some(month) = month_number(&word) {
            // "may" is also a verb: only a month next to a year or after "in"/"during"/"for".
            let after_in = i > 0 && matches!(words.at(i - 1), Some("in" | "during" | "for" | "of"));
            let with_year = next.as_deref().and_then(year);
            if word == "may" && !after_in && with_year.is_none() {
                continue;
            }
            let (y, end) = match with_year {
                Some(y) => (y, i + 2),
                None => (latest_year_of(month, today), i + 1),
            };
            words.use_range((i, end));
            return Some(Window::Month { year: y, month });
        }
        // "in 2025", "during 2025"
        if let Some(y) = year(&word)
            && i > 0
            && matches!(words.at(i - 1), Some("in" | "during" | "for" | "of"))
        {
            words.use_range((i, i + 1));
            return Some(Window::Year { year: y });
        }
    }
    None
}

/// The year of the latest `month` that has begun by `today`.
pub fn latest_year_of(month: u32, today: NaiveDate) -> i32 {
    if month <= today.month() {
        today.year()
    } else {
        today.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn window_of(question: &str) -> Option<Window> {
        window(&mut Words::new(question), today())
    }

    #[test]
    fn questions_are_normalised_without_breaking_numbers_or_keys() {
        assert_eq!(
            normalise("How much did Apex Concrete's invoices (PO-24001) total, over $10,000.50?"),
            "how much did apex concrete invoices po-24001 total over 10000.50"
        );
    }

    #[test]
    fn a_lone_dollar_sign_is_the_word_for_money_and_a_figure_unit_goes() {
        assert_eq!(normalise("PO $ by site"), "po dollars by site");
        assert_eq!(normalise("under $ 900 or 40$"), "under 900 or 40");
    }

    #[test]
    fn windows_are_read_in_their_usual_wordings() {
        assert_eq!(
            window_of("invoices in March"),
            Some(Window::Month {
                year: 2026,
                month: 3
            })
        );
        assert_eq!(
            window_of("invoices in december"),
            Some(Window::Month {
                year: 2025,
                month: 12
            })
        );
        assert_eq!(
            window_of("spend in Sept 2025"),
            Some(Window::Month {
                year: 2025,
                month: 9
            })
        );
        assert_eq!(window_of("last quarter"), Some(Window::LastQuarter));
        assert_eq!(window_of("in 2025"), Some(Window::Year { year: 2025 }));
        assert_eq!(
            window_of("in the last 30 days"),
            Some(Window::LastDays { days: 30 })
        );
        assert_eq!(
            window_of("Q2 2026"),
            Some(Window::Quarter {
                year: 2026,
                quarter: 2
            })
        );
        assert_eq!(
            window_of("q1 of 2025"),
            Some(Window::Quarter {
                year: 2025,
                quarter: 1
            })
        );
        assert_eq!(window_of("who may approve this"), None);
        assert_eq!(window_of("how many invoices"), None);
    }

    #[test]
    fn amounts_take_their_usual_suffixes() {
        assert_eq!(amount("25k", None), Some(25_000.0));
        assert_eq!(amount("1.5m", None), Some(1_500_000.0));
        assert_eq!(amount("2", Some("million")), Some(2_000_000.0));
        assert_eq!(amount("abc", None), None);
    }
}
