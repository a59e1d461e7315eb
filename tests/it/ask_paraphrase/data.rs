//! The demo company read straight from its CSV files, and the small sums the expectations are
//! computed with: nothing here comes from keel.

use crate::common::app::demo_data;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

pub type Row = BTreeMap<String, String>;

/// Every file of the demo company.
pub struct Demo {
    pub staff: Vec<Row>,
    pub clients: Vec<Row>,
    pub vendors: Vec<Row>,
    pub projects: Vec<Row>,
    pub purchase_orders: Vec<Row>,
    pub invoices: Vec<Row>,
    pub change_orders: Vec<Row>,
    pub expenses: Vec<Row>,
    pub touchpoints: Vec<Row>,
    pub time_entries: Vec<Row>,
}

fn csv(file: &str) -> Vec<Row> {
    let mut reader = ::csv::Reader::from_path(demo_data().join(file)).expect("demo file");
    reader
        .deserialize::<Row>()
        .map(|row| row.expect("a row"))
        .collect()
}

impl Demo {
    pub fn load() -> Demo {
        Demo {
            staff: csv("staff.csv"),
            clients: csv("clients.csv"),
            vendors: csv("vendors.csv"),
            projects: csv("projects.csv"),
            purchase_orders: csv("purchase_orders.csv"),
            invoices: csv("invoices.csv"),
            change_orders: csv("change_orders.csv"),
            expenses: csv("expenses.csv"),
            touchpoints: csv("client_touchpoints.csv"),
            time_entries: csv("time_entries.csv"),
        }
    }

    pub fn person(&self, id: &str) -> &Row {
        find(&self.staff, "staff_id", id)
    }

    pub fn vendor(&self, id: &str) -> &Row {
        find(&self.vendors, "vendor_id", id)
    }

    pub fn project(&self, id: &str) -> &Row {
        find(&self.projects, "project_id", id)
    }

    pub fn client(&self, id: &str) -> &Row {
        find(&self.clients, "client_id", id)
    }

    /// A person's name from their staff id.
    pub fn name(&self, id: &str) -> String {
        self.person(id)["name"].clone()
    }

    /// The staff id of the person called `name`.
    pub fn staff_id(&self, name: &str) -> String {
        find(&self.staff, "name", name)["staff_id"].clone()
    }
}

fn find<'a>(rows: &'a [Row], field: &str, value: &str) -> &'a Row {
    rows.iter()
        .find(|r| r[field] == value)
        .unwrap_or_else(|| panic!("no row with {field} = {value}"))
}

pub fn num(text: &str) -> f64 {
    text.parse().unwrap_or(0.0)
}

/// How many rows `keep` lets through.
pub fn number_of(rows: &[Row], keep: impl Fn(&Row) -> bool) -> f64 {
    rows.iter().filter(|r| keep(r)).count() as f64
}

/// The sum of `field` over the rows `keep` lets through.
pub fn sum(rows: &[Row], keep: impl Fn(&Row) -> bool, field: &str) -> f64 {
    rows.iter()
        .filter(|r| keep(r))
        .map(|r| num(&r[field]))
        .sum()
}

/// The values of `value` over the rows `keep` lets through.
pub fn values(rows: &[Row], keep: impl Fn(&Row) -> bool, value: impl Fn(&Row) -> f64) -> Vec<f64> {
    rows.iter().filter(|r| keep(r)).map(value).collect()
}

pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

pub fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

pub fn max(rows: &[Row], keep: impl Fn(&Row) -> bool, field: &str) -> f64 {
    values(rows, keep, |r| num(&r[field]))
        .into_iter()
        .fold(f64::MIN, f64::max)
}

/// Per label (a name, a category…): the values of the rows `keep` lets through.
pub fn grouped(
    rows: &[Row],
    keep: impl Fn(&Row) -> bool,
    label: impl Fn(&Row) -> String,
    value: impl Fn(&Row) -> f64,
) -> BTreeMap<String, Vec<f64>> {
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for row in rows.iter().filter(|r| keep(r)) {
        groups.entry(label(row)).or_default().push(value(row));
    }
    groups
}

/// Each group's values reduced to one figure (a sum, a count, a mean).
pub fn reduce(
    groups: BTreeMap<String, Vec<f64>>,
    by: impl Fn(&[f64]) -> f64,
) -> BTreeMap<String, f64> {
    groups.into_iter().map(|(k, v)| (k, by(&v))).collect()
}

/// Per label: how many rows `keep` lets through.
pub fn counts_by(
    rows: &[Row],
    keep: impl Fn(&Row) -> bool,
    label: impl Fn(&Row) -> String,
) -> BTreeMap<String, f64> {
    reduce(grouped(rows, keep, label, |_| 1.0), tally)
}

/// Per label: the sum of `field` over the rows `keep` lets through.
pub fn sums_by(
    rows: &[Row],
    keep: impl Fn(&Row) -> bool,
    label: impl Fn(&Row) -> String,
    field: &str,
) -> BTreeMap<String, f64> {
    reduce(grouped(rows, keep, label, |r| num(&r[field])), total)
}

pub fn total(values: &[f64]) -> f64 {
    values.iter().sum()
}

pub fn tally(values: &[f64]) -> f64 {
    values.len() as f64
}

/// The labels of the `n` largest groups; panics on a tie at the cut, which would make the
/// expectation ambiguous.
pub fn largest(groups: &BTreeMap<String, f64>, n: usize) -> Vec<String> {
    let mut ranked: Vec<(&String, f64)> = groups.iter().map(|(k, v)| (k, *v)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    if let (Some(last), Some(next)) = (ranked.get(n - 1), ranked.get(n)) {
        assert!(last.1 > next.1, "a tie at the top {n}: {ranked:?}");
    }
    ranked.into_iter().take(n).map(|(k, _)| k.clone()).collect()
}

/// Every label sharing the largest (or, with `lowest`, the smallest) figure.
pub fn leaders(groups: &BTreeMap<String, f64>, lowest: bool) -> Vec<String> {
    let pick = |a: f64, b: f64| if lowest { a.min(b) } else { a.max(b) };
    let first = *groups.values().next().expect("a group");
    let best = groups.values().fold(first, |a, b| pick(a, *b));
    groups
        .iter()
        .filter(|(_, v)| (**v - best).abs() < 1e-9)
        .map(|(k, _)| k.clone())
        .collect()
}

/// Whether `day` (a date, or the date of a timestamp) lies within `[from, to]`.
pub fn within(day: &str, from: &str, to: &str) -> bool {
    let day = &day[..day.len().min(10)];
    !day.is_empty() && day >= from && day <= to
}

pub fn timestamp(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 timestamp")
        .with_timezone(&Utc)
}

/// Midnight of `day` in the company's time zone (how a date becomes a request's submission).
pub fn local_midnight(day: &str) -> DateTime<Utc> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("a date");
    chrono_tz::America::Chicago
        .from_local_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("one midnight")
        .with_timezone(&Utc)
}

/// Midnight of `day` in UTC (a reading of the date that ignores the time zone).
pub fn utc_midnight(day: &str) -> DateTime<Utc> {
    timestamp(&format!("{day}T00:00:00Z"))
}

pub fn hours_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

/// A filter on one field's value being one of `values`.
pub fn is_in(field: &'static str, values: &'static [&'static str]) -> impl Fn(&Row) -> bool {
    move |r: &Row| values.contains(&r[field].as_str())
}

pub fn is(field: &'static str, value: &'static str) -> impl Fn(&Row) -> bool {
    move |r: &Row| r[field] == value
}

pub fn all(_: &Row) -> bool {
    true
}
