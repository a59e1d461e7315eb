//! The reads behind the REST API's resources: records a page at a time, one record and its
//! versions, the audit trail a page at a time, and the directory as other systems see it.

use super::{Keel, ServiceError, UserError};
use crate::domain::{Event, Person, Record};
use crate::store::RecordPage;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A page of records as a client asks for it: field filters as written in the query string.
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    pub record_type: String,
    /// `field=value` pairs, every one of which must match.
    pub equal: Vec<(String, String)>,
    pub updated_since: Option<DateTime<Utc>>,
    pub after_key: Option<String>,
    pub limit: usize,
}

/// One person of the directory, with the department the staff record names.
#[derive(Debug, Clone)]
pub struct DirectoryEntry {
    pub person: Person,
    pub department: Option<String>,
}

impl Keel {
    /// The records `query` asks for, by key; a filter on a field the type does not have, or
    /// with a value the field cannot hold, is refused naming it.
    pub async fn page_records(&self, query: &RecordQuery) -> Result<Vec<Record>, ServiceError> {
        let typed = self.record_type(&query.record_type)?;
        let mut equal = Vec::with_capacity(query.equal.len());
        for (name, text) in &query.equal {
            let Some(field) = typed.field(name) else {
                let known: Vec<&str> = typed.fields.iter().map(|f| f.name.as_str()).collect();
                return Err(UserError::Invalid(format!(
                    "{} records have no field `{}` to filter on; their fields are {}",
                    typed.name,
                    crate::engine::form::truncate(name, 40),
                    known.join(", ")
                ))
                .into());
            };
            let value = match field.field_type.canonicalize(&Value::String(text.clone())) {
                Ok(Some(value)) => value,
                Ok(None) => {
                    return Err(UserError::Invalid(format!(
                        "the filter {name}= has no value: give one, or leave the filter out"
                    ))
                    .into());
                }
                Err(why) => return Err(UserError::Invalid(format!("{name}: {why}")).into()),
            };
            equal.push((name.clone(), value));
        }
        let page = RecordPage {
            record_type: typed.name.clone(),
            equal,
            updated_since: query.updated_since,
            after_key: query.after_key.clone(),
            limit: query.limit,
        };
        Ok(self.store.page_records(&page).await?)
    }

    /// A record at its current version, or a 404-kind error.
    pub async fn record(&self, record_type: &str, key: &str) -> Result<Record, ServiceError> {
        let typed = self.record_type(record_type)?;
        self.store
            .get_record(&typed.name, key)
            .await?
            .ok_or_else(|| unknown_record(&typed.name, key))
    }

    /// Every version of a record, oldest first, or a 404-kind error when it is not stored.
    pub async fn record_versions(
        &self,
        record_type: &str,
        key: &str,
    ) -> Result<Vec<Record>, ServiceError> {
        let typed = self.record_type(record_type)?;
        let versions = self.store.record_history(&typed.name, key).await?;
        if versions.is_empty() {
            return Err(unknown_record(&typed.name, key));
        }
        Ok(versions)
    }

    /// Up to `limit` audit events after `after_seq`, in chain order.
    pub async fn audit_page(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Event>, ServiceError> {
        Ok(self.store.page_events(after_seq, limit).await?)
    }

    /// Everyone in the directory, by staff id, with their department when the directory maps
    /// one.
    pub async fn directory_entries(&self) -> Result<Vec<DirectoryEntry>, ServiceError> {
        let people = self.directory.get(&self.store).await?;
        let department_field = self.config.directory.department.as_deref();
        let mut entries: Vec<DirectoryEntry> = people
            .directory
            .people()
            .into_iter()
            .map(|person| DirectoryEntry {
                department: department_field
                    .and_then(|field| people.records.get(&person.id)?.get(field)?.as_str())
                    .map(str::to_string),
                person: person.clone(),
            })
            .collect();
        entries.sort_by(|a, b| a.person.id.cmp(&b.person.id));
        Ok(entries)
    }
}

fn unknown_record(record_type: &str, key: &str) -> ServiceError {
    UserError::UnknownRecord {
        record_type: record_type.to_string(),
        key: crate::engine::form::truncate(key, 60),
    }
    .into()
}
