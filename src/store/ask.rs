//! Executing a checked query plan as parameterised `select`s over the record type's fact
//! tables ([`super::facts`]): counts, sums and averages that only group and filter by group
//! fields and whole months read `sums_<type>`; everything else reads `facts_<type>`, typed and
//! indexed. Table and column names come from the schema (checked as plain names); every value
//! a question or a model supplied is bound as a parameter. Medians are taken from the values
//! in the middle, found through the index on the field.

use super::facts::{FactTable, day_cut};
use super::sql::identifier;
use super::statement::{Param, Row, Statement};
use super::{Backend, Store};
use crate::domain::FieldType;
use crate::domain::plan::{
    Aggregate, CheckedMeasure, CheckedQuery, Condition, DateCut, FieldPath, Op, OrderKey, Span,
    Table,
};
use anyhow::{Context, Result};
use chrono::Datelike;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use std::collections::BTreeMap;

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

    /// The median of one field over every matching record: how many there are, then the one
    /// or two values in the middle, read in the field's order (an index walk, not a sort).
    async fn middle_values(
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
}

impl Store {
    /// The median of one field per value of a group field indexed with it: how many values
    /// each group has (from the sums when they answer), then the one or two in the middle of
    /// each group, read along the (group, field) index in one statement per
    /// [`GROUPS_PER_STATEMENT`] groups.
    async fn middle_values_per_group(
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

/// The group field of a median per group that an index on (group, measured field) serves.
fn indexed_group<'q>(
    table: &FactTable,
    query: &'q CheckedQuery,
    path: &FieldPath,
) -> Option<&'q FieldPath> {
    let [group] = query.group_by.as_slice() else {
        return None;
    };
    let plain = |p: &FieldPath| p.via.is_none() && p.cut.is_none();
    (plain(group) && plain(path) && table.is_indexed_by_group(&group.field, &path.field))
        .then_some(group)
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

/// The rows of `sums_<type>` that answer `query`, when some do: a count, sum or average,
/// grouped and filtered only by one group field (or fields of the records it names) and by
/// the month or year of at most one date field, whose windows are whole months; or, not
/// grouped or filtered by any group field, over windows of days.
fn sums_rows(table: &FactTable, query: &CheckedQuery) -> Option<Source> {
    let CheckedMeasure::Aggregate(aggregate, measured) = &query.measure else {
        return None;
    };
    match aggregate {
        Aggregate::Count => {}
        Aggregate::Sum | Aggregate::Average => {
            let path = measured.as_ref()?;
            if path.via.is_some() || path.cut.is_some() || !table.is_measure(&path.field) {
                return None;
            }
        }
        _ => return None,
    }
    let mut cut: Option<String> = None;
    let mut group: Option<String> = None;
    let mut by_day = false;
    let one = |slot: &mut Option<String>, name: &str| -> bool {
        if slot.as_ref().is_some_and(|s| s != name) {
            return false;
        }
        *slot = Some(name.to_string());
        true
    };
    let mut uses = |path: &FieldPath, condition: Option<&Condition>| -> bool {
        if let Some((via, _)) = &path.via {
            return table.is_group(via) && one(&mut group, via);
        }
        if table.is_group(&path.field) {
            return one(&mut group, &path.field);
        }
        if !table.is_cut(&path.field) || !one(&mut cut, &path.field) {
            return false;
        }
        match (path.cut, condition) {
            (Some(_), _) => true,
            (None, Some(Condition::Span(span))) => {
                by_day |= span.from.day() != 1 || span.until.day() != 1;
                true
            }
            (None, Some(Condition::Empty(_))) => true,
            (None, _) => false,
        }
    };
    let fits = query.group_by.iter().all(|path| uses(path, None))
        && query
            .filters
            .iter()
            .all(|filter| uses(&filter.path, Some(&filter.condition)));
    if !fits || (by_day && group.is_some()) {
        return None;
    }
    let cut = cut.unwrap_or_else(|| table.any_cut().to_string());
    Some(Source::Sums {
        cut: if by_day { day_cut(&cut) } else { cut },
        group: group.unwrap_or_default(),
        by_day,
    })
}

/// A count, sum or average that the monthly sums would answer if its window of days were
/// whole months (grouped by a vendor over the last 90 days, say): the whole months inside the
/// window, answered from the sums, and the days at each end, from the facts, to be added up
/// ([`Sql::split`]). `None` when the window holds no whole month.
fn split_by_months(table: &FactTable, query: &CheckedQuery) -> Option<Vec<(Source, CheckedQuery)>> {
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

/// Whether a list ordered by an indexed field is better read in that index's order, checking
/// each record against the filters, than found through a filter's index and sorted.
///
/// Reading in order stops after about `limit / share` records, where `share` is the part of
/// the records the filters keep; going through a filter's index reads `share × records` and
/// sorts them. For a window of a month out of years of invoices the first is a few dozen
/// records and the second tens of thousands. Postgres weighs this with its statistics;
/// SQLite, without them, prefers the filter's index, so keel tells it.
fn ordered_walk(
    backend: Backend,
    table: &FactTable,
    source: &Source,
    query: &CheckedQuery,
) -> bool {
    const SHORT_LIST: u32 = 100;
    let Some((OrderKey::Field(path), _)) = &query.order else {
        return false;
    };
    backend == Backend::Sqlite
        && matches!(source, Source::Facts)
        && matches!(query.measure, CheckedMeasure::List(_))
        && query.limit <= SHORT_LIST
        && path.via.is_none()
        && path.cut.is_none()
        && table.is_indexed(&path.field)
}

/// The statement, its columns, and what to do with the rows it returns.
struct Sql {
    statement: Statement,
    columns: Vec<String>,
    /// Columns holding money as whole cents, to be divided by 100.
    money_cents: Vec<usize>,
    /// The last column holds values whose median per group is the answer.
    median: bool,
}

/// Builds the parts of one statement, numbering its parameters.
struct Builder<'a> {
    backend: Backend,
    source: &'a Source,
    params: Vec<Param>,
    joins: Vec<(String, String)>,
    /// Filters are not to be looked up in their indexes (SQLite's unary `+`): the rows are
    /// read in the order of an indexed field until the limit is reached.
    ordered_walk: bool,
    /// The expressions being built are filters.
    filtering: bool,
}

impl<'a> Builder<'a> {
    fn new(backend: Backend, source: &'a Source) -> Builder<'a> {
        Builder {
            backend,
            source,
            params: Vec::new(),
            joins: Vec::new(),
            ordered_walk: false,
            filtering: false,
        }
    }

    fn param(&mut self, value: impl Into<Param>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }

    /// The table alias a path is read from, joining the fact row of the referenced record
    /// when needed.
    fn alias(&mut self, path: &FieldPath) -> Result<String> {
        let Some((via, target)) = &path.via else {
            return Ok("r".to_string());
        };
        let via = identifier(via)?;
        let alias = format!("j_{via}");
        if !self.joins.iter().any(|(a, _)| *a == alias) {
            let target = identifier(target)?;
            let on = match self.source {
                Source::Facts => format!("r.f_{via}"),
                Source::Sums { .. } => "r.value".to_string(),
            };
            self.joins.push((
                alias.clone(),
                format!(" left join facts_{target} {alias} on {alias}.key = {on}"),
            ));
        }
        Ok(alias)
    }

    /// The column holding the field as stored: text, a real, or money as whole cents.
    fn column(&mut self, path: &FieldPath) -> Result<String> {
        let alias = self.alias(path)?;
        let plus = if self.ordered_walk && self.filtering && path.via.is_none() {
            "+"
        } else {
            ""
        };
        Ok(format!("{plus}{alias}.f_{}", identifier(&path.field)?))
    }

    /// The field as text (a date cut to its month or year).
    fn text(&mut self, path: &FieldPath) -> Result<String> {
        let column = self.column(path)?;
        let expression = match self.source {
            // The group field's value is "" for none, a date field is its period.
            Source::Sums { .. } if path.via.is_none() => {
                if path.cut.is_some() {
                    "nullif(r.period, '')".to_string()
                } else {
                    "nullif(r.value, '')".to_string()
                }
            }
            _ => column,
        };
        Ok(match (path.cut, self.source) {
            (Some(DateCut::Month), Source::Sums { by_day: false, .. }) if path.via.is_none() => {
                expression
            }
            (Some(DateCut::Month), _) => format!("substr({expression}, 1, 7)"),
            (Some(DateCut::Year), _) => format!("substr({expression}, 1, 4)"),
            (None, _) => expression,
        })
    }

    /// The field as a number (money in currency units).
    fn number(&mut self, path: &FieldPath) -> Result<String> {
        let column = self.column(path)?;
        Ok(match path.field_type {
            // Postgres would divide a `bigint` by `100.0` as a `numeric`.
            FieldType::Money => match self.backend {
                Backend::Sqlite => format!("({column} / 100.0)"),
                Backend::Postgres => format!("(cast({column} as double precision) / 100)"),
            },
            _ => column,
        })
    }

    /// A number or money value to compare a numeric column with: money as cents, so that the
    /// index on the column serves the comparison.
    fn number_param(&mut self, path: &FieldPath, value: &str) -> Result<String> {
        let unreadable = || format!("`{value}` is not a number");
        let param = match path.field_type {
            FieldType::Money => match value.parse::<Decimal>() {
                Ok(amount) => {
                    let cents = amount * Decimal::ONE_HUNDRED;
                    match cents.to_i64().filter(|_| cents.fract().is_zero()) {
                        Some(whole) => Param::Int(Some(whole)),
                        None => Param::Real(cents.to_f64()),
                    }
                }
                Err(_) => Param::Real(Some(value.parse::<f64>().with_context(unreadable)? * 100.0)),
            },
            _ => Param::Real(Some(value.parse::<f64>().with_context(unreadable)?)),
        };
        Ok(self.param(param))
    }

    fn condition(&mut self, path: &FieldPath, condition: &Condition) -> Result<String> {
        if let Source::Sums { .. } = self.source
            && path.via.is_none()
            && path.cut.is_none()
            && matches!(path.field_type, FieldType::Date | FieldType::Timestamp)
        {
            return self.period_condition(condition);
        }
        let text = self.text(path)?;
        Ok(match condition {
            Condition::Empty(empty) => {
                let test = if path.is_numeric() {
                    format!("({} is null)", self.column(path)?)
                } else {
                    format!("({text} is null or {text} = '')")
                };
                if *empty { test } else { format!("not {test}") }
            }
            Condition::Span(span) => {
                let from = self.param(span.from.to_string());
                let until = self.param(span.until.to_string());
                format!("({text} >= {from} and {text} < {until})")
            }
            Condition::Contains(needle) => {
                let escaped = needle
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                let pattern = self.param(format!("%{escaped}%"));
                // SQLite's `lower` folds ASCII only, and so does Postgres's under the bytewise
                // collation keel's text columns have.
                let lower = match self.backend {
                    Backend::Sqlite => format!("keel_lower({text})"),
                    Backend::Postgres => format!("lower({text} collate \"default\")"),
                };
                format!("{lower} like {pattern} escape '\\'")
            }
            Condition::In(values) => {
                if path.is_numeric() {
                    let column = self.column(path)?;
                    let placeholders = values
                        .iter()
                        .map(|v| self.number_param(path, v))
                        .collect::<Result<Vec<_>>>()?;
                    format!("{column} in ({})", placeholders.join(", "))
                } else {
                    let placeholders: Vec<String> =
                        values.iter().map(|v| self.param(v.clone())).collect();
                    let days = path.field_type == FieldType::Timestamp
                        && path.cut.is_none()
                        && values.iter().all(|v| v.len() == 10);
                    let left = if days {
                        format!("substr({text}, 1, 10)")
                    } else {
                        text
                    };
                    format!("{left} in ({})", placeholders.join(", "))
                }
            }
            Condition::Compare(op, value) => {
                let symbol = match op {
                    Op::Eq => "=",
                    Op::Ne => "<>",
                    Op::Lt => "<",
                    Op::Le => "<=",
                    Op::Gt => ">",
                    Op::Ge => ">=",
                    _ => anyhow::bail!("{op:?} is not a comparison"),
                };
                let (left, right) = if path.is_numeric() {
                    (self.column(path)?, self.number_param(path, value)?)
                } else if path.field_type == FieldType::Timestamp
                    && path.cut.is_none()
                    && value.len() == 10
                {
                    // A day compared with a timestamp compares with the timestamp's day.
                    (format!("substr({text}, 1, 10)"), self.param(value.clone()))
                } else {
                    (text, self.param(value.clone()))
                };
                let test = format!("{left} {symbol} {right}");
                // `<>` also keeps the records where the field is empty.
                if *op == Op::Ne {
                    format!("({test} or {left} is null)")
                } else {
                    test
                }
            }
        })
    }

    /// A condition on the date field that `sums_<type>` is cut by, as periods: a window of
    /// whole months (or of days, read per day), or whether there is a date at all
    /// ([`sums_rows`] lets nothing else through).
    fn period_condition(&mut self, condition: &Condition) -> Result<String> {
        let format = match self.source {
            Source::Sums { by_day: true, .. } => "%Y-%m-%d",
            _ => "%Y-%m",
        };
        let period = |day: chrono::NaiveDate| day.format(format).to_string();
        Ok(match condition {
            Condition::Span(span) => {
                let from = self.param(period(span.from));
                let until = self.param(period(span.until));
                format!("(r.period >= {from} and r.period < {until})")
            }
            Condition::Empty(true) => "r.period = ''".to_string(),
            Condition::Empty(false) => "r.period <> ''".to_string(),
            other => anyhow::bail!("{other:?} cannot be answered from monthly sums"),
        })
    }

    /// The aggregate's expression, and whether it yields money as cents.
    fn aggregate(
        &mut self,
        aggregate: Aggregate,
        path: Option<&FieldPath>,
    ) -> Result<(String, bool)> {
        let real = match self.backend {
            Backend::Sqlite => "real",
            Backend::Postgres => "double precision",
        };
        // Postgres adds integers up as `numeric`.
        let backend = self.backend;
        let whole = |sum: String| match backend {
            Backend::Sqlite => format!("coalesce({sum}, 0)"),
            Backend::Postgres => format!("cast(coalesce({sum}, 0) as bigint)"),
        };
        if let Source::Sums { .. } = self.source {
            let Some(path) = path.filter(|_| aggregate != Aggregate::Count) else {
                return Ok((whole("sum(r.n)".to_string()), false));
            };
            let field = identifier(&path.field)?;
            let money = path.field_type == FieldType::Money;
            return Ok(match aggregate {
                Aggregate::Sum if money => (whole(format!("sum(r.f_{field})")), true),
                Aggregate::Sum => (format!("coalesce(sum(r.f_{field}), 0)"), false),
                Aggregate::Average => {
                    let scale = if money { " / 100.0" } else { "" };
                    (
                        format!(
                            "cast(sum(r.f_{field}) as {real}) /                              nullif(cast(sum(r.n_{field}) as {real}), 0){scale}"
                        ),
                        false,
                    )
                }
                other => anyhow::bail!("{other:?} is not kept in monthly sums"),
            });
        }
        let Some(path) = path else {
            return Ok(("count(*)".to_string(), false));
        };
        let money = path.field_type == FieldType::Money && path.cut.is_none();
        Ok(match aggregate {
            Aggregate::Count => ("count(*)".to_string(), false),
            Aggregate::Sum if money => (whole(format!("sum({})", self.column(path)?)), true),
            Aggregate::Average if money => (
                format!("cast(avg({}) as {real}) / 100.0", self.column(path)?),
                false,
            ),
            Aggregate::Sum => (format!("coalesce(sum({}), 0)", self.number(path)?), false),
            Aggregate::Average => (format!("avg({})", self.number(path)?), false),
            Aggregate::Min | Aggregate::Max => {
                let name = if aggregate == Aggregate::Min {
                    "min"
                } else {
                    "max"
                };
                if money {
                    (format!("{name}({})", self.column(path)?), true)
                } else if path.is_numeric() {
                    (format!("{name}({})", self.number(path)?), false)
                } else {
                    (format!("{name}({})", self.text(path)?), false)
                }
            }
            // Taken in Rust from the values themselves.
            Aggregate::Median => (self.number(path)?, false),
        })
    }

    /// A count, sum or average over part of the records, as two columns to add up with the
    /// other parts': the sum (money in cents; 0 for a count) and how many were summed.
    fn partial(&mut self, aggregate: Aggregate, path: Option<&FieldPath>) -> Result<[String; 2]> {
        let measured = path.filter(|_| aggregate != Aggregate::Count);
        Ok(match (self.source, measured) {
            (Source::Sums { .. }, None) => ["0".to_string(), "sum(r.n)".to_string()],
            (Source::Sums { .. }, Some(path)) => {
                let field = identifier(&path.field)?;
                [format!("sum(r.f_{field})"), format!("sum(r.n_{field})")]
            }
            (Source::Facts, None) => ["0".to_string(), "count(*)".to_string()],
            (Source::Facts, Some(path)) => {
                let column = self.column(path)?;
                let value = match path.field_type {
                    FieldType::Money => column.clone(),
                    _ => self.number(path)?,
                };
                [format!("sum({value})"), format!("count({column})")]
            }
        })
    }

    /// A listed or grouped field: money as cents (and so in the column's own order, which its
    /// index serves), numbers as numbers, the rest as text.
    fn shown(&mut self, path: &FieldPath) -> Result<(String, bool)> {
        Ok(
            if path.is_numeric() && path.field_type == FieldType::Money {
                (self.column(path)?, true)
            } else if path.is_numeric() {
                (self.number(path)?, false)
            } else {
                (self.text(path)?, false)
            },
        )
    }

    /// `from … where …` for the source, the query's filters and `also`.
    fn tables_and_filters(
        &mut self,
        table: &FactTable,
        query: &CheckedQuery,
        also: Option<String>,
    ) -> Result<String> {
        let (from, mut conditions) = match self.source {
            Source::Facts => (table.facts.clone(), Vec::new()),
            Source::Sums { cut, group, .. } => {
                let cut = self.param(cut.clone());
                let group = self.param(group.clone());
                let rows = format!("r.cut = {cut} and r.field = {group} and r.n > 0");
                (table.sums.clone(), vec![rows])
            }
        };
        self.filtering = true;
        for filter in &query.filters {
            conditions.push(self.condition(&filter.path, &filter.condition)?);
        }
        self.filtering = false;
        conditions.extend(also);
        let joins: String = self.joins.iter().map(|(_, join)| join.as_str()).collect();
        let filters = if conditions.is_empty() {
            String::new()
        } else {
            format!(" where {}", conditions.join(" and "))
        };
        Ok(format!("from {from} r{joins}{filters}"))
    }

    fn statement(self, sql: String, query: &CheckedQuery) -> Statement {
        let mut statement = Statement::new(
            sql,
            format!("answering a question about {} records", query.record),
        );
        for param in self.params {
            statement.push(param);
        }
        statement
    }
}

impl Sql {
    fn build(
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
    fn middle(
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
    fn counts(
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
            Source::Sums { .. } => {
                let count = format!("sum(r.n_{})", identifier(&path.field)?);
                match backend {
                    Backend::Sqlite => count,
                    Backend::Postgres => format!("cast({count} as bigint)"),
                }
            }
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
    fn group_middles(
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
            let in_group = match super::facts::text(value) {
                Some(text) => format!("{column} = {}", b.param(text)),
                None => format!("{column} is null"),
            };
            let also = format!("{in_group} and {measured} is not null");
            let from_where = b.tables_and_filters(table, query, Some(also))?;
            let tag = match backend {
                Backend::Sqlite => part.to_string(),
                Backend::Postgres => format!("cast({part} as bigint)"),
            };
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

impl Sql {
    /// A count, sum or average added up from `parts` (from [`split_by_months`]): each part
    /// grouped and summed on its own, in one statement.
    fn split(
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
        let (real, whole) = match backend {
            Backend::Sqlite => ("real", "integer"),
            Backend::Postgres => ("double precision", "bigint"),
        };
        let money = path
            .as_ref()
            .is_some_and(|p| p.field_type == FieldType::Money);
        let combined = match aggregate {
            Aggregate::Count => format!("cast(coalesce(sum(part_count), 0) as {whole})"),
            Aggregate::Sum if money => format!("cast(coalesce(sum(part_sum), 0) as {whole})"),
            Aggregate::Sum => format!("cast(coalesce(sum(part_sum), 0) as {real})"),
            Aggregate::Average => format!(
                "cast(sum(part_sum) as {real}) / nullif(cast(sum(part_count) as {real}), 0){}",
                if money { " / 100.0" } else { "" }
            ),
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

/// `order by … limit … offset …` reading the one or two values in the middle of `matching`
/// values of `value` (two when their number is even).
fn middle_of(value: &str, matching: i64) -> String {
    format!(
        "order by {value} limit {} offset {}",
        2 - matching % 2,
        (matching - 1) / 2
    )
}

/// `order by` for a query that is not a median: the asked order, then the key or every
/// column, for a stable answer.
fn order_clause(query: &CheckedQuery, columns: &[String], measure_column: usize) -> String {
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

/// Numbers by value, anything else by its text.
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// The median of the last column per group (the rows come sorted by group, then value).
fn medians(rows: Vec<Vec<Value>>, query: &CheckedQuery) -> Vec<Vec<Value>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::CheckedFilter;

    fn path(field: &str, field_type: &str) -> FieldPath {
        FieldPath {
            via: None,
            field: field.into(),
            field_type: field_type.parse().unwrap(),
            cut: None,
        }
    }

    fn invoices() -> FactTable {
        let schema = super::super::facts::tests::schema();
        FactTable::new(schema.get("invoice").unwrap(), &schema).unwrap()
    }

    fn query(
        from: (u32, u32),
        until: (u32, u32),
        group: Option<FieldPath>,
        aggregate: Aggregate,
    ) -> CheckedQuery {
        let day = |(month, day)| chrono::NaiveDate::from_ymd_opt(2026, month, day).unwrap();
        CheckedQuery {
            record: "invoice".into(),
            filters: vec![CheckedFilter {
                path: path("issued_date", "date"),
                condition: Condition::Span(Span {
                    from: day(from),
                    until: day(until),
                }),
            }],
            group_by: group.into_iter().collect(),
            measure: CheckedMeasure::Aggregate(aggregate, Some(path("amount", "money"))),
            order: None,
            limit: 10,
        }
    }

    fn source(query: &CheckedQuery) -> Option<(String, String, bool)> {
        match sums_rows(&invoices(), query)? {
            Source::Sums { cut, group, by_day } => Some((cut, group, by_day)),
            Source::Facts => None,
        }
    }

    #[test]
    fn windows_of_days_read_the_daily_sums_unless_grouped_by_a_group_field() {
        let vendor = || Some(path("vendor_id", "ref(vendor)"));
        let months = query((3, 1), (5, 1), vendor(), Aggregate::Sum);
        assert_eq!(
            source(&months),
            Some(("issued_date".into(), "vendor_id".into(), false))
        );
        let days = query((3, 2), (5, 17), None, Aggregate::Sum);
        assert_eq!(
            source(&days),
            Some(("issued_date/day".into(), String::new(), true))
        );
        let per_month = FieldPath {
            cut: Some(DateCut::Month),
            ..path("issued_date", "date")
        };
        let days_per_month = query((3, 2), (5, 17), Some(per_month), Aggregate::Count);
        assert_eq!(source(&days_per_month).map(|s| s.2), Some(true));
        // The daily rows are overall only: a vendor's whole months come from the sums, the
        // days at each end from the facts.
        let vendor_days = query((3, 2), (5, 17), vendor(), Aggregate::Sum);
        assert_eq!(source(&vendor_days), None);
        let parts = split_by_months(&invoices(), &vendor_days).unwrap();
        let described: Vec<(bool, String)> = parts
            .iter()
            .map(|(source, part)| {
                let Condition::Span(span) = &part.filters[0].condition else {
                    panic!("{part:?}");
                };
                let sums = matches!(source, Source::Sums { by_day: false, .. });
                (sums, format!("{}..{}", span.from, span.until))
            })
            .collect();
        assert_eq!(
            described,
            [
                (true, "2026-04-01..2026-05-01".to_string()),
                (false, "2026-03-02..2026-04-01".to_string()),
                (false, "2026-05-01..2026-05-17".to_string()),
            ]
        );
        // Not a whole month inside: the facts alone.
        let within_march = query((3, 2), (3, 30), vendor(), Aggregate::Sum);
        assert!(split_by_months(&invoices(), &within_march).is_none());
        assert_eq!(source(&query((3, 2), (5, 17), None, Aggregate::Max)), None);
    }

    #[test]
    fn a_median_per_named_group_reads_along_its_index_and_per_enum_reads_every_value() {
        let table = invoices();
        let amount = path("amount", "money");
        let per_vendor = query(
            (3, 1),
            (4, 1),
            Some(path("vendor_id", "ref(vendor)")),
            Aggregate::Median,
        );
        assert!(indexed_group(&table, &per_vendor, &amount).is_some());
        let per_status = query(
            (3, 1),
            (4, 1),
            Some(path("status", "enum(open, paid)")),
            Aggregate::Median,
        );
        assert!(indexed_group(&table, &per_status, &amount).is_none());
        let sql = Sql::group_middles(
            Backend::Postgres,
            &table,
            &per_vendor,
            &per_vendor.group_by[0],
            &amount,
            &[(Value::from("V1"), 5), (Value::Null, 4)],
        )
        .unwrap()
        .statement
        .sql;
        // Five values: the third; four: the second and third. The vendor is a parameter.
        assert!(sql.contains("limit 1 offset 2"), "{sql}");
        assert!(sql.contains("limit 2 offset 1"), "{sql}");
        assert!(sql.contains("r.f_vendor_id = $1"), "{sql}");
        assert!(sql.contains("r.f_vendor_id is null"), "{sql}");
        assert!(!sql.contains("V1"), "{sql}");
    }
}
