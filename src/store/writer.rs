//! SQLite's one write connection, driven natively (rusqlite over the same SQLite library sqlx
//! links).
//!
//! sqlx runs every SQLite statement on a worker thread of its own and hands each result back
//! through a channel: two thread wake-ups per statement, 10–70 µs on a 2-core machine, where
//! SQLite needs a few microseconds to run a small statement. keel's transactions are a dozen
//! small statements each, all on one connection behind [`super::group_commit`], so the writer
//! runs them where the transaction runs, from a cache of prepared statements, and keeps the
//! thread hand-offs for what may wait: opening a transaction (another process may hold the
//! lock), committing (the disk) and bulk statements. Reads outside transactions stay on sqlx's
//! pool.

use super::statement::{Param, Row, Statement, Value};
use anyhow::{Context, Result, bail, ensure};
use rusqlite::types::ValueRef;
use std::path::Path;
use std::time::Duration;

/// Statements kept prepared: a transition uses about ten shapes, an import a few more.
const PREPARED_STATEMENTS: usize = 256;

/// Bulk statements above this many values run on a blocking thread.
pub(super) const INLINE_PARAMS: usize = 256;

pub(super) struct Writer {
    conn: rusqlite::Connection,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

impl Writer {
    /// Opens the database file with the settings every keel connection has (WAL, full sync,
    /// foreign keys, a busy timeout for other processes).
    pub(super) fn open(path: &Path) -> Result<Writer> {
        let conn = rusqlite::Connection::open(path)
            .with_context(|| format!("opening the SQLite writer on {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(
            "pragma journal_mode = wal; pragma synchronous = full; pragma foreign_keys = on; \
             pragma cache_size = -65536; pragma temp_store = memory;",
        )
        .context("setting up the SQLite writer")?;
        conn.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
        Ok(Writer { conn })
    }

    /// Runs SQL without values (transaction control), every statement in it.
    pub(super) fn execute_sql(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }

    /// Whether a transaction is open on the connection.
    pub(super) fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Runs one statement and returns the rows it gives (none for most writes).
    pub(super) fn run(&self, statement: &Statement) -> Result<Vec<Row>> {
        self.try_run(statement)
            .with_context(|| statement.doing.clone())
    }

    fn try_run(&self, statement: &Statement) -> Result<Vec<Row>> {
        let mut prepared = self.conn.prepare_cached(&statement.sql)?;
        let count = prepared.parameter_count();
        let numbered = count > 0 && prepared.parameter_name(1).is_some();
        ensure!(
            count == statement.params.len(),
            "{count} placeholders for {} values",
            statement.params.len()
        );
        for (i, param) in statement.params.iter().enumerate() {
            let index = if numbered {
                let name = format!("${}", i + 1);
                match prepared.parameter_index(&name)? {
                    Some(index) => index,
                    None => bail!("placeholder {name} is missing"),
                }
            } else {
                i + 1
            };
            match param {
                Param::Text(text) => prepared.raw_bind_parameter(index, text)?,
                Param::Int(int) => prepared.raw_bind_parameter(index, int)?,
            }
        }
        let columns = prepared.column_count();
        let mut rows = prepared.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..columns)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(int) => Value::Int(int),
                        ValueRef::Real(real) => Value::Real(real),
                        ValueRef::Text(text) => {
                            Value::Text(String::from_utf8(text.to_vec()).context("a text column")?)
                        }
                        ValueRef::Blob(_) => bail!("column {i} is a blob"),
                    })
                })
                .collect::<Result<_>>()?;
            out.push(Row(values));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> Result<(tempfile::TempDir, Writer)> {
        let dir = tempfile::tempdir()?;
        let writer = Writer::open(&dir.path().join("w.db"))?;
        writer.execute_sql("create table t (a integer primary key, b text)")?;
        Ok((dir, writer))
    }

    #[test]
    fn numbered_and_anonymous_placeholders_bind_their_values() -> Result<()> {
        let (_dir, writer) = writer()?;
        let numbered = Statement::new("insert into t (b, a) values ($2, $1)", "inserting")
            .bind(1_i64)
            .bind("one");
        writer.run(&numbered)?;
        let anonymous = Statement::new("insert into t (a, b) values (?, ?), (?, ?)", "inserting")
            .bind(2_i64)
            .bind(Param::Text(None))
            .bind(3_i64)
            .bind("three");
        writer.run(&anonymous)?;
        let rows = writer.run(&Statement::new("select a, b from t order by a", "reading"))?;
        assert_eq!(
            rows,
            vec![
                Row(vec![Value::Int(1), Value::Text("one".into())]),
                Row(vec![Value::Int(2), Value::Null]),
                Row(vec![Value::Int(3), Value::Text("three".into())]),
            ]
        );
        Ok(())
    }

    #[test]
    fn placeholders_and_values_must_match_and_errors_say_what_was_being_done() -> Result<()> {
        let (_dir, writer) = writer()?;
        let short = Statement::new("insert into t (a, b) values ($1, $2)", "adding a").bind(1_i64);
        let error = writer.run(&short).unwrap_err();
        assert!(format!("{error:#}").contains("adding a"), "{error:#}");
        let twice = Statement::new("insert into t (a) values ($1)", "adding twice").bind(5_i64);
        writer.run(&twice)?;
        let error = writer.run(&twice).unwrap_err();
        assert!(format!("{error:#}").contains("UNIQUE"), "{error:#}");
        Ok(())
    }
}
