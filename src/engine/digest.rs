//! Digests, pure: when one is due in the company's calendar, what changed since the last one a
//! person received (new, still there, resolved), and the card that says it. The service reads
//! the items; this compares and words them.

use super::calendar::BusinessCalendar;
use crate::domain::digest::{DigestSpec, Schedule, Section};
use crate::domain::{Card, Notification, NotificationKind};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// How far back a due tick is looked for: two weeks covers a weekly digest whose last day was
/// a holiday.
const LOOK_BACK_DAYS: i64 = 14;

/// Items listed per kind (new, still, resolved) in a section; the rest are counted.
const SHOWN_PER_KIND: usize = 5;

/// The most characters of a section, its question included.
const SECTION_CHARS: usize = 1_000;

/// The most characters of one item's line.
const MAX_LINE_CHARS: usize = 160;

/// The latest tick of `schedule` at or before `now`: a scheduled weekday that is not a company
/// holiday, at the scheduled local time.
pub fn last_tick(
    schedule: &Schedule,
    calendar: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&calendar.time_zone).date_naive();
    (0..=LOOK_BACK_DAYS)
        .map(|back| today - Duration::days(back))
        .filter(|day| schedule.days.contains(&day.weekday()) && !calendar.holidays.contains(day))
        .filter_map(|day| {
            let local = day.and_time(schedule.at);
            // A time a clock change skips is taken an hour later.
            calendar
                .time_zone
                .from_local_datetime(&local)
                .earliest()
                .or_else(|| {
                    calendar
                        .time_zone
                        .from_local_datetime(&(local + Duration::hours(1)))
                        .earliest()
                })
                .map(|at| at.with_timezone(&Utc))
        })
        .find(|at| *at <= now)
}

/// One line of a digest: a record or request in a section, known by its key so the next digest
/// can tell whether it is new, still there or resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub section: String,
    pub key: String,
    pub line: String,
}

/// A section as read for one person: its items, or why they may not see it.
#[derive(Debug, Clone, PartialEq)]
pub enum SectionRead {
    Items(Vec<Item>),
    Hidden(String),
}

/// What a digest says to one person: the card, and the items to remember for the next one.
pub fn compose(
    spec: &DigestSpec,
    to: &str,
    sections: &[(Section, SectionRead)],
    previous: Option<&[Item]>,
    at_local: &str,
) -> (Notification, Vec<Item>) {
    let before = previous.unwrap_or_default();
    let mut fields = Vec::new();
    let mut kept = Vec::new();
    let (mut new_count, mut resolved_count) = (0, 0);
    for (section, read) in sections {
        let text = match read {
            SectionRead::Hidden(why) => format!("Not shown: {why}."),
            SectionRead::Items(items) => {
                let earlier: Vec<&Item> = before
                    .iter()
                    .filter(|i| i.section == section.name())
                    .collect();
                let was = |key: &str| earlier.iter().any(|i| i.key == key);
                let (still, new): (Vec<&Item>, Vec<&Item>) =
                    items.iter().partition(|i| was(&i.key));
                let resolved: Vec<&Item> = earlier
                    .iter()
                    .copied()
                    .filter(|e| !items.iter().any(|i| i.key == e.key))
                    .collect();
                if previous.is_some() {
                    new_count += new.len();
                    resolved_count += resolved.len();
                }
                kept.extend(items.iter().cloned());
                section_text(*section, &new, &still, &resolved, previous.is_some())
            }
        };
        fields.push((section.title().to_string(), text));
    }
    let status = match previous {
        Some(_) => format!("Since the last digest: {new_count} new, {resolved_count} resolved"),
        None => "The first digest: everything listed is new".to_string(),
    };
    let title = format!("{}: {at_local}", spec.title);
    let text = format!("{title}. {status}.");
    let card = Card {
        title,
        fields,
        status,
        notes: vec!["Each section ends with the question that gives its detail: ask it with /ask or in Ask keel.".into()],
        flags: Vec::new(),
        facts: Vec::new(),
        buttons: Vec::new(),
        // Only the questions the person may ask: a hidden section's would be refused.
        questions: sections
            .iter()
            .filter(|(_, read)| matches!(read, SectionRead::Items(_)))
            .map(|(section, _)| section.question().to_string())
            .collect(),
    };
    let notification = Notification {
        to: to.to_string(),
        kind: NotificationKind::Digest,
        request_id: String::new(),
        text,
        card: Some(card),
    };
    (notification, kept)
}

/// A section's lines: new first, then still there, then resolved, then its question; within
/// [`SECTION_CHARS`], so that every platform shows the question (Discord cuts a field at
/// 1,024 characters).
fn section_text(
    section: Section,
    new: &[&Item],
    still: &[&Item],
    resolved: &[&Item],
    compared: bool,
) -> String {
    let question = format!("Ask keel: “{}”", section.question());
    let groups: [(&str, &[&Item]); 3] = if compared {
        [("New: ", new), ("Still: ", still), ("Resolved: ", resolved)]
    } else {
        [("", new), ("", &[]), ("", &[])]
    };
    let mut lines = Vec::new();
    // Room for the question and a closing "…and N more".
    let mut used = question.chars().count() + 20;
    let mut left_out = 0;
    for (label, items) in groups {
        for (at, item) in items.iter().enumerate() {
            let line = format!("{label}{}", shorten(&item.line, MAX_LINE_CHARS));
            let length = line.chars().count() + 1;
            if at >= SHOWN_PER_KIND || used + length > SECTION_CHARS {
                left_out += 1;
                continue;
            }
            used += length;
            lines.push(line);
        }
    }
    if left_out > 0 {
        lines.push(format!("…and {left_out} more"));
    }
    if lines.is_empty() {
        lines.push("Nothing to report.".to_string());
    }
    lines.push(question);
    lines.join("\n")
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
#[path = "digest_tests.rs"]
mod tests;
