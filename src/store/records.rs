//! Records and their versions: the bulk upsert behind CSV imports, and the reads.

use super::facts::{FactTable, SumsDelta};
use super::facts_write::FactRow;
use super::sql::{from_json, parse_ts, to_json, ts, value_tuples};
use super::statement::{Row, Statement};
use super::{Backend, Store, Tx, UpsertCounts};
use crate::domain::{Fields, Record};
use crate::sync::targets::queue::RecordChange;
use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;

/// A chunk of at least this many changed records is a bulk load…
const BULK_CHUNK: usize = 1_000;

/// …and when fewer records of the type were stored before, its fact indexes are dropped and
/// built again at the end ([`super::facts::FactTable::drop_index_statements`]). Above it,
/// rebuilding them would cost more than the load saves.
const REINDEX_BELOW: usize = 50_000;

/// A record from a row of `type, key, version, data, at`.
pub(super) fn record_from_row(row: Row) -> Result<Record> {
    let mut columns = row.columns();
    let record_type = columns.text()?;
    let key = columns.text()?;
    let version = columns.int()?;
    let data = columns.text()?;
    let at = columns.text()?;
    Ok(Record {
        fields: from_json(&data, "record fields")?,
        updated_at: parse_ts(&at)?,
        record_type,
        key,
        version,
    })
}

/// One row to write: its key, the version it gets, its fields as JSON text, when and from where.
struct Change<'a> {
    key: &'a str,
    fields: &'a Fields,
    version: i64,
    data: String,
    at: &'a str,
    source: &'a str,
}

impl Store {
    /// A record at its current version.
    pub async fn get_record(&self, record_type: &str, key: &str) -> Result<Option<Record>> {
        let read = Statement::new(
            "select type, key, version, data, updated_at as at from records \
             where type = $1 and key = $2",
            format!("reading record {record_type} {key}"),
        )
        .bind(record_type)
        .bind(key);
        let row = self.read(read).await?.into_iter().next();
        row.map(record_from_row).transpose()
    }

    /// The keys of every record of a type (what reference checks need, without the data).
    pub async fn record_keys(&self, record_type: &str) -> Result<Vec<String>> {
        let read = Statement::new(
            "select key from records where type = $1",
            format!("listing keys of type {record_type}"),
        )
        .bind(record_type)
        .bulk();
        let rows = self.read(read).await?;
        rows.into_iter().map(|row| row.columns().text()).collect()
    }

    /// Every record of a type at its current version, by key.
    pub async fn list_records(&self, record_type: &str) -> Result<Vec<Record>> {
        let read = Statement::new(
            "select type, key, version, data, updated_at as at from records \
             where type = $1 order by key",
            format!("listing records of type {record_type}"),
        )
        .bind(record_type)
        .bulk();
        let rows = self.read(read).await?;
        rows.into_iter().map(record_from_row).collect()
    }

    /// Every stored version of a record, oldest first: the superseded ones kept in
    /// `record_versions`, then the current one.
    pub async fn record_history(&self, record_type: &str, key: &str) -> Result<Vec<Record>> {
        let read = Statement::new(
            "select type, key, version, data, changed_at as at from record_versions \
             where type = $1 and key = $2 \
             union all \
             select type, key, version, data, updated_at as at from records \
             where type = $1 and key = $2 order by version",
            format!("reading the history of record {record_type} {key}"),
        )
        .bind(record_type)
        .bind(key);
        let rows = self.read(read).await?;
        rows.into_iter().map(record_from_row).collect()
    }
}

/// What is stored of one record type, read once for an import that writes it in chunks.
pub struct StoredRecords {
    record_type: String,
    /// Key → version and data as stored before the import.
    before: HashMap<String, (i64, String)>,
    /// The keys written by earlier chunks, which a later chunk may not repeat.
    written: HashSet<String>,
    /// The type's fact tables, written with its records.
    facts: Option<Arc<FactTable>>,
    /// What the chunks written so far do to the type's sums, written once at the end
    /// ([`Tx::finish_upsert`]): on Postgres every update of a row leaves a dead version
    /// behind, and a million-record import would leave hundreds per row.
    sums: SumsDelta,
    /// The fact indexes were dropped for a bulk load, to be built again at the end.
    reindex: bool,
    /// The records written with a new version, when someone asked (outbound rules watch the
    /// type): see [`StoredRecords::track_changes`].
    changes: Option<Vec<RecordChange>>,
}

impl StoredRecords {
    /// Keeps every record the upsert writes with a new version, with its fields before, for
    /// [`StoredRecords::take_changes`].
    pub fn track_changes(&mut self) {
        self.changes.get_or_insert_with(Vec::new);
    }

    /// The records written with a new version since the last call (none unless tracked).
    pub fn take_changes(&mut self) -> Vec<RecordChange> {
        self.changes
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

impl Tx {
    /// Writes records of one type: new keys at version 1, changed ones at their version + 1 (each
    /// with a row in the history), identical ones untouched. A key may repeat in `rows` (later
    /// rows compare against earlier ones).
    pub async fn upsert_records(
        &mut self,
        record_type: &str,
        rows: &[(String, Fields)],
        at: DateTime<Utc>,
        source: &str,
    ) -> Result<UpsertCounts> {
        let written = self.upsert_among(record_type, rows, at, source, false);
        Ok(written.await?.0)
    }

    /// As [`Tx::upsert_records`]; with `noting`, the records it wrote with a new version (for
    /// the sync-out rules that watch the type).
    pub async fn upsert_records_noting(
        &mut self,
        record_type: &str,
        rows: &[(String, Fields)],
        at: DateTime<Utc>,
        source: &str,
        noting: bool,
    ) -> Result<Vec<RecordChange>> {
        let written = self.upsert_among(record_type, rows, at, source, noting);
        Ok(written.await?.1)
    }

    /// Upserts `rows`, reading only the stored records of their keys.
    async fn upsert_among(
        &mut self,
        record_type: &str,
        rows: &[(String, Fields)],
        at: DateTime<Utc>,
        source: &str,
        noting: bool,
    ) -> Result<(UpsertCounts, Vec<RecordChange>)> {
        let mut keys: Vec<&str> = rows.iter().map(|(key, _)| key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut stored = self.stored_records_among(record_type, Some(&keys)).await?;
        if noting {
            stored.track_changes();
        }
        let counts = self.upsert_chunk(&mut stored, rows, at, source).await?;
        let changes = stored.take_changes();
        self.finish_upsert(stored).await?;
        Ok((counts, changes))
    }

    /// Reads what is stored of a record type (and, on Postgres, keeps other imports of the type
    /// out until this transaction ends), for [`Tx::upsert_chunk`].
    pub async fn stored_records(&mut self, record_type: &str) -> Result<StoredRecords> {
        self.stored_records_among(record_type, None).await
    }

    /// As [`Tx::stored_records`], reading only the records of `keys` when given: an upsert of
    /// a few records (an inbound event's) need not read the whole type.
    async fn stored_records_among(
        &mut self,
        record_type: &str,
        keys: Option<&[&str]>,
    ) -> Result<StoredRecords> {
        if self.backend == Backend::Postgres {
            // Two imports of one type at once would both compute the same next versions.
            let lock = Statement::new(
                "select pg_advisory_xact_lock(hashtext($1))",
                "locking the record type for an upsert",
            )
            .bind(format!("keel.records.{record_type}"));
            self.write(lock).await?;
        }
        let doing = format!("reading stored records of type {record_type}");
        let reads: Vec<Statement> = match keys {
            None => vec![
                Statement::new(
                    "select key, version, data from records where type = $1",
                    doing,
                )
                .bind(record_type)
                .bulk(),
            ],
            Some(keys) => keys
                .chunks(self.backend.rows_per_statement(1))
                .map(|chunk| {
                    let listed: Vec<String> =
                        (2..chunk.len() + 2).map(|n| format!("${n}")).collect();
                    let sql = format!(
                        "select key, version, data from records where type = $1 and key in ({})",
                        listed.join(", ")
                    );
                    let mut read = Statement::new(sql, doing.clone()).bind(record_type);
                    for key in chunk {
                        read.push(*key);
                    }
                    read
                })
                .collect(),
        };
        let mut before = HashMap::new();
        for read in reads {
            for row in self.fetch(read).await? {
                let mut columns = row.columns();
                before.insert(columns.text()?, (columns.int()?, columns.text()?));
            }
        }
        Ok(StoredRecords {
            record_type: record_type.to_string(),
            before,
            written: HashSet::new(),
            facts: self.fact_table(record_type),
            sums: SumsDelta::default(),
            reindex: false,
            changes: None,
        })
    }

    /// Writes one chunk of an import, as [`Tx::upsert_records`] does, against what was stored
    /// before the import: built for files of many thousand rows, read in chunks so that memory
    /// stays bounded, with multi-row statements. A key written by an earlier chunk is refused
    /// (the CSV reader guarantees unique keys per file).
    pub async fn upsert_chunk(
        &mut self,
        stored: &mut StoredRecords,
        rows: &[(String, Fields)],
        at: DateTime<Utc>,
        source: &str,
    ) -> Result<UpsertCounts> {
        let record_type = stored.record_type.clone();
        if let Some((key, _)) = rows.iter().find(|(key, _)| stored.written.contains(key)) {
            bail!("record {record_type} `{key}` was already written by this import");
        }
        let at = ts(&at);
        let mut counts = UpsertCounts::default();
        // Every new version, and per key the index of its last one (a key may repeat in `rows`;
        // later rows compare against earlier ones). Versions a newer one supersedes go to the
        // history: the stored one the first time a key changes (copied by the database), then
        // earlier ones of this call.
        let mut versions: Vec<Change> = Vec::new();
        let mut superseded: Vec<Change> = Vec::new();
        let mut archived: Vec<&str> = Vec::new();
        let mut latest: HashMap<&str, usize> = HashMap::new();
        for (key, fields) in rows {
            let data = to_json(fields)?;
            let before = match latest.get(key.as_str()) {
                Some(&i) => Some((versions[i].version, versions[i].data.as_str())),
                None => stored
                    .before
                    .get(key.as_str())
                    .map(|(version, data)| (*version, data.as_str())),
            };
            let version = match before {
                Some((_, before)) if before == data => {
                    counts.unchanged += 1;
                    continue;
                }
                Some((version, _)) => {
                    counts.updated += 1;
                    version + 1
                }
                None => {
                    counts.inserted += 1;
                    1
                }
            };
            match latest.get(key.as_str()) {
                Some(&i) => superseded.push(Change {
                    data: versions[i].data.clone(),
                    ..versions[i]
                }),
                None if stored.before.contains_key(key.as_str()) => archived.push(key),
                None => {}
            }
            latest.insert(key, versions.len());
            versions.push(Change {
                key,
                fields,
                version,
                data,
                at: &at,
                source,
            });
        }
        stored
            .written
            .extend(rows.iter().map(|(key, _)| key.clone()));

        // The records table gets each key's last version only (one statement may not upsert a
        // row twice on Postgres), in key order.
        let mut heads: Vec<&Change> = latest.values().map(|&i| &versions[i]).collect();
        heads.sort_unstable_by_key(|c| c.key);
        if let Some(changes) = stored.changes.as_mut() {
            for head in &heads {
                let before = match stored.before.get(head.key) {
                    Some((_, data)) => Some(from_json(data, "record fields")?),
                    None => None,
                };
                changes.push(RecordChange {
                    key: head.key.to_string(),
                    version: head.version,
                    fields: head.fields.clone(),
                    before,
                });
            }
        }
        let record_type = record_type.as_str();
        let batch = self.backend.rows_per_statement(6);
        for chunk in archived.chunks(batch) {
            let keys = value_tuples(self.backend, chunk.len(), 1);
            let sql = format!(
                "insert into record_versions (type, key, version, data, changed_at, source) \
                 select type, key, version, data, updated_at, source from records \
                 where key in ({}) and type = {}",
                keys.replace(['(', ')'], ""),
                self.backend.param(chunk.len() + 1)
            );
            let doing = format!("keeping the history of changed {record_type} records");
            let mut copy = Statement::new(sql, doing).bulk();
            for key in chunk {
                copy.push(*key);
            }
            self.write(copy.bind(record_type)).await?;
        }
        // What the chunk does to the sums is worked out while the database writes the records.
        let (written, added) = tokio::join!(self.write_heads(record_type, &heads, batch), async {
            add_to_sums(stored, &heads)
        });
        written?;
        added?;
        for chunk in superseded.chunks(batch) {
            let sql = format!(
                "insert into record_versions (type, key, version, data, changed_at, source) \
                 values {}",
                value_tuples(self.backend, chunk.len(), 6)
            );
            let doing = format!("writing record history of type {record_type}");
            self.write_changes(Statement::new(sql, doing), record_type, chunk.iter())
                .await?;
        }
        if let Some(table) = stored.facts.clone() {
            if !stored.reindex && heads.len() >= BULK_CHUNK && stored.before.len() < REINDEX_BELOW {
                for sql in table.drop_index_statements() {
                    let doing = format!("dropping a fact index of {record_type} for a bulk load");
                    self.write(Statement::new(sql, doing)).await?;
                }
                stored.reindex = true;
            }
            let rows: Vec<FactRow> = heads
                .iter()
                .map(|head| FactRow {
                    key: head.key,
                    fields: head.fields,
                })
                .collect();
            self.write_facts(&table, &rows).await?;
        }
        Ok(counts)
    }

    /// Ends an upsert written with [`Tx::upsert_chunk`]: writes what it did to the type's
    /// sums. Call it before committing, or the sums will not match the records.
    pub async fn finish_upsert(&mut self, stored: StoredRecords) -> Result<()> {
        let Some(table) = &stored.facts else {
            return Ok(());
        };
        if stored.reindex {
            self.build_fact_indexes(table).await?;
        }
        self.write_sums(table, stored.sums).await
    }

    /// Writes each key's last version to `records`.
    async fn write_heads(
        &mut self,
        record_type: &str,
        heads: &[&Change<'_>],
        batch: usize,
    ) -> Result<()> {
        for chunk in heads.chunks(batch) {
            let sql = format!(
                "insert into records (type, key, version, data, updated_at, source) values {} \
                 on conflict (type, key) do update set version = excluded.version, \
                 data = excluded.data, updated_at = excluded.updated_at, source = excluded.source",
                value_tuples(self.backend, chunk.len(), 6)
            );
            let doing = format!("writing records of type {record_type}");
            self.write_changes(
                Statement::new(sql, doing),
                record_type,
                chunk.iter().copied(),
            )
            .await?;
        }
        Ok(())
    }

    async fn write_changes<'c>(
        &mut self,
        statement: Statement,
        record_type: &str,
        changes: impl Iterator<Item = &'c Change<'c>>,
    ) -> Result<()> {
        let mut statement = statement.bulk();
        for change in changes {
            statement.push(record_type);
            statement.push(change.key);
            statement.push(change.version);
            statement.push(change.data.as_str());
            statement.push(change.at);
            statement.push(change.source);
        }
        self.write(statement).await
    }
}

/// Adds what the new versions change to the pending sums of the type's fact tables: each
/// record's stored version out, its new one in.
fn add_to_sums(stored: &mut StoredRecords, heads: &[&Change<'_>]) -> Result<()> {
    let Some(table) = stored.facts.clone() else {
        return Ok(());
    };
    for head in heads {
        if let Some((_, before)) = stored.before.get(head.key) {
            let before: Fields = from_json(before, "record fields")?;
            stored.sums.add(&table, &before, -1);
        }
        stored.sums.add(&table, head.fields, 1);
    }
    Ok(())
}
