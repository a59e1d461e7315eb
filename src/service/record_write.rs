//! Writing records from outside a CSV file (the REST API) and the source-of-truth rule every
//! record-writing path obeys: a record type with an `[[owner]]` takes writes from its owning
//! source only; anyone else's write is refused naming the owner, or filed as a change request
//! that changes the record once approved (see [`crate::sync::targets::ownership`]).

use super::{Keel, NewRequest, ServiceError, TypeReport, UserError};
use crate::domain::{FieldType, Fields, RecordType, Request};
use crate::engine::form::FieldError;
use crate::store::ProposedChange;
use crate::sync::parse_records;
use crate::sync::targets::ownership::{Verdict, Writer, verdict};
use anyhow::Context as _;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// What became of a record write.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordWrite {
    /// Written; `changed` is false when the record already had these values.
    Written { changed: bool },
    /// Filed as a change request, to be applied once approved.
    Proposed { request: Box<Request> },
}

/// The most records one CSV import may propose as change requests (each is a request people
/// decide); a larger file is refused, saying so.
pub const MAX_PROPOSED: usize = 100;

impl Keel {
    /// What becomes of `writer` writing records of `record_type`: the hook every path that
    /// writes records calls first (CSV import, the REST API, integration sources).
    pub fn write_verdict(&self, record_type: &str, writer: &Writer) -> Verdict<'_> {
        verdict(&self.config.outbound.owners, record_type, writer)
    }

    /// Writes one record of `record_type` keyed `key` with `values` (every field of the type,
    /// as JSON), on behalf of `writer`: refused, written, or filed as a change request.
    pub async fn write_record(
        &self,
        record_type: &str,
        key: &str,
        values: &serde_json::Map<String, Value>,
        writer: Writer,
    ) -> Result<RecordWrite, ServiceError> {
        self.write_record_at(record_type, key, values, writer, None)
            .await
    }

    /// As [`Keel::write_record`], only while the record is at version `expected` when given
    /// (a client's `If-Match`): a write made against a superseded version would undo a change
    /// its writer never saw, so it is refused naming the current version.
    pub async fn write_record_at(
        &self,
        record_type: &str,
        key: &str,
        values: &serde_json::Map<String, Value>,
        writer: Writer,
        expected: Option<i64>,
    ) -> Result<RecordWrite, ServiceError> {
        let typed = self.record_type(record_type)?;
        let fields = check_fields(typed, key, values).map_err(UserError::InvalidForm)?;
        self.check_references(typed, &fields).await?;
        let change = ProposedChange {
            record_type: typed.name.clone(),
            key: key.to_string(),
            fields,
            writer: writer.label(),
        };
        match self.write_verdict(&typed.name, &writer) {
            Verdict::Refused(why) => Err(UserError::OwnedElsewhere(why).into()),
            Verdict::ChangeRequest {
                workflow,
                requester,
            } => {
                if let Some(expected) = expected {
                    let current = self.store.get_record(&typed.name, key).await?;
                    check_version(&change, expected, current.map_or(0, |r| r.version))?;
                }
                let person = match &writer {
                    Writer::Api { person } => person.as_str(),
                    _ => requester,
                };
                match self.propose_change(&change, workflow, person).await? {
                    Some(request) => Ok(RecordWrite::Proposed {
                        request: Box::new(request),
                    }),
                    None => Ok(RecordWrite::Written { changed: false }),
                }
            }
            Verdict::Allowed => {
                let now = self.clock.now();
                let mut tx = self.store.begin().await?;
                if let Some(expected) = expected {
                    let current = tx.lock_record_version(&typed.name, key).await?;
                    check_version(&change, expected, current)?;
                }
                let changed = self
                    .write_records(&mut tx, &change, &change.writer, now)
                    .await?;
                tx.commit().await.context("committing a record write")?;
                self.records_changed(&typed.name);
                self.alerts_after_change(&[&typed.name]).await;
                // Its change may owe payloads: wake the deliverers.
                self.bell.ring();
                Ok(RecordWrite::Written { changed })
            }
        }
    }

    /// Files `change` as a request of `workflow` by `requester`; `None` when the record already
    /// holds those values (there is nothing to decide).
    pub(super) async fn propose_change(
        &self,
        change: &ProposedChange,
        workflow: &str,
        requester: &str,
    ) -> Result<Option<Request>, ServiceError> {
        let current = self
            .store
            .get_record(&change.record_type, &change.key)
            .await?;
        let typed = self.record_type(&change.record_type)?;
        let Some(changes) = describe_changes(typed, current.map(|r| r.fields), &change.fields)
        else {
            return Ok(None);
        };
        let new = NewRequest {
            workflow: workflow.to_string(),
            requester: requester.to_string(),
            fields: vec![
                (
                    "record".into(),
                    Value::from(format!("{} {}", change.record_type, change.key)),
                ),
                ("changes".into(), Value::from(changes)),
            ],
            idempotency_key: None,
        };
        self.submit_filing(new, Some(change)).await.map(Some)
    }

    /// A CSV import of records another system owns, filed as change requests: one per record
    /// the file would change (at most [`MAX_PROPOSED`]), nothing written until approved.
    pub(super) async fn propose_import(
        &self,
        typed: &RecordType,
        path: &Path,
        workflow: &str,
        requester: &str,
    ) -> Result<TypeReport, ServiceError> {
        let refused = |problems: String| {
            UserError::Invalid(format!(
                "{}: nothing was imported.\n{problems}",
                path.display()
            ))
        };
        let file = std::fs::File::open(path)
            .map_err(|e| UserError::Invalid(format!("Cannot read {}: {e}", path.display())))?;
        let rows = parse_records(typed, std::io::BufReader::new(file))
            .map_err(|problems| refused(problems.to_string()))?;
        let stored: BTreeMap<String, Fields> = self
            .store
            .list_records(&typed.name)
            .await?
            .into_iter()
            .map(|record| (record.key, record.fields))
            .collect();
        let total = rows.len();
        let changed: Vec<(String, Fields)> = rows
            .into_iter()
            .filter(|(key, fields)| stored.get(key) != Some(fields))
            .collect();
        if changed.len() > MAX_PROPOSED {
            return Err(refused(format!(
                "{} records are owned by another system, so each change becomes a change request, and this file changes {} of them (at most {MAX_PROPOSED} at once). Change them in the owning system, or import a smaller file.",
                typed.name,
                changed.len()
            ))
            .into());
        }
        for (_, fields) in &changed {
            self.check_references(typed, fields).await?;
        }
        let mut proposed = Vec::new();
        for (key, fields) in changed {
            let change = ProposedChange {
                record_type: typed.name.clone(),
                key,
                fields,
                writer: Writer::CsvImport.label(),
            };
            if let Some(request) = self.propose_change(&change, workflow, requester).await? {
                proposed.push(request.id);
            }
        }
        let unchanged = total - proposed.len();
        Ok(TypeReport {
            record_type: typed.name.clone(),
            file: path.to_path_buf(),
            inserted: 0,
            updated: 0,
            unchanged,
            proposed,
        })
    }

    /// The record type `name`, or a 404-kind error listing the types.
    pub(super) fn record_type(&self, name: &str) -> Result<&RecordType, UserError> {
        self.config
            .schema
            .get(name)
            .ok_or_else(|| UserError::UnknownRecordType {
                name: crate::engine::form::truncate(name, 40),
                known: self
                    .config
                    .schema
                    .types
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Every `ref` field names a stored record.
    async fn check_references(
        &self,
        typed: &RecordType,
        fields: &Fields,
    ) -> Result<(), ServiceError> {
        let mut errors = Vec::new();
        for field in &typed.fields {
            let (FieldType::Ref(target), Some(Value::String(key))) =
                (&field.field_type, fields.get(&field.name))
            else {
                continue;
            };
            if self.store.get_record(target, key).await?.is_none() {
                errors.push(FieldError {
                    field: field.name.clone(),
                    message: format!("there is no {target} `{key}`"),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(UserError::InvalidForm(errors).into())
        }
    }

    /// Forgets what caches hold of `record_type` after its records changed.
    pub(super) fn records_changed(&self, record_type: &str) {
        if record_type == self.config.directory.record {
            self.directory.invalidate();
        }
        self.labels.invalidate();
    }
}

/// Ok when the record `change` writes is at version `expected`.
fn check_version(change: &ProposedChange, expected: i64, current: i64) -> Result<(), UserError> {
    if expected == current {
        return Ok(());
    }
    Err(UserError::StaleVersion {
        record_type: change.record_type.clone(),
        key: change.key.clone(),
        expected,
        current,
    })
}

/// `values` checked against the type: every field known, each value of its type, required ones
/// present, the key fields giving `key`.
fn check_fields(
    typed: &RecordType,
    key: &str,
    values: &serde_json::Map<String, Value>,
) -> Result<Fields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields = Fields::new();
    let error = |field: &str, message: String| FieldError {
        field: field.to_string(),
        message,
    };
    for (name, value) in values {
        let Some(field) = typed.field(name) else {
            let known: Vec<&str> = typed.fields.iter().map(|f| f.name.as_str()).collect();
            let listed = known.join(", ");
            errors.push(error(
                name,
                format!(
                    "{} records have no such field; their fields are {listed}",
                    typed.name
                ),
            ));
            continue;
        };
        match field.field_type.canonicalize(value) {
            Ok(Some(value)) => {
                fields.insert(name.clone(), value);
            }
            Ok(None) => {}
            Err(why) => errors.push(error(name, why)),
        }
    }
    for field in typed.fields.iter().filter(|f| f.required) {
        if !fields.contains_key(&field.name) {
            errors.push(error(&field.name, "is required".into()));
        }
    }
    if errors.is_empty() && typed.key_of(&fields).as_deref() != Some(key) {
        let named = typed.key.join(", ");
        errors.push(error(
            &named,
            format!("the key fields must give `{key}`, the key in the address"),
        ));
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

/// "field: old → new" for every field that differs, one per line; `None` when none does.
fn describe_changes(typed: &RecordType, before: Option<Fields>, after: &Fields) -> Option<String> {
    let before = before.unwrap_or_default();
    let shown = |value: Option<&Value>| match value {
        None | Some(Value::Null) => "(empty)".to_string(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let lines: Vec<String> = typed
        .fields
        .iter()
        .filter(|f| before.get(&f.name) != after.get(&f.name))
        .map(|f| {
            format!(
                "{}: {} → {}",
                f.name,
                shown(before.get(&f.name)),
                shown(after.get(&f.name))
            )
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}
