//! Moving a record's dates and timestamps by whole weeks. `keel demo` shifts the demo company's
//! history so that it ends in the current week whatever day the demo is started, so that "the
//! last 90 days", waiting times and reminders mean something; whole weeks keep every weekday (a
//! week starting on Monday still does).

use crate::domain::field::{canonical_timestamp, parse_timestamp};
use crate::domain::{FieldType, Fields, RecordType};
use chrono::{Duration, NaiveDate};
use serde_json::Value;

/// Moves every date and timestamp field of `fields` by `weeks` (back when negative). A value
/// that does not read as its type is left as it is (the parser has already refused those).
pub fn shift_dates(record_type: &RecordType, fields: &mut Fields, weeks: i64) {
    if weeks == 0 {
        return;
    }
    let by = Duration::weeks(weeks);
    for field in &record_type.fields {
        let Some(Value::String(text)) = fields.get_mut(&field.name) else {
            continue;
        };
        let shifted = match field.field_type {
            FieldType::Date => text
                .parse::<NaiveDate>()
                .ok()
                .map(|day| (day + by).format("%Y-%m-%d").to_string()),
            FieldType::Timestamp => parse_timestamp(text)
                .ok()
                .map(|at| canonical_timestamp(&(at + by))),
            _ => None,
        };
        if let Some(shifted) = shifted {
            *text = shifted;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RecordTypeField;
    use chrono::Datelike as _;
    use serde_json::json;

    fn change_order() -> RecordType {
        let field = |name: &str, field_type: FieldType| RecordTypeField {
            name: name.into(),
            field_type,
            required: true,
        };
        RecordType {
            name: "change_order".into(),
            key: vec!["id".into()],
            fields: vec![
                field("id", FieldType::Text),
                field("week", FieldType::Date),
                field("submitted_at", FieldType::Timestamp),
                field("reason", FieldType::Text),
            ],
            source_of_truth: "keel".into(),
            label: None,
        }
    }

    #[test]
    fn dates_and_timestamps_move_by_whole_weeks_and_nothing_else_moves() {
        let record_type = change_order();
        let mut fields: Fields = serde_json::from_value(json!({
            "id": "2026-11-09",
            "week": "2026-11-09",
            "submitted_at": "2026-11-17T10:00:00Z",
            "reason": "2026-11-09",
        }))
        .unwrap();
        shift_dates(&record_type, &mut fields, 2);
        assert_eq!(fields["week"], "2026-11-23");
        assert_eq!(fields["submitted_at"], "2026-12-01T10:00:00.000000Z");
        assert_eq!(fields["id"], json!("2026-11-09"));
        assert_eq!(fields["reason"], json!("2026-11-09"));
        shift_dates(&record_type, &mut fields, -54);
        assert_eq!(fields["week"], "2025-11-10");
        let week: NaiveDate = fields["week"].as_str().unwrap().parse().unwrap();
        assert_eq!(week.weekday(), chrono::Weekday::Mon);
    }
}
