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

    /// The JSON text column `column` viewed as JSON, ready for `->>`.
    pub(super) fn json(self, column: &str) -> String {
        match self {
            Backend::Sqlite => column.to_string(),
            Backend::Postgres => format!("{column}::jsonb"),
        }
    }

    /// How many bind parameters one statement may carry.
    pub(super) fn max_params(self) -> usize {
        match self {
            Backend::Sqlite => 32_766,
            Backend::Postgres => 65_535,
        }
    }
}

/// `($first, $first+1, …), (…)`: `rows` tuples of `columns` numbered placeholders each, with
/// `shared` (already numbered, e.g. `$1`) placed before them in every tuple.
pub(super) fn value_tuples(rows: usize, columns: usize, first: usize, shared: &str) -> String {
    let mut out = String::with_capacity(rows * (columns * 7 + shared.len() + 4));
    let mut n = first;
    for row in 0..rows {
        out.push_str(if row == 0 { "(" } else { ", (" });
        out.push_str(shared);
        for column in 0..columns {
            if column > 0 || !shared.is_empty() {
                out.push_str(", ");
            }
            // Writing to a String cannot fail.
            let _ = write!(out, "${n}");
            n += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_tuples_number_placeholders_after_the_shared_ones() {
        assert_eq!(
            value_tuples(2, 2, 3, "$1, $2"),
            "($1, $2, $3, $4), ($1, $2, $5, $6)"
        );
        assert_eq!(value_tuples(1, 3, 1, ""), "($1, $2, $3)");
    }
}
