//! Importing records from CSV: validated as a whole (every row, every reference), written in one
//! transaction per file, idempotent (an unchanged row changes nothing and makes no version).

use super::{Keel, ServiceError, UserError};
use crate::domain::{FieldType, Fields, RecordType};
use crate::store::UpsertCounts;
use crate::sync::targets::ownership::{Verdict, Writer};
use crate::sync::targets::queue;
use crate::sync::{CsvProblems, RecordReader};
use anyhow::Context as _;
use foldhash::HashSet;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Changed records after which an import vacuums and analyzes the type's fact tables
/// ([`crate::store::Store::settle_facts`]).
const SETTLE_AFTER: usize = 10_000;

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeReport {
    pub record_type: String,
    pub file: PathBuf,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Change requests filed instead of writes, when another system owns the records.
    pub proposed: Vec<String>,
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

/// Rows read, checked and written at a time: memory stays bounded and is reused, however large
/// the file.
const IMPORT_CHUNK: usize = 5_000;

impl Keel {
    /// Imports one CSV file of `record_type`: all rows or none.
    pub async fn import_file(
        &self,
        record_type: &str,
        path: &Path,
    ) -> Result<TypeReport, ServiceError> {
        self.import_file_shifted(record_type, path, 0).await
    }

    /// As [`Keel::import_file`], with every date and timestamp moved by `weeks`
    /// ([`crate::sync::shift`]).
    async fn import_file_shifted(
        &self,
        record_type: &str,
        path: &Path,
        weeks: i64,
    ) -> Result<TypeReport, ServiceError> {
        let schema = &self.config.schema;
        let record_type = schema.get(record_type).ok_or_else(|| {
            let known: Vec<&str> = schema.types.keys().map(String::as_str).collect();
            UserError::Invalid(format!(
                "There is no record type `{record_type}`. The types are: {}.",
                known.join(", ")
            ))
        })?;
        match self.write_verdict(&record_type.name, &Writer::CsvImport) {
            Verdict::Allowed => {}
            Verdict::Refused(why) => return Err(UserError::OwnedElsewhere(why).into()),
            Verdict::ChangeRequest {
                workflow,
                requester,
            } => {
                return self
                    .propose_import(record_type, path, workflow, requester)
                    .await;
            }
        }
        let file = std::fs::File::open(path)
            .map_err(|e| UserError::Invalid(format!("Cannot read {}: {e}", path.display())))?;
        let refused = |problems: String| {
            UserError::Invalid(format!(
                "{}: nothing was imported.\n{problems}",
                path.display()
            ))
        };
        // The file is parsed on a thread of its own, a few chunks ahead of the writes.
        let (sender, mut chunks) = tokio::sync::mpsc::channel(2);
        let parsing = record_type.clone();
        let parser = tokio::task::spawn_blocking(move || {
            let mut reader =
                RecordReader::open(parsing, std::io::BufReader::new(file))?.shifted_by_weeks(weeks);
            loop {
                let rows = reader.next_rows(IMPORT_CHUNK);
                if rows.is_empty() {
                    break;
                }
                // Once a row has a problem nothing will be written; the rest is read for its
                // problems only.
                let chunk = (!reader.has_problems()).then_some(rows);
                if sender.blocking_send(chunk).is_err() {
                    break;
                }
            }
            Ok(reader)
        });
        let mut references = References::load(self, record_type).await?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut stored = tx.stored_records(&record_type.name).await?;
        if queue::watches(&self.config.outbound, &record_type.name) {
            stored.track_changes();
        }
        let mut counts = UpsertCounts::default();
        let mut row_number = 1;
        // Written chunk by chunk in one transaction: a problem anywhere undoes it all (the
        // transaction is dropped).
        while let Some(chunk) = chunks.recv().await {
            let Some(rows) = chunk else {
                continue;
            };
            references.check(&rows, row_number);
            row_number += rows.len();
            if references.has_problems() {
                continue;
            }
            let chunk = tx.upsert_chunk(&mut stored, &rows, now, "import").await?;
            let changes = stored.take_changes();
            self.queue_record_webhooks(&mut tx, &record_type.name, &changes, now)
                .await?;
            counts.inserted += chunk.inserted;
            counts.updated += chunk.updated;
            counts.unchanged += chunk.unchanged;
        }
        let reader = parser
            .await
            .context("the task reading the file failed")?
            .map_err(|problems: CsvProblems| refused(problems.to_string()))?;
        references.resolve_own(|key| reader.has_key(key));
        reader
            .finish()
            .map_err(|problems| refused(problems.to_string()))?;
        references.finish().map_err(refused)?;
        tx.finish_upsert(stored).await?;
        tx.commit()
            .await
            .with_context(|| format!("committing the import of {}", path.display()))?;
        self.records_changed(&record_type.name);
        self.alerts_after_change(&[&record_type.name]).await;
        self.bell.ring();
        if counts.inserted + counts.updated >= SETTLE_AFTER {
            // Committed already: a failure here only leaves the tables to autovacuum.
            if let Err(error) = self.store.settle_facts(&record_type.name).await {
                tracing::warn!("after importing {}: {error:#}", record_type.name);
            }
        }
        Ok(TypeReport {
            record_type: record_type.name.clone(),
            file: path.to_path_buf(),
            inserted: counts.inserted,
            updated: counts.updated,
            unchanged: counts.unchanged,
            proposed: Vec::new(),
        })
    }

    /// Imports every record type that has a file in `dir` (`staff.csv`, `clients.csv`…), records
    /// before the records that refer to them, then turns history records into requests.
    pub async fn import_all(&self, dir: &Path) -> Result<ImportReport, ServiceError> {
        self.import_all_shifted(dir, 0).await
    }

    /// As [`Keel::import_all`], with every date and timestamp of every file moved by `weeks`,
    /// so the history made from them moves too (`keel demo` brings its history up to date this
    /// way). The files are left as they are.
    pub async fn import_all_shifted(
        &self,
        dir: &Path,
        weeks: i64,
    ) -> Result<ImportReport, ServiceError> {
        let mut report = ImportReport::default();
        for record_type in dependency_order(&self.config.schema.types) {
            if let Some(file) = file_for(dir, &record_type.name) {
                report.types.push(
                    self.import_file_shifted(&record_type.name, &file, weeks)
                        .await?,
                );
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
}

/// Checks that an import's references point at records: stored ones, or, for a type that
/// refers to itself (a manager is staff too), rows of the same file, which may come later.
struct References<'a> {
    record_type: &'a RecordType,
    /// Per referenced type, the keys stored.
    known: BTreeMap<&'a str, HashSet<String>>,
    /// References to the file's own type not stored yet: (row, field, key), settled at the end.
    own: Vec<(usize, &'a str, String)>,
    problems: Vec<String>,
    total: usize,
}

impl<'a> References<'a> {
    async fn load(keel: &Keel, record_type: &'a RecordType) -> anyhow::Result<References<'a>> {
        let mut known = BTreeMap::new();
        for field in &record_type.fields {
            if let FieldType::Ref(target) = &field.field_type
                && !known.contains_key(target.as_str())
            {
                let keys: HashSet<String> =
                    keel.store.record_keys(target).await?.into_iter().collect();
                known.insert(target.as_str(), keys);
            }
        }
        Ok(References {
            record_type,
            known,
            own: Vec::new(),
            problems: Vec::new(),
            total: 0,
        })
    }

    /// Checks a chunk of rows whose first is on row `first_row` of the file (after the header).
    fn check(&mut self, rows: &[(String, Fields)], first_row: usize) {
        for field in &self.record_type.fields {
            let FieldType::Ref(target) = &field.field_type else {
                continue;
            };
            let keys = &self.known[target.as_str()];
            for (index, (_, fields)) in rows.iter().enumerate() {
                let Some(value) = fields.get(&field.name).and_then(|v| v.as_str()) else {
                    continue;
                };
                if keys.contains(value) {
                    continue;
                }
                let row = first_row + index + 1;
                if *target == self.record_type.name {
                    self.own.push((row, &field.name, value.to_string()));
                } else {
                    self.total += 1;
                    if self.problems.len() < MAX_LISTED {
                        self.problems.push(missing(row, &field.name, target, value));
                    }
                }
            }
        }
    }

    /// Settles the references to the file's own type, given the keys the file holds.
    fn resolve_own(&mut self, in_file: impl Fn(&str) -> bool) {
        let target = &self.record_type.name;
        for (row, field, key) in std::mem::take(&mut self.own) {
            if !in_file(&key) {
                self.missing(row, field, target, &key);
            }
        }
    }

    fn missing(&mut self, row: usize, field: &str, target: &str, value: &str) {
        self.total += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(missing(row, field, target, value));
        }
    }

    fn has_problems(&self) -> bool {
        self.total > 0
    }

    fn finish(mut self) -> Result<(), String> {
        if self.total == 0 {
            return Ok(());
        }
        if self.total > self.problems.len() {
            let more = self.total - self.problems.len();
            self.problems.push(format!("… and {more} more"));
        }
        Err(self.problems.join("\n"))
    }
}

fn missing(row: usize, field: &str, target: &str, value: &str) -> String {
    format!(
        "row {row}, column {field}: {}",
        missing_reference(target, value)
    )
}

/// What a reference to a record keel does not hold is told, in an import and in an inbound
/// source's mapping alike.
pub(super) fn missing_reference(target: &str, value: &str) -> String {
    format!("there is no {target} `{value}` (import {target} records first)")
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
