//! Asking about the approval requests themselves (the `request` type): who approves or
//! decides the most, how long a decision takes, what waits for someone, how many went through
//! automatically, what a role rejected, on the demo company imported with its history, on
//! SQLite and PostgreSQL. Every expected answer is computed here from the CSV files. Today is
//! Monday 2026-11-23.

use crate::common::app::{TestApp, demo_data};
use crate::common::demo_csv::csv;
use chrono::{DateTime, NaiveDate, Utc};
use keel::ask::Answer;
use keel::ask::request_access::WITHHELD;
use serde_json::Value;
use std::collections::BTreeMap;

/// The demo's decided requests as (workflow, requester, approver, status, submitted, decided).
struct Past {
    workflow: &'static str,
    requester: String,
    approver: String,
    status: String,
    submitted: DateTime<Utc>,
    decided: Option<DateTime<Utc>>,
}

/// Every request the demo's history holds, as the workflows' `[history]` tables map them.
fn history(app: &TestApp) -> Vec<Past> {
    let calendar = &app.keel.config.settings.company.calendar;
    let at = |text: &str| -> Option<DateTime<Utc>> {
        if text.is_empty() {
            return None;
        }
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Some(at.with_timezone(&Utc));
        }
        // A date: the midnight that begins it in the company's time zone, as the import reads it.
        let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        let local = day.and_time(chrono::NaiveTime::MIN);
        Some(
            local
                .and_local_timezone(calendar.time_zone)
                .earliest()?
                .with_timezone(&Utc),
        )
    };
    let mut past = Vec::new();
    for row in csv("change_orders.csv") {
        past.push(Past {
            workflow: "change_order",
            requester: row["submitted_by"].clone(),
            approver: row["approver_id"].clone(),
            status: row["status"].clone(),
            submitted: at(&row["submitted_at"]).expect("submitted"),
            decided: at(&row["decided_at"]),
        });
    }
    for row in csv("expenses.csv") {
        past.push(Past {
            workflow: "expense",
            requester: row["staff_id"].clone(),
            approver: row["approver_id"].clone(),
            status: row["status"].clone(),
            submitted: at(&row["spent_on"]).expect("spent on"),
            decided: at(&row["decided_at"]),
        });
    }
    for row in csv("purchase_orders.csv") {
        past.push(Past {
            workflow: "purchase_order",
            requester: String::new(),
            approver: row["approver_id"].clone(),
            // open and delivered orders were approved (purchase_order.toml's status_map)
            status: "approved".into(),
            submitted: at(&row["requested_at"]).expect("requested"),
            decided: at(&row["approved_at"]),
        });
    }
    // A decision recorded without a time was taken when the request was submitted.
    for p in &mut past {
        if p.status != "pending" && p.decided.is_none() {
            p.decided = Some(p.submitted);
        }
    }
    past
}

fn decided_by_person(p: &Past) -> bool {
    matches!(p.status.as_str(), "approved" | "rejected")
}

fn counts<'a>(keys: impl Iterator<Item = &'a str>) -> BTreeMap<String, f64> {
    let mut counts = BTreeMap::new();
    for key in keys {
        *counts.entry(key.to_string()).or_insert(0.0) += 1.0;
    }
    counts
}

fn staff_named(name: &str) -> String {
    csv("staff.csv")
        .into_iter()
        .find(|s| s["name"] == name)
        .map(|s| s["staff_id"].clone())
        .expect("a person of that name")
}

/// Per group key (the key in "Name (S016)"), the answer's measure.
fn groups(answer: &Answer) -> BTreeMap<String, f64> {
    answer
        .rows
        .iter()
        .map(|row| {
            let group = row[0].as_str().unwrap_or_default();
            let key = group
                .rsplit_once(" (")
                .map_or(group, |(_, k)| k.trim_end_matches(')'));
            (
                key.to_string(),
                row.last().and_then(Value::as_f64).unwrap_or(f64::NAN),
            )
        })
        .collect()
}

fn value(answer: &Answer) -> f64 {
    answer.rows[0]
        .last()
        .and_then(Value::as_f64)
        .unwrap_or(f64::NAN)
}

/// A change order of 30,000 from Diana Brooks: above a project manager's limit and within
/// Rachel Kim's, the director of operations.
async fn submit_for_rachel(app: &TestApp) -> keel::domain::Request {
    let fields = [
        ("project", "P001"),
        ("amount", "30000.00"),
        ("reason", "Added steel"),
    ];
    app.submit("change_order", "S016", &fields).await
}

async fn ask(app: &TestApp, asker: &str, question: &str) -> Answer {
    app.keel
        .ask(asker, question)
        .await
        .unwrap_or_else(|e| panic!("[{}] {question}: {e}", app.label))
}

fn assert_plan_reads_requests(app: &TestApp, question: &str, answer: &Answer) {
    let plan = serde_json::to_value(&answer.plan).unwrap();
    assert_eq!(
        plan["record"], "request",
        "[{}] {question}: {plan}",
        app.label
    );
}

#[tokio::test]
async fn the_requests_history_answers_who_decides_how_long_it_takes_and_what_waits() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        app.keel.import_all(&demo_data()).await.expect("import");
        let past = history(&app);
        let morgan = "S001";

        // Who approves the most change orders: approvers ranked by their approvals.
        let question = "who approves the most change orders?";
        let answer = ask(&app, morgan, question).await;
        assert_plan_reads_requests(&app, question, &answer);
        let approvals = counts(
            past.iter()
                .filter(|p| p.workflow == "change_order" && p.status == "approved")
                .map(|p| p.approver.as_str()),
        );
        assert_eq!(groups(&answer), approvals, "[{}] {question}", app.label);
        let best = approvals.values().cloned().fold(0.0, f64::max);
        assert_eq!(
            value(&answer),
            best,
            "[{}] the first is the most",
            app.label
        );
        assert!(
            answer.answer.contains("Diana Brooks"),
            "[{}] {}",
            app.label,
            answer.answer
        );

        // Average days to approve an expense: from submission to a person's approval.
        let question = "average days to approve an expense";
        let answer = ask(&app, morgan, question).await;
        assert_plan_reads_requests(&app, question, &answer);
        let days: Vec<f64> = past
            .iter()
            .filter(|p| p.workflow == "expense" && p.status == "approved")
            .map(|p| (p.decided.unwrap() - p.submitted).num_seconds() as f64 / 86_400.0)
            .collect();
        let expected = days.iter().sum::<f64>() / days.len() as f64;
        assert!(
            (value(&answer) - expected).abs() < 1e-6,
            "[{}] {question}: {} against {expected}",
            app.label,
            value(&answer)
        );
        assert!(
            answer.answer.contains("days"),
            "[{}] {}",
            app.label,
            answer.answer
        );

        // What is waiting for Rachel Kim: the imported pending requests she must decide,
        // and a change order submitted now that her authority covers.
        let rachel = staff_named("Rachel Kim");
        let submitted = submit_for_rachel(&app).await;
        assert_eq!(
            TestApp::waiting_for(&submitted),
            std::slice::from_ref(&rachel),
            "[{}]",
            app.label
        );
        let question = "what is waiting for Rachel Kim?";
        let answer = ask(&app, morgan, question).await;
        assert_plan_reads_requests(&app, question, &answer);
        let imported = past
            .iter()
            .filter(|p| p.status == "pending" && p.approver == rachel)
            .count();
        assert_eq!(
            answer.rows.len(),
            imported + 1,
            "[{}] {question}",
            app.label
        );
        assert!(
            answer
                .rows
                .iter()
                .any(|row| row[0].as_str() == Some(submitted.id.as_str())),
            "[{}] {:?}",
            app.label,
            answer.rows
        );
        // She is asked to decide; the requester is not.
        let answer = ask(&app, "S016", "my pending approvals").await;
        assert!(answer.rows.is_empty(), "[{}] {:?}", app.label, answer.rows);
        let answer = ask(&app, &rachel, "my pending approvals").await;
        assert_eq!(answer.rows.len(), imported + 1, "[{}]", app.label);
        // Once she approves, it is hers among the decided, with its decision time.
        app.keel
            .act(
                &submitted.id,
                &rachel,
                keel::engine::lifecycle::Action::Approve,
                None,
            )
            .await
            .expect("approve");
        let answer = ask(&app, morgan, question).await;
        assert_eq!(answer.rows.len(), imported, "[{}] decided", app.label);
    }
}

#[tokio::test]
async fn automatic_decisions_roles_and_the_decider_apart_from_the_requester() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        app.keel.import_all(&demo_data()).await.expect("import");
        let past = history(&app);
        let morgan = "S001";
        let this_year = |p: &Past| {
            p.decided
                .is_some_and(|d| d.format("%Y").to_string() == "2026")
        };

        for question in [
            "how many were auto-approved this year?",
            "how many requests went through automatically this year",
        ] {
            let answer = ask(&app, morgan, question).await;
            assert_plan_reads_requests(&app, question, &answer);
            let expected = past
                .iter()
                .filter(|p| p.status == "auto_approved" && this_year(p))
                .count();
            assert_eq!(
                value(&answer),
                expected as f64,
                "[{}] {question}",
                app.label
            );
        }

        // A role is whoever holds it.
        let cfos: Vec<String> = csv("staff.csv")
            .into_iter()
            .filter(|s| s["role"] == "cfo")
            .map(|s| s["staff_id"].clone())
            .collect();
        let rejected_by_cfo = past
            .iter()
            .filter(|p| p.status == "rejected" && cfos.contains(&p.approver))
            .count();
        let answer = ask(&app, morgan, "how many requests did the CFO reject?").await;
        assert_eq!(value(&answer), rejected_by_cfo as f64, "[{}]", app.label);
        let answer = ask(&app, morgan, "requests rejected by the CFO").await;
        assert_eq!(answer.rows.len(), rejected_by_cfo, "[{}]", app.label);

        // Who decided is not who asked.
        let question = "who decided the most expenses?";
        let answer = ask(&app, morgan, question).await;
        let decisions = counts(
            past.iter()
                .filter(|p| p.workflow == "expense" && decided_by_person(p))
                .map(|p| p.approver.as_str()),
        );
        assert_eq!(groups(&answer), decisions, "[{}] {question}", app.label);
        let diana = staff_named("Diana Brooks");
        let answer = ask(&app, morgan, "how many requests did Diana Brooks decide?").await;
        let decided = past
            .iter()
            .filter(|p| decided_by_person(p) && p.approver == diana)
            .count();
        assert_eq!(value(&answer), decided as f64, "[{}] decided", app.label);
        let answer = ask(&app, morgan, "how many requests did Diana Brooks submit?").await;
        let asked = past.iter().filter(|p| p.requester == diana).count();
        assert_eq!(value(&answer), asked as f64, "[{}] submitted", app.label);
        assert_ne!(asked, decided, "the test tells the two apart");
    }
}

#[tokio::test]
async fn a_field_worker_sees_only_their_requests_and_is_told_others_were_left_out() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        app.keel.import_all(&demo_data()).await.expect("import");
        let past = history(&app);
        let victor = staff_named("Victor Quint");
        let question = "how many requests were approved?";
        let answer = ask(&app, &victor, question).await;
        let own = past
            .iter()
            .filter(|p| p.status == "approved" && (p.requester == victor || p.approver == victor))
            .count();
        assert_eq!(value(&answer), own as f64, "[{}] {question}", app.label);
        assert!(
            answer.answer.ends_with(WITHHELD),
            "[{}] {}",
            app.label,
            answer.answer
        );
        // Nothing waits for Rachel Kim that he may see, and he is told so.
        let answer = ask(&app, &victor, "what is waiting for Rachel Kim?").await;
        assert!(answer.rows.is_empty(), "[{}]", app.label);
        // The CEO sees every request, with nothing left out.
        let answer = ask(&app, "S001", question).await;
        let all = past.iter().filter(|p| p.status == "approved").count();
        assert_eq!(value(&answer), all as f64, "[{}] {question}", app.label);
        assert!(!answer.answer.contains(WITHHELD), "[{}]", app.label);
    }
}

#[tokio::test]
async fn the_requests_table_is_built_again_from_the_requests_and_their_audit_trail() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        app.keel.import_all(&demo_data()).await.expect("import");
        let past = history(&app);
        let rachel = staff_named("Rachel Kim");
        let submitted = submit_for_rachel(&app).await;
        let reject = keel::engine::lifecycle::Action::Reject {
            reason: "Not in the contract".into(),
        };
        app.keel
            .act(&submitted.id, &rachel, reject, None)
            .await
            .expect("reject");
        let question = "how many requests did Rachel Kim reject?";
        let expected = past
            .iter()
            .filter(|p| p.status == "rejected" && p.approver == rachel)
            .count()
            + 1;
        let answer = ask(&app, "S001", question).await;
        assert_eq!(value(&answer), expected as f64, "[{}] kept", app.label);
        // As after an upgrade: the table is gone, and keel builds it when it opens.
        db.execute("drop table facts_request").await;
        db.execute("delete from fact_tables where record_type = 'request'")
            .await;
        let reopened = TestApp::start(&db).await;
        let answer = ask(&reopened, "S001", question).await;
        assert_eq!(value(&answer), expected as f64, "[{}] rebuilt", app.label);
    }
}
