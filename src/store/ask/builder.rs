//! The expressions of one statement: columns, aggregates, the tables and their joins.

use super::Source;
use crate::domain::FieldType;
use crate::domain::plan::{Aggregate, CheckedQuery, DateCut, FieldPath};
use crate::store::Backend;
use crate::store::facts::FactTable;
use crate::store::sql::identifier;
use crate::store::statement::{Param, Statement};
use anyhow::Result;

/// Builds the parts of one statement, numbering its parameters.
pub(super) struct Builder<'a> {
    pub(super) backend: Backend,
    pub(super) source: &'a Source,
    pub(super) params: Vec<Param>,
    pub(super) joins: Vec<(String, String)>,
    /// Filters are not to be looked up in their indexes (SQLite's unary `+`): the rows are
    /// read in the order of an indexed field until the limit is reached.
    pub(super) ordered_walk: bool,
    /// The expressions being built are filters.
    pub(super) filtering: bool,
}

impl<'a> Builder<'a> {
    pub(super) fn new(backend: Backend, source: &'a Source) -> Builder<'a> {
        Builder {
            backend,
            source,
            params: Vec::new(),
            joins: Vec::new(),
            ordered_walk: false,
            filtering: false,
        }
    }

    pub(super) fn param(&mut self, value: impl Into<Param>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }

    /// The table alias a path is read from, joining the fact row of the referenced record
    /// when needed.
    pub(super) fn alias(&mut self, path: &FieldPath) -> Result<String> {
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
    pub(super) fn column(&mut self, path: &FieldPath) -> Result<String> {
        let alias = self.alias(path)?;
        let plus = if self.ordered_walk && self.filtering && path.via.is_none() {
            "+"
        } else {
            ""
        };
        Ok(format!("{plus}{alias}.f_{}", identifier(&path.field)?))
    }

    /// The field as text (a date cut to its month or year).
    pub(super) fn text(&mut self, path: &FieldPath) -> Result<String> {
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
    pub(super) fn number(&mut self, path: &FieldPath) -> Result<String> {
        let column = self.column(path)?;
        Ok(match path.field_type {
            // Postgres would divide a `bigint` by `100.0` as a `numeric`.
            FieldType::Money => format!("(cast({column} as {}) / 100)", self.backend.real_type()),
            _ => column,
        })
    }

    /// The aggregate's expression, and whether it yields money as cents.
    pub(super) fn aggregate(
        &mut self,
        aggregate: Aggregate,
        path: Option<&FieldPath>,
    ) -> Result<(String, bool)> {
        let real = self.backend.real_type();
        let backend = self.backend;
        let whole = |sum: String| backend.whole(&format!("coalesce({sum}, 0)"));
        if let Source::Sums { .. } = self.source {
            let Some(path) = path.filter(|_| aggregate != Aggregate::Count) else {
                return Ok((whole("sum(r.n)".to_string()), false));
            };
            let field = identifier(&path.field)?;
            let money = path.field_type == FieldType::Money;
            return Ok(match aggregate {
                Aggregate::Sum if money => (whole(format!("sum(r.f_{field})")), true),
                Aggregate::Sum => (format!("coalesce(sum(r.f_{field}), 0)"), false),
                Aggregate::Average => (
                    backend.average_of_sums(
                        &format!("sum(r.f_{field})"),
                        &format!("sum(r.n_{field})"),
                        money,
                    ),
                    false,
                ),
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
    pub(super) fn partial(
        &mut self,
        aggregate: Aggregate,
        path: Option<&FieldPath>,
    ) -> Result<[String; 2]> {
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
    pub(super) fn shown(&mut self, path: &FieldPath) -> Result<(String, bool)> {
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
    pub(super) fn tables_and_filters(
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

    pub(super) fn statement(self, sql: String, query: &CheckedQuery) -> Statement {
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
