//! One statement per kind of query, with its columns and what to do with its rows.

use super::builder::Builder;
use super::source::{ordered_walk, sums_rows};
use super::{Source, measure_name};
use crate::domain::plan::{Aggregate, CheckedMeasure, CheckedQuery, FieldPath, OrderKey};
use crate::store::Backend;
use crate::store::facts::FactTable;
use crate::store::sql::identifier;
use crate::store::statement::Statement;
use anyhow::Result;
use serde_json::Value;

/// The statement, its columns, and what to do with the rows it returns.
pub(super) struct Sql {
    pub(super) statement: Statement,
    pub(super) columns: Vec<String>,
    /// Columns holding money as whole cents, to be divided by 100.
    pub(super) money_cents: Vec<usize>,
    /// The last column holds values whose median per group is the answer.
    pub(super) median: bool,
}

impl Sql {
    pub(super) fn build(
        backend: Backend,
        table: &FactTable,
        source: &Source,
        query: &CheckedQuery,
    ) -> Result<Sql> {
        let mut b = Builder::new(backend, source);
        b.ordered_walk = ordered_walk(backend, table, source, query);
        let mut selects = Vec::new();
        let mut columns = Vec::new();
        let mut money_cents = Vec::new();
        let mut median = false;
        let mut group_by = Vec::new();
        match &query.measure {
            CheckedMeasure::List(fields) => {
                selects.push("r.key".to_string());
                columns.push("key".to_string());
                for path in fields {
                    let (expression, cents) = b.shown(path)?;
                    if cents {
                        money_cents.push(selects.len());
                    }
                    selects.push(expression);
                    columns.push(path.name());
                }
            }
            CheckedMeasure::Aggregate(aggregate, path) => {
                for path in &query.group_by {
                    let (expression, cents) = b.shown(path)?;
                    if cents {
                        money_cents.push(selects.len());
                    }
                    group_by.push(expression.clone());
                    selects.push(expression);
                    columns.push(path.name());
                }
                let (expression, cents) = b.aggregate(*aggregate, path.as_ref())?;
                if cents {
                    money_cents.push(selects.len());
                }
                median = *aggregate == Aggregate::Median;
                selects.push(expression);
                columns.push(measure_name(*aggregate, path.as_ref()));
            }
        }
        let measure_column = selects.len();
        // A median's values: those there are.
        let valued = median.then(|| format!("{} is not null", selects[measure_column - 1]));
        let from_where = b.tables_and_filters(table, query, valued)?;
        let mut sql = format!("select {} {from_where}", selects.join(", "));
        if median {
            // Every value, grouped in Rust; sorted so that groups come together.
            let mut order: Vec<String> = (1..measure_column).map(|n| n.to_string()).collect();
            order.push(measure_column.to_string());
            sql.push_str(&format!(" order by {}", order.join(", ")));
        } else {
            if !group_by.is_empty() {
                sql.push_str(&format!(" group by {}", group_by.join(", ")));
            }
            let order = order_clause(query, &columns, measure_column);
            sql.push_str(&order);
            sql.push_str(&format!(" limit {}", u64::from(query.limit) + 1));
        }
        Ok(Sql {
            statement: b.statement(sql, query),
            columns,
            money_cents,
            median,
        })
    }

    /// For a median over every matching record: the one or two values in the middle of the
    /// `matching` ones that have a value.
    pub(super) fn middle(
        backend: Backend,
        table: &FactTable,
        query: &CheckedQuery,
        path: &FieldPath,
        matching: i64,
    ) -> Result<Sql> {
        let mut b = Builder::new(backend, &Source::Facts);
        let (value, cents) = b.shown(path)?;
        let valued = format!("{value} is not null");
        let from_where = b.tables_and_filters(table, query, Some(valued))?;
        let sql = format!(
            "select {value} {from_where} {}",
            middle_of(&value, matching)
        );
        Ok(Sql {
            statement: b.statement(sql, query),
            columns: Vec::new(),
            money_cents: if cents { vec![0] } else { Vec::new() },
            median: false,
        })
    }

    /// For a median (per group): how many matching records have a value of `path` (each
    /// group's value, then its count), from the sums when they answer the same question as a
    /// sum, so that only the middle values are read from the index.
    pub(super) fn counts(
        backend: Backend,
        table: &FactTable,
        query: &CheckedQuery,
        group: Option<&FieldPath>,
        path: &FieldPath,
    ) -> Result<Sql> {
        let as_sum = CheckedQuery {
            measure: CheckedMeasure::Aggregate(Aggregate::Sum, Some(path.clone())),
            ..query.clone()
        };
        let source = sums_rows(table, &as_sum).unwrap_or(Source::Facts);
        let mut b = Builder::new(backend, &source);
        let shown = match group {
            Some(group) => Some(b.shown(group)?.0),
            None => None,
        };
        let count = match source {
            Source::Sums { .. } => backend.whole(&format!("sum(r.n_{})", identifier(&path.field)?)),
            Source::Facts => format!("count({})", b.column(path)?),
        };
        let from_where = b.tables_and_filters(table, query, None)?;
        let sql = match shown {
            Some(shown) => format!("select {shown}, {count} {from_where} group by {shown}"),
            None => format!("select {count} {from_where}"),
        };
        Ok(Sql {
            statement: b.statement(sql, query),
            columns: Vec::new(),
            money_cents: Vec::new(),
            median: false,
        })
    }

    /// For a median per group: the one or two values in the middle of each of `groups`
    /// (its value and how many values it has), each row tagged with the group's position.
    pub(super) fn group_middles(
        backend: Backend,
        table: &FactTable,
        query: &CheckedQuery,
        group: &FieldPath,
        path: &FieldPath,
        groups: &[(Value, i64)],
    ) -> Result<Sql> {
        let mut b = Builder::new(backend, &Source::Facts);
        let mut parts = Vec::new();
        let mut cents = false;
        for (part, (value, matching)) in groups.iter().enumerate() {
            b.joins.clear();
            let (measured, money) = b.shown(path)?;
            cents = money;
            let column = b.column(group)?;
            let in_group = match crate::store::facts::text(value) {
                Some(text) => format!("{column} = {}", b.param(text)),
                None => format!("{column} is null"),
            };
            let also = format!("{in_group} and {measured} is not null");
            let from_where = b.tables_and_filters(table, query, Some(also))?;
            let tag = backend.whole(&part.to_string());
            parts.push(format!(
                "select * from (select {tag} as part, {measured} as middle {from_where} {}) m{part}",
                middle_of(&measured, *matching)
            ));
        }
        Ok(Sql {
            statement: b.statement(parts.join(" union all "), query),
            columns: Vec::new(),
            money_cents: if cents { vec![1] } else { Vec::new() },
            median: false,
        })
    }
}

/// `order by … limit … offset …` reading the one or two values in the middle of `matching`
/// values of `value` (two when their number is even).
pub(super) fn middle_of(value: &str, matching: i64) -> String {
    format!(
        "order by {value} limit {} offset {}",
        2 - matching % 2,
        (matching - 1) / 2
    )
}

/// `order by` for a query that is not a median: the asked order, then the key or every
/// column, for a stable answer.
pub(super) fn order_clause(
    query: &CheckedQuery,
    columns: &[String],
    measure_column: usize,
) -> String {
    let mut order = Vec::new();
    if let Some((key, descending)) = &query.order {
        let column = match key {
            OrderKey::Measure => measure_column,
            OrderKey::Field(path) => {
                let name = path.name();
                columns.iter().position(|c| *c == name).map_or(1, |i| i + 1)
            }
        };
        order.push(format!(
            "{column}{}",
            if *descending { " desc" } else { "" }
        ));
    }
    if let CheckedMeasure::List(_) = query.measure {
        // The key (column 1) is unique, and in the asked direction it is the order an index
        // on the ordered field keeps (with the key after the field), so the index is read
        // as it is, not sorted again.
        let descending = query.order.as_ref().is_some_and(|(_, d)| *d);
        order.push(if descending { "1 desc" } else { "1" }.to_string());
    } else {
        order.extend((1..=columns.len()).map(|column| column.to_string()));
    }
    format!(" order by {}", order.join(", "))
}
