//! Ask keel's answers as people read them, on SQLite and PostgreSQL: in the console, the
//! question and its answer are messages that survive a reload, the answer's table has labelled
//! columns and its chart can be fetched; "which projects will go over budget?" lists only the
//! projects that will. Expected figures are computed here from the demo's CSV files.

use crate::common::app::{TestApp, import_invoices};
use crate::common::console::{Mode, TestServer};
use crate::common::demo_csv::{csv, number};
use serde_json::Value;
use std::collections::BTreeMap;

/// `$1,234.50`, as the answers write money.
fn dollars(value: f64) -> String {
    let cents = format!("{value:.2}");
    let (whole, fraction) = cents.split_once('.').expect("two decimals");
    format!("${}.{fraction}", grouped(whole))
}

/// Invoice totals per vendor, largest first, as "Name (V001)" and the total.
fn invoice_totals_by_vendor() -> Vec<(String, f64)> {
    let names: BTreeMap<String, String> = csv("vendors.csv")
        .into_iter()
        .map(|v| (v["vendor_id"].clone(), v["name"].clone()))
        .collect();
    let mut totals: BTreeMap<String, f64> = BTreeMap::new();
    for invoice in csv("invoices.csv") {
        *totals.entry(invoice["vendor_id"].clone()).or_default() += number(&invoice["amount"]);
    }
    let mut totals: Vec<(String, f64)> = totals
        .into_iter()
        .map(|(id, total)| (format!("{} ({id})", names[&id]), total))
        .collect();
    totals.sort_by(|a, b| b.1.total_cmp(&a.1));
    totals
}

#[tokio::test]
async fn a_question_and_its_answer_stay_in_the_conversation_with_a_labelled_table_and_chart() {
    let totals = invoice_totals_by_vendor();
    for db in crate::common::test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let label = server.app.label;
        import_invoices(&server.app).await;
        let diana = server.sign_in("S016").await;
        let typed = "/ask total invoices by vendor";
        let (status, posted) = diana
            .post(
                "/console/api/messages",
                &serde_json::json!({ "conversation": "@S016", "text": typed }),
            )
            .await;
        assert!(status.is_success(), "[{label}] {posted}");
        assert_eq!(posted["messages"].as_array().map(Vec::len), Some(2));

        // After a reload: the question, then keel's answer with its table.
        let messages = diana.messages("@S016").await;
        let asked = messages
            .iter()
            .position(|m| m["text"] == typed)
            .unwrap_or_else(|| panic!("[{label}] the question is in the thread: {messages:?}"));
        assert_eq!(messages[asked]["author"]["id"], "S016", "[{label}]");
        let answer = &messages[asked + 1];
        assert_eq!(answer["author"]["id"], "keel", "[{label}]");
        let (top, top_total) = &totals[0];
        assert_eq!(
            answer["text"],
            format!(
                "{top} has the highest invoice total: {} ({} vendors shown).",
                dollars(*top_total),
                totals.len()
            ),
            "[{label}]"
        );
        let table = &answer["answer"]["table"];
        assert_eq!(
            table["columns"],
            serde_json::json!(["Vendor", "Invoice total"]),
            "[{label}]"
        );
        assert_eq!(table["numeric"], serde_json::json!([false, true]));
        let rows: Vec<(String, String)> = table["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| (r[0].as_str().unwrap().into(), r[1].as_str().unwrap().into()))
            .collect();
        let expected: Vec<(String, String)> = totals
            .iter()
            .take(15)
            .map(|(vendor, total)| (vendor.clone(), dollars(*total)))
            .collect();
        assert_eq!(rows, expected, "[{label}] largest first, money in dollars");
        let how = answer["answer"]["how"].as_str().unwrap_or_default();
        assert!(
            how.contains(&format!("Rows 1–15 of {}", totals.len())) && how.contains("How I got"),
            "[{label}] {how}"
        );

        // The chart is fetched by whoever sees the conversation, and nobody else.
        let chart = answer["answer"]["chart"].as_str().expect("a chart");
        let fetch = |cookie: String| {
            let request = diana.client.get(format!("{}{chart}", diana.base));
            async move { request.header("cookie", cookie).send().await.expect("GET") }
        };
        let png = fetch(diana.cookie.clone().unwrap()).await;
        assert_eq!(png.status(), 200, "[{label}]");
        assert_eq!(png.headers()["content-type"], "image/png", "[{label}]");
        assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));
        let morgan = server.sign_in("S001").await;
        assert!(
            !fetch(morgan.cookie.clone().unwrap())
                .await
                .status()
                .is_success(),
            "[{label}] another person's answer"
        );

        // Asked in a channel: kept in the asker's direct messages, not shown to the channel.
        let (_, posted) = diana
            .post(
                "/console/api/messages",
                &serde_json::json!({ "conversation": "#change-orders",
                    "text": "@keel how many invoices are there?" }),
            )
            .await;
        assert_eq!(posted["messages"][1]["conversation"], "@S016", "[{label}]");
        assert!(
            diana.messages("#change-orders").await.is_empty(),
            "[{label}]"
        );
        let invoices = csv("invoices.csv").len();
        let last = diana.messages("@S016").await.pop().expect("the answer");
        assert_eq!(
            last["text"],
            format!("The number of invoices is {}.", figure(invoices)),
            "[{label}]"
        );
        // A refusal is kept as well.
        let victor = server.sign_in("S052").await;
        victor
            .say("@S052", "what is Rachel Kim's approval limit?")
            .await;
        let refused = victor.messages("@S052").await.pop().expect("the refusal");
        assert!(
            refused["text"]
                .as_str()
                .unwrap_or_default()
                .contains("you may not see approval limits"),
            "[{label}] {refused}"
        );
        assert_eq!(refused["answer"], Value::Null, "[{label}]");
        server.stop().await;
    }
}

/// `1432`, as answers write counts: `1,432`.
fn figure(n: usize) -> String {
    grouped(&n.to_string())
}

/// Whole digits in groups of three.
fn grouped(digits: &str) -> String {
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

#[tokio::test]
async fn which_projects_will_go_over_budget_lists_only_those_that_will() {
    let mut spent: BTreeMap<String, f64> = BTreeMap::new();
    for invoice in csv("invoices.csv") {
        *spent.entry(invoice["project_id"].clone()).or_default() += number(&invoice["amount"]);
    }
    let mut projected = 0;
    let mut over: Vec<(String, f64)> = Vec::new();
    for project in csv("projects.csv") {
        let (budget, complete) = (
            number(&project["budget"]),
            number(&project["percent_complete"]),
        );
        let open = matches!(project["status"].as_str(), "active" | "on_hold");
        if !open || budget <= 0.0 || complete <= 0.0 {
            continue;
        }
        projected += 1;
        let id = &project["project_id"];
        let overrun = spent.get(id).copied().unwrap_or(0.0) / (complete / 100.0) - budget;
        if overrun > 0.0 {
            over.push((id.clone(), overrun));
        }
    }
    over.sort_by(|a, b| b.1.total_cmp(&a.1));
    assert!(
        !over.is_empty() && over.len() < projected,
        "the demo has both"
    );
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let label = app.label;
        import_invoices(&app).await;
        let answer = app
            .keel
            .ask("S001", "which projects will go over budget?")
            .await
            .unwrap();
        let listed: Vec<String> = answer
            .rows
            .iter()
            .map(|row| {
                let name = row[0].as_str().unwrap();
                name.rsplit_once(" (")
                    .unwrap()
                    .1
                    .trim_end_matches(')')
                    .into()
            })
            .collect();
        let expected: Vec<String> = over.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(listed, expected, "[{label}] {:?}", answer.rows);
        let verb = if over.len() == 1 { "is" } else { "are" };
        assert!(
            answer.answer.starts_with(&format!(
                "{} of {projected} projects {verb} on course to go over budget;",
                over.len()
            )),
            "[{label}] {}",
            answer.answer
        );
        assert!(
            answer.answer.contains(&dollars(over[0].1)),
            "[{label}] {}",
            answer.answer
        );
        let labels: Vec<&str> = answer.headers.iter().map(|h| h.label.as_str()).collect();
        assert_eq!(labels[0], "Project", "[{label}]");
        assert!(
            answer.row_lines().all(|line| line.contains(" | $")),
            "[{label}] money with its currency"
        );
    }
}
