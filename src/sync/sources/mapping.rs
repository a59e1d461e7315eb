//! A source's record (the event itself, or what fetch-back returned) turned into one record
//! of its type: each field read and translated ([`super::field`]) and checked exactly as a CSV
//! cell is
//! ([`crate::sync::csv::checked`]), so a mapping and an import say the same about the same
//! value. Every problem is collected; whether references point at stored records is the
//! applier's to check (it has the store).

use super::field::FieldSource;
use crate::domain::{Fields, RecordType};
use crate::sync::csv::{EMPTY_KEY, checked, key_of};
use serde_json::Value;
use std::fmt;

/// Offending values are shown up to this many characters.
const MAX_VALUE_CHARS: usize = 40;

/// One field a payload could not fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingProblem {
    pub field: String,
    /// The value found, shortened.
    pub value: Option<String>,
    pub message: String,
}

impl fmt::Display for MappingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field {}", self.field)?;
        if let Some(value) = &self.value {
            write!(f, ", `{value}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem of one payload, one a line.
pub fn describe(problems: &[MappingProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

/// The record `payload` describes: its key and canonical fields, or every problem found.
/// Fields the mapping does not name are left out (the source's record replaces keel's copy).
pub fn map_record(
    record_type: &RecordType,
    mapping: &[(String, FieldSource)],
    payload: &Value,
) -> Result<(String, Fields), Vec<MappingProblem>> {
    map_fetched(record_type, mapping, payload, payload)
}

/// The record `record`, read back from its source for the thin `event`, describes (a field
/// may be read from the event: [`super::field::Origin::EventPath`]).
pub fn map_fetched(
    record_type: &RecordType,
    mapping: &[(String, FieldSource)],
    record: &Value,
    event: &Value,
) -> Result<(String, Fields), Vec<MappingProblem>> {
    let mut problems = Vec::new();
    let mut fields = Fields::with_capacity(mapping.len());
    for field in &record_type.fields {
        let read = mapping
            .iter()
            .find(|(name, _)| *name == field.name)
            .map_or(Ok(Value::Null), |(_, source)| {
                source.read_for(record, event)
            });
        let found = match read {
            Ok(found) => found,
            Err(untranslated) => {
                problems.push(MappingProblem {
                    field: field.name.clone(),
                    value: shown(&untranslated.found),
                    message: untranslated.message,
                });
                continue;
            }
        };
        match checked(field, field.field_type.canonicalize(&found)) {
            Ok(Some(value)) => {
                fields.insert(field.name.clone(), value);
            }
            Ok(None) => {}
            Err(message) => problems.push(MappingProblem {
                field: field.name.clone(),
                value: shown(&found),
                message,
            }),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    match key_of(record_type, &fields) {
        Some(key) => Ok((key, fields)),
        None => Err(vec![MappingProblem {
            field: record_type.key.join("+"),
            value: None,
            message: EMPTY_KEY.into(),
        }]),
    }
}

fn shown(value: &Value) -> Option<String> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::sources::field::{Conversion, Origin};
    use crate::sync::sources::path::JsonPath;
    use serde_json::json;

    fn vendor() -> RecordType {
        crate::config::demo().schema.get("vendor").unwrap().clone()
    }

    fn mapping() -> Vec<(String, FieldSource)> {
        [
            ("vendor_id", "$.id"),
            ("name", "$.name"),
            ("category", "$.kind"),
            ("payment_terms_days", "$.terms.days"),
            ("preferred", "$.preferred"),
        ]
        .into_iter()
        .map(|(f, p)| {
            (
                f.to_string(),
                FieldSource::path(JsonPath::parse(p).unwrap()),
            )
        })
        .collect()
    }

    #[test]
    fn a_payload_becomes_canonical_fields_and_a_key() {
        let payload = json!({"id": "V900", "name": "Acme", "kind": "steel", "terms": {"days": "30"}, "preferred": true});
        let (key, fields) = map_record(&vendor(), &mapping(), &payload).unwrap();
        assert_eq!(key, "V900");
        assert_eq!(fields["payment_terms_days"], json!(30));
        assert_eq!(fields["preferred"], json!(true));
    }

    #[test]
    fn problems_carry_the_field_and_the_csv_message() {
        let payload =
            json!({"id": "V900", "kind": "steel", "terms": {"days": "thirty"}, "preferred": true});
        let problems = map_record(&vendor(), &mapping(), &payload).unwrap_err();
        let text = describe(&problems);
        assert!(
            text.contains("field name: name is required (text)"),
            "{text}"
        );
        assert!(
            text.contains(
                "field payment_terms_days, `thirty`: expected a number such as 42 or 3.5"
            ),
            "{text}"
        );
    }

    fn purchase_order() -> RecordType {
        crate::config::demo()
            .schema
            .get("purchase_order")
            .unwrap()
            .clone()
    }

    /// A QuickBooks-like purchase order: its status mapped, dates converted, the approver
    /// (which QuickBooks lacks) a constant, the promised date defaulted.
    fn translated() -> Vec<(String, FieldSource)> {
        let at = |p: &str| FieldSource::path(JsonPath::parse(p).unwrap());
        let date = |p: &str| FieldSource {
            convert: Some(Conversion::Date),
            ..at(p)
        };
        vec![
            ("po_id".into(), at("$.Id")),
            ("vendor_id".into(), at("$.VendorRef.value")),
            (
                "project_id".into(),
                at("$.Line[?(@.Id == '1')].CustomerRef"),
            ),
            ("amount".into(), at("$.TotalAmt")),
            ("requested_at".into(), at("$.MetaData.CreateTime")),
            (
                "approver_id".into(),
                FieldSource {
                    origin: Origin::Constant(json!("S010")),
                    ..at("$")
                },
            ),
            ("approved_at".into(), at("$.MetaData.LastUpdatedTime")),
            ("ordered_date".into(), date("$.TxnDate")),
            (
                "promised_date".into(),
                FieldSource {
                    default: Some(json!("2026-12-31")),
                    ..date("$.DueDate")
                },
            ),
            (
                "status".into(),
                FieldSource {
                    map: vec![
                        ("Open".into(), json!("open")),
                        ("Closed".into(), json!("delivered")),
                    ],
                    ..at("$.POStatus")
                },
            ),
        ]
    }

    fn quickbooks_po(status: &str) -> Value {
        json!({
            "Id": "PO-77", "VendorRef": {"value": "V001"}, "TotalAmt": 1250.5,
            "Line": [{"Id": "1", "CustomerRef": "P001"}],
            "MetaData": {"CreateTime": "2026-11-02T09:00:00-08:00", "LastUpdatedTime": "2026-11-03T10:00:00-08:00"},
            "TxnDate": "2026-11-02T23:30:00-08:00", "POStatus": status,
        })
    }

    #[test]
    fn translated_values_are_checked_and_made_canonical_like_any_other() {
        let po = quickbooks_po("Closed");
        let (key, fields) = map_record(&purchase_order(), &translated(), &po).unwrap();
        assert_eq!(key, "PO-77");
        assert_eq!(fields["status"], json!("delivered"));
        assert_eq!(fields["approver_id"], json!("S010"));
        assert_eq!(fields["project_id"], json!("P001"));
        assert_eq!(fields["ordered_date"], json!("2026-11-03"), "the UTC date");
        assert_eq!(fields["promised_date"], json!("2026-12-31"), "the default");
        assert_eq!(fields["amount"], json!("1250.50"));
        assert!(!fields.contains_key("delivered_date"));
    }

    #[test]
    fn an_unmapped_value_is_a_problem_beside_the_csv_ones() {
        let mut po = quickbooks_po("Pending");
        po["TotalAmt"] = json!("lots");
        let problems = map_record(&purchase_order(), &translated(), &po).unwrap_err();
        let text = describe(&problems);
        assert!(
            text.contains(
                "field status, `Pending`: not in the map: the field's map knows Open, Closed"
            ),
            "{text}"
        );
        assert!(
            text.contains("field amount, `lots`: expected an amount of money"),
            "{text}"
        );
    }

    #[test]
    fn a_mapped_value_that_does_not_fit_the_field_gets_the_csv_message() {
        let mut mapping = translated();
        mapping[9].1.map[1].1 = json!("shipped");
        let problems = map_record(&purchase_order(), &mapping, &quickbooks_po("Closed"));
        let text = describe(&problems.unwrap_err());
        assert_eq!(
            text,
            "field status, `shipped`: expected one of: open, delivered"
        );
    }
}
