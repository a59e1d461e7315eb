//! The card tells the approver what they would otherwise look up: a change order's card in the
//! console shows its project's budget burn and how the project's change orders of the last 12
//! months were decided, each value computed here from the demo company's CSV files; a field
//! worker's card of the same request leaves out the budget, which their role may not see.

use crate::common::app::{demo_data, monday_morning};
use crate::common::console::{Mode, Session, TestServer};
use crate::common::demo_csv::{csv, number};
use crate::common::test_databases;
use chrono::{DateTime, Months, Utc};
use keel::engine::lifecycle::Action;
use serde_json::Value;

const PROJECT: &str = "P001";
const PM: &str = "S016"; // manager of P001: approves change orders up to 15,000
const FIELD_WORKER: &str = "S052"; // field_staff: may not see project.budget

/// `1234.5` as `$1,234.50`, written here rather than borrowed from keel.
fn money(value: f64) -> String {
    let cents = format!("{:.2}", value.abs());
    let (whole, fraction) = cents.split_once('.').expect("two places");
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}${grouped}.{fraction}")
}

/// The budget line of P001 from projects.csv and invoices.csv.
fn expected_budget() -> String {
    let project = csv("projects.csv")
        .into_iter()
        .find(|p| p["project_id"] == PROJECT)
        .expect("P001");
    let budget = number(&project["budget"]);
    let complete = number(&project["percent_complete"]);
    let spent: f64 = csv("invoices.csv")
        .iter()
        .filter(|i| i["project_id"] == PROJECT)
        .map(|i| number(&i["amount"]))
        .sum();
    let projected = spent / (complete / 100.0);
    let course = if projected > budget {
        format!("on course to go {} over", money(projected - budget))
    } else {
        "on course to finish within it".to_string()
    };
    let percent = (spent / budget * 1000.0).round() / 10.0;
    format!(
        "{} of {} spent ({percent}%) at {complete}% complete; {course}",
        money(spent),
        money(budget)
    )
}

/// How P001's change orders submitted in the 12 months to `now` were decided, from
/// change_orders.csv.
fn expected_similar(now: DateTime<Utc>) -> String {
    let since = now - Months::new(12);
    let decided: Vec<_> = csv("change_orders.csv")
        .into_iter()
        .filter(|c| c["project_id"] == PROJECT)
        .filter(|c| {
            let at: DateTime<Utc> = c["submitted_at"].parse().expect("a timestamp");
            at >= since && at <= now
        })
        .filter(|c| c["status"] != "pending")
        .collect();
    let count = |status: &str| decided.iter().filter(|c| c["status"] == status).count();
    let mut parts = vec![format!("{} approved", count("approved"))];
    if count("auto_approved") > 0 {
        parts.push(format!("{} approved automatically", count("auto_approved")));
    }
    parts.push(format!("{} rejected", count("rejected")));
    let mut amounts: Vec<f64> = decided.iter().map(|c| number(&c["amount"])).collect();
    assert!(!amounts.is_empty(), "P001 has change orders in the window");
    amounts.sort_by(f64::total_cmp);
    let mid = amounts.len() / 2;
    let median = if amounts.len().is_multiple_of(2) {
        (amounts[mid - 1] + amounts[mid]) / 2.0
    } else {
        amounts[mid]
    };
    format!("{}; median {}", parts.join(", "), money(median))
}

/// The facts of the newest card of `request_id` in `person`'s messages, by label.
async fn facts_of(
    session: &Session,
    person: &str,
    request_id: &str,
    status: &str,
) -> Vec<(String, String)> {
    let message = session
        .wait_for_message(&format!("@{person}"), |m| {
            m["card"]["title"]
                .as_str()
                .is_some_and(|t| t.ends_with(request_id))
                && m["card"]["status"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(status))
        })
        .await;
    message["card"]["facts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let text = |k: &str| f[k].as_str().map(String::from).unwrap_or_default();
            (text("label"), text("text"))
        })
        .collect()
}

fn fact<'a>(facts: &'a [(String, String)], label: &str) -> Option<&'a str> {
    facts
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, text)| text.as_str())
}

const SIMILAR: &str = "Similar decisions (same project, last 12 months)";

#[tokio::test]
async fn a_change_order_card_shows_budget_burn_and_similar_decisions_from_the_history() {
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let app = &server.app;
        app.keel
            .import_all(&demo_data())
            .await
            .expect("the demo imports");
        let fields = [
            ("project", PROJECT),
            ("amount", "6400.00"),
            ("reason", "Rock"),
        ];
        let request = app.submit("change_order", FIELD_WORKER, &fields).await;
        let label = db.label;

        let pm = server.sign_in(PM).await;
        let facts = facts_of(&pm, PM, &request.id, "Waiting").await;
        assert_eq!(
            fact(&facts, "Budget"),
            Some(expected_budget().as_str()),
            "[{label}] {facts:?}"
        );
        let similar = expected_similar(monday_morning());
        assert_eq!(
            fact(&facts, SIMILAR),
            Some(similar.as_str()),
            "[{label}] {facts:?}"
        );
        let so_far = fact(&facts, "Change orders so far").unwrap_or_default();
        let before = csv("change_orders.csv")
            .iter()
            .filter(|c| c["project_id"] == PROJECT)
            .count();
        assert!(
            so_far.starts_with(&format!("{before} change orders before this one")),
            "[{label}] {so_far}"
        );

        app.keel
            .act(&request.id, PM, Action::Approve, None)
            .await
            .expect("the manager approves");
        // The requester hears the outcome on a card without the budget; the approver's card,
        // updated, keeps it.
        let worker = server.sign_in(FIELD_WORKER).await;
        let theirs = facts_of(&worker, FIELD_WORKER, &request.id, "Approved by").await;
        assert_eq!(fact(&theirs, "Budget"), None, "[{label}] {theirs:?}");
        assert_eq!(
            fact(&theirs, SIMILAR),
            Some(similar.as_str()),
            "[{label}] {theirs:?}"
        );
        let updated = facts_of(&pm, PM, &request.id, "Approved by").await;
        assert_eq!(
            fact(&updated, "Budget"),
            Some(expected_budget().as_str()),
            "[{label}]"
        );
        // The channel's card is read by anyone in it: no budget there either.
        let channel: Vec<Value> = pm.messages("#change-orders").await;
        let posted = channel
            .iter()
            .rev()
            .find(|m| {
                m["card"]["title"]
                    .as_str()
                    .is_some_and(|t| t.ends_with(&request.id))
            })
            .expect("the card in the channel");
        let labels: Vec<&str> = posted["card"]["facts"]
            .as_array()
            .map(|f| f.iter().filter_map(|f| f["label"].as_str()).collect())
            .unwrap_or_default();
        // Anyone reads the channel: no budget (hidden from field staff) and nothing about other
        // requests (a person sees only those they took part in).
        assert!(!labels.contains(&"Budget"), "[{label}] {labels:?}");
        assert!(!labels.contains(&SIMILAR), "[{label}] {labels:?}");
        assert!(
            !labels.iter().any(|l| l.ends_with("so far")),
            "[{label}] {labels:?}"
        );
        server.stop().await;
    }
}

/// V009's on-time line from purchase_orders.csv: delivered orders, on time when delivered on
/// or before the promised date, days late averaged over the late ones.
fn expected_reliability(vendor: &str) -> String {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok();
    let mut deliveries = 0;
    let mut late = Vec::new();
    for order in csv("purchase_orders.csv") {
        if order["vendor_id"] != vendor {
            continue;
        }
        let (Some(promised), Some(delivered)) = (
            day(&order["promised_date"]).filter(|_| !order["promised_date"].is_empty()),
            Some(&order["delivered_date"])
                .filter(|d| d.len() >= 10)
                .and_then(|d| day(d)),
        ) else {
            continue;
        };
        deliveries += 1;
        let days = (delivered - promised).num_days();
        if days > 0 {
            late.push(days as f64);
        }
    }
    let rate = ((deliveries - late.len()) as f64 / deliveries as f64 * 1000.0).round() / 10.0;
    let slip = (late.iter().sum::<f64>() / late.len() as f64 * 10.0).round() / 10.0;
    format!("{rate}% on time over {deliveries} deliveries; {slip} days late on average when late")
}

#[tokio::test]
async fn a_purchase_order_card_shows_its_vendor_s_on_time_rate_from_the_history() {
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let app = &server.app;
        app.keel
            .import_all(&demo_data())
            .await
            .expect("the demo imports");
        let fields = [
            ("vendor", "V009"),
            ("project", "P001"),
            ("amount", "4200.00"),
        ];
        let request = app.submit("purchase_order", "S016", &fields).await;
        let procurement = server.sign_in("S005").await;
        let facts = facts_of(&procurement, "S005", &request.id, "Waiting").await;
        assert_eq!(
            fact(&facts, "Vendor reliability"),
            Some(expected_reliability("V009").as_str()),
            "[{}] {facts:?}",
            db.label
        );
        server.stop().await;
    }
}
