//! Medians: how many values there are, then the one or two in the middle, read along an
//! index; or, where no index serves, every value, with the medians taken here.

use super::sql::Sql;
use super::{measure_name, row_values};
use crate::domain::plan::{Aggregate, CheckedQuery, FieldPath, OrderKey, Table};
use crate::store::Store;
use crate::store::facts::FactTable;
use anyhow::Result;
use serde_json::Value;
use std::collections::BTreeMap;

impl Store {
    /// The median of one field over every matching record: how many there are, then the one
    /// or two values in the middle, read in the field's order (an index walk, not a sort).
    pub(super) async fn middle_values(
        &self,
        table: &FactTable,
        query: &CheckedQuery,
        path: &FieldPath,
    ) -> Result<Table> {
        let count = Sql::counts(self.backend, table, query, None, path)?;
        let matching = match self.read(count.statement).await?.into_iter().next() {
            Some(row) => row.columns().opt_int()?.unwrap_or(0),
            None => 0,
        };
        let median = if matching == 0 {
            Value::Null
        } else {
            let middle = Sql::middle(self.backend, table, query, path, matching)?;
            let mut values: Vec<f64> = self
                .read(middle.statement)
                .await?
                .into_iter()
                .map(|row| row_values(row, &middle.money_cents))
                .collect::<Result<Vec<_>>>()?
                .iter()
                .filter_map(|row| row.first()?.as_f64())
                .collect();
            // The median of the one or two in the middle is the median of them all.
            crate::engine::stats::median(&mut values).map_or(Value::Null, |m| serde_json::json!(m))
        };
        Ok(Table {
            columns: vec![measure_name(Aggregate::Median, Some(path))],
            rows: vec![vec![median]],
            truncated: false,
        })
    }

    /// The median of one field per value of a group field indexed with it: how many values
    /// each group has (from the sums when they answer), then the one or two in the middle of
    /// each group, read along the (group, field) index in one statement per
    /// [`GROUPS_PER_STATEMENT`] groups.
    pub(super) async fn middle_values_per_group(
        &self,
        table: &FactTable,
        query: &CheckedQuery,
        group: &FieldPath,
        path: &FieldPath,
    ) -> Result<Table> {
        let counts = Sql::counts(self.backend, table, query, Some(group), path)?;
        let mut groups: Vec<(Value, i64)> = Vec::new();
        for row in self.read(counts.statement.bulk()).await? {
            let mut values = row.into_json().into_iter();
            let (value, count) = (values.next(), values.next());
            if let (Some(value), Some(count)) = (value, count.as_ref().and_then(Value::as_i64))
                && count > 0
            {
                groups.push((value, count));
            }
        }
        let mut rows = Vec::new();
        for chunk in groups.chunks(GROUPS_PER_STATEMENT) {
            let middles = Sql::group_middles(self.backend, table, query, group, path, chunk)?;
            for row in self.read(middles.statement).await? {
                let values = row_values(row, &middles.money_cents)?;
                let part = values.first().and_then(Value::as_u64).unwrap_or(u64::MAX);
                if let (Some((value, _)), Some(middle)) = (chunk.get(part as usize), values.get(1))
                {
                    rows.push(vec![value.clone(), middle.clone()]);
                }
            }
        }
        let mut rows = medians(rows, query);
        let truncated = rows.len() > query.limit as usize;
        rows.truncate(query.limit as usize);
        Ok(Table {
            columns: vec![group.name(), measure_name(Aggregate::Median, Some(path))],
            rows,
            truncated,
        })
    }
}

/// How many groups' middle values one statement reads (a `union all` of one `select` each).
const GROUPS_PER_STATEMENT: usize = 100;

/// Numbers by value, anything else by its text.
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// The median of the last column per group (the rows come sorted by group, then value).
pub(super) fn medians(rows: Vec<Vec<Value>>, query: &CheckedQuery) -> Vec<Vec<Value>> {
    let mut groups: BTreeMap<Vec<String>, (Vec<Value>, Vec<f64>)> = BTreeMap::new();
    for mut row in rows {
        let Some(value) = row.pop().and_then(|v| v.as_f64()) else {
            continue;
        };
        let key: Vec<String> = row.iter().map(Value::to_string).collect();
        groups
            .entry(key)
            .or_insert_with(|| (row, Vec::new()))
            .1
            .push(value);
    }
    let mut out: Vec<Vec<Value>> = groups
        .into_values()
        .map(|(mut row, mut values)| {
            let median = crate::engine::stats::median(&mut values);
            row.push(serde_json::json!(median));
            row
        })
        .collect();
    if query.group_by.is_empty() && out.is_empty() {
        out.push(vec![Value::Null]);
    }
    // Ordered by the measure or by a group column, as the other aggregates are in SQL.
    let column = match &query.order {
        Some((OrderKey::Measure, _)) => Some(query.group_by.len()),
        Some((OrderKey::Field(path), _)) => query.group_by.iter().position(|g| g == path),
        None => None,
    };
    if let (Some(column), Some((_, descending))) = (column, &query.order) {
        out.sort_by(|a, b| {
            let ordering = compare(&a[column], &b[column]);
            if *descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    out
}
