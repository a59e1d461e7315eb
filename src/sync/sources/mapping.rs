//! A source's record (the event itself, or what fetch-back returned) turned into one record
//! of its type: each field read at its path and checked exactly as a CSV cell is
//! ([`crate::sync::csv::checked`]), so a mapping and an import say the same about the same
//! value. Every problem is collected; whether references point at stored records is the
//! applier's to check (it has the store).

use super::path::JsonPath;
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
    mapping: &[(String, JsonPath)],
    payload: &Value,
) -> Result<(String, Fields), Vec<MappingProblem>> {
    let mut problems = Vec::new();
    let mut fields = Fields::with_capacity(mapping.len());
    for field in &record_type.fields {
        let found = mapping
            .iter()
            .find(|(name, _)| *name == field.name)
            .and_then(|(_, path)| path.find(payload))
            .unwrap_or(&Value::Null);
        match checked(field, field.field_type.canonicalize(found)) {
            Ok(Some(value)) => {
                fields.insert(field.name.clone(), value);
            }
            Ok(None) => {}
            Err(message) => problems.push(MappingProblem {
                field: field.name.clone(),
                value: shown(found),
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
    use serde_json::json;

    fn vendor() -> RecordType {
        crate::config::demo().schema.get("vendor").unwrap().clone()
    }

    fn mapping() -> Vec<(String, JsonPath)> {
        [
            ("vendor_id", "$.id"),
            ("name", "$.name"),
            ("category", "$.kind"),
            ("payment_terms_days", "$.terms.days"),
            ("preferred", "$.preferred"),
        ]
        .into_iter()
        .map(|(f, p)| (f.to_string(), JsonPath::parse(p).unwrap()))
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
}
