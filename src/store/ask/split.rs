//! A window of days answered as the whole months inside it, from the sums, and the days at
//! each end, from the facts, added up in one statement.

use super::builder::Builder;
use super::source::sums_rows;
use super::sql::{Sql, order_clause};
use super::{Source, measure_name};
use crate::domain::FieldType;
use crate::domain::plan::{Aggregate, CheckedMeasure, CheckedQuery, Condition, FieldPath, Span};
use crate::store::Backend;
use crate::store::facts::FactTable;
use anyhow::Result;
use chrono::Datelike;

/// A count, sum or average that the monthly sums would answer if its window of days were
/// whole months (grouped by a vendor over the last 90 days, say): the whole months inside the
/// window, answered from the sums, and the days at each end, from the facts, to be added up
/// ([`Sql::split`]). `None` when the window holds no whole month.
pub(super) fn split_by_months(
    table: &FactTable,
    query: &CheckedQuery,
) -> Option<Vec<(Source, CheckedQuery)>> {
    let days: Vec<usize> = (0..query.filters.len())
        .filter(|&i| {
            let filter = &query.filters[i];
            filter.path.via.is_none()
                && filter.path.cut.is_none()
                && table.is_cut(&filter.path.field)
                && matches!(&filter.condition,
                    Condition::Span(span) if span.from.day() != 1 || span.until.day() != 1)
        })
        .collect();
    let [at] = days[..] else {
        return None;
    };
    let Condition::Span(span) = &query.filters[at].condition else {
        return None;
    };
    let first_whole = match span.from.day() {
        1 => span.from,
        _ => span
            .from
            .with_day(1)?
            .checked_add_months(chrono::Months::new(1))?,
    };
    let after_whole = span.until.with_day(1)?;
    if first_whole >= after_whole {
        return None;
    }
    let within = |from, until| {
        let mut part = query.clone();
        part.filters[at].condition = Condition::Span(Span { from, until });
        part
    };
    let months = within(first_whole, after_whole);
    let mut parts = vec![(sums_rows(table, &months)?, months)];
    if span.from < first_whole {
        parts.push((Source::Facts, within(span.from, first_whole)));
    }
    if after_whole < span.until {
        parts.push((Source::Facts, within(after_whole, span.until)));
    }
    Some(parts)
}

impl Sql {
    /// A count, sum or average added up from `parts` (from [`split_by_months`]): each part
    /// grouped and summed on its own, in one statement.
    pub(super) fn split(
        backend: Backend,
        table: &FactTable,
        query: &CheckedQuery,
        parts: &[(Source, CheckedQuery)],
    ) -> Result<Sql> {
        let CheckedMeasure::Aggregate(aggregate, path) = &query.measure else {
            anyhow::bail!("a list cannot be added up from parts");
        };
        let groups: Vec<String> = (0..query.group_by.len()).map(|n| format!("g{n}")).collect();
        let mut params = Vec::new();
        let mut selects = Vec::new();
        for (source, part) in parts {
            let mut b = Builder::new(backend, source);
            b.params = std::mem::take(&mut params);
            let mut columns = Vec::new();
            let mut grouped = Vec::new();
            for (path, name) in part.group_by.iter().zip(&groups) {
                let (expression, _) = b.shown(path)?;
                columns.push(format!("{expression} as {name}"));
                grouped.push(expression);
            }
            let [sum, count] = b.partial(*aggregate, path.as_ref())?;
            columns.push(format!("{sum} as part_sum"));
            columns.push(format!("{count} as part_count"));
            let from_where = b.tables_and_filters(table, part, None)?;
            let group_by = if grouped.is_empty() {
                String::new()
            } else {
                format!(" group by {}", grouped.join(", "))
            };
            selects.push(format!(
                "select {} {from_where}{group_by}",
                columns.join(", ")
            ));
            params = b.params;
        }
        let (real, whole) = (backend.real_type(), backend.integer_type());
        let money = path
            .as_ref()
            .is_some_and(|p| p.field_type == FieldType::Money);
        let combined = match aggregate {
            Aggregate::Count => format!("cast(coalesce(sum(part_count), 0) as {whole})"),
            Aggregate::Sum if money => format!("cast(coalesce(sum(part_sum), 0) as {whole})"),
            Aggregate::Sum => format!("cast(coalesce(sum(part_sum), 0) as {real})"),
            Aggregate::Average => {
                backend.average_of_sums("sum(part_sum)", "sum(part_count)", money)
            }
            other => anyhow::bail!("{other:?} cannot be added up from parts"),
        };
        let mut columns: Vec<String> = query.group_by.iter().map(FieldPath::name).collect();
        columns.push(measure_name(*aggregate, path.as_ref()));
        let mut outer = groups.clone();
        outer.push(combined);
        let mut sql = format!(
            "select {} from ({}) parts",
            outer.join(", "),
            selects.join(" union all ")
        );
        if !groups.is_empty() {
            sql.push_str(&format!(" group by {}", groups.join(", ")));
        }
        sql.push_str(&order_clause(query, &columns, columns.len()));
        sql.push_str(&format!(" limit {}", u64::from(query.limit) + 1));
        let mut b = Builder::new(backend, &Source::Facts);
        b.params = params;
        Ok(Sql {
            statement: b.statement(sql, query),
            columns,
            money_cents: if money && *aggregate == Aggregate::Sum {
                vec![groups.len()]
            } else {
                Vec::new()
            },
            median: false,
        })
    }
}
