//! `facts_request`: the requests as Ask keel reads them ([`crate::engine::request_facts`]),
//! one row per request, indexed on who asked, who decided, the decision, the workflow and the
//! times. It is rewritten in the transaction of every transition, and built from `requests`
//! when it is missing or the workflows changed its shape. Unlike a record type's, it keeps no
//! monthly sums: a request changes several times in its life, and a question about requests
//! reads the table through its indexes.

use super::facts::FactTable;
use super::facts_write::FactRow;
use super::statement::Statement;
use super::{Backend, Store, Tx};
use crate::domain::{FieldType, Fields, RecordSchema, RecordType};
use crate::engine::request_facts::RECORD_TYPE;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// The fact table of the `request` type: no sums, and an index on each enum besides the
/// references, amounts and times a record type's has.
fn request_fact_table(record_type: &RecordType, schema: &RecordSchema) -> Result<FactTable> {
    let mut table = FactTable::new(record_type, schema)?;
    table.summed = false;
    let lists = (0..table.fields.len())
        .filter(|&i| matches!(table.fields[i].field_type, FieldType::Enum(_)))
        .filter(|i| !table.indexed.contains(i))
        .collect::<Vec<_>>();
    table.indexed.extend(lists);
    table.indexed.sort_unstable();
    Ok(table)
}

impl Store {
    /// Registers `facts_request` when it exists in the shape `record_type` gives; `false` when
    /// it must be built first ([`Store::build_request_facts`]).
    pub async fn request_facts_ready(
        &self,
        record_type: &RecordType,
        schema: &RecordSchema,
    ) -> Result<bool> {
        let table = request_fact_table(record_type, schema)?;
        let read = Statement::new(
            "select definition from fact_tables where record_type = $1",
            "reading whether the requests' fact table exists",
        )
        .bind(RECORD_TYPE);
        let stored = self.read(read).await?.into_iter().next();
        let stored = match stored {
            Some(row) => Some(row.columns().text()?),
            None => None,
        };
        let ready = stored.as_deref() == Some(table.definition(self.backend).as_str());
        if ready {
            self.register_request_facts(table);
        }
        Ok(ready)
    }

    /// Builds `facts_request` again from `rows` (every request's facts, by id) and registers
    /// it. Replicas starting together build it once.
    pub async fn build_request_facts(
        &self,
        record_type: &RecordType,
        schema: &RecordSchema,
        rows: &[(String, Fields)],
    ) -> Result<()> {
        let table = request_fact_table(record_type, schema)?;
        let definition = table.definition(self.backend);
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            let lock = Statement::new(
                "select pg_advisory_xact_lock(hashtext('keel.fact_tables'))",
                "waiting for another replica building the fact tables",
            );
            tx.write(lock).await?;
        }
        tx.drop_facts(RECORD_TYPE).await?;
        for sql in table.table_statements(self.backend) {
            tx.write(Statement::new(sql, "creating the requests' fact table"))
                .await?;
        }
        let facts: Vec<FactRow> = rows
            .iter()
            .map(|(key, fields)| FactRow { key, fields })
            .collect();
        tx.write_facts(&table, &facts).await?;
        tx.build_fact_indexes(&table).await?;
        let remember = Statement::new(
            "insert into fact_tables (record_type, definition) values ($1, $2)",
            "remembering the requests' fact table",
        )
        .bind(RECORD_TYPE)
        .bind(definition);
        tx.write(remember).await?;
        tx.commit()
            .await
            .context("committing the requests' fact table")?;
        self.register_request_facts(table);
        Ok(())
    }

    fn register_request_facts(&self, table: FactTable) {
        if let Ok(mut registered) = self.facts.write() {
            registered.insert(RECORD_TYPE.to_string(), Arc::new(table));
        }
    }

    /// Who rejected each request a person rejected, from the audit trail (its events not yet
    /// sealed too, after the sealed ones).
    pub async fn rejecters(&self) -> Result<HashMap<String, String>> {
        let read = Statement::new(
            "select request_id, actor from (select request_id, actor, action, 0 as pending, seq \
             from events union all select request_id, actor, action, id, 0 from pending_events) e \
             where action = 'rejected' and request_id is not null order by pending, seq",
            "reading who rejected requests",
        )
        .bulk();
        let mut rejecters = HashMap::new();
        for row in self.read(read).await? {
            let mut columns = row.columns();
            rejecters.insert(columns.text()?, columns.text()?);
        }
        Ok(rejecters)
    }
}

impl Tx {
    /// Writes a request's row of `facts_request`, replacing the one it had (nothing before
    /// the table is registered).
    pub async fn write_request_facts(&mut self, id: &str, fields: &Fields) -> Result<()> {
        let Some(table) = self.fact_table(RECORD_TYPE) else {
            return Ok(());
        };
        self.write_facts(&table, &[FactRow { key: id, fields }])
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::request_fact_table;
    use crate::engine::request_facts::record_type;
    use crate::store::Backend;

    #[test]
    fn the_requests_table_keeps_no_sums_and_indexes_who_what_and_when_one_column_each() {
        let config = crate::config::demo();
        let record = record_type(config.workflows.values(), &config.schema, "staff").unwrap();
        let table = request_fact_table(&record, &config.schema).unwrap();
        let sql = table.definition(Backend::Sqlite);
        assert!(!sql.contains("sums_request"), "{sql}");
        for column in [
            "(f_workflow)",
            "(f_decision)",
            "(f_requester)",
            "(f_decider)",
            "(f_submitted_at)",
            "(f_decided_at)",
            "(f_amount)",
        ] {
            assert!(sql.contains(column), "{column} in {sql}");
        }
        assert!(sql.contains("f_business_hours real"), "{sql}");
    }
}
