//! The company's business calendar: time zone, working hours, working days and holidays, so that
//! "8 business hours" means what a person means.
//!
//! Working windows are computed per local day (`day_start..day_end` in `time_zone`), so a day on
//! which clocks change still has its full working hours and a deadline lands on the local hour a
//! person expects.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// How many days ahead a computation looks for working time before giving up on a calendar
/// that has none (every day a holiday): ten years.
const HORIZON_DAYS: u32 = 3660;

#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    pub time_zone: Tz,
    pub day_start: NaiveTime,
    pub day_end: NaiveTime,
    pub working_days: Vec<Weekday>,
    pub holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// The instant `hours` business hours after `from`. Counting starts at the next working
    /// moment when `from` is outside working hours. A calendar without any working time counts
    /// plain hours, so timers still fire.
    pub fn add_business_hours(&self, from: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        let mut remaining = Duration::hours(i64::from(hours));
        for day in self.days_from(from) {
            let Some((start, end)) = self.window(day) else {
                continue;
            };
            let begin = start.max(from);
            if begin >= end {
                continue;
            }
            let available = end - begin;
            if remaining <= available {
                return begin + remaining;
            }
            remaining -= available;
        }
        from + Duration::hours(i64::from(hours))
    }

    /// Business hours between two instants (negative when `b` is before `a`), e.g. how long a
    /// step has waited in the hours that count.
    pub fn business_hours_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> f64 {
        if b < a {
            return -self.business_hours_between(b, a);
        }
        let mut total = Duration::zero();
        for day in self.days_from(a) {
            if day > b.with_timezone(&self.time_zone).date_naive() {
                break;
            }
            if let Some((start, end)) = self.window(day) {
                let (begin, finish) = (start.max(a), end.min(b));
                if finish > begin {
                    total += finish - begin;
                }
            }
        }
        total.num_milliseconds() as f64 / 3_600_000.0
    }

    /// Whether `at` falls inside working hours.
    pub fn is_working_time(&self, at: DateTime<Utc>) -> bool {
        let day = at.with_timezone(&self.time_zone).date_naive();
        self.window(day)
            .is_some_and(|(start, end)| start <= at && at < end)
    }

    /// Local days from the one containing `from`, up to the horizon.
    fn days_from(&self, from: DateTime<Utc>) -> impl Iterator<Item = NaiveDate> {
        let first = from.with_timezone(&self.time_zone).date_naive();
        first.iter_days().take(HORIZON_DAYS as usize)
    }

    /// The working window of a local day as UTC instants, or `None` on a day off.
    fn window(&self, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.working_days.contains(&day.weekday()) || self.holidays.contains(&day) {
            return None;
        }
        let start = self.instant(day, self.day_start)?;
        let end = self.instant(day, self.day_end)?;
        (start < end).then_some((start, end))
    }

    /// A local wall-clock time as an instant. A time skipped by a spring-forward change is taken
    /// an hour later; a repeated one at its first occurrence.
    fn instant(&self, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
        let local = day.and_time(time);
        self.time_zone
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                self.time_zone
                    .from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn calendar(zone: Tz, holidays: &[&str]) -> BusinessCalendar {
        BusinessCalendar {
            time_zone: zone,
            day_start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            day_end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            working_days: vec![Mon, Tue, Wed, Thu, Fri],
            holidays: holidays.iter().map(|d| d.parse().unwrap()).collect(),
        }
    }

    fn local(zone: Tz, text: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        zone.from_local_datetime(&naive)
            .unwrap()
            .with_timezone(&Utc)
    }

    /// (name, zone, holidays, local start, hours, expected local end)
    type Case = (
        &'static str,
        Tz,
        &'static [&'static str],
        &'static str,
        u32,
        &'static str,
    );

    #[test]
    fn business_hours_skip_nights_weekends_and_holidays() {
        let ny = chrono_tz::America::New_York;
        let berlin = chrono_tz::Europe::Berlin;
        let cases: [Case; 9] = [
            (
                "within a day",
                ny,
                &[],
                "2026-06-01 09:00",
                3,
                "2026-06-01 12:00",
            ),
            (
                "friday into monday",
                ny,
                &[],
                "2026-06-05 16:00",
                8,
                "2026-06-08 15:00",
            ),
            (
                "before opening",
                ny,
                &[],
                "2026-06-01 06:00",
                2,
                "2026-06-01 10:00",
            ),
            (
                "after closing",
                ny,
                &[],
                "2026-06-01 18:00",
                1,
                "2026-06-02 09:00",
            ),
            (
                "from a saturday",
                ny,
                &[],
                "2026-06-06 10:00",
                9,
                "2026-06-08 17:00",
            ),
            (
                "over a holiday",
                ny,
                &["2026-06-08"],
                "2026-06-05 16:00",
                8,
                "2026-06-09 15:00",
            ),
            (
                "zero hours at night",
                ny,
                &[],
                "2026-06-01 20:00",
                0,
                "2026-06-02 08:00",
            ),
            (
                "into spring forward",
                ny,
                &[],
                "2026-03-06 16:00",
                8,
                "2026-03-09 15:00",
            ),
            (
                "into fall back",
                berlin,
                &[],
                "2026-10-23 16:00",
                10,
                "2026-10-26 17:00",
            ),
        ];
        for (name, zone, holidays, from, hours, expected) in cases {
            let got = calendar(zone, holidays).add_business_hours(local(zone, from), hours);
            assert_eq!(got, local(zone, expected), "{name}");
        }
    }

    #[test]
    fn hours_between_count_only_working_time() {
        let ny = chrono_tz::America::New_York;
        let cal = calendar(ny, &["2026-06-08"]);
        let cases = [
            ("2026-06-01 09:00", "2026-06-01 12:30", 3.5),
            ("2026-06-05 16:00", "2026-06-09 15:00", 8.0),
            ("2026-06-06 10:00", "2026-06-07 10:00", 0.0),
            ("2026-03-06 08:00", "2026-03-09 17:00", 18.0),
            ("2026-06-01 12:00", "2026-06-01 09:00", -3.0),
        ];
        for (a, b, expected) in cases {
            let got = cal.business_hours_between(local(ny, a), local(ny, b));
            assert!((got - expected).abs() < 1e-9, "{a} → {b}: {got}");
        }
    }

    #[test]
    fn adding_then_measuring_agrees() {
        let cal = calendar(chrono_tz::Europe::Berlin, &["2026-12-25"]);
        let from = local(chrono_tz::Europe::Berlin, "2026-12-23 15:30");
        let to = cal.add_business_hours(from, 20);
        assert!((cal.business_hours_between(from, to) - 20.0).abs() < 1e-9);
        assert!(cal.is_working_time(to - Duration::minutes(1)));
    }

    #[test]
    fn a_calendar_without_working_time_counts_plain_hours() {
        let mut cal = calendar(chrono_tz::UTC, &[]);
        cal.working_days.clear();
        let from = local(chrono_tz::UTC, "2026-06-01 09:00");
        assert_eq!(cal.add_business_hours(from, 5), from + Duration::hours(5));
    }
}
