//! One SQL statement with its values, and the rows that come back, in a form both backends
//! share: Postgres runs statements through sqlx, SQLite's writer through its native connection
//! ([`super::writer`]).
//!
//! Statements are written with Postgres-style `$n` placeholders, or with `?` in the multi-row
//! inserts [`super::sql::value_tuples`] builds for SQLite (values then in order).

use anyhow::{Context, Result, bail};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row as _};

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl From<f64> for Param {
    fn from(value: f64) -> Param {
        Param::Real(Some(value))
    }
}

impl From<Option<f64>> for Param {
    fn from(value: Option<f64>) -> Param {
        Param::Real(value)
    }
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

impl From<Option<i64>> for Param {
    fn from(value: Option<i64>) -> Param {
        Param::Int(value)
    }
}

impl From<i64> for Param {
    fn from(value: i64) -> Param {
        Param::Int(Some(value))
    }
}

/// One statement, its values and what it is doing (for the error).
#[derive(Debug, Clone)]
pub(super) struct Statement {
    pub(super) sql: String,
    pub(super) params: Vec<Param>,
    pub(super) doing: String,
    /// It may take a while (bulk reads and writes): SQLite's writer runs it on a blocking
    /// thread.
    pub(super) bulk: bool,
}

impl Statement {
    pub(super) fn new(sql: impl Into<String>, doing: impl Into<String>) -> Statement {
        Statement {
            sql: sql.into(),
            params: Vec::new(),
            doing: doing.into(),
            bulk: false,
        }
    }

    /// Marks it as one that may take a while.
    pub(super) fn bulk(mut self) -> Statement {
        self.bulk = true;
        self
    }

    pub(super) fn bind(mut self, value: impl Into<Param>) -> Statement {
        self.params.push(value.into());
        self
    }

    pub(super) fn push(&mut self, value: impl Into<Param>) {
        self.params.push(value.into());
    }

    /// Runs it through sqlx (Postgres, or SQLite's read pool).
    pub(super) async fn execute(self, conn: &mut AnyConnection) -> Result<()> {
        self.query()
            .execute(conn)
            .await
            .with_context(|| self.doing.clone())?;
        Ok(())
    }

    /// Runs it through sqlx and returns its rows.
    pub(super) async fn fetch_all<'c, E>(self, executor: E) -> Result<Vec<Row>>
    where
        E: sqlx::Executor<'c, Database = Any>,
    {
        let rows = self
            .query()
            .fetch_all(executor)
            .await
            .with_context(|| self.doing.clone())?;
        rows.iter().map(Row::from_any).collect()
    }

    fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        self.params
            .iter()
            .fold(sqlx::query(&self.sql), |query, param| match param {
                Param::Text(text) => query.bind(text.clone()),
                Param::Int(int) => query.bind(*int),
                // sqlx 0.8's Any driver swaps the NULLs of f32 and f64 (`convert_to`), so a
                // NULL sent as f64 is a `real` on Postgres, and the statement, once prepared
                // with it, refuses a double in that place; an f32 NULL is a double one.
                Param::Real(None) => query.bind(Option::<f32>::None),
                Param::Real(real) => query.bind(*real),
            })
    }
}

/// A column's value as read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// One row, its columns in the order the statement selects them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row(pub(super) Vec<Value>);

impl Row {
    fn from_any(row: &AnyRow) -> Result<Row> {
        (0..row.len())
            .map(|i| {
                // A null column decodes as any type; the types are tried from the commonest.
                if let Ok(text) = row.try_get::<Option<String>, _>(i) {
                    return Ok(text.map_or(Value::Null, Value::Text));
                }
                if let Ok(int) = row.try_get::<Option<i64>, _>(i) {
                    return Ok(int.map_or(Value::Null, Value::Int));
                }
                if let Ok(real) = row.try_get::<Option<f64>, _>(i) {
                    return Ok(real.map_or(Value::Null, Value::Real));
                }
                bail!("column {i} holds a type keel does not read")
            })
            .collect::<Result<_>>()
            .map(Row)
    }

    /// The columns as JSON values, whatever their types.
    pub(super) fn into_json(self) -> Vec<serde_json::Value> {
        self.0
            .into_iter()
            .map(|value| match value {
                Value::Null => serde_json::Value::Null,
                Value::Int(int) => int.into(),
                Value::Real(real) => serde_json::Number::from_f64(real)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number),
                Value::Text(text) => text.into(),
            })
            .collect()
    }

    /// The columns, to be taken one after another in the order selected.
    pub(super) fn columns(self) -> Columns {
        Columns {
            values: self.0.into_iter(),
            at: 0,
        }
    }
}

/// The columns of a [`Row`], taken in order with the type each should have.
pub(super) struct Columns {
    values: std::vec::IntoIter<Value>,
    at: usize,
}

impl Columns {
    fn next(&mut self) -> Result<Value> {
        self.at += 1;
        self.values
            .next()
            .with_context(|| format!("the row has no column {}", self.at))
    }

    pub(super) fn opt_text(&mut self) -> Result<Option<String>> {
        match self.next()? {
            Value::Null => Ok(None),
            Value::Text(text) => Ok(Some(text)),
            other => bail!("column {} is {other:?}, not text", self.at),
        }
    }

    pub(super) fn text(&mut self) -> Result<String> {
        self.opt_text()?
            .with_context(|| format!("column {} is null", self.at))
    }

    pub(super) fn opt_int(&mut self) -> Result<Option<i64>> {
        match self.next()? {
            Value::Null => Ok(None),
            Value::Int(int) => Ok(Some(int)),
            other => bail!("column {} is {other:?}, not an integer", self.at),
        }
    }

    pub(super) fn int(&mut self) -> Result<i64> {
        self.opt_int()?
            .with_context(|| format!("column {} is null", self.at))
    }
}
