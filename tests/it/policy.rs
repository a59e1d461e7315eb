//! `keel policy simulate` and `keel policy suggest` on the demo history, and the dashboard's
//! comparison endpoint; the expected numbers are computed here from the demo CSVs.

use crate::common::app::{config_dir, copy_dir, demo_data};
use crate::common::cli::{keel, keel_ok, stderr};
use crate::common::console::{Mode, TestServer};
use crate::common::demo_csv::{Row, csv, number};
use crate::common::test_databases;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A copy of the demo config in `dir` with the manager-approval threshold (the `small` rule of
/// change orders) moved from 2,500 to 5,000.
fn threshold_proposal(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    copy_dir(&config_dir(), dir);
    let path = dir.join("workflows/change_order.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let old = "when = \"request.amount <= 2500.0\"";
    assert!(text.contains(old), "the demo's small rule reads {old}");
    std::fs::write(
        &path,
        text.replace(old, "when = \"request.amount <= 5000.0\""),
    )
    .unwrap();
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Robust z of `value` against `history` (median and MAD; the mean absolute deviation when the
/// MAD is 0), as the workflow's `[anomaly]` section describes it.
fn robust_z(history: &[f64], value: f64) -> Option<f64> {
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n.is_multiple_of(2) {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        } else {
            v[n / 2]
        }
    };
    let mut values = history.to_vec();
    let middle = median(&mut values);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - middle).abs()).collect();
    let mad = median(&mut deviations);
    if mad > 0.0 {
        return Some(0.6745 * (value - middle) / mad);
    }
    let mean = deviations.iter().sum::<f64>() / deviations.len() as f64;
    (mean > 0.0).then(|| (value - middle) / (1.253314 * mean))
}

/// Change orders the demo's `[anomaly]` section flags (threshold 3.5, at least 5 earlier change
/// orders of the project, else all earlier ones), each against those submitted before it.
fn unusual_change_orders(rows: &[Row]) -> Vec<String> {
    let mut ordered: Vec<&Row> = rows.iter().collect();
    ordered.sort_by_key(|r| at(&r["submitted_at"]));
    let mut flagged = Vec::new();
    let (mut by_project, mut all): (BTreeMap<&str, Vec<f64>>, Vec<f64>) = Default::default();
    for row in ordered {
        let amount = number(&row["amount"]);
        let group = by_project.entry(row["project_id"].as_str()).or_default();
        let history = if group.len() >= 5 {
            Some(&*group)
        } else if all.len() >= 5 {
            Some(&all)
        } else {
            None
        };
        if history
            .and_then(|h| robust_z(h, amount))
            .is_some_and(|z| z.abs() > 3.5)
        {
            flagged.push(row["change_order_id"].clone());
        }
        group.push(amount);
        all.push(amount);
    }
    flagged
}

/// What moving the threshold to 5,000 changes, from the CSVs: change orders above 2,500 and up
/// to 5,000 on a project that is not completed (rule completed_project rejects those), within a
/// tenth of its budget (rule over_tenth_of_budget flags the rest, and flagged requests are never
/// auto-approved), and not unusual for their project, go from the manager to auto-approval.
fn expected_changes() -> usize {
    let projects: BTreeMap<String, Row> = csv("projects.csv")
        .into_iter()
        .map(|p| (p["project_id"].clone(), p))
        .collect();
    let rows = csv("change_orders.csv");
    let unusual = unusual_change_orders(&rows);
    rows.iter()
        .filter(|r| {
            let amount = number(&r["amount"]);
            let project = &projects[&r["project_id"]];
            amount > 2500.0
                && amount <= 5000.0
                && project["status"] != "completed"
                && amount <= number(&project["budget"]) * 0.1
                && !unusual.contains(&r["change_order_id"])
        })
        .count()
}

#[tokio::test]
async fn moving_the_manager_threshold_to_5000_changes_the_requests_the_csvs_say() {
    let expected = expected_changes();
    assert!(
        expected > 0,
        "the demo has change orders between 2,500 and 5,000"
    );
    let proposal = tempfile::tempdir().unwrap();
    threshold_proposal(proposal.path());
    for db in test_databases().await {
        let config = config_dir();
        keel_ok(&db, &config, &["import-all", demo_data().to_str().unwrap()]);
        let events = keel_ok(&db, &config, &["audit", "verify"]);
        let args = [
            "policy",
            "simulate",
            "--proposal",
            proposal.path().to_str().unwrap(),
        ];
        let json: Value =
            serde_json::from_str(&keel_ok(&db, &config, &[&args[..], &["--json"]].concat()))
                .unwrap();
        assert_eq!(json["changed"], expected, "[{}] {json:#}", db.label);
        assert_eq!(
            json["transitions"]["routed → auto_approved"], expected,
            "[{}]",
            db.label
        );
        assert_eq!(
            json["changed_workflows"],
            serde_json::json!(["change_order"])
        );
        let changes = json["changes"].as_array().unwrap();
        assert_eq!(changes.len(), expected);
        assert!(
            changes
                .iter()
                .all(|c| c["rule_after"] == "small" && c["after"] == "auto-approved")
        );
        let moved: i64 = json["approvers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["before"].as_i64().unwrap() - a["after"].as_i64().unwrap())
            .sum();
        assert_eq!(
            moved, expected as i64,
            "[{}] each change is one decision fewer",
            db.label
        );
        let text = keel_ok(&db, &config, &args);
        assert!(
            text.contains(&format!("{expected} decision(s) would change")),
            "{text}"
        );
        assert!(text.contains("What replay cannot know"), "{text}");
        assert_eq!(
            keel_ok(&db, &config, &["audit", "verify"]),
            events,
            "[{}] nothing written",
            db.label
        );
        let none = keel_ok(
            &db,
            &config,
            &[&args[..], &["--since", "2030-01-01", "--json"]].concat(),
        );
        assert_eq!(serde_json::from_str::<Value>(&none).unwrap()["requests"], 0);
    }
}

#[tokio::test]
async fn a_proposal_that_does_not_load_is_refused_with_file_and_line() {
    let proposal = tempfile::tempdir().unwrap();
    threshold_proposal(proposal.path());
    let path = proposal.path().join("workflows/change_order.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("request.amount <= 5000.0", "request.amont <= 5000.0");
    let line = 1 + text.lines().position(|l| l.contains("amont")).unwrap();
    std::fs::write(&path, text).unwrap();
    let empty = tempfile::tempdir().unwrap();
    for db in test_databases().await {
        // Refused with what to fix (exit 1), before anything is read.
        let refused = |dir: &Path, said: &str| {
            let args = ["policy", "simulate", "--proposal", dir.to_str().unwrap()];
            let output = keel(&db, &config_dir(), &args);
            assert_eq!(output.status.code(), Some(1));
            assert!(stderr(&output).contains(said), "{}", stderr(&output));
        };
        refused(proposal.path(), &format!("change_order.toml:{line}"));
        refused(proposal.path(), "nothing was compared");
        refused(empty.path(), "there is no workflows/ folder here");
    }
}

/// The approver with the largest median wait (hours from submission to decision) over the
/// change orders and purchase orders of the CSVs, among those with at least 5 decisions.
fn slowest_approver() -> String {
    let mut waits: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (file, submitted, decided) in [
        ("change_orders.csv", "submitted_at", "decided_at"),
        ("purchase_orders.csv", "requested_at", "approved_at"),
    ] {
        for row in csv(file) {
            if row["approver_id"].is_empty() || row[decided].is_empty() {
                continue;
            }
            let hours = (at(&row[decided]) - at(&row[submitted])).num_seconds() as f64 / 3600.0;
            waits
                .entry(row["approver_id"].clone())
                .or_default()
                .push(hours);
        }
    }
    waits
        .into_iter()
        .filter(|(_, w)| w.len() >= 5)
        .map(|(who, mut w)| {
            w.sort_by(f64::total_cmp);
            (w[w.len() / 2], who)
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap()
        .1
}

#[tokio::test]
async fn suggest_finds_the_slow_approver_and_a_threshold_with_its_evidence() {
    let slow = slowest_approver();
    let orders = csv("purchase_orders.csv");
    for db in test_databases().await {
        let config = config_dir();
        keel_ok(&db, &config, &["import-all", demo_data().to_str().unwrap()]);
        let json: Value =
            serde_json::from_str(&keel_ok(&db, &config, &["policy", "suggest", "--json"])).unwrap();
        let all = json.as_array().unwrap();
        let slow_ones: Vec<&Value> = all
            .iter()
            .filter(|s| s["kind"] == "slow_approver")
            .collect();
        assert!(
            slow_ones
                .iter()
                .any(|s| s["numbers"]["person"] == slow.as_str()),
            "[{}] {slow} is among the slow approvers: {slow_ones:#?}",
            db.label
        );
        let threshold = all
            .iter()
            .find(|s| s["kind"] == "auto_approve_threshold")
            .unwrap_or_else(|| panic!("[{}] a threshold in {json:#}", db.label));
        let numbers = &threshold["numbers"];
        let (approved, decided) = (
            numbers["approved"].as_u64().unwrap(),
            numbers["decided"].as_u64().unwrap(),
        );
        assert!(decided >= 20 && approved * 100 >= 95 * decided, "{numbers}");
        let evidence = threshold["evidence"].as_str().unwrap();
        assert!(
            evidence.contains(&format!("({approved} of {decided})")),
            "{evidence}"
        );
        assert!(
            evidence.contains("business hours") && evidence.contains("a month"),
            "{evidence}"
        );
        if threshold["workflow"] == "purchase_order" {
            let cut = numbers["threshold"].as_f64().unwrap();
            let at_most = orders
                .iter()
                .filter(|o| number(&o["amount"]) <= cut)
                .count() as u64;
            assert!(
                decided <= at_most,
                "{decided} decisions of at most {at_most} orders up to {cut}"
            );
        }
        let diff = threshold["diff"].as_str().unwrap_or_default();
        assert!(diff.starts_with("--- a/workflows/"), "{diff}");
        let text = keel_ok(&db, &config, &["policy", "suggest"]);
        assert!(text.contains("Nothing was changed"), "{text}");
    }
}

#[tokio::test]
async fn the_dashboard_compares_a_proposal_for_admins_only() {
    let expected = expected_changes();
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&config_dir(), dir.path());
    // A proposal folder holds only the workflows it changes (and the others, unchanged).
    let full = tempfile::tempdir().unwrap();
    threshold_proposal(full.path());
    let proposal = dir.path().join("proposals/manager_5000/workflows");
    std::fs::create_dir_all(&proposal).unwrap();
    copy_dir(&full.path().join("workflows"), &proposal);
    for db in test_databases().await {
        let server = TestServer::start_in(&db, Mode::Demo, dir.path(), &[]).await;
        server
            .app
            .keel
            .import_all(&demo_data())
            .await
            .expect("history imports");
        let admin = server.sign_in("S001").await;
        let (status, list) = admin.get("/console/api/policy/proposals").await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(list["proposals"], serde_json::json!(["manager_5000"]));
        let (status, body) = admin
            .get("/console/api/policy/proposals/manager_5000")
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["changed"], expected, "[{}]", db.label);
        assert_eq!(body["proposal"], "manager_5000");
        assert_eq!(body["changes"].as_array().unwrap().len(), expected);
        let (status, _) = admin.get("/console/api/policy/proposals/nonesuch").await;
        assert_eq!(status, 404);
        let worker = server.sign_in("S023").await;
        let (status, _) = worker.get("/console/api/policy/proposals").await;
        assert_eq!(status, 403);
        let (status, _) = worker
            .get("/console/api/policy/proposals/manager_5000")
            .await;
        assert_eq!(status, 403);
        let (status, _) = server
            .anonymous()
            .get("/console/api/policy/proposals")
            .await;
        assert_eq!(status, 401);
        server.stop().await;
    }
}
