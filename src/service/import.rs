//! Importing records from CSV: validated as a whole (every row, every reference), written in one
//! transaction per file, idempotent (an unchanged row changes nothing and makes no version).

use super::{Keel, ServiceError, UserError};
use crate::domain::{FieldType, Fields, RecordType};
use crate::sync::csv::parse_records;
use anyhow::Context as _;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeReport {
    pub record_type: String,
    pub file: PathBuf,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl TypeReport {
    pub fn changes(&self) -> usize {
        self.inserted + self.updated
    }
}

/// What importing a whole company did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub types: Vec<TypeReport>,
    /// Past requests created from history records.
    pub requests_created: usize,
    /// Past requests already present (left as they are).
    pub requests_unchanged: usize,
}

impl ImportReport {
    pub fn changes(&self) -> usize {
        self.types.iter().map(TypeReport::changes).sum::<usize>() + self.requests_created
    }
}

/// At most this many reference problems are listed.
const MAX_LISTED: usize = 20;

impl Keel {
    /// Imports one CSV file of `record_type`: all rows or none.
    pub async fn import_file(
        &self,
        record_type: &str,
        path: &Path,
    ) -> Result<TypeReport, ServiceError> {
        let schema = &self.config.schema;
        let record_type = schema.get(record_type).ok_or_else(|| {
            let known: Vec<&str> = schema.types.keys().map(String::as_str).collect();
            UserError::Invalid(format!(
                "There is no record type `{record_type}`. The types are: {}.",
                known.join(", ")
            ))
        })?;
        let file = std::fs::File::open(path)
            .map_err(|e| UserError::Invalid(format!("Cannot read {}: {e}", path.display())))?;
        let rows =
            parse_records(record_type, std::io::BufReader::new(file)).map_err(|problems| {
                UserError::Invalid(format!(
                    "{}: nothing was imported.\n{problems}",
                    path.display()
                ))
            })?;
        self.check_references(record_type, &rows)
            .await?
            .map_err(|problems| {
                UserError::Invalid(format!(
                    "{}: nothing was imported.\n{problems}",
                    path.display()
                ))
            })?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let counts = tx
            .upsert_records(&record_type.name, &rows, now, "import")
            .await?;
        tx.commit()
            .await
            .with_context(|| format!("committing the import of {}", path.display()))?;
        if record_type.name == self.config.directory.record {
            self.directory.invalidate();
        }
        Ok(TypeReport {
            record_type: record_type.name.clone(),
            file: path.to_path_buf(),
            inserted: counts.inserted,
            updated: counts.updated,
            unchanged: counts.unchanged,
        })
    }

    /// Imports every record type that has a file in `dir` (`staff.csv`, `clients.csv`…), records
    /// before the records that refer to them, then turns history records into requests.
    pub async fn import_all(&self, dir: &Path) -> Result<ImportReport, ServiceError> {
        let mut report = ImportReport::default();
        for record_type in dependency_order(&self.config.schema.types) {
            if let Some(file) = file_for(dir, &record_type.name) {
                report
                    .types
                    .push(self.import_file(&record_type.name, &file).await?);
            }
        }
        if report.types.is_empty() {
            return Err(UserError::Invalid(format!(
                "{} holds no CSV file named after a record type (such as staff.csv or projects.csv)",
                dir.display()
            ))
            .into());
        }
        let (created, unchanged) = self.import_history().await?;
        report.requests_created = created;
        report.requests_unchanged = unchanged;
        Ok(report)
    }

    /// Every `ref` cell must name a record that exists, in the store or in this same file.
    async fn check_references(
        &self,
        record_type: &RecordType,
        rows: &[(String, Fields)],
    ) -> anyhow::Result<Result<(), String>> {
        let mut problems = Vec::new();
        let mut total = 0;
        let mut known: BTreeMap<&str, HashSet<String>> = BTreeMap::new();
        for field in &record_type.fields {
            let FieldType::Ref(target) = &field.field_type else {
                continue;
            };
            if !known.contains_key(target.as_str()) {
                let mut keys: HashSet<String> =
                    self.store.record_keys(target).await?.into_iter().collect();
                if *target == record_type.name {
                    keys.extend(rows.iter().map(|(key, _)| key.clone()));
                }
                known.insert(target, keys);
            }
            let keys = &known[target.as_str()];
            for (index, (_, fields)) in rows.iter().enumerate() {
                let Some(value) = fields.get(&field.name).and_then(|v| v.as_str()) else {
                    continue;
                };
                if !keys.contains(value) {
                    total += 1;
                    if problems.len() < MAX_LISTED {
                        problems.push(format!(
                            "row {}, column {}: there is no {target} `{value}` (import {target} records first)",
                            index + 2,
                            field.name
                        ));
                    }
                }
            }
        }
        if total > problems.len() {
            problems.push(format!("… and {} more", total - problems.len()));
        }
        Ok(if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        })
    }
}

/// Record types ordered so that a type comes after the types it refers to.
fn dependency_order(types: &BTreeMap<String, RecordType>) -> Vec<&RecordType> {
    let mut ordered: Vec<&RecordType> = Vec::new();
    let mut remaining: Vec<&RecordType> = types.values().collect();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|t| {
            t.fields.iter().all(|f| match &f.field_type {
                FieldType::Ref(target) => {
                    target == &t.name
                        || !types.contains_key(target)
                        || ordered.iter().any(|o| &o.name == target)
                }
                _ => true,
            })
        });
        // A cycle between types: take the next one by name; its references are checked anyway.
        let next = remaining.remove(ready.unwrap_or(0));
        ordered.push(next);
    }
    ordered
}

/// The CSV file for a record type: `staff.csv`, `projects.csv`, `time_entries.csv`…
fn file_for(dir: &Path, record_type: &str) -> Option<PathBuf> {
    let mut names = vec![
        format!("{record_type}.csv"),
        format!("{record_type}s.csv"),
        format!("{record_type}es.csv"),
    ];
    if let Some(stem) = record_type.strip_suffix('y') {
        names.push(format!("{stem}ies.csv"));
    }
    names.into_iter().map(|n| dir.join(n)).find(|p| p.is_file())
}
