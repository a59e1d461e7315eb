//! CSV files of a record type parsed into canonical fields, with every bad cell reported at
//! once: its spreadsheet row, its column, its value and what was expected.
//!
//! Parsing is one pass over reused byte buffers (`csv::ByteRecord`), so a large export (hundreds
//! of thousands of rows) parses in a fraction of the time the database takes to store it.

use crate::domain::{Fields, RecordType, RecordTypeField};
use foldhash::{HashMap, HashMapExt};
use serde_json::Value;
use std::io::Read;

mod problems;

pub use problems::{CsvProblem, CsvProblems, MAX_PROBLEMS};

/// Offending values are shown up to this many characters.
const MAX_VALUE_CHARS: usize = 40;

/// Where each of the record type's fields is in the file (`None`: an optional column left out).
struct Layout {
    columns: Vec<Option<usize>>,
    width: usize,
}

fn layout(record_type: &RecordType, header: &csv::ByteRecord) -> Result<Layout, CsvProblems> {
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let text = String::from_utf8_lossy(h);
            let text = if i == 0 {
                text.trim_start_matches('\u{feff}')
            } else {
                &text
            };
            text.trim().to_string()
        })
        .collect();
    let expected = || {
        let list: Vec<&str> = record_type.fields.iter().map(|f| f.name.as_str()).collect();
        list.join(", ")
    };
    let mut problems = CsvProblems::default();
    let header_problem = |column: Option<String>, message: String| CsvProblem {
        row: Some(1),
        column,
        value: None,
        message,
    };
    let unknown: Vec<&str> = names
        .iter()
        .filter(|n| record_type.field(n).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        problems.push(header_problem(
            None,
            format!(
                "unknown column(s) {} for {}; the columns are: {}",
                unknown.join(", "),
                record_type.name,
                expected()
            ),
        ));
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            problems.push(header_problem(
                Some(name.clone()),
                "the column appears twice".into(),
            ));
        }
    }
    let mut columns = Vec::with_capacity(record_type.fields.len());
    for field in &record_type.fields {
        let position = names.iter().position(|n| *n == field.name);
        if position.is_none() && field.required {
            problems.push(header_problem(
                Some(field.name.clone()),
                format!(
                    "the required column {} is missing; the columns are: {}",
                    field.name,
                    expected()
                ),
            ));
        }
        columns.push(position);
    }
    if problems.is_empty() {
        Ok(Layout {
            columns,
            width: names.len(),
        })
    } else {
        Err(problems)
    }
}

/// Parses a CSV export of `record_type` into `(key, fields)` pairs, in file order. The header
/// must name every required field and nothing else; each cell must parse as its field's type;
/// required cells and keys must be non-empty and keys unique. Every problem is collected.
/// Whether references point at existing records is the importer's to check.
pub fn parse_records<R: Read>(
    record_type: &RecordType,
    reader: R,
) -> Result<Vec<(String, Fields)>, CsvProblems> {
    let mut rows = RecordReader::open(record_type.clone(), reader)?;
    let records = rows.next_rows(usize::MAX);
    rows.finish().map(|_| records)
}

/// Reads a CSV export as [`parse_records`] does, a chunk of rows at a time, so that a large file
/// never has to be in memory whole. Problems are collected as it goes; rows with problems are
/// left out of the chunks, and [`RecordReader::finish`] reports them all.
pub struct RecordReader<R: Read> {
    record_type: RecordType,
    csv: csv::Reader<R>,
    layout: Layout,
    problems: CsvProblems,
    /// Each key and the row it was first on.
    seen: HashMap<String, usize>,
    row: csv::ByteRecord,
    /// The row number of the last row read (the header is row 1).
    number: usize,
    done: bool,
    /// Weeks every date and timestamp is moved by ([`super::shift`]); 0 keeps them.
    shift_weeks: i64,
}

impl<R: Read> RecordReader<R> {
    /// Reads the header; a header that does not fit the record type is a problem at once.
    pub fn open(record_type: RecordType, reader: R) -> Result<Self, CsvProblems> {
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(reader);
        let header = csv
            .byte_headers()
            .map_err(|e| CsvProblems::file(format!("cannot read the header: {e}")))?
            .clone();
        let layout = layout(&record_type, &header)?;
        Ok(RecordReader {
            record_type,
            csv,
            layout,
            problems: CsvProblems::default(),
            seen: HashMap::new(),
            row: csv::ByteRecord::new(),
            number: 1,
            done: false,
            shift_weeks: 0,
        })
    }

    /// Moves every date and timestamp read by `weeks` (before keys are made of them).
    pub fn shifted_by_weeks(mut self, weeks: i64) -> Self {
        self.shift_weeks = weeks;
        self
    }

    /// Up to `limit` more valid rows, in file order; none once the file is read.
    pub fn next_rows(&mut self, limit: usize) -> Vec<(String, Fields)> {
        let mut records = Vec::new();
        while !self.done && records.len() < limit {
            match self.csv.read_byte_record(&mut self.row) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.problems.push(CsvProblem {
                        row: Some(self.number + 1),
                        column: None,
                        value: None,
                        message: format!("cannot read the file past this row: {e}"),
                    });
                    self.done = true;
                    break;
                }
            }
            self.number += 1;
            let number = self.number;
            let Some((key, fields)) = parse_row(
                &self.record_type,
                &self.layout,
                &self.row,
                number,
                &mut self.problems,
                self.shift_weeks,
            ) else {
                continue;
            };
            match self.seen.get(&key) {
                Some(first) => self.problems.push(CsvProblem {
                    row: Some(number),
                    column: Some(self.record_type.key.join("+")),
                    value: Some(truncate(&key)),
                    message: format!("the key is already used on row {first}; keys must be unique"),
                }),
                None => {
                    self.seen.insert(key.clone(), number);
                    records.push((key, fields));
                }
            }
        }
        records
    }

    /// Whether a problem has been found so far.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// Whether `key` is on a row read so far.
    pub fn has_key(&self, key: &str) -> bool {
        self.seen.contains_key(key)
    }

    /// Every problem found, or the number of data rows when there were none.
    pub fn finish(self) -> Result<usize, CsvProblems> {
        if self.problems.is_empty() {
            Ok(self.number - 1)
        } else {
            Err(self.problems)
        }
    }
}

/// One row's canonical fields and key, or `None` with its problems recorded.
fn parse_row(
    record_type: &RecordType,
    layout: &Layout,
    row: &csv::ByteRecord,
    number: usize,
    problems: &mut CsvProblems,
    shift_weeks: i64,
) -> Option<(String, Fields)> {
    let problem = |column: &str, value: &str, message: String| CsvProblem {
        row: Some(number),
        column: Some(column.to_string()),
        value: (!value.is_empty()).then(|| truncate(value)),
        message,
    };
    if row.len() != layout.width {
        problems.push(CsvProblem {
            row: Some(number),
            column: None,
            value: None,
            message: format!(
                "the row has {} cells, the header {}",
                row.len(),
                layout.width
            ),
        });
        return None;
    }
    let mut ok = true;
    let mut fields = Fields::with_capacity(record_type.fields.len());
    for (field, column) in record_type.fields.iter().zip(&layout.columns) {
        let bytes = column.and_then(|c| row.get(c)).unwrap_or_default();
        let Ok(text) = std::str::from_utf8(bytes) else {
            let lossy = String::from_utf8_lossy(bytes);
            problems.push(problem(
                &field.name,
                &lossy,
                "the cell is not valid UTF-8; export the file as UTF-8".into(),
            ));
            ok = false;
            continue;
        };
        match checked(field, field.field_type.parse_text(text)) {
            Ok(Some(value)) => {
                fields.insert(field.name.clone(), value);
            }
            Ok(None) => {}
            Err(expected) => {
                problems.push(problem(&field.name, text.trim(), expected));
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    super::shift::shift_dates(record_type, &mut fields, shift_weeks);
    let key = key_of(record_type, &fields);
    if key.is_none() {
        let column = record_type.key.join("+");
        problems.push(problem(&column, "", EMPTY_KEY.into()));
    }
    key.map(|key| (key, fields))
}

/// A field's parsed value, or what is wrong with it: the one check behind CSV cells and the
/// fields inbound sources map ([`crate::sync::sources::mapping`]), so both say the same.
pub fn checked(
    field: &RecordTypeField,
    parsed: Result<Option<Value>, String>,
) -> Result<Option<Value>, String> {
    match parsed {
        Ok(None) if field.required => {
            Err(format!("{} is required ({})", field.name, field.field_type))
        }
        other => other,
    }
}

/// What a record whose key fields are empty is told.
pub const EMPTY_KEY: &str = "the key is empty";

/// The stored key (composite keys joined with `|`), or `None` when a key field is empty.
pub fn key_of(record_type: &RecordType, fields: &Fields) -> Option<String> {
    if let [single] = record_type.key.as_slice() {
        return match fields.get(single)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::String(_) => None,
            other => Some(other.to_string()),
        };
    }
    record_type.key_of(fields).filter(|k| !k.is_empty())
}

fn truncate(value: &str) -> String {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_string(),
    }
}

#[cfg(test)]
mod tests;
