//! Field types and the canonical JSON form of field values.
//!
//! Every value keel stores (a record's fields, a request's form) is a JSON object whose values are
//! in one canonical form per type, so that the same input always gives byte-identical JSON: that is
//! what makes re-imports idempotent and the audit hash stable. Money is an exact decimal kept as a
//! JSON string (`"1234.50"`), never a float.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// A record's or a form's fields: name to canonical JSON value. Absent means "no value".
pub type Fields = serde_json::Map<String, Value>;

/// The type of one field, as written in config: `text`, `number`, `money`, `date`, `timestamp`,
/// `bool`, `enum(a, b, c)` or `ref(record_type)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Number,
    Money,
    Date,
    Timestamp,
    Bool,
    Enum(Vec<String>),
    Ref(String),
}

impl FromStr for FieldType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let inner = |prefix: &str| {
            s.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix(')'))
                .map(str::trim)
        };
        if let Some(list) = inner("enum(") {
            let variants: Vec<String> = list
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if variants.is_empty() {
                return Err("enum(...) needs at least one value, e.g. enum(open, closed)".into());
            }
            return Ok(FieldType::Enum(variants));
        }
        if let Some(target) = inner("ref(") {
            if target.is_empty() {
                return Err("ref(...) needs a record type, e.g. ref(project)".into());
            }
            return Ok(FieldType::Ref(target.to_string()));
        }
        match s {
            "text" => Ok(FieldType::Text),
            "number" => Ok(FieldType::Number),
            "money" => Ok(FieldType::Money),
            "date" => Ok(FieldType::Date),
            "timestamp" => Ok(FieldType::Timestamp),
            "bool" => Ok(FieldType::Bool),
            other => Err(format!(
                "unknown field type `{other}`; use text, number, money, date, timestamp, bool, enum(a, b) or ref(type)"
            )),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::Text => f.write_str("text"),
            FieldType::Number => f.write_str("number"),
            FieldType::Money => f.write_str("money"),
            FieldType::Date => f.write_str("date"),
            FieldType::Timestamp => f.write_str("timestamp"),
            FieldType::Bool => f.write_str("bool"),
            FieldType::Enum(values) => write!(f, "enum({})", values.join(", ")),
            FieldType::Ref(target) => write!(f, "ref({target})"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for FieldType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl FieldType {
    /// Parses text typed by a person or found in a CSV cell into the canonical JSON value.
    /// An empty (or all-blank) input is `Ok(None)`: "no value". The error says what was expected.
    pub fn parse_text(&self, raw: &str) -> Result<Option<Value>, String> {
        let text = raw.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let value = match self {
            FieldType::Text => Value::String(text.to_string()),
            FieldType::Ref(_) => Value::String(text.to_string()),
            FieldType::Number => parse_number(text)?,
            FieldType::Money => Value::String(parse_money(text)?.to_string()),
            FieldType::Date => {
                let date: NaiveDate = text
                    .parse()
                    .map_err(|_| "expected a date as YYYY-MM-DD".to_string())?;
                // Already canonical (the usual case in exports): keep the text as it is.
                if text.len() == 10 {
                    Value::String(text.to_string())
                } else {
                    Value::String(date.format("%Y-%m-%d").to_string())
                }
            }
            FieldType::Timestamp => Value::String(canonical_timestamp(&parse_timestamp(text)?)),
            FieldType::Bool => Value::Bool(parse_bool(text)?),
            FieldType::Enum(variants) => {
                match variants.iter().find(|v| v.eq_ignore_ascii_case(text)) {
                    Some(v) => Value::String(v.clone()),
                    None => return Err(format!("expected one of: {}", variants.join(", "))),
                }
            }
        };
        Ok(Some(value))
    }

    /// Checks a JSON value (from an API body or a stored record) and returns its canonical form.
    pub fn canonicalize(&self, value: &Value) -> Result<Option<Value>, String> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => self.parse_text(s),
            Value::Bool(b) => self.parse_text(if *b { "true" } else { "false" }),
            Value::Number(n) => self.parse_text(&n.to_string()),
            _ => Err(format!("expected a {self} value, not a list or an object")),
        }
    }
}

fn parse_number(text: &str) -> Result<Value, String> {
    if let Ok(int) = text.parse::<i64>() {
        return Ok(Value::from(int));
    }
    let float: f64 = text
        .parse()
        .map_err(|_| "expected a number such as 42 or 3.5".to_string())?;
    if !float.is_finite() {
        return Err("expected a finite number".into());
    }
    if float.fract() == 0.0 && float.abs() < 9.0e15 {
        return Ok(Value::from(float as i64));
    }
    serde_json::Number::from_f64(float)
        .map(Value::Number)
        .ok_or_else(|| "expected a finite number".into())
}

/// Parses an amount of money: digits with an optional `.` and at most two decimals, an optional
/// leading `-`, `$` and thousands separators tolerated. The result always has two decimals.
pub fn parse_money(text: &str) -> Result<Decimal, String> {
    let cleaned: String = text
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    let amount = Decimal::from_str(&cleaned)
        .map_err(|_| "expected an amount of money such as 1250.00".to_string())?;
    if amount.scale() > 2 {
        return Err("money has at most two decimals (cents)".into());
    }
    if amount.abs() > Decimal::from(1_000_000_000_000i64) {
        return Err("amount is out of range (at most 1,000,000,000,000)".into());
    }
    let mut amount = amount;
    amount.rescale(2);
    Ok(amount)
}

fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Ok(true),
        "false" | "no" | "n" | "0" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

/// Parses an RFC 3339 timestamp (any offset) into UTC.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| "expected an RFC 3339 timestamp such as 2026-08-23T22:14:44Z".to_string())
}

/// The one textual form of a timestamp keel stores: UTC, microseconds, `Z`. It sorts as text.
pub fn canonical_timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Reads a money field out of canonical fields.
pub fn money_of(fields: &Fields, name: &str) -> Option<Decimal> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .and_then(|s| Decimal::from_str(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_types_parse_from_config_text() {
        assert_eq!("money".parse::<FieldType>(), Ok(FieldType::Money));
        assert_eq!(
            "enum(open, paid , overdue)".parse::<FieldType>(),
            Ok(FieldType::Enum(vec![
                "open".into(),
                "paid".into(),
                "overdue".into()
            ]))
        );
        assert_eq!(
            "ref(project)".parse::<FieldType>(),
            Ok(FieldType::Ref("project".into()))
        );
        assert!("decimal".parse::<FieldType>().is_err());
        assert!("enum()".parse::<FieldType>().is_err());
    }

    #[test]
    fn money_is_exact_and_canonical() {
        let money = FieldType::Money;
        assert_eq!(money.parse_text("6601.4"), Ok(Some(Value::from("6601.40"))));
        assert_eq!(money.parse_text("$1,250"), Ok(Some(Value::from("1250.00"))));
        assert!(money.parse_text("12.345").is_err());
        assert!(money.parse_text("twelve").is_err());
        assert_eq!(money.parse_text("  "), Ok(None));
    }

    #[test]
    fn numbers_dates_bools_and_enums_are_validated() {
        assert_eq!(
            FieldType::Number.parse_text("40"),
            Ok(Some(Value::from(40)))
        );
        assert_eq!(
            FieldType::Number.parse_text("20.5"),
            Ok(Some(Value::from(20.5)))
        );
        assert!(FieldType::Date.parse_text("2026-13-01").is_err());
        assert_eq!(
            FieldType::Bool.parse_text("TRUE"),
            Ok(Some(Value::Bool(true)))
        );
        let status = FieldType::Enum(vec!["open".into(), "paid".into()]);
        assert_eq!(status.parse_text("Paid"), Ok(Some(Value::from("paid"))));
        assert!(status.parse_text("lost").is_err());
    }

    #[test]
    fn timestamps_are_stored_in_one_sortable_form() {
        let ts = FieldType::Timestamp
            .parse_text("2026-08-23T22:14:44Z")
            .unwrap();
        assert_eq!(ts, Some(Value::from("2026-08-23T22:14:44.000000Z")));
        let other = FieldType::Timestamp
            .parse_text("2026-08-23T17:14:44-05:00")
            .unwrap();
        assert_eq!(ts, other);
    }
}
