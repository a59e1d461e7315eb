//! Ask keel: plain-language questions answered from the records. A planner turns the question
//! into a [`Plan`]; [`check`] checks it against the schema; the store executes it; this module
//! words the answer from the numbers and says how it got them.

pub mod access;
pub mod chart;
pub mod check;
pub mod llm;
pub mod offline;
pub mod request_access;
pub mod requests_words;
pub mod text;

use crate::domain::plan::{
    Aggregate, CheckedMeasure, CheckedQuery, Condition, FieldPath, Op, OrderKey, Plan, Table,
};
use crate::domain::{FieldType, RecordLabels};
use serde::Serialize;
use serde_json::Value;

/// An answer: a sentence built from the numbers, the table behind it, the plan, and how it was
/// computed in words.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub answer: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub plan: Plan,
    pub how: String,
    /// Which planner made the plan.
    pub planner: Planner,
    /// Why the language model's plan was not used, when it was asked and failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Answer {
    /// The table's header as text, columns separated by ` | `.
    pub fn header_line(&self) -> String {
        self.columns.join(" | ")
    }

    /// Each row of the table as text, figures as people write them.
    pub fn row_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.rows.iter().map(|row| {
            let cells: Vec<String> = row.iter().map(|v| figure(v, false)).collect();
            cells.join(" | ")
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Planner {
    Offline,
    Llm,
}

/// Words the answer from the executed query. References in the table are shown with their
/// records' names ("Apex Concrete (V002)").
pub fn answer(
    plan: Plan,
    query: &CheckedQuery,
    mut table: Table,
    labels: &RecordLabels,
    planner: Planner,
    note: Option<String>,
) -> Answer {
    let shown = shown_paths(query);
    for row in &mut table.rows {
        for (value, path) in row.iter_mut().zip(&shown) {
            if let (Some(path), Value::String(key)) = (path, &*value)
                && let Some(target) = ref_target(path)
                && let Some(label) = labels.label(&target, key)
            {
                *value = Value::String(format!("{label} ({key})"));
            }
        }
    }
    let sentence = sentence(query, &table, &conditions(query, labels));
    Answer {
        answer: sentence,
        how: how(query, labels, table.truncated),
        columns: table.columns,
        rows: table.rows,
        plan,
        planner,
        note,
    }
}

/// The field shown in each column of the table (`None` for a measure or key).
fn shown_paths(query: &CheckedQuery) -> Vec<Option<&FieldPath>> {
    match &query.measure {
        CheckedMeasure::List(fields) => std::iter::once(None)
            .chain(fields.iter().map(Some))
            .collect(),
        CheckedMeasure::Aggregate(..) => query.group_by.iter().map(Some).chain([None]).collect(),
    }
}

/// The record type a path's values refer to, when they are keys.
fn ref_target(path: &FieldPath) -> Option<String> {
    match (&path.field_type, path.cut) {
        (FieldType::Ref(target), None) => Some(target.clone()),
        _ => None,
    }
}

/// `1234.5` as `$1,234.50` for money, `12.3` for other numbers.
pub fn figure(value: &Value, money: bool) -> String {
    let Some(number) = value.as_f64() else {
        return match value {
            Value::Null => "nothing".to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
    };
    let (digits, decimals) = if money {
        (format!("{:.2}", number.abs()), true)
    } else if number.fract() == 0.0 {
        (format!("{}", number.abs() as i64), false)
    } else {
        let two = format!("{:.2}", number.abs());
        let trimmed = two.trim_end_matches('0').trim_end_matches('.').to_string();
        let whole = !trimmed.contains('.');
        (trimmed, !whole)
    };
    if digits.chars().all(|c| c == '0' || c == '.') && !money {
        return "0".to_string();
    }
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) if decimals => (w.to_string(), format!(".{f}")),
        _ => (digits.clone(), String::new()),
    };
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if number < 0.0 { "-" } else { "" };
    let currency = if money { "$" } else { "" };
    format!("{sign}{currency}{grouped}{fraction}")
}

fn is_money(query: &CheckedQuery) -> bool {
    matches!(&query.measure, CheckedMeasure::Aggregate(aggregate, Some(path))
        if path.field_type == FieldType::Money && *aggregate != Aggregate::Count)
}

fn measure_words(query: &CheckedQuery) -> String {
    match &query.measure {
        CheckedMeasure::Aggregate(Aggregate::Count, _) => {
            format!("the number of {} records", spoken(&query.record))
        }
        CheckedMeasure::Aggregate(aggregate, Some(path)) => {
            let name = match aggregate {
                Aggregate::Sum => "the total",
                Aggregate::Average => "the average",
                Aggregate::Min => "the smallest",
                Aggregate::Max => "the largest",
                Aggregate::Median => "the median",
                Aggregate::Count => "the number",
            };
            format!(
                "{name} {} of {} records",
                spoken(&path.name()),
                spoken(&query.record)
            )
        }
        CheckedMeasure::Aggregate(_, None) => "the count".to_string(),
        CheckedMeasure::List(_) => format!("{} records", spoken(&query.record)),
    }
}

/// A field or type as words: `vendor_id.name` is "vendor name", `issued_date` "issued date".
fn spoken(name: &str) -> String {
    name.replace("_id.", " ").replace(['_', '.'], " ")
}

fn sentence(query: &CheckedQuery, table: &Table, conditions: &[String]) -> String {
    let scope = if conditions.is_empty() {
        String::new()
    } else {
        format!(" where {}", conditions.join(" and "))
    };
    let money = is_money(query);
    match &query.measure {
        CheckedMeasure::Aggregate(..) if query.group_by.is_empty() => {
            let value = table
                .rows
                .first()
                .and_then(|r| r.last())
                .cloned()
                .unwrap_or(Value::Null);
            let value = if value.is_null()
                && !matches!(
                    query.measure,
                    CheckedMeasure::Aggregate(
                        Aggregate::Min | Aggregate::Max | Aggregate::Average | Aggregate::Median,
                        _
                    )
                ) {
                Value::from(0)
            } else {
                value
            };
            let mut text = measure_words(query);
            text[..1].make_ascii_uppercase();
            format!("{text}{scope} is {}.", figure(&value, money))
        }
        CheckedMeasure::Aggregate(..) => {
            let Some(first) = table.rows.first() else {
                return format!("No {} records match{scope}.", spoken(&query.record));
            };
            let groups: Vec<String> = first[..first.len() - 1]
                .iter()
                .map(|v| figure(v, false))
                .collect();
            let value = figure(first.last().unwrap_or(&Value::Null), money);
            match &query.order {
                Some((OrderKey::Measure, descending)) => {
                    let rank = if *descending { "highest" } else { "lowest" };
                    format!(
                        "{} has the {rank} {}{scope}: {value} ({} {} shown).",
                        groups.join(", "),
                        measure_words(query).trim_start_matches("the "),
                        table.rows.len(),
                        if table.rows.len() == 1 {
                            "group"
                        } else {
                            "groups"
                        }
                    )
                }
                _ => format!(
                    "{}{} groups; the table gives {}{scope} for each.",
                    if table.truncated { "More than " } else { "" },
                    table.rows.len(),
                    measure_words(query)
                ),
            }
        }
        CheckedMeasure::List(fields) => {
            let n = table.rows.len();
            if n == 0 {
                return format!("No {} records match{scope}.", spoken(&query.record));
            }
            if n == 1 || query.limit == 1 {
                let row = &table.rows[0];
                let parts: Vec<String> = fields
                    .iter()
                    .zip(row.iter().skip(1))
                    .map(|(path, value)| {
                        format!(
                            "{} {}",
                            spoken(&path.name()),
                            figure(value, path.field_type == FieldType::Money)
                        )
                    })
                    .collect();
                return format!("{}: {}.", figure(&row[0], false), parts.join(", "));
            }
            let count = figure(&Value::from(n), false);
            let record = spoken(&query.record);
            if table.truncated {
                format!(
                    "More than {count} {record} records match{scope}; the table shows the first {count}."
                )
            } else {
                format!("{count} {record} records match{scope}.")
            }
        }
    }
}

/// How the answer was computed, in words.
fn how(query: &CheckedQuery, labels: &RecordLabels, truncated: bool) -> String {
    let verb = match &query.measure {
        CheckedMeasure::Aggregate(Aggregate::Count, _) => "I counted".to_string(),
        CheckedMeasure::Aggregate(_, _) => format!(
            "I computed {}",
            measure_words(query).replace(" records", "")
        ),
        CheckedMeasure::List(_) => "I listed".to_string(),
    };
    let mut text = format!("{verb} over {} records", spoken(&query.record));
    let conditions = conditions(query, labels);
    if !conditions.is_empty() {
        text.push_str(" where ");
        text.push_str(&conditions.join(" and "));
    }
    if !query.group_by.is_empty() {
        let groups: Vec<String> = query.group_by.iter().map(|p| spoken(&p.name())).collect();
        text.push_str(&format!(", grouped by {}", groups.join(" and ")));
    }
    if let Some((key, descending)) = &query.order {
        let by = match key {
            OrderKey::Measure => "the result".to_string(),
            OrderKey::Field(path) => spoken(&path.name()),
        };
        let direction = if *descending {
            "highest first"
        } else {
            "lowest first"
        };
        text.push_str(&format!(", ordered by {by} ({direction})"));
    }
    if query.limit < check::MAX_ROWS {
        text.push_str(&format!(", keeping the first {}", query.limit));
    } else if truncated {
        text.push_str(&format!(", showing the first {}", query.limit));
    }
    text.push('.');
    text
}

/// Each filter of the query in words ("vendor id is Apex Concrete (V002)").
fn conditions(query: &CheckedQuery, labels: &RecordLabels) -> Vec<String> {
    query
        .filters
        .iter()
        .map(|filter| {
            let field = spoken(&filter.path.name());
            let value =
                |v: &String| match ref_target(&filter.path).and_then(|t| labels.label(&t, v)) {
                    Some(label) => format!("{label} ({v})"),
                    None => v.clone(),
                };
            match &filter.condition {
                Condition::Compare(op, v) => {
                    let op = match op {
                        Op::Eq => "is",
                        Op::Ne => "is not",
                        Op::Lt => "is under",
                        Op::Le => "is at most",
                        Op::Gt => "is over",
                        Op::Ge => "is at least",
                        _ => "matches",
                    };
                    format!("{field} {op} {}", value(v))
                }
                Condition::In(values) => format!(
                    "{field} is one of {}",
                    values.iter().map(value).collect::<Vec<_>>().join(", ")
                ),
                Condition::Contains(v) => format!("{field} contains \"{v}\""),
                Condition::Span(span) => {
                    format!("{field} is from {} to {}", span.from, span.last())
                }
                Condition::Empty(true) => format!("{field} is empty"),
                Condition::Empty(false) => format!("{field} is filled in"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{figure, sentence};
    use crate::domain::plan::{CheckedMeasure, CheckedQuery, Table};
    use serde_json::json;

    #[test]
    fn a_list_cut_at_its_limit_says_more_match_than_it_shows() {
        let query = CheckedQuery {
            record: "invoice".into(),
            filters: Vec::new(),
            group_by: Vec::new(),
            measure: CheckedMeasure::List(Vec::new()),
            order: None,
            limit: 1000,
        };
        let rows = vec![vec![json!("INV-1")]; 1000];
        let mut table = Table {
            columns: vec!["key".into()],
            rows,
            truncated: true,
        };
        assert_eq!(
            sentence(&query, &table, &[]),
            "More than 1,000 invoice records match; the table shows the first 1,000."
        );
        table.truncated = false;
        assert_eq!(
            sentence(&query, &table, &[]),
            "1,000 invoice records match."
        );
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(figure(&json!(1234.5), true), "$1,234.50");
        assert_eq!(figure(&json!(1234567.891), false), "1,234,567.89");
        assert_eq!(figure(&json!(12.001), false), "12");
        assert_eq!(figure(&json!(3.999), false), "4");
        assert_eq!(figure(&json!(-0.001), false), "0");
        assert_eq!(figure(&json!(-2.5), false), "-2.5");
        assert_eq!(figure(&json!(null), false), "nothing");
    }
}
