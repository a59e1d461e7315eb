//! Small helpers shared by the store's files: the dialect differences and the text forms of
//! timestamps, days and JSON.

use super::Backend;
use crate::domain::field::canonical_timestamp;
use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Write;

impl Backend {
    /// The type of a column of whole numbers as large as sums of cents get.
    pub(super) fn integer_type(self) -> &'static str {
        match self {
            Backend::Sqlite => "integer",
            Backend::Postgres => "bigint",
        }
    }

    /// The type of a floating-point column.
    pub(super) fn real_type(self) -> &'static str {
        match self {
            Backend::Sqlite => "real",
            Backend::Postgres => "double precision",
        }
    }

    /// The average of values added up in parts: the parts' sums over their counts, as a real
    /// (money sums are cents, and the average is in currency units).
    pub(super) fn average_of_sums(self, sum: &str, count: &str, money: bool) -> String {
        let real = self.real_type();
        let scale = if money { " / 100.0" } else { "" };
        format!("cast({sum} as {real}) / nullif(cast({count} as {real}), 0){scale}")
    }

    /// `expression` as a whole number: Postgres adds integers up as `numeric` and reads a
    /// bare literal as `integer`, which the driver returns in other types than `bigint`.
    pub(super) fn whole(self, expression: &str) -> String {
        match self {
            Backend::Sqlite => expression.to_string(),
            Backend::Postgres => format!("cast({expression} as bigint)"),
        }
    }

    /// Appended to a `select` whose rows the transaction will write: a row lock on Postgres;
    /// nothing on SQLite, where the transaction already holds the database's write lock.
    pub(super) fn for_update(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " for update",
        }
    }

    /// Like [`Backend::for_update`], but rows another transaction holds are passed over, so
    /// several workers can claim different rows at once.
    pub(super) fn for_update_skip_locked(self) -> &'static str {
        match self {
            Backend::Sqlite => "",
            Backend::Postgres => " for update skip locked",
        }
    }

    /// The larger of two integers (`max` is an aggregate on Postgres).
    pub(super) fn greatest(self) -> &'static str {
        match self {
            Backend::Sqlite => "max",
            Backend::Postgres => "greatest",
        }
    }

    /// The text value of `key` in the JSON text column `column`, as an expression an index can
    /// be built on (the key is written into the SQL, so it must be a plain name).
    pub(super) fn json_text(self, column: &str, key: &str) -> anyhow::Result<String> {
        let key = identifier(key)?;
        Ok(match self {
            Backend::Sqlite => format!("json_extract({column}, '$.{key}')"),
            Backend::Postgres => format!("(({column})::jsonb ->> '{key}')"),
        })
    }

    /// The placeholder of the `n`th (1-based) bind parameter in a statement that also uses
    /// [`value_tuples`] (plain `?` on SQLite binds in order; Postgres numbers them).
    pub(super) fn param(self, n: usize) -> String {
        match self {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        }
    }

    /// How many rows of `columns` values one multi-row statement carries: at most 5,000, and
    /// within the backend's parameter limit.
    pub(super) fn rows_per_statement(self, columns: usize) -> usize {
        const MAX_ROWS: usize = 5_000;
        MAX_ROWS.min(self.max_params() / columns.max(1))
    }

    /// How many bind parameters one statement may carry.
    pub(super) fn max_params(self) -> usize {
        match self {
            Backend::Sqlite => 32_766,
            Backend::Postgres => 65_535,
        }
    }
}

/// `$first, $first+1, …`: `count` numbered placeholders, for an `in (…)` list bound after the
/// statement's other values.
pub(super) fn numbered_list(first: usize, count: usize) -> String {
    let listed: Vec<String> = (first..first + count).map(|n| format!("${n}")).collect();
    listed.join(", ")
}

/// `(…), (…)`: placeholders for `rows` tuples of `columns` values, numbered from `$1` on
/// Postgres. SQLite gets anonymous `?`: it looks numbered and named parameters up by scanning
/// a list, which makes a statement with thousands of them quadratic to prepare and bind.
pub(super) fn value_tuples(backend: Backend, rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * (columns * 8 + 4));
    let mut n = 0;
    for row in 0..rows {
        out.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            n += 1;
            match backend {
                Backend::Sqlite => out.push('?'),
                // Writing to a String cannot fail.
                Backend::Postgres => _ = write!(out, "${n}"),
            }
        }
        out.push(')');
    }
    out
}

pub(super) fn ts(at: &DateTime<Utc>) -> String {
    canonical_timestamp(at)
}

pub(super) fn parse_ts(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .with_context(|| format!("reading the stored timestamp `{text}`"))
}

pub(super) fn parse_opt_ts(text: Option<&str>) -> Result<Option<DateTime<Utc>>> {
    text.map(parse_ts).transpose()
}

pub(super) fn day(on: NaiveDate) -> String {
    on.format("%Y-%m-%d").to_string()
}

pub(super) fn parse_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .with_context(|| format!("reading the stored day `{text}`"))
}

pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).context("writing a value as JSON")
}

pub(super) fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).with_context(|| format!("reading the stored {what}"))
}

/// A config name (workflow, field) safe to write into SQL text: letters, digits and `_` only.
pub(super) fn identifier(name: &str) -> anyhow::Result<&str> {
    let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    anyhow::ensure!(
        plain,
        "`{name}` is not a plain name (letters, digits and _ only)"
    );
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_tuples_are_numbered_on_postgres_only() {
        let postgres = value_tuples(Backend::Postgres, 2, 2);
        assert_eq!(postgres, "($1, $2), ($3, $4)");
        assert_eq!(value_tuples(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
