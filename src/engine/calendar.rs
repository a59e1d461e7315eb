//! The company's business calendar: time zone, working hours, working days and holidays, so that
//! "8 business hours" means what a person means.
//! STUB: to be implemented.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    pub time_zone: Tz,
    pub day_start: NaiveTime,
    pub day_end: NaiveTime,
    pub working_days: Vec<Weekday>,
    pub holidays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// The instant `hours` business hours after `from`.
    pub fn add_business_hours(&self, from: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
        from + chrono::Duration::hours(i64::from(hours))
    }
}
