//! Keeping the fact tables in step with `records`: written in the transaction that writes the
//! records, and built again from the records when records.toml changes their shape.

use super::facts::{FactTable, SumsDelta, column_value, registered, table_names};
use super::sql::{from_json, value_tuples};
use super::statement::{Param, Statement};
use super::{Backend, Store, Tx};
use crate::domain::{FieldType, Fields, RecordSchema};
use crate::engine::request_facts;
use anyhow::Result;
use std::collections::HashMap;
use std::sync::Arc;

/// Records read at a time when the tables are built again.
const REBUILD_PAGE: i64 = 10_000;

/// One record's fields as they now are, to be written to its fact row.
pub(super) struct FactRow<'a> {
    pub key: &'a str,
    pub fields: &'a Fields,
}

impl Tx {
    /// Writes the fact rows of changed records (new, or replacing theirs).
    pub(super) async fn write_facts(
        &mut self,
        table: &FactTable,
        rows: &[FactRow<'_>],
    ) -> Result<()> {
        let columns = table.fields.len() + 1;
        let batch = self.backend.rows_per_statement(columns);
        let names: Vec<&str> = table.fields.iter().map(|f| f.column.as_str()).collect();
        let update = if names.is_empty() {
            "nothing".to_string()
        } else {
            let set: Vec<String> = names
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            format!("update set {}", set.join(", "))
        };
        for chunk in rows.chunks(batch) {
            let sql = format!(
                "insert into {} (key, {}) values {} on conflict (key) do {update}",
                table.facts,
                names.join(", "),
                value_tuples(self.backend, chunk.len(), columns)
            );
            let mut statement = Statement::new(
                sql,
                format!("writing the facts of {} records", table.record_type),
            )
            .bulk();
            for row in chunk {
                statement.push(row.key);
                for field in &table.fields {
                    statement.push(column_value(&field.field_type, row.fields.get(&field.name)));
                }
            }
            self.write(statement).await?;
        }
        Ok(())
    }

    /// Adds `delta` to `sums_<type>`, and drops the rows left with no record.
    pub(super) async fn write_sums(&mut self, table: &FactTable, delta: SumsDelta) -> Result<()> {
        let shrank = delta.shrank;
        let rows = delta.into_rows(table);
        let key = table.sums_key();
        let mut columns: Vec<String> = key.iter().map(|k| k.to_string()).collect();
        let mut added = vec!["n".to_string()];
        for &i in &table.measures {
            let field = &table.fields[i];
            added.push(field.column.clone());
            added.push(format!("n_{}", field.name));
        }
        columns.extend(added.iter().cloned());
        let set: Vec<String> = added
            .iter()
            .map(|c| format!("{c} = {}.{c} + excluded.{c}", table.sums))
            .collect();
        let batch = self.backend.rows_per_statement(columns.len());
        for chunk in rows.chunks(batch) {
            let sql = format!(
                "insert into {} ({}) values {} on conflict ({}) do update set {}",
                table.sums,
                columns.join(", "),
                value_tuples(self.backend, chunk.len(), columns.len()),
                key.join(", "),
                set.join(", ")
            );
            let mut statement =
                Statement::new(sql, format!("adding up {} records", table.record_type)).bulk();
            for (values, totals) in chunk {
                for value in values {
                    statement.push(value.as_str());
                }
                statement.push(totals.n);
                for (j, &i) in table.measures.iter().enumerate() {
                    statement.push(match table.fields[i].field_type {
                        FieldType::Money => Param::Int(Some(totals.sums[j].round() as i64)),
                        _ => Param::Real(Some(totals.sums[j])),
                    });
                    statement.push(totals.counts[j]);
                }
            }
            self.write(statement).await?;
        }
        if shrank {
            let sql = format!("delete from {} where n = 0", table.sums);
            let doing = format!("dropping empty sums of {} records", table.record_type);
            self.write(Statement::new(sql, doing).bulk()).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Creates the fact tables of every record type in `schema` (and builds them again from
    /// the records where records.toml changed their shape since they were built), drops those
    /// of types no longer in it, and keeps them in step with every later write.
    pub async fn track_facts(&self, schema: &RecordSchema) -> Result<()> {
        let tables = schema
            .types
            .values()
            .map(|record_type| FactTable::new(record_type, schema).map(Arc::new))
            .collect::<Result<Vec<_>>>()?;
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            // Replicas starting together build them once.
            let lock = Statement::new(
                "select pg_advisory_xact_lock(hashtext('keel.fact_tables'))",
                "waiting for another replica building the fact tables",
            );
            tx.write(lock).await?;
        }
        let read = Statement::new(
            "select record_type, definition from fact_tables",
            "reading which fact tables exist",
        );
        let mut built: HashMap<String, String> = tx
            .fetch(read)
            .await?
            .into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok((columns.text()?, columns.text()?))
            })
            .collect::<Result<_>>()?;
        for table in &tables {
            let definition = table.definition(self.backend);
            if built.remove(&table.record_type).as_ref() != Some(&definition) {
                tx.drop_facts(&table.record_type).await?;
                tx.build_facts(table, &definition).await?;
            }
        }
        // The requests' table is built from the requests, not from records.toml.
        for gone in built.keys().filter(|t| *t != request_facts::RECORD_TYPE) {
            tx.drop_facts(gone).await?;
        }
        tx.commit().await?;
        if let Ok(mut registered) = self.facts.write() {
            registered.retain(|name, _| name == request_facts::RECORD_TYPE);
            registered.extend(
                tables
                    .into_iter()
                    .map(|table| (table.record_type.clone(), table)),
            );
        }
        Ok(())
    }

    /// After many records of a type changed at once: on Postgres, vacuums and analyzes its
    /// fact tables, so that the planner knows their new size and an index alone can answer
    /// (until autovacuum gets to them, every index entry is checked against the table).
    /// SQLite needs nothing.
    pub async fn settle_facts(&self, record_type: &str) -> Result<()> {
        let Some(table) = self.fact_table(record_type) else {
            return Ok(());
        };
        if self.backend == Backend::Postgres {
            let sql = format!("vacuum (analyze) {}, {}", table.facts, table.sums);
            let doing = format!("vacuuming the fact tables of {record_type}");
            Statement::new(sql, doing).fetch_all(&self.pool).await?;
        }
        Ok(())
    }

    /// The fact tables of a record type, if [`Store::track_facts`] made them.
    pub(super) fn fact_table(&self, record_type: &str) -> Option<Arc<FactTable>> {
        registered(&self.facts, record_type)
    }
}

impl Tx {
    pub(super) fn fact_table(&self, record_type: &str) -> Option<Arc<FactTable>> {
        registered(&self.facts, record_type)
    }

    /// Creates the indexes of `facts_<type>` that are missing: after the table is filled,
    /// since sorting the entries once is several times faster than adding them one by one.
    pub(super) async fn build_fact_indexes(&mut self, table: &FactTable) -> Result<()> {
        for sql in table.index_statements() {
            let doing = format!("building a fact index of {}", table.record_type);
            self.write(Statement::new(sql, doing).bulk()).await?;
        }
        Ok(())
    }

    pub(super) async fn drop_facts(&mut self, record_type: &str) -> Result<()> {
        for table in table_names(record_type)? {
            let sql = format!("drop table if exists {table}");
            self.write(Statement::new(sql, format!("dropping {table}")))
                .await?;
        }
        let forget = Statement::new(
            "delete from fact_tables where record_type = $1",
            format!("forgetting the fact tables of {record_type}"),
        )
        .bind(record_type);
        self.write(forget).await
    }

    /// Creates a type's fact tables, fills them from its records a page at a time, then
    /// indexes them. That happens once after an upgrade or a change to the type in
    /// records.toml and takes about as long as importing the records again, so an operator
    /// waiting on start-up is told why.
    async fn build_facts(&mut self, table: &FactTable, definition: &str) -> Result<()> {
        for sql in table.table_statements(self.backend) {
            let doing = format!("creating the fact tables of {}", table.record_type);
            self.write(Statement::new(sql, doing)).await?;
        }
        let mut after = String::new();
        let mut delta = SumsDelta::default();
        let mut built = 0;
        let started = std::time::Instant::now();
        loop {
            let read = Statement::new(
                format!(
                    "select key, data from records where type = $1 and key > $2 \
                     order by key limit {REBUILD_PAGE}"
                ),
                format!("reading {} records to build their facts", table.record_type),
            )
            .bind(&table.record_type)
            .bind(after.as_str())
            .bulk();
            let page = self.fetch(read).await?;
            if page.is_empty() {
                break;
            }
            if built == 0 {
                tracing::info!(
                    record_type = %table.record_type,
                    "building the tables questions are answered from, from the stored records"
                );
            }
            let mut records: Vec<(String, Fields)> = Vec::with_capacity(page.len());
            for row in page {
                let mut columns = row.columns();
                let key = columns.text()?;
                let fields: Fields = from_json(&columns.text()?, "record fields")?;
                records.push((key, fields));
            }
            for (_, fields) in &records {
                delta.add(table, fields, 1);
            }
            let rows: Vec<FactRow> = records
                .iter()
                .map(|(key, fields)| FactRow { key, fields })
                .collect();
            self.write_facts(table, &rows).await?;
            built += rows.len();
            after = records
                .last()
                .map(|(key, _)| key.clone())
                .unwrap_or_default();
        }
        self.build_fact_indexes(table).await?;
        self.write_sums(table, delta).await?;
        let remember = Statement::new(
            "insert into fact_tables (record_type, definition) values ($1, $2)",
            format!("remembering the fact tables of {}", table.record_type),
        )
        .bind(&table.record_type)
        .bind(definition);
        self.write(remember).await?;
        if built > 0 {
            tracing::info!(
                record_type = %table.record_type,
                records = built,
                seconds = started.elapsed().as_secs_f64(),
                "built the tables questions are answered from"
            );
        }
        Ok(())
    }
}
