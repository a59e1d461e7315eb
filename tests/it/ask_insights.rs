//! The insights on the demo company give the results planted in its history whatever day they
//! are run: the company is imported as `keel demo` imports it (its dates moved by whole weeks so
//! that the history ends in the current week), with the clock on the data's last day, days and
//! weeks after it, and a year after it. Every expectation is computed from the CSV files.

use crate::common::app::{config_dir, config_with_env, demo_data};
use crate::common::demo_csv::{Row, csv, number};
use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use keel::clock::Clock;
use keel::insights::Insight;
use keel::service::Keel;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn day(text: &str) -> NaiveDate {
    text[..10].parse().expect("a date")
}

fn as_number(value: &Value) -> f64 {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// The demo history's last day (config/demo-data/README.md: "up to 2026-11-20").
fn history_ends() -> NaiveDate {
    day("2026-11-20")
}

/// The days the insights are run on: the last day of the data, a Wednesday nearly four weeks
/// later, and a year after the data.
const DAYS: [&str; 3] = ["2026-11-20", "2026-12-16", "2027-11-24"];

/// The weeks `keel demo` moves the history by on `today`: its last day into the seven days
/// ending today.
fn weeks_for(today: NaiveDate) -> i64 {
    (today - history_ends()).num_days().div_euclid(7)
}

/// What the CSV files say each insight should find, on the data's own calendar.
struct Expected {
    worst_vendor: String,
    worst_deliveries: f64,
    worst_on_time: f64,
    bayview_overrun: f64,
    largest_overrun: String,
    quietest_client: String,
    meridian: (f64, f64),
    superintendent_load: f64,
    flagged: BTreeMap<String, f64>,
}

fn vendor_reliability(expected_pos: &[Row]) -> (String, f64, f64) {
    let mut delivery: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for po in expected_pos
        .iter()
        .filter(|p| !p["delivered_date"].is_empty())
    {
        let entry = delivery.entry(po["vendor_id"].clone()).or_default();
        entry.0 += 1.0;
        if day(&po["delivered_date"]) <= day(&po["promised_date"]) {
            entry.1 += 1.0;
        }
    }
    let (vendor, (n, on_time)) = delivery
        .into_iter()
        .min_by(|a, b| (a.1.1 / a.1.0).total_cmp(&(b.1.1 / b.1.0)))
        .expect("deliveries");
    (vendor, n, on_time)
}

/// Projected overrun (invoiced ÷ percent complete − budget) of each active or on-hold project.
fn overruns() -> BTreeMap<String, f64> {
    let invoices = csv("invoices.csv");
    csv("projects.csv")
        .iter()
        .filter(|p| p["status"] == "active" || p["status"] == "on_hold")
        .filter(|p| number(&p["percent_complete"]) > 0.0)
        .map(|p| {
            let spent: f64 = invoices
                .iter()
                .filter(|i| i["project_id"] == p["project_id"])
                .map(|i| number(&i["amount"]))
                .sum();
            let projected = spent / (number(&p["percent_complete"]) / 100.0);
            (p["project_id"].clone(), projected - number(&p["budget"]))
        })
        .collect()
}

/// Touchpoints per client in the 90 days to `today` and the 90 before.
fn engagement(today: NaiveDate) -> BTreeMap<String, (f64, f64)> {
    let recent_from = today - Duration::days(89);
    let before_from = recent_from - Duration::days(90);
    let mut counts: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for touchpoint in csv("client_touchpoints.csv") {
        let on = day(&touchpoint["occurred_on"]);
        let entry = counts.entry(touchpoint["client_id"].clone()).or_default();
        if (recent_from..=today).contains(&on) {
            entry.0 += 1.0;
        } else if (before_from..recent_from).contains(&on) {
            entry.1 += 1.0;
        }
    }
    counts.retain(|_, (recent, before)| *recent + *before > 0.0);
    counts
}

/// The superintendents' hours per week (over the weeks anyone logged, in the four weeks to
/// `today`) against their capacity, in percent.
fn superintendent_load(today: NaiveDate) -> f64 {
    let staff: BTreeMap<String, Row> = csv("staff.csv")
        .into_iter()
        .map(|s| (s["staff_id"].clone(), s))
        .collect();
    let entries: Vec<Row> = csv("time_entries.csv")
        .into_iter()
        .filter(|e| (today - Duration::days(27)..=today).contains(&day(&e["week_start"])))
        .collect();
    let weeks: BTreeSet<&str> = entries.iter().map(|e| e["week_start"].as_str()).collect();
    let mut logged: BTreeMap<&str, f64> = BTreeMap::new();
    for entry in &entries {
        *logged.entry(&entry["staff_id"]).or_default() += number(&entry["hours"]);
    }
    let (hours, capacity) = logged
        .iter()
        .filter(|(person, _)| staff[**person]["role"] == "superintendent")
        .fold((0.0, 0.0), |(h, c), (person, hours)| {
            let capacity = number(&staff[*person]["weekly_capacity_hours"]);
            (h + hours / weeks.len() as f64, c + capacity)
        });
    hours / capacity * 100.0
}

/// The robust z-score (median and MAD; mean absolute deviation when the MAD is 0) of `value`
/// against `history`, as the anomaly check defines it (src/engine/anomaly.rs).
fn robust_z(history: &[f64], value: f64) -> Option<f64> {
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        }
    };
    let middle = median(&mut history.to_vec());
    let mut deviations: Vec<f64> = history.iter().map(|v| (v - middle).abs()).collect();
    let mad = median(&mut deviations);
    if mad > 0.0 {
        return Some(0.6745 * (value - middle) / mad);
    }
    let mean = deviations.iter().sum::<f64>() / deviations.len() as f64;
    (mean > 0.0).then(|| (value - middle) / (1.253314 * mean))
}

/// The history rows each workflow's anomaly check (config/workflows/*.toml: amount, grouped by
/// project, category or vendor; |z| above 3.5 over at least 5 earlier requests) flags when each
/// is compared with the earlier ones of its group, or, while its group has fewer than 5, with
/// every earlier one of its workflow; with how far out each is (|z|).
fn flagged() -> BTreeMap<String, f64> {
    let mut flagged = BTreeMap::new();
    for (file, id, group, submitted) in [
        (
            "change_orders.csv",
            "change_order_id",
            "project_id",
            "submitted_at",
        ),
        ("expenses.csv", "expense_id", "category", "spent_on"),
        ("purchase_orders.csv", "po_id", "vendor_id", "requested_at"),
    ] {
        let mut rows = csv(file);
        rows.sort_by(|a, b| a[submitted].cmp(&b[submitted]));
        let mut earlier: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut all_earlier: Vec<f64> = Vec::new();
        for row in rows {
            let history = earlier.entry(row[group].clone()).or_default();
            let amount = number(&row["amount"]);
            let compared = if history.len() >= 5 {
                Some(&history[..])
            } else {
                (all_earlier.len() >= 5).then_some(&all_earlier[..])
            };
            if let Some(z) = compared
                .and_then(|h| robust_z(h, amount))
                .filter(|z| z.abs() > 3.5)
            {
                flagged.insert(row[id].clone(), z.abs());
            }
            history.push(amount);
            all_earlier.push(amount);
        }
    }
    flagged
}

fn expected(today: NaiveDate) -> Expected {
    let (worst_vendor, worst_deliveries, worst_on_time) =
        vendor_reliability(&csv("purchase_orders.csv"));
    let overruns = overruns();
    let engagement = engagement(today);
    let change = |(recent, before): &(f64, f64)| {
        if *before == 0.0 {
            100.0
        } else {
            (recent - before) / before * 100.0
        }
    };
    Expected {
        worst_vendor,
        worst_deliveries,
        worst_on_time,
        bayview_overrun: overruns["P001"],
        largest_overrun: overruns
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(project, _)| project.clone())
            .expect("projects"),
        quietest_client: engagement
            .iter()
            .min_by(|a, b| change(a.1).total_cmp(&change(b.1)))
            .map(|(client, _)| client.clone())
            .expect("clients"),
        meridian: engagement["C001"],
        superintendent_load: superintendent_load(today),
        flagged: flagged(),
    }
}

/// The row of `answer` naming `key` ("… (P001)").
fn row_of<'a>(rows: &'a [Vec<Value>], key: &str) -> &'a [Value] {
    rows.iter()
        .find(|r| {
            r[0].as_str()
                .unwrap_or_default()
                .ends_with(&format!("({key})"))
        })
        .unwrap_or_else(|| panic!("no row for {key}: {rows:?}"))
}

/// 09:00 in Chicago on `day`.
fn morning(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(15, 0, 0).expect("a time"))
}

async fn check_insights_on(db: &crate::common::TestDb, today: NaiveDate) {
    let keel = Keel::open(
        config_with_env(db, &config_dir(), &[]),
        Clock::manual(morning(today)),
    )
    .await
    .expect("keel opens");
    let weeks = weeks_for(today);
    keel.import_all_shifted(&demo_data(), weeks)
        .await
        .expect("the demo company imports");
    // The same day on the data's own calendar.
    let data_today = today - Duration::weeks(weeks);
    let expect = expected(data_today);
    let at = format!("[{}] {today}", db.label);
    let ceo = "S001";
    let run = |insight| {
        let keel = &keel;
        async move { keel.insight(ceo, insight).await.expect("insight") }
    };

    let vendors = run(Insight::VendorReliability).await;
    let worst = row_of(&vendors.rows, &expect.worst_vendor);
    assert_eq!(worst, &vendors.rows[0][..], "{at}");
    assert_eq!(as_number(&worst[1]), expect.worst_deliveries, "{at}");
    let rate = expect.worst_on_time / expect.worst_deliveries * 100.0;
    assert!(
        (as_number(&worst[2]) - rate).abs() < 0.051,
        "{at} {worst:?}"
    );

    let burn = run(Insight::BudgetBurn).await;
    let bayview = row_of(&burn.rows, "P001");
    assert!(
        (as_number(&bayview[6]) - expect.bayview_overrun).abs() < 0.01,
        "{at} {bayview:?} vs {}",
        expect.bayview_overrun
    );
    assert_eq!(
        row_of(&burn.rows, &expect.largest_overrun),
        &burn.rows[0][..]
    );

    let clients = run(Insight::ClientEngagement).await;
    let meridian = row_of(&clients.rows, "C001");
    assert_eq!(
        (as_number(&meridian[1]), as_number(&meridian[2])),
        expect.meridian,
        "{at}"
    );
    assert_eq!(
        row_of(&clients.rows, &expect.quietest_client),
        &clients.rows[0][..],
        "{at}"
    );

    let capacity = run(Insight::Capacity).await;
    let busiest = format!("superintendent at {:.0}%", expect.superintendent_load);
    assert!(
        capacity.answer.contains(&busiest),
        "{at} {}",
        capacity.answer
    );

    let anomalies = run(Insight::Anomalies).await;
    let found: BTreeSet<String> = anomalies
        .rows
        .iter()
        .filter_map(|r| r[0].as_str().map(String::from))
        .collect();
    assert_eq!(
        found,
        expect.flagged.keys().cloned().collect::<BTreeSet<_>>(),
        "{at}"
    );
    // The most unusual first: the planted change orders (pending with the CFO, a hundred times
    // their projects' usual) and the scope addition ten times its young project's are at the top.
    let mut by_severity: Vec<(&String, &f64)> = expect.flagged.iter().collect();
    by_severity.sort_by(|a, b| b.1.total_cmp(a.1));
    let first: Vec<&str> = anomalies.rows[..5]
        .iter()
        .filter_map(|r| r[0].as_str())
        .collect();
    let most: Vec<&str> = by_severity[..5].iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(first, most, "{at}");
    for planted in ["CO-1461", "CO-1462", "CO-1316"] {
        assert!(found.contains(planted), "{at}: {planted} is not flagged");
    }

    // What waits for the CFO has waited as long as it had on the data's last day, give or take
    // the days since.
    let waiting = keel
        .insight("S002", Insight::MyApprovals)
        .await
        .expect("my approvals");
    let submitted = Utc.with_ymd_and_hms(2026, 11, 17, 10, 0, 0).unwrap() + Duration::weeks(weeks);
    let days = (morning(today) - submitted).num_minutes() as f64 / 1_440.0;
    let row = waiting
        .rows
        .iter()
        .find(|r| r[0] == "CO-1461")
        .unwrap_or_else(|| panic!("{at} {:?}", waiting.rows));
    assert!((as_number(&row[5]) - days).abs() < 0.051, "{at} {row:?}");
    assert!(days < 10.0, "{at}: {days} days");
}

#[tokio::test]
async fn insights_on_the_demo_give_the_planted_results_whatever_the_day() {
    for today in DAYS {
        for db in crate::common::test_databases().await {
            check_insights_on(&db, day(today)).await;
        }
    }
}

/// CO-1461's submission and the latest week of time logged, as stored after importing the demo
/// company with its dates moved by `weeks` (0: `keel import-all`).
async fn imported_dates(db: &crate::common::TestDb, weeks: i64) -> (DateTime<Utc>, NaiveDate) {
    let keel = Keel::open(
        config_with_env(db, &config_dir(), &[]),
        Clock::manual(morning(day("2026-12-16"))),
    )
    .await
    .expect("keel opens");
    if weeks == 0 {
        keel.import_all(&demo_data()).await.expect("import-all");
    } else {
        keel.import_all_shifted(&demo_data(), weeks)
            .await
            .expect("import, moved");
    }
    let (request, _) = keel.request_with_history("CO-1461").await.expect("CO-1461");
    let latest_week = keel
        .store()
        .list_records("time_entry")
        .await
        .expect("time entries")
        .iter()
        .filter_map(|r| r.fields["week_start"].as_str().map(day))
        .max()
        .expect("a week");
    (request.submitted_at, latest_week)
}

#[tokio::test]
async fn import_all_keeps_the_files_dates_and_the_demo_moves_them_by_whole_weeks() {
    let change_orders = csv("change_orders.csv");
    let co_1461 = &change_orders
        .iter()
        .find(|c| c["change_order_id"] == "CO-1461")
        .expect("CO-1461")["submitted_at"];
    let submitted: DateTime<Utc> = co_1461.parse().expect("a timestamp");
    let last_week = csv("time_entries.csv")
        .iter()
        .map(|e| day(&e["week_start"]))
        .max()
        .expect("a week");
    for weeks in [0, 52] {
        for db in crate::common::test_databases().await {
            let (at, week) = imported_dates(&db, weeks).await;
            let label = format!("[{}] {weeks} weeks", db.label);
            assert_eq!(at, submitted + Duration::weeks(weeks), "{label}");
            assert_eq!(week, last_week + Duration::weeks(weeks), "{label}");
            assert_eq!(
                chrono::Datelike::weekday(&week),
                chrono::Weekday::Mon,
                "{label}"
            );
        }
    }
}
