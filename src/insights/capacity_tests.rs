//! The capacity insight averages over the weeks that have hours logged, whatever day it is run.

use super::*;
use chrono::TimeZone as _;

fn record(record_type: &str, key: &str, fields: Value) -> Record {
    Record {
        record_type: record_type.into(),
        key: key.into(),
        fields: serde_json::from_value(fields).expect("fields"),
        version: 1,
        updated_at: Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
    }
}

fn day(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// Ana (40 h capacity) logs 50 h and Ben (40 h) 20 h in each of the weeks given.
fn logged(weeks: &[&str]) -> Vec<Record> {
    weeks
        .iter()
        .flat_map(|week| {
            [("S1", 50.0), ("S2", 20.0)].map(|(person, hours)| {
                record(
                    "time_entry",
                    &format!("{person}|{week}"),
                    json!({ "staff_id": person, "week_start": week, "hours": hours }),
                )
            })
        })
        .collect()
}

fn staff() -> Vec<Record> {
    ["S1", "S2"]
        .map(|key| {
            record(
                "staff",
                key,
                json!({ "weekly_capacity_hours": 40, "role": "superintendent" }),
            )
        })
        .to_vec()
}

#[test]
fn weeks_without_hours_are_not_counted_as_idle_weeks() {
    let labels = RecordLabels::default();
    // Four weeks logged; asked on the Friday of the last one, a week later (the week in
    // progress not logged yet) and three weeks later (one logged week left in the window).
    let entries = logged(&["2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]);
    for today in ["2026-11-13", "2026-11-20", "2026-12-04"] {
        let computed = capacity(&entries, &staff(), day(today), &labels);
        let rows = &computed.table.rows;
        assert_eq!(rows[0][2], json!(50.0), "{today}: {rows:?}");
        assert_eq!(rows[0][4], json!(125.0), "{today}: {rows:?}");
        assert_eq!(rows[1][4], json!(50.0), "{today}: {rows:?}");
        assert!(
            computed.sentence.contains("125% of capacity")
                && computed.sentence.contains("superintendent at 88%"),
            "{today}: {}",
            computed.sentence
        );
    }
    let one = capacity(&entries, &staff(), day("2026-12-04"), &labels);
    assert!(
        one.sentence.contains("the week of 2026-11-09"),
        "{}",
        one.sentence
    );
    let none = capacity(&entries, &staff(), day("2027-11-20"), &labels);
    assert!(none.table.rows.is_empty());
    assert_eq!(
        none.sentence,
        "Nobody has logged hours in the last four weeks."
    );
}

#[test]
fn a_person_who_logged_nothing_in_a_logged_week_counts_it_as_zero() {
    let labels = RecordLabels::default();
    let mut entries = logged(&["2026-11-02", "2026-11-09"]);
    // Ben logged nothing in the week of 2026-11-09.
    entries.retain(|e| e.key != "S2|2026-11-09");
    let computed = capacity(&entries, &staff(), day("2026-11-13"), &labels);
    let ben = computed
        .table
        .rows
        .iter()
        .find(|row| row[0] == json!("S2"))
        .expect("Ben's row");
    assert_eq!(ben[2], json!(10.0), "{ben:?}");
}
