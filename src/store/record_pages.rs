//! Records a page at a time, for the REST API: by key after a cursor, filtered on field values
//! and on when they last changed; and the version a write is checked against.

use super::records::record_from_row;
use super::sql::ts;
use super::statement::Statement;
use super::{Backend, Store, Tx};
use crate::domain::Record;
use anyhow::Result;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// One page of records of a type, as the API asks for it.
#[derive(Debug, Clone, Default)]
pub struct RecordPage {
    pub record_type: String,
    /// Field name and value (canonical, as the field type stores it): every one must match.
    pub equal: Vec<(String, Value)>,
    /// Only records whose current version was written at or after this.
    pub updated_since: Option<DateTime<Utc>>,
    /// Only records whose key sorts after this one (the previous page's last).
    pub after_key: Option<String>,
    pub limit: usize,
}

impl Backend {
    /// `column`'s value at `key` (a bind parameter) equals the JSON text of parameter `value`:
    /// compared as JSON, so `5` and `5.0` or key order do not matter on Postgres, and SQLite
    /// compares the minified texts serde_json and `->` both write.
    fn json_equal(self, column: &str, key: usize, value: usize) -> String {
        match self {
            Backend::Sqlite => format!("({column} -> ${key}) = json(${value})"),
            Backend::Postgres => format!("(({column})::jsonb -> ${key}) = cast(${value} as jsonb)"),
        }
    }
}

impl Store {
    /// The records of `page`, by key.
    pub async fn page_records(&self, page: &RecordPage) -> Result<Vec<Record>> {
        let mut read = Statement::new("", format!("listing records of type {}", page.record_type));
        read.push(&page.record_type);
        let mut sql = String::from(
            "select type, key, version, data, updated_at as at from records where type = $1",
        );
        if let Some(after) = &page.after_key {
            read.push(after);
            sql.push_str(&format!(" and key > ${}", read.params.len()));
        }
        if let Some(since) = &page.updated_since {
            read.push(ts(since));
            sql.push_str(&format!(" and updated_at >= ${}", read.params.len()));
        }
        for (field, value) in &page.equal {
            read.push(field);
            read.push(serde_json::to_string(value)?);
            let n = read.params.len();
            sql.push_str(" and ");
            sql.push_str(&self.backend.json_equal("data", n - 1, n));
        }
        read.push(i64::try_from(page.limit).unwrap_or(i64::MAX));
        sql.push_str(&format!(" order by key limit ${}", read.params.len()));
        read.sql = sql;
        let rows = self.read(read.bulk()).await?;
        rows.into_iter().map(record_from_row).collect()
    }
}

impl Tx {
    /// The current version of a record (0 when it is not stored), locked until the transaction
    /// ends on Postgres (SQLite's transaction holds the write lock already).
    pub async fn lock_record_version(&mut self, record_type: &str, key: &str) -> Result<i64> {
        let sql = format!(
            "select version from records where type = $1 and key = $2{}",
            self.backend.for_update()
        );
        let read = Statement::new(sql, format!("locking record {record_type} {key}"))
            .bind(record_type)
            .bind(key);
        match self.fetch(read).await?.into_iter().next() {
            Some(row) => row.columns().int(),
            None => Ok(0),
        }
    }
}
