//! Typed tables that questions are answered from, one pair per record type, built from
//! records.toml and kept in step with `records` in the same transaction:
//!
//! - `facts_<type>`: one row per record, a column per field (`f_<field>`), money as whole
//!   cents, numbers as reals, the rest as text; indexed on money, dates, timestamps and
//!   references to named records, so that lists, thresholds, the largest, medians and windows
//!   read a few index entries instead of parsing every record's JSON.
//! - `sums_<type>`: running counts and sums per month of each date field (`cut`, `period`),
//!   overall (`field` "") and per value of each *group* field (`field`, `value`: enums, yes/no
//!   fields and references to named records: vendors, projects, people). One group field at
//!   a time, not their combinations, which for a million invoices would be nearly as many
//!   rows as invoices. A count or a sum over a year of a million invoices, overall or per
//!   vendor, reads a few hundred of these rows. The overall rows are also kept per day (`cut`
//!   `<field>/day`, a few thousand rows for years of records), so that a window of days, such
//!   as the last 90, is a few dozen rows too.
//!
//! Their shape follows records.toml, so it is not a migration: [`Store::track_facts`] creates
//! them, and rebuilds them from the records when the definition it remembers in `fact_tables`
//! differs from the one records.toml gives now.

use super::Backend;
use super::sql::identifier;
use super::statement::Param;
use crate::domain::{FieldType, Fields, RecordSchema, RecordType};
use anyhow::{Result, ensure};
use foldhash::HashMap;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use std::sync::{Arc, RwLock};

/// Raised when the layout of the tables changes, so that every database rebuilds them.
const LAYOUT: &str = "keel facts layout 2";

/// PostgreSQL's longest name; a longer one would be cut short, and two could collide.
const MAX_NAME: usize = 63;

/// The fact tables of every record type, shared by a store and its transactions.
pub(super) type FactTables = Arc<RwLock<HashMap<String, Arc<FactTable>>>>;

/// One field as its fact table holds it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FactField {
    pub name: String,
    pub field_type: FieldType,
    /// `f_<name>`: prefixed, so that a field called `key` or `order` is still a plain column.
    pub column: String,
}

/// The fact tables of one record type.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FactTable {
    pub record_type: String,
    pub facts: String,
    pub sums: String,
    pub fields: Vec<FactField>,
    /// The fields `sums_<type>` is grouped by (positions in `fields`).
    pub groups: Vec<usize>,
    /// The date and timestamp fields, each a `cut` of `sums_<type>` by month (and, for the
    /// overall rows, one by day: [`day_cut`]).
    pub cuts: Vec<usize>,
    /// The money and number fields summed in `sums_<type>`.
    pub measures: Vec<usize>,
    /// The fields with an index on `facts_<type>`.
    pub indexed: Vec<usize>,
    /// Whether `sums_<type>` is kept: not for the requests ([`super::request_facts`]), whose
    /// rows change at every transition and are read from `facts_request` alone.
    pub summed: bool,
}

impl FactTable {
    pub fn new(record_type: &RecordType, schema: &RecordSchema) -> Result<FactTable> {
        let name = identifier(&record_type.name)?;
        let [facts, sums] = table_names(name)?;
        // The longest index name ends `_i<field>_<field>` ([`Self::indexes`]).
        let index_suffix = format!("_i{0}_{0}", record_type.fields.len()).len();
        ensure!(
            facts.len() + index_suffix <= MAX_NAME,
            "the record type name `{name}` is too long for keel's tables (at most {} characters)",
            MAX_NAME - "facts_".len() - index_suffix
        );
        let mut fields = Vec::new();
        for field in &record_type.fields {
            let column = format!("f_{}", identifier(&field.name)?);
            ensure!(
                column.len() <= MAX_NAME,
                "the field name `{}.{}` is too long for keel's tables (at most {} characters)",
                name,
                field.name,
                MAX_NAME - 2
            );
            fields.push(FactField {
                name: field.name.clone(),
                field_type: field.field_type.clone(),
                column,
            });
        }
        let positions = |keep: &dyn Fn(&FieldType) -> bool| -> Vec<usize> {
            (0..fields.len())
                .filter(|&i| keep(&fields[i].field_type))
                .collect()
        };
        // A reference is a group when it names something people name (a vendor, a project, a
        // person), not another transaction (an invoice's purchase order), which would make
        // as many groups as records.
        let named = |target: &str| schema.get(target).is_some_and(|t| t.label.is_some());
        let groups = positions(&|t| match t {
            FieldType::Enum(_) | FieldType::Bool => true,
            FieldType::Ref(target) => named(target),
            _ => false,
        });
        let cuts = positions(&|t| matches!(t, FieldType::Date | FieldType::Timestamp));
        let measures = positions(&|t| matches!(t, FieldType::Money | FieldType::Number));
        let indexed = positions(&|t| match t {
            FieldType::Money | FieldType::Date | FieldType::Timestamp => true,
            FieldType::Ref(target) => named(target),
            _ => false,
        });
        Ok(FactTable {
            record_type: record_type.name.clone(),
            sums,
            facts,
            fields,
            groups,
            cuts,
            measures,
            indexed,
            summed: true,
        })
    }

    pub fn is_group(&self, name: &str) -> bool {
        self.names(&self.groups, name)
    }

    pub fn is_cut(&self, name: &str) -> bool {
        self.names(&self.cuts, name)
    }

    pub fn is_measure(&self, name: &str) -> bool {
        self.names(&self.measures, name)
    }

    pub fn is_indexed(&self, name: &str) -> bool {
        self.names(&self.indexed, name)
    }

    /// Whether one of the fields at `positions` is called `name`.
    fn names(&self, positions: &[usize], name: &str) -> bool {
        positions.iter().any(|&i| self.fields[i].name == name)
    }

    /// The `cut` whose rows hold every record once when no date field is asked about.
    pub fn any_cut(&self) -> &str {
        self.cuts
            .first()
            .map_or("", |&i| self.fields[i].name.as_str())
    }

    /// The statements creating both tables (without the indexes: [`Self::index_statements`]).
    pub fn table_statements(&self, backend: Backend) -> Vec<String> {
        let text = match backend {
            Backend::Sqlite => "text",
            Backend::Postgres => "text collate \"C\"",
        };
        let (cents, real) = (backend.integer_type(), backend.real_type());
        let column_type = |field_type: &FieldType| match field_type {
            FieldType::Money => cents,
            FieldType::Number => real,
            _ => text,
        };
        let mut columns = vec![format!("key {text} primary key")];
        for field in &self.fields {
            columns.push(format!(
                "{} {}",
                field.column,
                column_type(&field.field_type)
            ));
        }
        let rowid = match backend {
            Backend::Sqlite => " without rowid",
            Backend::Postgres => "",
        };
        let mut statements = vec![format!(
            "create table {} ({}){rowid}",
            self.facts,
            columns.join(", ")
        )];
        if !self.summed {
            return statements;
        }
        let mut columns: Vec<String> = self
            .sums_key()
            .iter()
            .map(|name| format!("{name} {text} not null"))
            .collect();
        columns.push(format!("n {cents} not null"));
        for &i in &self.measures {
            let field = &self.fields[i];
            let sum = column_type(&field.field_type);
            columns.push(format!("{} {sum} not null", field.column));
            columns.push(format!("n_{} {cents} not null", field.name));
        }
        columns.push(format!("primary key ({})", self.sums_key().join(", ")));
        statements.push(format!(
            "create table {} ({}){rowid}",
            self.sums,
            columns.join(", ")
        ));
        statements
    }

    /// The indexes of `facts_<type>`: each one's name and columns. A reference to named
    /// records is indexed together with each measure, (vendor, amount): the entries of one
    /// vendor come in the order of the amount, so that a median per vendor reads the middle
    /// of each vendor's entries instead of every amount, and "Apex's invoices over 200k" is
    /// one range of the index.
    pub fn indexes(&self) -> Vec<(String, Vec<&str>)> {
        let mut indexes = Vec::new();
        for &i in &self.indexed {
            let column = self.fields[i].column.as_str();
            if !self.summed || !self.groups.contains(&i) || self.measures.is_empty() {
                indexes.push((format!("{}_i{i}", self.facts), vec![column]));
                continue;
            }
            for (n, &m) in self.measures.iter().enumerate() {
                let name = match n {
                    0 => format!("{}_i{i}", self.facts),
                    _ => format!("{}_i{i}_{m}", self.facts),
                };
                indexes.push((name, vec![column, self.fields[m].column.as_str()]));
            }
        }
        indexes
    }

    /// Whether an index serves reading one value of `group` in the order of `measure`.
    pub fn is_indexed_by_group(&self, group: &str, measure: &str) -> bool {
        let columns = |name: &str| {
            self.fields
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.column.as_str())
        };
        let (Some(group), Some(measure)) = (columns(group), columns(measure)) else {
            return false;
        };
        self.indexes()
            .iter()
            .any(|(_, columns)| columns[..] == [group, measure])
    }

    /// The statements creating the indexes of `facts_<type>`.
    pub fn index_statements(&self) -> Vec<String> {
        self.indexes()
            .into_iter()
            .map(|(name, columns)| {
                format!(
                    "create index if not exists {name} on {} ({})",
                    self.facts,
                    columns.join(", ")
                )
            })
            .collect()
    }

    /// The statements dropping them (for a bulk load: building an index afterwards, by
    /// sorting, is several times faster than adding a million entries to it one by one).
    pub fn drop_index_statements(&self) -> Vec<String> {
        self.indexes()
            .into_iter()
            .map(|(name, _)| format!("drop index if exists {name}"))
            .collect()
    }

    /// What `fact_tables` remembers: when it differs, the tables are rebuilt.
    pub fn definition(&self, backend: Backend) -> String {
        format!(
            "-- {LAYOUT}\n{};",
            self.table_statements(backend)
                .into_iter()
                .chain(self.index_statements())
                .collect::<Vec<_>>()
                .join(";\n")
        )
    }

    /// The columns of `sums_<type>` that identify a row, in order.
    pub fn sums_key(&self) -> [&'static str; 4] {
        ["cut", "period", "field", "value"]
    }
}

/// The `cut` of `sums_<type>` holding the overall rows of a date field per day (`period`
/// `YYYY-MM-DD`, or "" for records without a date). The slash keeps it apart from any field.
pub(super) fn day_cut(field: &str) -> String {
    format!("{field}/day")
}

/// The group of [`SumsDelta`]'s rows that are overall and per day.
const DAILY: usize = usize::MAX - 1;
/// The group of its overall rows per month.
const OVERALL: usize = usize::MAX;

/// `facts_<type>` and `sums_<type>`, for a type's name.
pub(super) fn table_names(record_type: &str) -> Result<[String; 2]> {
    let name = identifier(record_type)?;
    Ok([format!("facts_{name}"), format!("sums_{name}")])
}

/// The fact tables registered for a record type.
pub(super) fn registered(tables: &FactTables, record_type: &str) -> Option<Arc<FactTable>> {
    tables.read().ok()?.get(record_type).cloned()
}

/// A field's value as its fact column holds it.
pub(super) fn column_value(field_type: &FieldType, value: Option<&Value>) -> Param {
    match field_type {
        FieldType::Money => Param::Int(value.and_then(cents)),
        FieldType::Number => Param::Real(value.and_then(Value::as_f64)),
        _ => Param::Text(value.and_then(text)),
    }
}

/// A value as text: strings as they are, yes/no as `true`/`false`.
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Money (`"1234.50"`) as whole cents.
pub(super) fn cents(value: &Value) -> Option<i64> {
    if let Value::String(s) = value
        && let Some(cents) = canonical_cents(s)
    {
        return Some(cents);
    }
    let decimal: Decimal = match value {
        Value::String(s) => s.parse().ok()?,
        Value::Number(n) => n.to_string().parse().ok()?,
        _ => return None,
    };
    (decimal * Decimal::ONE_HUNDRED).round().to_i64()
}

/// Canonical money (`-1234.50`: digits, a dot, two digits) as cents without a decimal
/// parser: an import converts every amount it writes.
fn canonical_cents(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, fraction) = digits.split_once('.')?;
    let plain = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !plain(whole) || fraction.len() != 2 || !plain(fraction) || whole.len() > 15 {
        return None;
    }
    let cents = whole.parse::<i64>().ok()? * 100 + fraction.parse::<i64>().ok()?;
    Some(if negative { -cents } else { cents })
}

/// What one `sums_<type>` row changes by.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Totals {
    pub n: i64,
    /// Per measure: the sum (money in cents) and how many records had a value.
    pub sums: Vec<f64>,
    pub counts: Vec<i64>,
}

impl Totals {
    /// Counts a record in (`sign` 1) or out (-1), with its value of each measure.
    fn count(&mut self, sign: i64, measured: &[Option<f64>]) {
        self.n += sign;
        for (j, value) in measured.iter().enumerate() {
            if let Some(value) = value {
                self.sums[j] += sign as f64 * value;
                self.counts[j] += sign;
            }
        }
    }

    fn is_zero(&self) -> bool {
        self.n == 0 && self.sums.iter().all(|s| *s == 0.0) && self.counts.iter().all(|c| *c == 0)
    }
}

/// Changes to `sums_<type>`, per cut, period and group field, then per value: a record adds
/// to (cuts × (group fields + 2)) rows, and an import of a million records looks rows up
/// millions of times, so a lookup allocates nothing.
#[derive(Debug, Default)]
pub(super) struct SumsDelta {
    /// (cut, period as `YYYY-MM` or `YYYY-MM-DD` bytes padded with zeros, group field or
    /// [`OVERALL`] or [`DAILY`]) → value → totals.
    rows: HashMap<(usize, [u8; 10], usize), HashMap<String, Totals>>,
    /// Some row lost records, so rows may have dropped to none.
    pub shrank: bool,
    /// Per measure, the record's value (reused between records).
    values: Vec<Option<f64>>,
}

impl SumsDelta {
    /// Counts a record in (`sign` 1) or out (-1) of its rows.
    pub fn add(&mut self, table: &FactTable, fields: &Fields, sign: i64) {
        if sign < 0 {
            self.shrank = true;
        }
        self.values.clear();
        for &i in &table.measures {
            let field = &table.fields[i];
            self.values.push(
                fields
                    .get(&field.name)
                    .and_then(|value| match field.field_type {
                        FieldType::Money => cents(value).map(|c| c as f64),
                        _ => value.as_f64(),
                    }),
            );
        }
        // Per cut, the record's day; its month is the first seven bytes.
        let mut cuts: Vec<(usize, [u8; 10])> = table
            .cuts
            .iter()
            .map(|&i| {
                let day = fields
                    .get(&table.fields[i].name)
                    .and_then(Value::as_str)
                    .and_then(|s| s.as_bytes().get(..10))
                    .and_then(|b| <[u8; 10]>::try_from(b).ok())
                    .unwrap_or([0; 10]);
                (i, day)
            })
            .collect();
        if cuts.is_empty() {
            cuts.push((OVERALL, [0; 10]));
        }
        let groups = [
            (OVERALL, std::borrow::Cow::Borrowed("")),
            (DAILY, std::borrow::Cow::Borrowed("")),
        ]
        .into_iter()
        .chain(
            table
                .groups
                .iter()
                .map(|&i| (i, group_value(fields.get(&table.fields[i].name)))),
        );
        for (group, value) in groups {
            for &(cut, day) in &cuts {
                let period = if group == DAILY {
                    if cut == OVERALL {
                        continue;
                    }
                    day
                } else {
                    let mut month = [0; 10];
                    month[..7].copy_from_slice(&day[..7]);
                    month
                };
                let values = self.rows.entry((cut, period, group)).or_default();
                // One lookup for a row already there, as nearly every one is.
                match values.get_mut(value.as_ref()) {
                    Some(totals) => totals.count(sign, &self.values),
                    None => {
                        let mut totals = Totals {
                            n: 0,
                            sums: vec![0.0; table.measures.len()],
                            counts: vec![0; table.measures.len()],
                        };
                        totals.count(sign, &self.values);
                        values.insert(value.to_string(), totals);
                    }
                }
            }
        }
    }

    /// The rows that change, keyed by [`FactTable::sums_key`]'s values, without those a
    /// record moved out of and back into.
    pub fn into_rows(self, table: &FactTable) -> Vec<([String; 4], Totals)> {
        let name = |i: usize| {
            table
                .fields
                .get(i)
                .map_or("", |f| f.name.as_str())
                .to_string()
        };
        let mut out = Vec::new();
        for ((cut, period, group), values) in self.rows {
            let cut = if group == DAILY {
                day_cut(&name(cut))
            } else {
                name(cut)
            };
            let end = period.iter().position(|&b| b == 0).unwrap_or(period.len());
            let period = String::from_utf8_lossy(&period[..end]).into_owned();
            for (value, totals) in values {
                if !totals.is_zero() {
                    out.push(([cut.clone(), period.clone(), name(group), value], totals));
                }
            }
        }
        out
    }
}

/// A group field's value in `sums_<type>`: its text, or "" for none.
fn group_value(value: Option<&Value>) -> std::borrow::Cow<'_, str> {
    match value {
        Some(Value::String(s)) => std::borrow::Cow::Borrowed(s.as_str()),
        Some(other) => std::borrow::Cow::Owned(text(other).unwrap_or_default()),
        None => std::borrow::Cow::Borrowed(""),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::RecordTypeField;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn record_type(name: &str, fields: &[(&str, &str)], label: Option<&str>) -> RecordType {
        RecordType {
            name: name.into(),
            key: vec![fields[0].0.into()],
            fields: fields
                .iter()
                .map(|(name, t)| RecordTypeField {
                    name: (*name).into(),
                    field_type: t.parse().unwrap(),
                    required: true,
                })
                .collect(),
            source_of_truth: "keel".into(),
            label: label.map(Into::into),
        }
    }

    /// Vendors (named), purchase orders (not named) and invoices referring to both.
    pub(in crate::store) fn schema() -> RecordSchema {
        let types = [
            record_type(
                "vendor",
                &[("vendor_id", "text"), ("name", "text")],
                Some("name"),
            ),
            record_type("purchase_order", &[("po_id", "text")], None),
            record_type(
                "invoice",
                &[
                    ("invoice_id", "text"),
                    ("vendor_id", "ref(vendor)"),
                    ("po_id", "ref(purchase_order)"),
                    ("amount", "money"),
                    ("issued_date", "date"),
                    ("status", "enum(open, paid)"),
                    ("order", "number"),
                ],
                None,
            ),
        ];
        RecordSchema {
            types: types
                .into_iter()
                .map(|t| (t.name.clone(), t))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn groups_are_enums_and_references_to_named_records_not_to_other_transactions() {
        let schema = schema();
        let table = FactTable::new(schema.get("invoice").unwrap(), &schema).unwrap();
        let names = |positions: &[usize]| -> Vec<&str> {
            positions
                .iter()
                .map(|&i| table.fields[i].name.as_str())
                .collect()
        };
        assert_eq!(names(&table.groups), ["vendor_id", "status"]);
        assert_eq!(names(&table.cuts), ["issued_date"]);
        assert_eq!(names(&table.measures), ["amount", "order"]);
        assert_eq!(
            names(&table.indexed),
            ["vendor_id", "amount", "issued_date"]
        );
        let sql = table.definition(Backend::Sqlite);
        assert!(sql.contains("f_order real"), "{sql}");
        // A vendor's entries in the order of each measure; the purchase order not at all.
        assert!(sql.contains("(f_vendor_id, f_amount)"), "{sql}");
        assert!(sql.contains("(f_vendor_id, f_order)"), "{sql}");
        assert!(!sql.contains("(f_po_id"), "{sql}");
        assert!(table.is_indexed_by_group("vendor_id", "amount"));
        assert!(!table.is_indexed_by_group("status", "amount"));
        assert!(
            sql.contains("primary key (cut, period, field, value)"),
            "{sql}"
        );
    }

    #[test]
    fn money_becomes_whole_cents_and_yes_no_becomes_text() {
        assert_eq!(cents(&json!("1234.50")), Some(123_450));
        assert_eq!(cents(&json!("0.07")), Some(7));
        assert_eq!(cents(&json!("-12")), Some(-1_200));
        assert_eq!(cents(&json!("lots")), None);
        assert_eq!(cents(&json!("1.5")), Some(150));
        assert_eq!(
            cents(&json!("123456789012345.67")),
            Some(12_345_678_901_234_567)
        );
        assert_eq!(
            cents(&json!("99999999999999999.99")),
            None,
            "beyond 64 bits"
        );
        assert_eq!(text(&json!(true)).as_deref(), Some("true"));
        assert_eq!(text(&json!("")), None);
    }

    #[test]
    fn a_changed_record_moves_its_count_and_sum_from_one_row_to_another() {
        let schema = schema();
        let table = FactTable::new(schema.get("invoice").unwrap(), &schema).unwrap();
        let fields = |status: &str, amount: &str| -> Fields {
            serde_json::from_value(json!({"invoice_id": "I1", "vendor_id": "V1",
                "po_id": "PO1", "amount": amount, "issued_date": "2026-03-02",
                "status": status}))
            .unwrap()
        };
        let mut delta = SumsDelta::default();
        delta.add(&table, &fields("open", "10.50"), -1);
        delta.add(&table, &fields("paid", "12.00"), 1);
        let mut rows = delta.into_rows(&table);
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let key =
            |field: &str, value: &str| ["issued_date", "2026-03", field, value].map(String::from);
        // Overall (per month and per day) and per vendor the amount grew by 1.50; per status
        // it moved.
        let changes: Vec<_> = rows
            .iter()
            .map(|(key, t)| (key.clone(), t.n, t.sums[0], t.counts[0]))
            .collect();
        assert_eq!(
            changes,
            [
                (key("", ""), 0, 150.0, 0),
                (key("status", "open"), -1, -1050.0, -1),
                (key("status", "paid"), 1, 1200.0, 1),
                (key("vendor_id", "V1"), 0, 150.0, 0),
                (
                    ["issued_date/day", "2026-03-02", "", ""].map(String::from),
                    0,
                    150.0,
                    0
                ),
            ]
        );

        let mut same = SumsDelta::default();
        same.add(&table, &fields("open", "10.50"), -1);
        same.add(&table, &fields("open", "10.50"), 1);
        assert!(same.into_rows(&table).is_empty());
    }

    #[test]
    fn a_name_too_long_for_postgres_is_refused_with_the_limit() {
        let schema = schema();
        let long = record_type(&"x".repeat(60), &[("id", "text")], None);
        let error = FactTable::new(&long, &schema).unwrap_err().to_string();
        assert!(error.contains("too long"), "{error}");
    }
}
