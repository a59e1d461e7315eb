//! The fact tables questions are answered from: kept in step with changed records, answering
//! alike from the sums (per month and per day) and from the facts, medians per group alike
//! along an index and from every value, and built again when records.toml changes.

use super::*;
use keel::domain::plan::{
    Aggregate, CheckedFilter, CheckedMeasure, CheckedQuery, Condition, DateCut, FieldPath, Op, Span,
};
use keel::domain::{RecordSchema, RecordType, RecordTypeField};
use std::collections::BTreeMap;

fn record_type(name: &str, label: Option<&str>, fields: &[(&str, &str)]) -> RecordType {
    RecordType {
        name: name.into(),
        key: vec![fields[0].0.into()],
        fields: fields
            .iter()
            .map(|(name, t)| RecordTypeField {
                name: (*name).into(),
                field_type: t.parse().unwrap(),
                required: false,
            })
            .collect(),
        source_of_truth: "accounting".into(),
        label: label.map(Into::into),
    }
}

/// Vendors and their invoices; `extra` adds a field to invoices (a changed records.toml).
fn schema(extra: Option<(&str, &str)>) -> RecordSchema {
    let mut invoice = vec![
        ("invoice_id", "text"),
        ("vendor_id", "ref(vendor)"),
        ("amount", "money"),
        ("issued_date", "date"),
        ("status", "enum(open, paid, overdue)"),
    ];
    invoice.extend(extra);
    let types = [
        record_type(
            "vendor",
            Some("name"),
            &[("vendor_id", "text"), ("name", "text")],
        ),
        record_type("invoice", None, &invoice),
    ];
    RecordSchema {
        types: types.into_iter().map(|t| (t.name.clone(), t)).collect(),
    }
}

fn path(field: &str, field_type: &str) -> FieldPath {
    FieldPath {
        via: None,
        field: field.into(),
        field_type: field_type.parse().unwrap(),
        cut: None,
    }
}

fn invoice(id: &str, vendor: &str, amount: &str, issued: &str, status: &str) -> (String, Fields) {
    (
        id.to_string(),
        fields(
            json!({"invoice_id": id, "vendor_id": vendor, "amount": amount,
            "issued_date": issued, "status": status}),
        ),
    )
}

/// Per group value, the measure, from the first column and the last.
async fn answer(store: &Store, query: &CheckedQuery) -> BTreeMap<String, f64> {
    let table = store.run_query(query).await.expect("query");
    table
        .rows
        .iter()
        .map(|row| {
            let group = row
                .first()
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            (
                group,
                row.last().and_then(|v| v.as_f64()).unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn issued_between(from: (u32, u32), until: (u32, u32)) -> CheckedFilter {
    let day = |(month, day)| NaiveDate::from_ymd_opt(2026, month, day).unwrap();
    CheckedFilter {
        path: path("issued_date", "date"),
        condition: Condition::Span(Span {
            from: day(from),
            until: day(until),
        }),
    }
}

/// The questions, each as the sums answer it (or, for medians per vendor, the index on vendor
/// and amount), and with a filter that keeps every invoice but only the facts can apply (an
/// amount over a floor no invoice is under). A group of "" is no group; "issued_date:month"
/// groups by the month.
fn questions() -> Vec<(&'static str, CheckedQuery, CheckedQuery)> {
    let march = issued_between((3, 1), (4, 1));
    let query =
        |filters: Vec<CheckedFilter>, group: &str, group_type: &str, measure| CheckedQuery {
            record: "invoice".into(),
            filters,
            group_by: match group.split_once(':') {
                _ if group.is_empty() => vec![],
                Some((field, _)) => vec![FieldPath {
                    cut: Some(DateCut::Month),
                    ..path(field, group_type)
                }],
                None => vec![path(group, group_type)],
            },
            measure,
            order: None,
            limit: 100,
        };
    let everything = CheckedFilter {
        path: path("amount", "money"),
        condition: Condition::Compare(Op::Gt, "-1000000000".into()),
    };
    let sum = || CheckedMeasure::Aggregate(Aggregate::Sum, Some(path("amount", "money")));
    let average = || CheckedMeasure::Aggregate(Aggregate::Average, Some(path("amount", "money")));
    let count = || CheckedMeasure::Aggregate(Aggregate::Count, None);
    let median = || CheckedMeasure::Aggregate(Aggregate::Median, Some(path("amount", "money")));
    let days = issued_between((3, 2), (3, 31));
    let days_into_april = issued_between((3, 2), (4, 2));
    // March whole, from the sums; the end of February and the first of April, from the facts.
    let around_march = issued_between((2, 27), (4, 2));
    let both =
        |name, filters: Vec<CheckedFilter>, group, group_type, measure: fn() -> CheckedMeasure| {
            let mut with_floor = filters.clone();
            with_floor.push(everything.clone());
            (
                name,
                query(filters, group, group_type, measure()),
                query(with_floor, group, group_type, measure()),
            )
        };
    vec![
        both("sum per vendor", vec![], "vendor_id", "ref(vendor)", sum),
        both(
            "average per vendor",
            vec![],
            "vendor_id",
            "ref(vendor)",
            average,
        ),
        both(
            "count per status in March",
            vec![march.clone()],
            "status",
            "enum(open, paid, overdue)",
            count,
        ),
        both(
            "sum per vendor in March",
            vec![march],
            "vendor_id",
            "ref(vendor)",
            sum,
        ),
        both("sum over days", vec![days.clone()], "", "", sum),
        both("average over days", vec![days], "", "", average),
        both(
            "count per month over days",
            vec![days_into_april],
            "issued_date:month",
            "date",
            count,
        ),
        both(
            "sum per vendor around March",
            vec![around_march.clone()],
            "vendor_id",
            "ref(vendor)",
            sum,
        ),
        both(
            "average per status around March",
            vec![around_march],
            "status",
            "enum(open, paid, overdue)",
            average,
        ),
        both(
            "median per vendor",
            vec![],
            "vendor_id",
            "ref(vendor)",
            median,
        ),
        both(
            "median per status",
            vec![],
            "status",
            "enum(open, paid, overdue)",
            median,
        ),
    ]
}

/// The expected answers, worked out from the invoices themselves.
fn expected(invoices: &[(String, Fields)]) -> Vec<BTreeMap<String, f64>> {
    let text = |f: &Fields, k: &str| f[k].as_str().unwrap().to_string();
    let amount = |f: &Fields| text(f, "amount").parse::<f64>().unwrap();
    let issued = |f: &Fields| text(f, "issued_date");
    let in_march = |f: &Fields| issued(f).starts_with("2026-03");
    let mut sums = BTreeMap::new();
    let mut counts = BTreeMap::new();
    let mut march_counts = BTreeMap::new();
    let mut march_sums = BTreeMap::new();
    let (mut days_sum, mut days_count) = (0.0, 0.0);
    let mut month_counts = BTreeMap::new();
    let mut around_sums = BTreeMap::new();
    let mut around_status: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let mut by_vendor: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut by_status: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (_, f) in invoices {
        *sums.entry(text(f, "vendor_id")).or_insert(0.0) += amount(f);
        *counts.entry(text(f, "vendor_id")).or_insert(0.0) += 1.0;
        if in_march(f) {
            *march_counts.entry(text(f, "status")).or_insert(0.0) += 1.0;
            *march_sums.entry(text(f, "vendor_id")).or_insert(0.0) += amount(f);
        }
        if ("2026-03-02".."2026-03-31").contains(&issued(f).as_str()) {
            days_sum += amount(f);
            days_count += 1.0;
        }
        if ("2026-03-02".."2026-04-02").contains(&issued(f).as_str()) {
            *month_counts
                .entry(issued(f)[..7].to_string())
                .or_insert(0.0) += 1.0;
        }
        if ("2026-02-27".."2026-04-02").contains(&issued(f).as_str()) {
            *around_sums.entry(text(f, "vendor_id")).or_insert(0.0) += amount(f);
            let status = around_status.entry(text(f, "status")).or_default();
            *status = (status.0 + amount(f), status.1 + 1.0);
        }
        by_vendor
            .entry(text(f, "vendor_id"))
            .or_default()
            .push(amount(f));
        by_status
            .entry(text(f, "status"))
            .or_default()
            .push(amount(f));
    }
    let averages = sums
        .iter()
        .map(|(k, s)| (k.clone(), s / counts[k]))
        .collect();
    let one = |value: f64| BTreeMap::from([(String::new(), value)]);
    let medians = |groups: BTreeMap<String, Vec<f64>>| {
        groups
            .into_iter()
            .map(|(group, mut values)| {
                values.sort_by(f64::total_cmp);
                let middle = values.len() / 2;
                let median = if values.len() % 2 == 1 {
                    values[middle]
                } else {
                    (values[middle - 1] + values[middle]) / 2.0
                };
                (group, median)
            })
            .collect()
    };
    vec![
        sums,
        averages,
        march_counts,
        march_sums,
        one(days_sum),
        one(days_sum / days_count),
        month_counts,
        around_sums,
        around_status
            .into_iter()
            .map(|(status, (sum, n))| (status, sum / n))
            .collect(),
        medians(by_vendor),
        medians(by_status),
    ]
}

async fn check(store: &Store, invoices: &[(String, Fields)], when: &str) {
    for ((name, sums, facts), expected) in questions().iter().zip(expected(invoices)) {
        let from_sums = answer(store, sums).await;
        let from_facts = answer(store, facts).await;
        let round = |m: &BTreeMap<String, f64>| -> Vec<(String, i64)> {
            m.iter()
                .map(|(k, v)| (k.clone(), (v * 10_000.0).round() as i64))
                .collect()
        };
        assert_eq!(
            round(&from_sums),
            round(&expected),
            "{when}: {name} from the sums"
        );
        assert_eq!(
            round(&from_facts),
            round(&expected),
            "{when}: {name} from the facts"
        );
    }
}

#[tokio::test]
async fn fact_tables_follow_changed_records_and_are_rebuilt_when_records_toml_changes() {
    for (db, store) in each_store().await {
        let label = db.label;
        store.track_facts(&schema(None)).await.unwrap();
        let vendors = vec![
            (
                "V1".to_string(),
                fields(json!({"vendor_id": "V1", "name": "Apex"})),
            ),
            (
                "V2".to_string(),
                fields(json!({"vendor_id": "V2", "name": "Bolt"})),
            ),
        ];
        let mut invoices = vec![
            invoice("I1", "V1", "100.10", "2026-03-02", "open"),
            invoice("I2", "V1", "200.20", "2026-03-31", "paid"),
            invoice("I3", "V2", "300.30", "2026-04-01", "open"),
            invoice("I4", "V2", "0.01", "2026-02-28", "overdue"),
            invoice("I5", "V1", "55.55", "2026-03-15", "open"),
        ];
        let mut tx = store.begin().await.unwrap();
        tx.upsert_records("vendor", &vendors, t0(), "test")
            .await
            .unwrap();
        tx.upsert_records("invoice", &invoices, t0(), "test")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        check(&store, &invoices, &format!("[{label}] first import")).await;

        // Paid, moved to April, moved to another vendor, changed amount; and a new one.
        let changed = vec![
            invoice("I1", "V1", "100.10", "2026-03-02", "paid"),
            invoice("I2", "V1", "200.20", "2026-04-01", "paid"),
            invoice("I3", "V1", "300.30", "2026-04-01", "open"),
            invoice("I4", "V2", "10.00", "2026-02-28", "overdue"),
            invoice("I6", "V2", "1.00", "2026-03-10", "open"),
        ];
        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("invoice", &changed, t0(), "test")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((counts.inserted, counts.updated), (1, 4), "[{label}]");
        for (key, fields) in changed {
            match invoices.iter_mut().find(|(k, _)| *k == key) {
                Some(stored) => stored.1 = fields,
                None => invoices.push((key, fields)),
            }
        }
        check(&store, &invoices, &format!("[{label}] after changes")).await;

        // A rolled-back write leaves the sums as they were.
        let mut tx = store.begin().await.unwrap();
        let gone = vec![invoice("I5", "V2", "9999.00", "2026-03-15", "paid")];
        tx.upsert_records("invoice", &gone, t0(), "test")
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        check(&store, &invoices, &format!("[{label}] after a rollback")).await;

        // records.toml gains a field: the tables are built again, from the records.
        store
            .track_facts(&schema(Some(("note", "text"))))
            .await
            .unwrap();
        check(&store, &invoices, &format!("[{label}] rebuilt")).await;
        // And the same schema again changes nothing.
        store
            .track_facts(&schema(Some(("note", "text"))))
            .await
            .unwrap();
        check(&store, &invoices, &format!("[{label}] reopened")).await;
    }
}
