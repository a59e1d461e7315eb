//! Alerts through keel: a CSV import that pushes a project's invoiced spend past 90% of its
//! budget tells the alert's people once; importing the same file again tells nobody; a second
//! crossing after the project fell back tells them again; a muted alert tells nobody.

use crate::common::app::{TestApp, config_dir, copy_dir, import_invoices};
use crate::common::demo_csv::{csv, number};
use keel::domain::NotificationKind;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ALERT: &str = "project_budget_90";

/// The project pushed over: the demo's Bayview Medical Office.
const PROJECT: &str = "P001";

/// Per active or on-hold project, invoiced spend as a percentage of budget, by the CSVs, with
/// `extra` invoiced on [`PROJECT`].
fn spent_percent(extra: f64) -> BTreeMap<String, f64> {
    let mut spent: BTreeMap<String, f64> = BTreeMap::new();
    for invoice in csv("invoices.csv") {
        *spent.entry(invoice["project_id"].clone()).or_default() += number(&invoice["amount"]);
    }
    *spent.entry(PROJECT.to_string()).or_default() += extra;
    csv("projects.csv")
        .into_iter()
        .filter(|p| ["active", "on_hold"].contains(&p["status"].as_str()))
        .filter(|p| number(&p["budget"]) > 0.0)
        .map(|p| {
            let spent = spent.get(&p["project_id"]).copied().unwrap_or(0.0);
            (
                p["project_id"].clone(),
                spent / number(&p["budget"]) * 100.0,
            )
        })
        .collect()
}

/// What [`PROJECT`] still needs invoiced to reach 95% of its budget, by the CSVs.
fn push_amount() -> f64 {
    let project = csv("projects.csv")
        .into_iter()
        .find(|p| p["project_id"] == PROJECT)
        .expect("the demo's P001");
    let budget = number(&project["budget"]);
    let before = spent_percent(0.0)[PROJECT];
    (95.0 - before) / 100.0 * budget
}

/// An invoices CSV of one invoice on [`PROJECT`] for `amount`.
fn invoice_file(dir: &Path, name: &str, amount: f64) -> PathBuf {
    let order = csv("purchase_orders.csv")
        .into_iter()
        .find(|o| o["project_id"] == PROJECT)
        .expect("an order of P001");
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "invoice_id,vendor_id,project_id,po_id,amount,issued_date,due_date,paid_date,status\n\
             INV-99001,{},{PROJECT},{},{amount:.2},2026-11-20,2026-12-20,,open\n",
            order["vendor_id"], order["po_id"]
        ),
    )
    .unwrap();
    path
}

/// The alert's people by the CSVs: active staff holding its roles (digests.toml).
fn told() -> usize {
    csv("staff.csv")
        .into_iter()
        .filter(|s| ["cfo", "ops_director"].contains(&s["role"].as_str()) && s["active"] == "true")
        .count()
}

/// The budget alerts delivered so far.
async fn budget_alerts(app: &TestApp) -> Vec<String> {
    app.keel.deliver_outbox(&app.sink).await.unwrap();
    app.sink
        .delivered()
        .into_iter()
        .filter(|n| {
            n.kind == NotificationKind::Alert && n.text.starts_with(&format!("Alert {ALERT}:"))
        })
        .map(|n| {
            let card = n.card.expect("an alert has a card");
            assert!(card.buttons.is_empty() && n.request_id.is_empty());
            card.status
        })
        .collect()
}

#[tokio::test]
async fn a_project_crossing_its_budget_alert_by_import_is_told_once_per_crossing() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let label = app.label;
        let dir = tempfile::tempdir().unwrap();
        // The demo's own invoices leave every running project under 90%.
        assert!(spent_percent(0.0).values().all(|p| *p < 90.0));
        import_invoices(&app).await;
        assert!(budget_alerts(&app).await.is_empty(), "[{label}]");

        let push = push_amount();
        let after = spent_percent(push);
        let crossed: Vec<&String> = after
            .iter()
            .filter(|(_, p)| **p >= 90.0)
            .map(|(k, _)| k)
            .collect();
        assert_eq!(crossed, [PROJECT], "[{label}] only P001 is pushed over");
        let over = invoice_file(dir.path(), "over.csv", push);
        app.keel.import_file("invoice", &over).await.unwrap();
        let alerts = budget_alerts(&app).await;
        assert_eq!(
            alerts.len(),
            told(),
            "[{label}] each of the alert's people told once"
        );
        let said = format!("has spent {:.1}% of its budget", after[PROJECT]);
        assert!(
            alerts
                .iter()
                .all(|a| a.contains("(P001)") && a.contains(&said)),
            "[{label}] {alerts:?}"
        );

        // The same file again: nothing crosses, nothing is told.
        app.keel.import_file("invoice", &over).await.unwrap();
        assert_eq!(
            budget_alerts(&app).await.len(),
            told(),
            "[{label}] not told again"
        );

        // The invoice corrected down re-arms the alert (silently); over again tells again.
        let under = invoice_file(dir.path(), "under.csv", 1.0);
        app.keel.import_file("invoice", &under).await.unwrap();
        assert_eq!(
            budget_alerts(&app).await.len(),
            told(),
            "[{label}] re-arming tells nobody"
        );
        app.keel.import_file("invoice", &over).await.unwrap();
        assert_eq!(
            budget_alerts(&app).await.len(),
            2 * told(),
            "[{label}] a second crossing"
        );

        // Muted: the crossing is recorded, nothing is sent.
        app.keel.import_file("invoice", &under).await.unwrap();
        app.keel.mute_alert(ALERT, None).await.unwrap();
        app.keel.import_file("invoice", &over).await.unwrap();
        assert_eq!(
            budget_alerts(&app).await.len(),
            2 * told(),
            "[{label}] muted"
        );
        let statuses = app.keel.alert_statuses().await.unwrap();
        let status = statuses.iter().find(|s| s.rule.name == ALERT).unwrap();
        assert!(status.muted && status.crossed == 1, "[{label}] {status:?}");
        // Unmuted, the crossing already recorded is not told late; the next one is.
        assert!(app.keel.unmute_alert(ALERT).await.unwrap());
        app.keel.import_file("invoice", &over).await.unwrap();
        assert_eq!(budget_alerts(&app).await.len(), 2 * told(), "[{label}]");
        app.keel.import_file("invoice", &under).await.unwrap();
        app.keel.import_file("invoice", &over).await.unwrap();
        assert_eq!(budget_alerts(&app).await.len(), 3 * told(), "[{label}]");
    }
}

#[tokio::test]
async fn muting_an_alert_keel_does_not_have_says_which_it_has() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let refused = app.keel.mute_alert("budget", None).await.unwrap_err();
        assert!(
            refused.to_string().contains(
                "There is no alert `budget` in digests.toml. The alerts are: project_budget_90,"
            ),
            "[{}] {refused}",
            app.label
        );
    }
}

/// An alert whose rule also names a field worker and the field staff role: the budget is
/// hidden from field staff (ask.toml's `[access]`), so they are not told; its other people are.
#[tokio::test]
async fn an_alert_tells_nobody_whose_role_may_not_see_what_it_measures() {
    let field_worker = csv("staff.csv")
        .into_iter()
        .find(|s| s["role"] == "field_staff" && s["active"] == "true")
        .expect("an active field worker")["staff_id"]
        .clone();
    let config = tempfile::tempdir().unwrap();
    copy_dir(&config_dir(), config.path());
    let digests = config.path().join("digests.toml");
    let text = std::fs::read_to_string(&digests).unwrap();
    let old = "at_least = 90\nroles = [\"cfo\", \"ops_director\"]";
    assert!(
        text.contains(old),
        "digests.toml's budget alert reads {old}"
    );
    std::fs::write(
        &digests,
        text.replace(
            old,
            &format!(
                "at_least = 90\nroles = [\"cfo\", \"ops_director\", \"field_staff\"]\npeople = [\"{field_worker}\"]"
            ),
        ),
    )
    .unwrap();
    for db in crate::common::test_databases().await {
        let app = TestApp::start_with_config(&db, config.path()).await;
        let label = app.label;
        import_invoices(&app).await;
        let dir = tempfile::tempdir().unwrap();
        let over = invoice_file(dir.path(), "over.csv", push_amount());
        app.keel.import_file("invoice", &over).await.unwrap();
        app.keel.deliver_outbox(&app.sink).await.unwrap();
        let staff = csv("staff.csv");
        let role_of = |id: &str| {
            staff
                .iter()
                .find(|s| s["staff_id"] == id)
                .map(|s| s["role"].clone())
                .unwrap_or_default()
        };
        let mut roles: Vec<String> = app
            .sink
            .delivered()
            .into_iter()
            .filter(|n| {
                n.kind == NotificationKind::Alert && n.text.starts_with(&format!("Alert {ALERT}:"))
            })
            .map(|n| role_of(&n.to))
            .collect();
        roles.sort();
        roles.dedup();
        assert_eq!(
            roles,
            ["cfo", "ops_director"],
            "[{label}] told only those who may see budgets"
        );
    }
}
