//! Executing a checked query plan as parameterised `select`s over the record type's fact
//! tables ([`super::facts`]): counts, sums and averages that only group and filter by group
//! fields and whole months read `sums_<type>`; everything else reads `facts_<type>`, typed and
//! indexed. Table and column names come from the schema (checked as plain names); every value
//! a question or a model supplied is bound as a parameter. Medians are taken from the values
//! in the middle, found through the index on the field.
//!
//! - [`source`] decides where a query reads from: the sums, the facts, or both
//!   ([`split`]: whole months from the sums, the days at each end from the facts);
//! - [`builder`] and [`filters`] write the expressions of one statement, binding every value;
//! - [`sql`] puts a statement together for each kind of query;
//! - [`median`] reads the one or two values in the middle, overall or per group.

mod builder;
mod filters;
mod median;
mod source;
mod split;
mod sql;
#[cfg(test)]
mod tests;

use crate::domain::plan::{Aggregate, CheckedMeasure, CheckedQuery, FieldPath, Table};
use crate::store::Store;
use crate::store::statement::Row;
use anyhow::{Context, Result};
use median::medians;
use serde_json::Value;
use source::{indexed_group, sums_rows};
use split::split_by_months;
use sql::Sql;

impl Store {
    /// Runs `query`; the table has at most `query.limit` rows.
    pub async fn run_query(&self, query: &CheckedQuery) -> Result<Table> {
        let table = self.fact_table(&query.record).with_context(|| {
            format!(
                "the {} records have no fact tables (records.toml was not given to the store)",
                query.record
            )
        })?;
        if let CheckedMeasure::Aggregate(Aggregate::Median, Some(path)) = &query.measure {
            if query.group_by.is_empty() {
                return self.middle_values(&table, query, path).await;
            }
            if let Some(group) = indexed_group(&table, query, path) {
                return self
                    .middle_values_per_group(&table, query, group, path)
                    .await;
            }
        }
        let built = match sums_rows(&table, query) {
            Some(sums) => Sql::build(self.backend, &table, &sums, query)?,
            None => match split_by_months(&table, query) {
                Some(parts) => Sql::split(self.backend, &table, query, &parts)?,
                None => Sql::build(self.backend, &table, &Source::Facts, query)?,
            },
        };
        let rows = self.read(built.statement.bulk()).await?;
        let mut rows = rows
            .into_iter()
            .map(|row| row_values(row, &built.money_cents))
            .collect::<Result<Vec<_>>>()?;
        if built.median {
            rows = medians(rows, query);
        }
        let truncated = rows.len() > query.limit as usize;
        rows.truncate(query.limit as usize);
        Ok(Table {
            columns: built.columns,
            rows,
            truncated,
        })
    }
}

/// Where a query reads from.
enum Source {
    /// `facts_<type>`: one row per record.
    Facts,
    /// `sums_<type>`, the rows of one cut (a date field's name, or "" for a type without one)
    /// and one group field ("" for the overall rows); `by_day`: the cut's overall rows per
    /// day ([`super::facts::day_cut`]).
    Sums {
        cut: String,
        group: String,
        by_day: bool,
    },
}

/// What a measure's column is called (`sum of amount`).
pub fn measure_name(aggregate: Aggregate, path: Option<&FieldPath>) -> String {
    let name = match aggregate {
        Aggregate::Count => return "count".to_string(),
        Aggregate::Sum => "sum",
        Aggregate::Average => "average",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
        Aggregate::Median => "median",
    };
    match path {
        Some(path) => format!("{name} of {}", path.name()),
        None => name.to_string(),
    }
}

fn row_values(row: Row, money_cents: &[usize]) -> Result<Vec<Value>> {
    let mut values = row.into_json();
    for &column in money_cents {
        if let Some(value) = values.get_mut(column)
            && let Some(cents) = value.as_f64()
        {
            *value = serde_json::json!(cents / 100.0);
        }
    }
    Ok(values)
}
