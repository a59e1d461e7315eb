//! Writes a SQLite transaction sends together.
//!
//! sqlx runs each SQLite statement on the connection's own worker thread, so every statement
//! costs two thread hand-offs (about 70 µs on a 2-core machine), far more than SQLite takes to
//! run it. A transition writes half a dozen rows whose results nobody reads (events, outbox
//! entries, timers), so on SQLite they wait in a [`Batch`] and go out as one multi-statement
//! query: before the transaction's next read, or together with its commit. The transaction
//! holds the write lock throughout, so nobody can observe the delay. On Postgres each
//! [`Statement`] runs at once (its protocol takes one statement per query).
//!
//! Statements are written with Postgres-style `$n` placeholders (or `?` in multi-row inserts on
//! SQLite) and join a batch with anonymous `?` placeholders only, their values in order of use.

use anyhow::{Context, Result, bail, ensure};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Executor};

/// How many values one batch carries at most (SQLite's limit for a single statement), so a
/// big import goes out in pieces of bounded size.
const MAX_PARAMS: usize = 32_766;

/// Batches with at most this many values stay prepared on the connection for the next time.
const KEPT_PREPARED_UP_TO: usize = 256;

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Param {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<String> for Param {
    fn from(value: String) -> Param {
        Param::Text(Some(value))
    }
}

impl From<&str> for Param {
    fn from(value: &str) -> Param {
        Param::Text(Some(value.to_string()))
    }
}

impl From<&String> for Param {
    fn from(value: &String) -> Param {
        Param::Text(Some(value.clone()))
    }
}

impl From<Option<String>> for Param {
    fn from(value: Option<String>) -> Param {
        Param::Text(value)
    }
}

impl From<i64> for Param {
    fn from(value: i64) -> Param {
        Param::Int(Some(value))
    }
}

/// One write whose result is not needed, with what it was doing (for the error).
#[derive(Debug, Clone)]
pub(super) struct Statement {
    sql: String,
    params: Vec<Param>,
    doing: String,
}

impl Statement {
    pub(super) fn new(sql: impl Into<String>, doing: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            params: Vec::new(),
            doing: doing.into(),
        }
    }

    pub(super) fn bind(mut self, value: impl Into<Param>) -> Statement {
        self.params.push(value.into());
        self
    }

    pub(super) fn push(&mut self, value: impl Into<Param>) {
        self.params.push(value.into());
    }

    /// Runs it on its own (Postgres, or a statement too big to batch).
    pub(super) async fn execute(self, conn: &mut AnyConnection) -> Result<()> {
        bind_all(&self.sql, self.params)
            .execute(conn)
            .await
            .with_context(|| self.doing.clone())?;
        Ok(())
    }

    /// Runs it on its own and returns the rows it gives.
    pub(super) async fn fetch_all(self, conn: &mut AnyConnection) -> Result<Vec<AnyRow>> {
        let rows = bind_all(&self.sql, self.params)
            .fetch_all(conn)
            .await
            .with_context(|| self.doing.clone())?;
        Ok(rows)
    }
}

/// Binds `params` in order.
fn bind_all(sql: &str, params: Vec<Param>) -> Query<'_, Any, AnyArguments<'_>> {
    params
        .into_iter()
        .fold(sqlx::query(sql), |query, param| match param {
            Param::Text(text) => query.bind(text),
            Param::Int(int) => query.bind(int),
        })
}

/// Statements waiting to be sent in one query, in order.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// SQL without parameters that goes ahead of the first send (a transaction's savepoint).
    prefix: Option<&'static str>,
    sql: String,
    params: Vec<Param>,
    doing: Vec<String>,
    /// Something has been sent to the database (the prefix with it).
    sent: bool,
    /// A send failed part-way: the transaction must be rolled back, never committed.
    failed: bool,
}

impl Batch {
    /// A batch whose first send starts with `prefix`.
    pub(super) fn prefixed(prefix: &'static str) -> Batch {
        Batch {
            prefix: Some(prefix),
            ..Batch::default()
        }
    }

    /// No statement is waiting (the prefix aside).
    pub(super) fn is_empty(&self) -> bool {
        self.doing.is_empty()
    }

    /// Whether anything, the prefix included, has gone to the database yet.
    pub(super) fn has_sent(&self) -> bool {
        self.sent
    }

    /// Fails if an earlier send failed, so a half-written transaction cannot go on.
    pub(super) fn ensure_usable(&self) -> Result<()> {
        if self.failed {
            bail!("an earlier write of this transaction failed; it can only be rolled back");
        }
        Ok(())
    }

    /// Adds a statement, sending what is waiting first if the two would not fit in one query.
    pub(super) async fn add(
        &mut self,
        statement: Statement,
        conn: &mut AnyConnection,
    ) -> Result<()> {
        self.ensure_usable()?;
        if statement.params.len() > MAX_PARAMS {
            self.send(conn).await?;
            let executed = statement.execute(conn).await;
            self.failed = executed.is_err();
            return executed;
        }
        if self.params.len() + statement.params.len() > MAX_PARAMS {
            self.send(conn).await?;
        }
        let added = to_anonymous(
            &statement.sql,
            statement.params,
            &mut self.sql,
            &mut self.params,
        );
        if added.is_err() {
            // Part of the statement may be in the batch already.
            self.failed = true;
        }
        added.with_context(|| statement.doing.clone())?;
        self.sql.push_str(";\n");
        self.doing.push(statement.doing);
        Ok(())
    }

    /// Sends the waiting statements, followed by `then` (SQL without parameters), as one query.
    pub(super) async fn send_then(&mut self, conn: &mut AnyConnection, then: &str) -> Result<()> {
        self.ensure_usable()?;
        if self.is_empty() && self.has_sent() {
            if !then.is_empty() {
                conn.execute(then).await?;
            }
            return Ok(());
        }
        let (mut outgoing, doing) = self.take(Statement::new(then, ""))?;
        if outgoing.sql.is_empty() {
            return Ok(());
        }
        self.sent = true;
        if let Err(error) = outgoing.query().execute(conn).await {
            self.failed = true;
            return Err(error).with_context(|| doing.join("; "));
        }
        Ok(())
    }

    pub(super) async fn send(&mut self, conn: &mut AnyConnection) -> Result<()> {
        self.send_then(conn, "").await
    }

    /// Sends the waiting statements followed by the read `last`, as one query, and returns the
    /// rows `last` gives (the writes before it give none). A failure poisons the batch: the
    /// writes may have run.
    pub(super) async fn fetch_then(
        &mut self,
        conn: &mut AnyConnection,
        last: Statement,
    ) -> Result<Vec<AnyRow>> {
        self.ensure_usable()?;
        if self.is_empty() && self.has_sent() {
            return last.fetch_all(conn).await;
        }
        let (mut outgoing, doing) = self.take(last)?;
        self.sent = true;
        match outgoing.query().fetch_all(conn).await {
            Ok(rows) => Ok(rows),
            Err(error) => {
                self.failed = true;
                Err(error).with_context(|| doing.join("; "))
            }
        }
    }

    /// Takes everything waiting (the prefix first if it has not gone yet) followed by `last`,
    /// as one query of anonymous placeholders, with what each part was doing.
    fn take(&mut self, last: Statement) -> Result<(Outgoing, Vec<String>)> {
        let mut sql = String::new();
        if !self.sent
            && let Some(prefix) = self.prefix
        {
            sql.push_str(prefix);
            sql.push_str(";\n");
        }
        sql.push_str(&std::mem::take(&mut self.sql));
        let mut params = std::mem::take(&mut self.params);
        let mut doing = std::mem::take(&mut self.doing);
        if !last.doing.is_empty() {
            doing.push(last.doing);
        }
        if let Err(error) = to_anonymous(&last.sql, last.params, &mut sql, &mut params) {
            self.failed = true;
            return Err(error).with_context(|| doing.join("; "));
        }
        Ok((Outgoing { sql, params }, doing))
    }
}

/// One query on its way to the database.
struct Outgoing {
    sql: String,
    params: Vec<Param>,
}

impl Outgoing {
    fn query(&mut self) -> Query<'_, Any, AnyArguments<'_>> {
        let params = std::mem::take(&mut self.params);
        // Transitions repeat a few shapes of batch, worth keeping prepared; bulk writes do not.
        let persistent = params.len() <= KEPT_PREPARED_UP_TO;
        bind_all(&self.sql, params).persistent(persistent)
    }
}

/// Appends `sql` to `out` with its `$n` placeholders turned into anonymous `?`, and the values
/// they take, in the order they are used, to `values`: sqlx binds a multi-statement query's
/// anonymous placeholders one after another across its statements, where a numbered one would
/// be looked up among all of the query's values (and SQLite counts the numbers it skips as
/// placeholders of their own). Statements with anonymous placeholders are taken as they are.
fn to_anonymous(
    sql: &str,
    params: Vec<Param>,
    out: &mut String,
    values: &mut Vec<Param>,
) -> Result<()> {
    let bytes = sql.as_bytes();
    let (mut anonymous, mut numbered) = (0, Vec::new());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                // Skip a string literal ('' inside it closes and reopens it: same result).
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let end = (i + 1..bytes.len())
                    .find(|&j| !bytes[j].is_ascii_digit())
                    .unwrap_or(bytes.len());
                let n: usize = sql[i + 1..end].parse().context("a placeholder number")?;
                ensure!(
                    (1..=params.len()).contains(&n),
                    "placeholder ${n} has no value ({} bound)",
                    params.len()
                );
                out.push_str(&sql[copied..i]);
                out.push('?');
                numbered.push(n - 1);
                copied = end;
                i = end;
            }
            b'?' => {
                anonymous += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied.min(sql.len())..]);
    if numbered.is_empty() {
        ensure!(
            anonymous == params.len(),
            "{anonymous} placeholders for {} values",
            params.len()
        );
        values.extend(params);
    } else {
        ensure!(
            anonymous == 0,
            "a statement mixes numbered and anonymous placeholders"
        );
        values.extend(numbered.into_iter().map(|n| params[n].clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anonymous(sql: &str, params: &[i64]) -> (String, Vec<Param>) {
        let (mut out, mut values) = (String::new(), Vec::new());
        let params = params.iter().map(|&p| Param::from(p)).collect();
        to_anonymous(sql, params, &mut out, &mut values).unwrap();
        (out, values)
    }

    fn ints(values: &[i64]) -> Vec<Param> {
        values.iter().map(|&v| Param::from(v)).collect()
    }

    #[test]
    fn numbered_placeholders_become_anonymous_with_their_values_in_order_of_use() {
        assert_eq!(
            anonymous("update t set a = $2 where id = $1 and b < $2", &[10, 20]),
            (
                "update t set a = ? where id = ? and b < ?".into(),
                ints(&[20, 10, 20])
            )
        );
        assert_eq!(
            anonymous("insert into t values (?, ?), (?, ?)", &[1, 2, 3, 4]),
            (
                "insert into t values (?, ?), (?, ?)".into(),
                ints(&[1, 2, 3, 4])
            )
        );
    }

    #[test]
    fn string_literals_are_left_alone() {
        assert_eq!(
            anonymous(
                "select json_extract(f, '$.a$1'), $1 from t where x = 'it''s $1'",
                &[7]
            )
            .0,
            "select json_extract(f, '$.a$1'), ? from t where x = 'it''s $1'"
        );
    }

    #[test]
    fn placeholders_and_values_must_match() {
        let mut out = String::new();
        assert!(to_anonymous("select $1, ?", ints(&[1]), &mut out, &mut Vec::new()).is_err());
        assert!(to_anonymous("select $2", ints(&[1]), &mut out, &mut Vec::new()).is_err());
        assert!(to_anonymous("select ?, ?", ints(&[1]), &mut out, &mut Vec::new()).is_err());
    }

    #[tokio::test]
    async fn a_batch_runs_its_statements_in_order_in_one_query() -> Result<()> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect("sqlite::memory:").await?;
        conn.execute("create table t (a integer primary key, b text)")
            .await?;
        let mut batch = Batch::default();
        for a in 1..=3_i64 {
            let insert = Statement::new("insert into t (a, b) values ($1, $2)", "inserting")
                .bind(a)
                .bind(format!("row {a}"));
            batch.add(insert, &mut conn).await?;
        }
        let update = Statement::new("update t set b = $2 where a = $1", "updating")
            .bind(2_i64)
            .bind(Param::Text(None));
        batch.add(update, &mut conn).await?;
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as("select a, b from t order by a")
            .fetch_all(&mut conn)
            .await?;
        assert!(rows.is_empty(), "nothing is sent before the batch is");
        batch.send(&mut conn).await?;
        let rows: Vec<(i64, Option<String>)> = sqlx::query_as("select a, b from t order by a")
            .fetch_all(&mut conn)
            .await?;
        assert_eq!(
            rows,
            vec![
                (1, Some("row 1".into())),
                (2, None),
                (3, Some("row 3".into()))
            ]
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_failed_batch_poisons_the_transaction() -> Result<()> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect("sqlite::memory:").await?;
        conn.execute("create table t (a integer primary key)")
            .await?;
        let mut batch = Batch::default();
        for _ in 0..2 {
            let insert = Statement::new("insert into t (a) values ($1)", "inserting").bind(1_i64);
            batch.add(insert, &mut conn).await?;
        }
        let error = batch.send(&mut conn).await.unwrap_err();
        assert!(format!("{error:#}").contains("inserting"), "{error:#}");
        assert!(batch.ensure_usable().is_err());
        Ok(())
    }

    #[tokio::test]
    async fn a_malformed_statement_poisons_the_batch() -> Result<()> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = AnyConnection::connect("sqlite::memory:").await?;
        let mut batch = Batch::default();
        let malformed = Statement::new("select $2", "selecting").bind(1_i64);
        assert!(batch.add(malformed, &mut conn).await.is_err());
        assert!(batch.ensure_usable().is_err());
        Ok(())
    }
}
