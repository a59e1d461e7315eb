//! Ask keel: plain-language questions answered from the records. A planner turns the question
//! into a [`Plan`]; [`check`] checks it against the schema; the store executes it; this module
//! words the answer from the numbers and says how it got them.

pub mod access;
pub mod chart;
pub mod check;
pub mod compound;
pub mod llm;
pub mod offline;
pub mod request_access;
pub mod requests_words;
pub mod text;
pub mod words;

use crate::domain::plan::{
    Aggregate, CheckedMeasure, CheckedQuery, Condition, DateCut, FieldPath, Op, OrderKey, Plan,
    Table,
};
use crate::domain::{FieldType, RecordLabels, RecordSchema};
use serde::Serialize;
use serde_json::Value;
use words::{capitalised, count_of, field_words, measure_words, plural, record_words};

/// An answer: a sentence built from the numbers, the table behind it, the plan, and how it was
/// computed in words.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Answer {
    pub answer: String,
    /// The table's columns as the plan names them (`vendor_id`, `sum of amount`), for programs.
    pub columns: Vec<String>,
    /// The same columns as people read them ("Vendor", "Invoice total"), for every display.
    pub headers: Vec<Header>,
    pub rows: Vec<Vec<Value>>,
    /// The plan computed; none when the question was declined.
    pub plan: Option<Plan>,
    pub how: String,
    /// Which planner made the plan.
    pub planner: Planner,
    /// Why the language model's plan was not used, when it was asked and failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The question was not answered: keel did not understand all of it, or the records do
    /// not hold what it asks about. `answer` says so.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub declined: bool,
    /// What keel understood of a declined question, and what it did not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub understood: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_understood: Vec<String>,
    /// Questions keel can answer, offered as buttons where the platform has them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<String>,
}

/// A column of an answer's table as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    pub label: String,
    /// The currency of a column of money, written with each of its figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl Header {
    /// A column of money in `currency` when `money`, else of plain figures or text.
    pub fn new(label: impl Into<String>, money: bool, currency: &str) -> Header {
        Header {
            label: label.into(),
            currency: money.then(|| currency.to_string()),
        }
    }
}

impl Answer {
    /// The table's header as text, columns separated by ` | `.
    pub fn header_line(&self) -> String {
        let labels: Vec<&str> = self.headers.iter().map(|h| h.label.as_str()).collect();
        labels.join(" | ")
    }

    /// Each row's cells as people write them: money with its currency, figures grouped.
    pub fn cells(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        self.rows.iter().map(|row| {
            row.iter()
                .enumerate()
                .map(|(at, value)| {
                    let currency = self.headers.get(at).and_then(|h| h.currency.as_deref());
                    figure(value, currency)
                })
                .collect()
        })
    }

    /// Each row of the table as text, columns separated by ` | `.
    pub fn row_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.cells().map(|cells| cells.join(" | "))
    }
}

/// What wording an answer needs besides its numbers: the names of records, the schema's
/// labels, and the company's currency.
pub struct Wording<'a> {
    pub labels: &'a RecordLabels,
    pub schema: &'a RecordSchema,
    pub currency: &'a str,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Planner {
    #[default]
    Offline,
    Llm,
}

/// Words the answer from the executed query. References in the table are shown with their
/// records' names ("Apex Concrete (V002)"), columns with their labels ("Vendor").
pub fn answer(
    plan: Plan,
    query: &CheckedQuery,
    mut table: Table,
    wording: &Wording,
    planner: Planner,
    note: Option<String>,
) -> Answer {
    let shown = shown_paths(query);
    for row in &mut table.rows {
        for (value, path) in row.iter_mut().zip(&shown) {
            if let (Some(path), Value::String(key)) = (path, &*value)
                && let Some(target) = ref_target(path)
                && let Some(label) = wording.labels.label(&target, key)
            {
                *value = Value::String(format!("{label} ({key})"));
            }
        }
    }
    let sentence = sentence(query, &table, wording);
    Answer {
        answer: sentence,
        how: how(query, wording, table.truncated),
        headers: headers(query, wording),
        columns: table.columns,
        rows: table.rows,
        plan: Some(plan),
        planner,
        note,
        ..Answer::default()
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

/// The columns of a query's table as people read them.
fn headers(query: &CheckedQuery, wording: &Wording) -> Vec<Header> {
    let field = |path: &FieldPath| {
        Header::new(
            capitalised(&field_words(path, wording.schema)),
            path.field_type == FieldType::Money && path.cut.is_none(),
            wording.currency,
        )
    };
    match &query.measure {
        CheckedMeasure::List(fields) => {
            let key = Header::new(capitalised(&record_words(&query.record)), false, "");
            std::iter::once(key)
                .chain(fields.iter().map(field))
                .collect()
        }
        CheckedMeasure::Aggregate(..) => {
            let measure = Header::new(
                capitalised(&measure_words(query, wording.schema)),
                is_money(query),
                wording.currency,
            );
            query.group_by.iter().map(field).chain([measure]).collect()
        }
    }
}

/// The record type a path's values refer to, when they are keys.
fn ref_target(path: &FieldPath) -> Option<String> {
    match (&path.field_type, path.cut) {
        (FieldType::Ref(target), None) => Some(target.clone()),
        _ => None,
    }
}

/// `1234.5` as `$1,234.50` for money in `currency`, `12.3` for other numbers; tables, charts
/// and sentences all write figures this way.
pub fn figure(value: &Value, currency: Option<&str>) -> String {
    let Some(number) = value.as_f64() else {
        return match value {
            Value::Null => "nothing".to_string(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
    };
    let money = currency.is_some();
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
    match currency {
        Some(currency) => words::with_currency(currency, sign, &format!("{grouped}{fraction}")),
        None => format!("{sign}{grouped}{fraction}"),
    }
}

fn is_money(query: &CheckedQuery) -> bool {
    matches!(&query.measure, CheckedMeasure::Aggregate(aggregate, Some(path))
        if path.field_type == FieldType::Money && *aggregate != Aggregate::Count)
}

/// What each group of a grouped answer is: "vendor", "month".
fn group_noun(query: &CheckedQuery, schema: &RecordSchema) -> String {
    match query.group_by.as_slice() {
        [path] => match path.cut {
            Some(DateCut::Month) => "month".to_string(),
            Some(DateCut::Year) => "year".to_string(),
            None => field_words(path, schema),
        },
        _ => "group".to_string(),
    }
}

fn sentence(query: &CheckedQuery, table: &Table, wording: &Wording) -> String {
    let conditions = conditions(query, wording);
    let scope = if conditions.is_empty() {
        String::new()
    } else {
        format!(" where {}", conditions.join(" and "))
    };
    let currency = is_money(query).then_some(wording.currency);
    let measure = measure_words(query, wording.schema);
    let records = plural(&record_words(&query.record));
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
            format!("The {measure}{scope} is {}.", figure(&value, currency))
        }
        CheckedMeasure::Aggregate(..) => {
            let Some(first) = table.rows.first() else {
                return format!("No {records} match{scope}.");
            };
            let groups: Vec<String> = first[..first.len() - 1]
                .iter()
                .map(|v| figure(v, None))
                .collect();
            let value = figure(first.last().unwrap_or(&Value::Null), currency);
            let n = table.rows.len();
            let noun = group_noun(query, wording.schema);
            let more = if table.truncated { "more than " } else { "" };
            match &query.order {
                // One group shown of several is the first of them, not the only one.
                Some((OrderKey::Measure, _)) if n == 1 && !table.truncated => format!(
                    "Only {} has {records}{scope}: its {measure} is {value}.",
                    groups.join(", ")
                ),
                Some((OrderKey::Measure, descending)) => {
                    // "the largest purchase order amount" ranks already.
                    let rank = match (&query.measure, descending) {
                        (CheckedMeasure::Aggregate(Aggregate::Max | Aggregate::Min, _), _) => "",
                        (_, true) => "highest ",
                        (_, false) => "lowest ",
                    };
                    // A ranking cut to its first rows ("top 5") shows those, of more.
                    let shown = match (table.truncated, n) {
                        (true, 1) => String::new(),
                        (true, _) => format!(" (the first {} shown)", count_of(n, &noun)),
                        (false, _) => format!(" ({} shown)", count_of(n, &noun)),
                    };
                    format!(
                        "{} has the {rank}{measure}{scope}: {value}{shown}.",
                        groups.join(", "),
                    )
                }
                _ => capitalised(&format!(
                    "{more}{}; the table gives the {measure}{scope} for each.",
                    count_of(n, &noun)
                )),
            }
        }
        CheckedMeasure::List(fields) => {
            let n = table.rows.len();
            if n == 0 {
                return format!("No {records} match{scope}.");
            }
            if n == 1 || query.limit == 1 {
                let row = &table.rows[0];
                let parts: Vec<String> = fields
                    .iter()
                    .zip(row.iter().skip(1))
                    .map(|(path, value)| {
                        let money = path.field_type == FieldType::Money && path.cut.is_none();
                        format!(
                            "{} {}",
                            field_words(path, wording.schema),
                            figure(value, money.then_some(wording.currency))
                        )
                    })
                    .collect();
                return format!("{}: {}.", figure(&row[0], None), parts.join(", "));
            }
            let count = figure(&Value::from(n), None);
            if table.truncated {
                format!(
                    "More than {count} {records} match{scope}; the table shows the first {count}."
                )
            } else {
                format!("{count} {records} match{scope}.")
            }
        }
    }
}

/// How the answer was computed, in words.
fn how(query: &CheckedQuery, wording: &Wording, truncated: bool) -> String {
    let measure = measure_words(query, wording.schema);
    let verb = match &query.measure {
        CheckedMeasure::Aggregate(Aggregate::Count, _) => "I counted".to_string(),
        CheckedMeasure::Aggregate(_, _) => format!("I computed the {measure}"),
        CheckedMeasure::List(_) => "I listed".to_string(),
    };
    let mut text = format!("{verb} over {}", plural(&record_words(&query.record)));
    let conditions = conditions(query, wording);
    if !conditions.is_empty() {
        text.push_str(" where ");
        text.push_str(&conditions.join(" and "));
    }
    if !query.group_by.is_empty() {
        let groups: Vec<String> = query
            .group_by
            .iter()
            .map(|p| field_words(p, wording.schema))
            .collect();
        text.push_str(&format!(", grouped by {}", groups.join(" and ")));
    }
    if let Some((key, descending)) = &query.order {
        let by = match key {
            OrderKey::Measure => format!("the {measure}"),
            OrderKey::Field(path) => field_words(path, wording.schema),
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

/// Each filter of the query in words ("vendor is Apex Concrete (V002)").
fn conditions(query: &CheckedQuery, wording: &Wording) -> Vec<String> {
    query
        .filters
        .iter()
        // A ranking of groups leaves out the records with no group ("vendor is filled in"):
        // implied by the ranking, not worth saying.
        .filter(|filter| {
            !(matches!(filter.condition, Condition::Empty(false))
                && query.order.is_some()
                && query.group_by.contains(&filter.path))
        })
        .map(|filter| {
            let field = field_words(&filter.path, wording.schema);
            let money = filter.path.field_type == FieldType::Money && filter.path.cut.is_none();
            let value = |v: &String| match ref_target(&filter.path)
                .and_then(|t| wording.labels.label(&t, v))
            {
                Some(label) => format!("{label} ({v})"),
                None if money => v
                    .parse::<f64>()
                    .map(|n| figure(&Value::from(n), Some(wording.currency)))
                    .unwrap_or_else(|_| v.clone()),
                None => v.clone(),
            };
            match &filter.condition {
                // A day compared is before or after it, not under or over.
                Condition::Compare(op @ (Op::Lt | Op::Gt), v)
                    if chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok() =>
                {
                    let op = if *op == Op::Lt {
                        "is before"
                    } else {
                        "is after"
                    };
                    format!("{field} {op} {v}")
                }
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
                Condition::CompareField(op, other) => {
                    let op = match op {
                        Op::Lt => "is before",
                        Op::Le => "is on or before",
                        Op::Gt => "is after",
                        Op::Ge => "is on or after",
                        Op::Ne => "is not",
                        _ => "is",
                    };
                    format!("{field} {op} {}", field_words(other, wording.schema))
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
    use super::{Planner, Wording, answer, figure};
    use crate::domain::plan::{CheckedQuery, Plan, Query, Table};
    use crate::domain::{RecordLabels, RecordSchema};
    use serde_json::{Value, json};

    fn schema() -> RecordSchema {
        crate::config::demo().schema
    }

    fn checked(plan: &str, schema: &RecordSchema) -> (Plan, CheckedQuery) {
        let plan: Plan = serde_json::from_str(plan).unwrap();
        let Plan::Query(query) = &plan else {
            panic!("a query")
        };
        let query: &Query = query;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let checked = crate::ask::check::check(query, schema, today).unwrap();
        (plan, checked)
    }

    /// The answer to `plan` when the store returned `rows` (columns as the store names them).
    fn answered(plan: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> super::Answer {
        let schema = schema();
        let (plan, query) = checked(plan, &schema);
        let mut labels = RecordLabels::default();
        labels.insert("vendor", "V002".into(), "Apex Concrete".into());
        labels.insert("project", "P001".into(), "Bayview Medical Office".into());
        let wording = Wording {
            labels: &labels,
            schema: &schema,
            currency: "$",
        };
        let table = Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            truncated: rows.len() > query.limit as usize,
            rows,
        };
        answer(plan, &query, table, &wording, Planner::Offline, None)
    }

    #[test]
    fn a_list_cut_at_its_limit_says_more_match_than_it_shows() {
        let plan = r#"{"kind":"query","record":"invoice","measure":{"aggregate":"list","fields":["amount"]},"limit":2}"#;
        let rows = vec![vec![json!("INV-1"), json!(1.0)]; 3];
        let more = answered(plan, &["key", "amount"], rows.clone());
        assert_eq!(
            more.answer,
            "More than 3 invoices match; the table shows the first 3."
        );
        let plan = r#"{"kind":"query","record":"invoice","measure":{"aggregate":"list","fields":["amount"]}}"#;
        assert_eq!(
            answered(plan, &["key", "amount"], rows).answer,
            "3 invoices match."
        );
    }

    #[test]
    fn a_ranking_cut_to_its_first_rows_names_the_first_not_the_only_one() {
        let schema = schema();
        let labels = RecordLabels::default();
        let wording = Wording {
            labels: &labels,
            schema: &schema,
            currency: "$",
        };
        let sentence = |limit: u32, rows: Vec<Vec<Value>>| {
            let plan = format!(
                r#"{{"kind":"query","record":"invoice","group_by":["vendor_id"],
                "measure":{{"aggregate":"sum","field":"amount"}},"order":{{"descending":true}},"limit":{limit}}}"#
            );
            let (plan, query) = checked(&plan, &schema);
            let table = Table {
                columns: vec!["vendor_id".into(), "sum of amount".into()],
                rows,
                truncated: true,
            };
            answer(plan, &query, table, &wording, Planner::Offline, None).answer
        };
        assert_eq!(
            sentence(1, vec![vec![json!("V002"), json!(10.0)]]),
            "V002 has the highest invoice total: $10.00."
        );
        assert_eq!(
            sentence(
                2,
                vec![
                    vec![json!("V002"), json!(10.0)],
                    vec![json!("V003"), json!(5.0)]
                ]
            ),
            "V002 has the highest invoice total: $10.00 (the first 2 vendors shown)."
        );
    }

    #[test]
    fn columns_and_sentences_use_labels_and_money_its_currency() {
        let plan = r#"{"kind":"query","record":"invoice","group_by":["vendor_id"],
            "measure":{"aggregate":"sum","field":"amount"},
            "filters":[{"field":"project_id","op":"eq","value":"P001"}]}"#;
        let rows = vec![
            vec![json!("V002"), json!(1234567.5)],
            vec![json!("V009"), json!(20.0)],
        ];
        let answer = answered(plan, &["vendor_id", "sum of amount"], rows);
        assert_eq!(answer.header_line(), "Vendor | Invoice total");
        assert_eq!(
            answer.row_lines().collect::<Vec<_>>(),
            ["Apex Concrete (V002) | $1,234,567.50", "V009 | $20.00"]
        );
        assert_eq!(
            answer.answer,
            "Apex Concrete (V002) has the highest invoice total where project is Bayview \
             Medical Office (P001): $1,234,567.50 (2 vendors shown)."
        );
        assert!(
            answer
                .how
                .contains("ordered by the invoice total (highest first)"),
            "{}",
            answer.how
        );
        assert!(!answer.how.contains("_id"), "{}", answer.how);
    }

    #[test]
    fn one_group_or_one_record_is_spoken_of_in_the_singular() {
        let plan = r#"{"kind":"query","record":"time_entry","group_by":["staff_id"],
            "measure":{"aggregate":"sum","field":"hours"}}"#;
        let answer = answered(
            plan,
            &["staff_id", "sum of hours"],
            vec![vec![json!("S052"), json!(74.4)]],
        );
        assert_eq!(
            answer.answer,
            "Only S052 has time entries: its total hours is 74.4."
        );
        assert_eq!(answer.header_line(), "Staff | Total hours");
        let plan = r#"{"kind":"query","record":"invoice","group_by":["issued_date:month"],
            "measure":{"aggregate":"count"}}"#;
        let answer = answered(
            plan,
            &["issued_date:month", "count"],
            vec![vec![json!("2026-10"), json!(3)]],
        );
        assert_eq!(
            answer.answer,
            "1 month; the table gives the number of invoices for each."
        );
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(figure(&json!(1234.5), Some("$")), "$1,234.50");
        assert_eq!(figure(&json!(-1234.5), Some("€")), "-€1,234.50");
        assert_eq!(figure(&json!(1234567.891), None), "1,234,567.89");
        assert_eq!(figure(&json!(12.001), None), "12");
        assert_eq!(figure(&json!(3.999), None), "4");
        assert_eq!(figure(&json!(-0.001), None), "0");
        assert_eq!(figure(&json!(-2.5), None), "-2.5");
        assert_eq!(figure(&json!(null), None), "nothing");
    }
}
