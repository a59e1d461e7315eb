//! Filters as SQL conditions, every value bound as a parameter.

use super::Source;
use super::builder::Builder;
use crate::domain::FieldType;
use crate::domain::plan::{Condition, FieldPath, Op};
use crate::store::Backend;
use crate::store::statement::Param;
use anyhow::{Context, Result};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

impl Builder<'_> {
    /// A number or money value to compare a numeric column with: money as cents, so that the
    /// index on the column serves the comparison.
    pub(super) fn number_param(&mut self, path: &FieldPath, value: &str) -> Result<String> {
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

    pub(super) fn condition(&mut self, path: &FieldPath, condition: &Condition) -> Result<String> {
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
            Condition::CompareField(op, other) => {
                let symbol = symbol(*op)?;
                if path.is_numeric() {
                    format!("{} {symbol} {}", self.column(path)?, self.column(other)?)
                } else {
                    format!("{text} {symbol} {}", self.text(other)?)
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
    /// ([`super::source::sums_rows`] lets nothing else through).
    pub(super) fn period_condition(&mut self, condition: &Condition) -> Result<String> {
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
}

/// The SQL comparison an [`Op`] is.
fn symbol(op: Op) -> Result<&'static str> {
    Ok(match op {
        Op::Eq => "=",
        Op::Ne => "<>",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
        _ => anyhow::bail!("{op:?} is not a comparison"),
    })
}
