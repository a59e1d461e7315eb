//! Executing a checked query plan as one parameterised `select` over the records. Field names
//! come from the schema (and are checked again as plain names before they enter the SQL); every
//! value a question or a model supplied is bound as a parameter. Medians, which neither
//! backend computes the same way, are taken from the matching values in Rust.

use super::sql::identifier;
use super::statement::{Row, Statement};
use super::{Backend, Store};
use crate::domain::FieldType;
use crate::domain::plan::{
    Aggregate, CheckedMeasure, CheckedQuery, Condition, DateCut, FieldPath, Op, OrderKey, Table,
};
use anyhow::Result;
use serde_json::Value;
use std::collections::BTreeMap;

impl Store {
    /// Runs `query`; the table has at most `query.limit` rows.
    pub async fn run_query(&self, query: &CheckedQuery) -> Result<Table> {
        let built = Sql::build(self.backend, query)?;
        let statement = built.statement.bulk();
        let rows = self.read(statement).await?;
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
struct Builder {
    backend: Backend,
    params: Vec<String>,
    joins: Vec<(String, String)>,
}

impl Builder {
    fn param(&mut self, value: impl Into<String>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }

    /// The table alias a path is read from, joining the referenced record when needed.
    fn alias(&mut self, path: &FieldPath) -> Result<String> {
        let Some((via, target)) = &path.via else {
            return Ok("r".to_string());
        };
        let alias = format!("j_{}", identifier(via)?);
        if !self.joins.iter().any(|(a, _)| *a == alias) {
            let on_key = self.backend.json_text("r.data", via)?;
            let target = self.param(target.clone());
            self.joins.push((
                alias.clone(),
                format!(
                    " left join records {alias} on {alias}.type = {target} and {alias}.key = {on_key}"
                ),
            ));
        }
        Ok(alias)
    }

    /// The field as text (a bool as `true`/`false`, a date cut to its month or year).
    fn text(&mut self, path: &FieldPath) -> Result<String> {
        let alias = self.alias(path)?;
        let raw = self
            .backend
            .json_text(&format!("{alias}.data"), &path.field)?;
        let expression = match (&path.field_type, self.backend) {
            (FieldType::Bool, Backend::Sqlite) => {
                format!("(case {raw} when 1 then 'true' when 0 then 'false' end)")
            }
            _ => raw,
        };
        Ok(match path.cut {
            Some(DateCut::Month) => format!("substr({expression}, 1, 7)"),
            Some(DateCut::Year) => format!("substr({expression}, 1, 4)"),
            None => expression,
        })
    }

    /// The field as a number.
    fn number(&mut self, path: &FieldPath) -> Result<String> {
        let text = self.text(path)?;
        Ok(format!("cast({text} as {})", self.real()))
    }

    fn real(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "real",
            Backend::Postgres => "double precision",
        }
    }

    /// Money as whole cents, so that sums are exact.
    fn cents(&mut self, path: &FieldPath) -> Result<String> {
        let text = self.text(path)?;
        Ok(match self.backend {
            Backend::Sqlite => format!("cast(round(cast({text} as real) * 100) as integer)"),
            Backend::Postgres => format!("round(cast({text} as numeric) * 100)"),
        })
    }

    fn condition(&mut self, path: &FieldPath, condition: &Condition) -> Result<String> {
        let text = self.text(path)?;
        Ok(match condition {
            Condition::Empty(empty) => {
                let test = format!("({text} is null or {text} = '')");
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
                let lower = match self.backend {
                    Backend::Sqlite => "keel_lower",
                    Backend::Postgres => "lower",
                };
                format!("{lower}({text}) like {pattern} escape '\\'")
            }
            Condition::In(values) => {
                let placeholders: Vec<String> = values
                    .iter()
                    .map(|v| {
                        if path.is_numeric() {
                            let p = self.param(v.clone());
                            format!("cast({p} as {})", self.real())
                        } else {
                            self.param(v.clone())
                        }
                    })
                    .collect();
                let days = path.field_type == FieldType::Timestamp
                    && path.cut.is_none()
                    && values.iter().all(|v| v.len() == 10);
                let left = if path.is_numeric() {
                    self.number(path)?
                } else if days {
                    format!("substr({text}, 1, 10)")
                } else {
                    text
                };
                format!("{left} in ({})", placeholders.join(", "))
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
                let test = if path.is_numeric() {
                    let left = self.number(path)?;
                    let right = self.param(value.clone());
                    format!("{left} {symbol} cast({right} as {})", self.real())
                } else if path.field_type == FieldType::Timestamp
                    && path.cut.is_none()
                    && value.len() == 10
                {
                    // A day compared with a timestamp compares with the timestamp's day.
                    let right = self.param(value.clone());
                    format!("substr({text}, 1, 10) {symbol} {right}")
                } else {
                    let right = self.param(value.clone());
                    format!("{text} {symbol} {right}")
                };
                // `<>` also keeps the records where the field is empty.
                if *op == Op::Ne {
                    format!("({test} or {text} is null)")
                } else {
                    test
                }
            }
        })
    }

    /// The aggregate's expression, and whether it yields money as cents.
    fn aggregate(
        &mut self,
        aggregate: Aggregate,
        path: Option<&FieldPath>,
    ) -> Result<(String, bool)> {
        let Some(path) = path else {
            return Ok(("count(*)".to_string(), false));
        };
        let money = path.field_type == FieldType::Money && path.cut.is_none();
        let numeric = path.is_numeric();
        Ok(match aggregate {
            Aggregate::Count => ("count(*)".to_string(), false),
            Aggregate::Sum if money => {
                let cents = self.cents(path)?;
                // A sum over nothing is 0, not null.
                let sum = match self.backend {
                    Backend::Sqlite => format!("coalesce(sum({cents}), 0)"),
                    Backend::Postgres => format!("cast(coalesce(sum({cents}), 0) as bigint)"),
                };
                (sum, true)
            }
            Aggregate::Average if money => {
                let cents = self.cents(path)?;
                (
                    format!("cast(avg({cents}) as {}) / 100.0", self.real()),
                    false,
                )
            }
            Aggregate::Sum => (format!("coalesce(sum({}), 0)", self.number(path)?), false),
            Aggregate::Average => (format!("avg({})", self.number(path)?), false),
            Aggregate::Min | Aggregate::Max => {
                let name = if aggregate == Aggregate::Min {
                    "min"
                } else {
                    "max"
                };
                let value = if numeric {
                    self.number(path)?
                } else {
                    self.text(path)?
                };
                (format!("{name}({value})"), false)
            }
            // Taken in Rust from the values themselves.
            Aggregate::Median => (self.number(path)?, false),
        })
    }
}

impl Sql {
    fn build(backend: Backend, query: &CheckedQuery) -> Result<Sql> {
        let mut b = Builder {
            backend,
            params: Vec::new(),
            joins: Vec::new(),
        };
        let record_type = b.param(query.record.clone());
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
                    selects.push(if path.is_numeric() {
                        b.number(path)?
                    } else {
                        b.text(path)?
                    });
                    columns.push(path.name());
                }
            }
            CheckedMeasure::Aggregate(aggregate, path) => {
                for path in &query.group_by {
                    let expression = if path.is_numeric() {
                        b.number(path)?
                    } else {
                        b.text(path)?
                    };
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
        let mut conditions = vec![format!("r.type = {record_type}")];
        for filter in &query.filters {
            conditions.push(b.condition(&filter.path, &filter.condition)?);
        }
        let measure_column = selects.len();
        let mut sql = format!(
            "select {} from records r{} where {}",
            selects.join(", "),
            b.joins
                .iter()
                .map(|(_, join)| join.as_str())
                .collect::<String>(),
            conditions.join(" and ")
        );
        if median {
            // Every value, grouped in Rust; sorted so that groups come together.
            let mut order: Vec<String> = (1..measure_column).map(|n| n.to_string()).collect();
            order.push(measure_column.to_string());
            sql.push_str(&format!(
                " and {} is not null order by {}",
                selects[measure_column - 1],
                order.join(", ")
            ));
        } else {
            if !group_by.is_empty() {
                sql.push_str(&format!(" group by {}", group_by.join(", ")));
            }
            let order = order_clause(query, &columns, measure_column);
            sql.push_str(&order);
            sql.push_str(&format!(" limit {}", u64::from(query.limit) + 1));
        }
        let mut statement = Statement::new(
            sql,
            format!("answering a question about {} records", query.record),
        );
        for param in b.params {
            statement.push(param);
        }
        Ok(Sql {
            statement,
            columns,
            money_cents,
            median,
        })
    }
}

/// `order by` for a query that is not a median: the asked order, then every column for a
/// stable answer.
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
    for column in 1..=columns.len() {
        order.push(column.to_string());
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
