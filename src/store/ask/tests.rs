use super::Source;
use super::source::{indexed_group, sums_rows};
use super::split::split_by_months;
use super::sql::Sql;
use crate::domain::plan::{
    Aggregate, CheckedFilter, CheckedMeasure, CheckedQuery, Condition, DateCut, FieldPath, Span,
};
use crate::store::Backend;
use crate::store::facts::FactTable;
use serde_json::Value;

fn path(field: &str, field_type: &str) -> FieldPath {
    FieldPath {
        via: None,
        field: field.into(),
        field_type: field_type.parse().unwrap(),
        cut: None,
    }
}

fn invoices() -> FactTable {
    let schema = crate::store::facts::tests::schema();
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
