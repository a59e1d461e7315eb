//! The demo company's CSV files as rows, for tests that compute what keel should answer from
//! the files themselves, never from keel's tables.

use super::app::demo_data;
use std::collections::BTreeMap;

/// One row of a CSV file, by column.
pub type Row = BTreeMap<String, String>;

/// Every row of one CSV file of the demo company.
pub fn csv(file: &str) -> Vec<Row> {
    let mut reader = ::csv::Reader::from_path(demo_data().join(file)).expect("demo file");
    reader
        .deserialize::<Row>()
        .map(|row| row.expect("a row"))
        .collect()
}

/// A cell as a number; an empty or unreadable one is 0.
pub fn number(text: &str) -> f64 {
    text.parse().unwrap_or(0.0)
}

/// Whether `day` (a date or a timestamp) is within `[from, to]`.
pub fn within(day: &str, from: &str, to: &str) -> bool {
    let day = &day[..day.len().min(10)];
    !day.is_empty() && day >= from && day <= to
}
