use super::*;
use crate::domain::digest::Schedule;
use chrono::{NaiveDate, NaiveTime, Weekday};

fn calendar(holidays: &[NaiveDate]) -> BusinessCalendar {
    BusinessCalendar {
        time_zone: chrono_tz::America::Chicago,
        day_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        day_end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        working_days: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        holidays: holidays.iter().copied().collect(),
    }
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn spec() -> DigestSpec {
    DigestSpec {
        name: "weekly".into(),
        title: "Monday briefing".into(),
        roles: vec!["ceo".into()],
        schedule: Schedule::parse("mon 08:00").unwrap(),
        sections: vec![Section::OverBudget],
    }
}

fn item(key: &str) -> Item {
    Item {
        section: "over_budget".into(),
        key: key.into(),
        line: format!("{key} over"),
    }
}

#[test]
fn the_last_tick_is_the_latest_scheduled_local_time_at_or_before_now() {
    let schedule = Schedule::parse("mon 08:00").unwrap();
    // Monday 2026-12-07 08:00 in Chicago is 14:00 UTC.
    let tick = last_tick(&schedule, &calendar(&[]), utc("2026-12-07T14:00:00Z"));
    assert_eq!(tick, Some(utc("2026-12-07T14:00:00Z")));
    let before = last_tick(&schedule, &calendar(&[]), utc("2026-12-07T13:59:00Z"));
    assert_eq!(before, Some(utc("2026-11-30T14:00:00Z")));
}

#[test]
fn a_tick_on_a_company_holiday_is_skipped() {
    let schedule = Schedule::parse("mon 08:00").unwrap();
    let holiday = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let tick = last_tick(
        &schedule,
        &calendar(&[holiday]),
        utc("2026-12-07T15:00:00Z"),
    );
    assert_eq!(tick, Some(utc("2026-11-30T14:00:00Z")));
}

#[test]
fn a_digest_says_what_is_new_still_there_and_resolved_since_the_last_one() {
    let previous = vec![item("P001"), item("P002")];
    let now = vec![item("P002"), item("P003")];
    let sections = [(Section::OverBudget, SectionRead::Items(now.clone()))];
    let (notification, kept) = compose(&spec(), "S001", &sections, Some(&previous), "Mon 7 Dec");
    assert_eq!(kept, now);
    let card = notification.card.unwrap();
    assert!(card.buttons.is_empty());
    assert_eq!(card.questions, ["which projects are over budget"]);
    assert_eq!(notification.kind, NotificationKind::Digest);
    let text = &card.fields[0].1;
    assert!(text.contains("New: P003 over"), "{text}");
    assert!(text.contains("Still: P002 over"), "{text}");
    assert!(text.contains("Resolved: P001 over"), "{text}");
    assert!(
        text.ends_with("Ask keel: “which projects are over budget”"),
        "{text}"
    );
    assert_eq!(card.status, "Since the last digest: 1 new, 1 resolved");
}

#[test]
fn a_hidden_section_says_so_and_remembers_nothing() {
    let sections = [(
        Section::OverBudget,
        SectionRead::Hidden("your role may not see invoices".into()),
    )];
    let (notification, kept) = compose(&spec(), "S001", &sections, None, "Mon 7 Dec");
    assert!(kept.is_empty());
    let card = notification.card.unwrap();
    assert_eq!(
        card.fields[0].1,
        "Not shown: your role may not see invoices."
    );
    assert!(
        card.questions.is_empty(),
        "no question the person may not ask"
    );
}

#[test]
fn a_long_section_stays_within_what_every_platform_shows_and_keeps_its_question() {
    let many: Vec<Item> = (0..40)
        .map(|n| Item {
            section: "over_budget".into(),
            key: format!("P{n:03}"),
            line: format!("P{n:03} {}", "x".repeat(300)),
        })
        .collect();
    let sections = [(Section::OverBudget, SectionRead::Items(many))];
    let (notification, kept) = compose(&spec(), "S001", &sections, None, "Mon 7 Dec");
    assert_eq!(kept.len(), 40, "every item is remembered, shown or not");
    let text = &notification.card.unwrap().fields[0].1;
    assert!(text.chars().count() <= 1_000, "{}", text.chars().count());
    assert!(text.contains("…and 35 more"), "{text}");
    assert!(text.ends_with("Ask keel: “which projects are over budget”"));
}
