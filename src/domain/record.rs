//! Records: rows of the company's systems of record (clients, projects, vendors, staff, invoices…),
//! typed by the record types declared in `config/records.toml`.

use super::field::{FieldType, Fields};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// What people call referenced records (`P001` is "Bayview Medical Office"), by record type and
/// key, so that cards show names instead of keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordLabels {
    labels: HashMap<String, HashMap<String, String>>,
    /// The values of open-list text fields (a client's industry, a person's title), by record
    /// type: `(field, value)`, so that questions can name them ("healthcare clients").
    values: HashMap<String, Vec<(String, String)>>,
}

impl RecordLabels {
    pub fn insert(&mut self, record_type: &str, key: String, label: String) {
        self.labels
            .entry(record_type.to_string())
            .or_default()
            .insert(key, label);
    }

    pub fn label(&self, record_type: &str, key: &str) -> Option<&str> {
        self.labels.get(record_type)?.get(key).map(String::as_str)
    }

    /// Every `(key, label)` of a record type, in no particular order.
    pub fn of_type(&self, record_type: &str) -> impl Iterator<Item = (&str, &str)> {
        self.labels
            .get(record_type)
            .into_iter()
            .flatten()
            .map(|(key, label)| (key.as_str(), label.as_str()))
    }

    /// Keeps the values of each text field of `records` that reads as an open list: values
    /// shared by several records (each at least twice on average), at most [`MAX_VALUES`]; not
    /// the label, nor names, emails or other values each record has its own of.
    pub fn insert_values(&mut self, record_type: &RecordType, records: &[Record]) {
        let kept = self.values.entry(record_type.name.clone()).or_default();
        for field in &record_type.fields {
            if field.field_type != FieldType::Text
                || record_type.label.as_deref() == Some(field.name.as_str())
                || record_type.key.contains(&field.name)
            {
                continue;
            }
            let mut values: Vec<&str> = records
                .iter()
                .filter_map(|r| r.fields.get(&field.name).and_then(|v| v.as_str()))
                .filter(|v| !v.trim().is_empty())
                .collect();
            values.sort_unstable();
            values.dedup();
            if !values.is_empty() && values.len() <= MAX_VALUES && values.len() * 2 <= records.len()
            {
                kept.extend(values.iter().map(|v| (field.name.clone(), v.to_string())));
            }
        }
    }

    /// The open-list values kept for a record type, as `(field, value)`.
    pub fn values_of(&self, record_type: &str) -> impl Iterator<Item = (&str, &str)> {
        self.values
            .get(record_type)
            .into_iter()
            .flatten()
            .map(|(field, value)| (field.as_str(), value.as_str()))
    }
}

/// The most values a text field may have and still read as an open list.
pub const MAX_VALUES: usize = 50;

/// One field of a record type.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordTypeField {
    pub name: String,
    pub field_type: FieldType,
    pub required: bool,
}

/// A record type: its fields, its key and which system owns the truth about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordType {
    pub name: String,
    /// The field whose value identifies a record (`project_id`). Composite keys list several
    /// fields; the stored key joins their values with `|`.
    pub key: Vec<String>,
    pub fields: Vec<RecordTypeField>,
    /// The system of record (`"keel"`, `"crm"`, `"accounting"`…): keel does not edit records whose
    /// truth lives elsewhere, it mirrors them.
    pub source_of_truth: String,
    /// A human label field (`name`) used when a record is shown or matched by name.
    pub label: Option<String>,
}

impl RecordType {
    pub fn field(&self, name: &str) -> Option<&RecordTypeField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The stored key of a record with these fields, or `None` when a key field is empty.
    pub fn key_of(&self, fields: &Fields) -> Option<String> {
        let parts: Option<Vec<String>> = self
            .key
            .iter()
            .map(|k| {
                fields.get(k).map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
            .collect();
        parts.map(|p| p.join("|"))
    }
}

/// Every record type, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordSchema {
    pub types: BTreeMap<String, RecordType>,
}

impl RecordSchema {
    pub fn get(&self, name: &str) -> Option<&RecordType> {
        self.types.get(name)
    }
}

/// A stored record at its current version.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub record_type: String,
    pub key: String,
    pub fields: Fields,
    /// 1 for a new record, +1 per change. Unchanged upserts keep the version.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}
