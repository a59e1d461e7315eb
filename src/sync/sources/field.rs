//! Where one keel field of a source's mapping takes its value from, and how another system's
//! value is translated into keel's: read at a path (or a constant), converted (`as`), looked up
//! in a map (enums, another system's user ids → keel staff ids), and replaced by a default when
//! nothing was found or the map lacks it. Keel's usual checking of the field's type comes after
//! ([`super::mapping`]), so a translated value is held to what a CSV cell is.

use super::path::JsonPath;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

/// A map's known values listed in a problem, at most.
const MAX_LISTED: usize = 12;

/// How one field is filled from a source's record.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSource {
    pub origin: Origin,
    pub convert: Option<Conversion>,
    /// The source's value (text, or a number or bool as written) → keel's; none: kept as found.
    pub map: Vec<(String, Value)>,
    /// Taken when nothing is found or the map lacks the value found.
    pub default: Option<Value>,
}

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Path(JsonPath),
    /// A path into the event that named the record rather than the record read back for it: a
    /// thin event may carry what the record does not (Procore's project of a change order).
    EventPath(JsonPath),
    /// The same value for every record (a field the other system does not have).
    Constant(Value),
}

/// A conversion of the value found, before it is looked up in the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// An RFC 3339 timestamp (any offset), epoch milliseconds (a number or numeric text) or a
    /// `YYYY-MM-DD` date → `YYYY-MM-DD` in UTC.
    Date,
    /// Text in lowercase (enums written `Open` by the source and `open` by keel).
    Lowercase,
}

impl Conversion {
    /// What `as` may say, for problems.
    pub const NAMES: &str =
        "date (an RFC 3339 timestamp, epoch milliseconds or YYYY-MM-DD → YYYY-MM-DD), lowercase";

    pub fn named(name: &str) -> Option<Conversion> {
        match name {
            "date" => Some(Conversion::Date),
            "lowercase" => Some(Conversion::Lowercase),
            _ => None,
        }
    }

    fn apply(self, value: &Value) -> Result<Value, String> {
        match (self, value) {
            (Conversion::Date, value) => utc_date(value).map(Value::String),
            (Conversion::Lowercase, Value::String(text)) => Ok(Value::String(text.to_lowercase())),
            (Conversion::Lowercase, Value::Number(_) | Value::Bool(_)) => Ok(value.clone()),
            (Conversion::Lowercase, _) => Err("expected text, not a list or an object".into()),
        }
    }
}

/// A value found that could not be translated, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Untranslated {
    pub found: Value,
    pub message: String,
}

impl FieldSource {
    /// A field read at `path` as it is.
    pub fn path(path: JsonPath) -> FieldSource {
        FieldSource {
            origin: Origin::Path(path),
            convert: None,
            map: Vec::new(),
            default: None,
        }
    }

    /// The field's value for `record` when it is its own event (a polled record, a whole
    /// one in a webhook).
    pub fn read(&self, record: &Value) -> Result<Value, Untranslated> {
        self.read_for(record, record)
    }

    /// The field's value for `record` (read back for `event`) in keel's terms, not yet checked
    /// against its type; `null` when there is none.
    pub fn read_for(&self, record: &Value, event: &Value) -> Result<Value, Untranslated> {
        let found = match &self.origin {
            Origin::Constant(value) => return Ok(value.clone()),
            Origin::Path(path) => path.find(record).unwrap_or(&Value::Null),
            Origin::EventPath(path) => path.find(event).unwrap_or(&Value::Null),
        };
        if is_nothing(found) {
            return Ok(self.default.clone().unwrap_or(Value::Null));
        }
        let untranslated = |message: String| Untranslated {
            found: found.clone(),
            message,
        };
        let converted = match self.convert {
            Some(conversion) => conversion.apply(found).map_err(untranslated)?,
            None => found.clone(),
        };
        if self.map.is_empty() {
            return Ok(converted);
        }
        let Some(key) = map_key(&converted) else {
            return Err(untranslated(
                "a list or an object cannot be looked up in the field's map".into(),
            ));
        };
        match (
            self.map
                .iter()
                .find(|(from, _)| *from == key || same_number(from, &converted)),
            &self.default,
        ) {
            (Some((_, to)), _) => Ok(to.clone()),
            (None, Some(default)) => Ok(default.clone()),
            (None, None) => Err(untranslated(format!(
                "{}the field's map knows {}; add it to `map`, or give a `default`",
                match self.convert {
                    Some(_) => format!("converted to `{key}`, it is not in the map: "),
                    None => "not in the map: ".into(),
                },
                self.known(),
            ))),
        }
    }

    fn known(&self) -> String {
        let mut listed: Vec<&str> = self
            .map
            .iter()
            .take(MAX_LISTED)
            .map(|(from, _)| from.as_str())
            .collect();
        let all = format!("… ({} in all)", self.map.len());
        if self.map.len() > MAX_LISTED {
            listed.push(&all);
        }
        listed.join(", ")
    }
}

/// Missing, `null`, or blank text: what a CSV's empty cell is.
fn is_nothing(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// A value as a map's key is written: text as it is, numbers and bools as JSON writes them.
fn map_key(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Whether a map's key written as a number (`"0"`) is the number found (`0.0`): JSON writes
/// one amount several ways, and a map is written for the amount.
fn same_number(key: &str, found: &Value) -> bool {
    match (key.parse::<f64>(), found.as_f64()) {
        (Ok(key), Some(found)) => key == found,
        _ => false,
    }
}

/// The UTC date of a timestamp, epoch milliseconds or a date, as `YYYY-MM-DD`.
fn utc_date(value: &Value) -> Result<String, String> {
    let expected = || {
        "expected a date: an RFC 3339 timestamp such as 2026-08-23T22:14:44Z, epoch milliseconds such as 1787523284000, or YYYY-MM-DD".to_string()
    };
    let at = match value {
        Value::Number(number) => number
            .as_i64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|n| n.fract() == 0.0)
                    .map(|n| n as i64)
            })
            .and_then(DateTime::from_timestamp_millis),
        Value::String(text) => {
            let text = text.trim();
            if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                return Ok(date.format("%Y-%m-%d").to_string());
            }
            match text.parse::<i64>() {
                Ok(millis) => DateTime::from_timestamp_millis(millis),
                Err(_) => DateTime::parse_from_rfc3339(text)
                    .ok()
                    .map(|at| at.with_timezone(&Utc)),
            }
        }
        _ => None,
    };
    at.map(|at| at.format("%Y-%m-%d").to_string())
        .ok_or_else(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(path: &str) -> FieldSource {
        FieldSource::path(JsonPath::parse(path).unwrap())
    }

    fn mapped(entries: &[(&str, &str)]) -> Vec<(String, Value)> {
        entries
            .iter()
            .map(|(from, to)| (from.to_string(), json!(to)))
            .collect()
    }

    #[test]
    fn a_plain_path_reads_the_value_as_it_is() {
        let record = json!({"a": {"b": 7}});
        assert_eq!(at("$.a.b").read(&record), Ok(json!(7)));
        assert_eq!(at("$.missing").read(&record), Ok(Value::Null));
    }

    #[test]
    fn a_map_translates_text_numbers_and_bools_as_written() {
        let status = FieldSource {
            map: mapped(&[("Open", "open"), ("Closed", "delivered")]),
            ..at("$.POStatus")
        };
        assert_eq!(
            status.read(&json!({"POStatus": "Closed"})),
            Ok(json!("delivered"))
        );
        let owner = FieldSource {
            map: mapped(&[("51234", "S016"), ("true", "S001")]),
            ..at("$.owner")
        };
        assert_eq!(owner.read(&json!({"owner": 51234})), Ok(json!("S016")));
        assert_eq!(owner.read(&json!({"owner": "51234"})), Ok(json!("S016")));
        assert_eq!(owner.read(&json!({"owner": true})), Ok(json!("S001")));
    }

    #[test]
    fn a_value_the_map_lacks_names_itself_and_the_values_the_map_knows() {
        let status = FieldSource {
            map: mapped(&[("Open", "open"), ("Closed", "delivered")]),
            ..at("$.POStatus")
        };
        let problem = status.read(&json!({"POStatus": "Pending"})).unwrap_err();
        assert_eq!(problem.found, json!("Pending"));
        assert_eq!(
            problem.message,
            "not in the map: the field's map knows Open, Closed; add it to `map`, or give a `default`"
        );
        let nested = status.read(&json!({"POStatus": ["Open"]})).unwrap_err();
        assert!(nested.message.contains("cannot be looked up"), "{nested:?}");
    }

    #[test]
    fn a_long_map_is_listed_in_part() {
        let entries: Vec<(String, Value)> =
            (0..20).map(|n| (n.to_string(), json!("S001"))).collect();
        let owner = FieldSource {
            map: entries,
            ..at("$.owner")
        };
        let problem = owner.read(&json!({"owner": 99})).unwrap_err();
        assert!(
            problem
                .message
                .contains("0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (20 in all);"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn the_default_fills_what_is_missing_empty_or_unmapped() {
        let status = FieldSource {
            map: mapped(&[("Open", "open")]),
            default: Some(json!("delivered")),
            ..at("$.POStatus")
        };
        let cases = [
            (json!({}), "delivered"),
            (json!({"POStatus": null}), "delivered"),
            (json!({"POStatus": " "}), "delivered"),
            (json!({"POStatus": "Odd"}), "delivered"),
            (json!({"POStatus": "Open"}), "open"),
        ];
        for (record, expected) in cases {
            assert_eq!(status.read(&record), Ok(json!(expected)), "{record}");
        }
        let unmapped = FieldSource {
            default: Some(json!("planning")),
            ..at("$.state")
        };
        assert_eq!(
            unmapped.read(&json!({"state": "active"})),
            Ok(json!("active"))
        );
    }

    #[test]
    fn a_constant_is_the_same_for_every_record() {
        let category = FieldSource {
            origin: Origin::Constant(json!("materials")),
            ..at("$")
        };
        assert_eq!(
            category.read(&json!({"category": "x"})),
            Ok(json!("materials"))
        );
    }

    #[test]
    fn dates_come_from_timestamps_epoch_milliseconds_and_dates_in_utc() {
        let date = FieldSource {
            convert: Some(Conversion::Date),
            ..at("$.d")
        };
        let read = |d: Value| date.read(&json!({ "d": d }));
        assert_eq!(
            read(json!("2026-08-23T22:14:44-05:00")),
            Ok(json!("2026-08-24"))
        );
        assert_eq!(
            read(json!("2026-08-23T01:00:00+02:00")),
            Ok(json!("2026-08-22"))
        );
        assert_eq!(
            read(json!("2026-08-23T22:14:44.123Z")),
            Ok(json!("2026-08-23"))
        );
        assert_eq!(read(json!(1787523284000_i64)), Ok(json!("2026-08-23")));
        assert_eq!(read(json!("1787523284000")), Ok(json!("2026-08-23")));
        assert_eq!(read(json!(1787523284000.0)), Ok(json!("2026-08-23")));
        assert_eq!(read(json!("2026-08-23")), Ok(json!("2026-08-23")));
        let problem = read(json!("23/08/2026")).unwrap_err();
        assert_eq!(problem.found, json!("23/08/2026"));
        assert!(
            problem.message.starts_with("expected a date: an RFC 3339"),
            "{problem:?}"
        );
        assert!(read(json!(true)).is_err());
        assert!(read(json!("2026-02-30")).is_err());
    }

    #[test]
    fn a_number_matches_its_key_however_json_writes_it() {
        let mut balance = at("$.Balance");
        balance.map = mapped(&[("0", "paid")]);
        balance.default = Some(json!("open"));
        for (found, want) in [
            (json!(0), "paid"),
            (json!(0.0), "paid"),
            (json!(12.5), "open"),
        ] {
            let read = balance.read(&json!({ "Balance": found })).unwrap();
            assert_eq!(read, json!(want), "{found}");
        }
    }

    #[test]
    fn conversion_comes_before_the_map() {
        let status = FieldSource {
            convert: Some(Conversion::Lowercase),
            map: mapped(&[("open", "open"), ("closed", "delivered")]),
            ..at("$.s")
        };
        assert_eq!(status.read(&json!({"s": "CLOSED"})), Ok(json!("delivered")));
        let problem = status.read(&json!({"s": "Pending"})).unwrap_err();
        assert_eq!(problem.found, json!("Pending"));
        assert!(
            problem
                .message
                .starts_with("converted to `pending`, it is not in the map")
        );
        assert_eq!(Conversion::named("date"), Some(Conversion::Date));
        assert_eq!(Conversion::named("upper"), None);
    }
}
