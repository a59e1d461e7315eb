//! Ask keel answers the question that was asked, or says plainly what it did not understand:
//! several wordings of each kind of question, with the answers computed here from the demo
//! company's CSV files, on SQLite and PostgreSQL. Today is Monday 2026-11-23.

use crate::common::app::{TestApp, demo_data};
use crate::common::demo_csv::{Row, csv, number, within};
use keel::ask::Answer;
use serde_json::Value;
use std::collections::BTreeMap;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.005 + 1e-9 * b.abs()
}

fn as_number(value: &Value) -> f64 {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(f64::NAN)
}

/// The key in a cell shown as "Name (KEY)", or the cell itself.
fn key_of(cell: &Value) -> String {
    let text = cell.as_str().unwrap_or_default();
    text.rsplit_once(" (")
        .map(|(_, key)| key.trim_end_matches(')').to_string())
        .unwrap_or_else(|| text.to_string())
}

/// Per group (the first column's key): the numbers of the other columns.
fn table(answer: &Answer) -> BTreeMap<String, Vec<f64>> {
    answer
        .rows
        .iter()
        .map(|row| (key_of(&row[0]), row[1..].iter().map(as_number).collect()))
        .collect()
}

/// Sums `field` (or counts, with `None`) per value of `by` over the rows `keep` lets through.
fn per(
    rows: &[Row],
    keep: impl Fn(&Row) -> bool,
    by: impl Fn(&Row) -> String,
    field: Option<&str>,
) -> BTreeMap<String, f64> {
    let mut groups = BTreeMap::new();
    for row in rows.iter().filter(|r| keep(r)) {
        *groups.entry(by(row)).or_insert(0.0) += field.map_or(1.0, |f| number(&row[f]));
    }
    groups
}

fn total(rows: &[Row], keep: impl Fn(&Row) -> bool, field: Option<&str>) -> f64 {
    per(rows, keep, |_| String::new(), field).values().sum()
}

/// The demo company with its history imported.
async fn demo(db: &crate::common::TestDb) -> TestApp {
    let app = TestApp::start(db).await;
    for (record_type, file) in [
        ("purchase_order", "purchase_orders.csv"),
        ("invoice", "invoices.csv"),
        ("change_order", "change_orders.csv"),
        ("expense", "expenses.csv"),
        ("time_entry", "time_entries.csv"),
    ] {
        app.keel
            .import_file(record_type, &demo_data().join(file))
            .await
            .expect("import");
    }
    app
}

const MORGAN: &str = "S001";

async fn ask(app: &TestApp, question: &str) -> Answer {
    app.keel
        .ask(MORGAN, question)
        .await
        .unwrap_or_else(|e| panic!("[{}] {question}: {e}", app.label))
}

/// Asks `question`, which must be answered (not declined).
async fn answered(app: &TestApp, question: &str) -> Answer {
    let answer = ask(app, question).await;
    assert!(
        !answer.declined,
        "[{}] {question} was declined: {}",
        app.label, answer.answer
    );
    answer
}

/// The one number of an ungrouped answer's last column.
fn value(answer: &Answer) -> f64 {
    assert_eq!(answer.rows.len(), 1, "{answer:?}");
    answer.rows[0].last().map(as_number).unwrap_or(f64::NAN)
}

#[tokio::test]
async fn questions_the_records_cannot_answer_are_declined_with_what_they_can() {
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        let label = app.label;
        for question in [
            "which projects are behind schedule?",
            "Are any of our jobs behind schedule?",
            "list projects that are running behind schedule",
        ] {
            let answer = ask(&app, question).await;
            assert!(answer.declined, "[{label}] {question}: {answer:?}");
            assert!(answer.rows.is_empty() && answer.plan.is_none(), "[{label}]");
            assert!(
                answer.not_understood.iter().any(|w| w.contains("schedule")),
                "[{label}] {question}: {:?}",
                answer.not_understood
            );
            assert!(
                answer.understood.iter().any(|w| w == "projects"),
                "[{label}] {:?}",
                answer.understood
            );
            let suggestions = answer.suggestions.join(" | ");
            assert!(
                suggestions.contains("planned end") && suggestions.contains("percent complete"),
                "[{label}] {question}: {suggestions}"
            );
            assert!(answer.answer.contains("behind schedule"), "[{label}]");
            // Each suggestion is a question keel answers.
            for suggestion in &answer.suggestions {
                answered(&app, suggestion).await;
            }
        }
        // Words left over from an otherwise understood question are reported, and the
        // question without them is the first suggestion.
        for (question, left) in [
            ("total amount of invoices by vendor that slipped", "slipped"),
            (
                "how many change orders were contentious last year",
                "contentious",
            ),
            (
                "average expense amount for the offsite retreat",
                "offsite retreat",
            ),
        ] {
            let answer = ask(&app, question).await;
            assert!(answer.declined, "[{label}] {question}: {}", answer.answer);
            assert_eq!(answer.not_understood, [left], "[{label}] {question}");
            assert!(
                answer.answer.contains(&format!("\"{left}\"")),
                "[{label}] {}",
                answer.answer
            );
            assert!(!answer.suggestions.is_empty(), "[{label}] {question}");
        }
        let answer = ask(&app, "total amount of invoices by vendor that slipped").await;
        assert_eq!(
            answer.suggestions[0], "total amount of invoices by vendor",
            "[{label}]"
        );
    }
}

#[tokio::test]
async fn spend_on_an_approval_workflow_is_the_approved_with_every_status_beside_it() {
    let cos = csv("change_orders.csv");
    let expenses = csv("expenses.csv");
    let q3 = |r: &Row| within(&r["submitted_at"], "2026-07-01", "2026-09-30");
    let approved = |r: &Row| matches!(r["status"].as_str(), "approved" | "auto_approved");
    let co_approved = total(&cos, |r| q3(r) && approved(r), Some("amount"));
    let co_all = total(&cos, q3, Some("amount"));
    assert!(co_approved < co_all, "the demo has rejected change orders");
    let this_year = |r: &Row| within(&r["spent_on"], "2026-01-01", "2026-12-31");
    let travel_approved = total(
        &expenses,
        |r| this_year(r) && r["category"] == "travel" && approved(r),
        Some("amount"),
    );
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        let label = app.label;
        for question in [
            "how much did we spend on change orders last quarter?",
            "what did change orders cost us last quarter",
            "change order spend last quarter",
        ] {
            let answer = answered(&app, question).await;
            let numbers = &answer.rows[0];
            assert_eq!(numbers.len(), 2, "[{label}] {question}: {answer:?}");
            assert!(
                close(as_number(&numbers[0]), co_approved),
                "[{label}] {question}: {numbers:?}, approved {co_approved}"
            );
            assert!(close(as_number(&numbers[1]), co_all), "[{label}]");
            assert!(
                answer.columns[0].contains("approved") && answer.how.contains("\"Spend\""),
                "[{label}] {:?} {}",
                answer.columns,
                answer.how
            );
        }
        let answer = answered(&app, "how much did we spend on travel this year").await;
        assert!(
            close(as_number(&answer.rows[0][0]), travel_approved),
            "[{label}]"
        );
        // Asked for a status, the status is what is counted, alone.
        let answer = answered(
            &app,
            "how much did rejected change orders cost last quarter",
        )
        .await;
        let rejected = total(&cos, |r| q3(r) && r["status"] == "rejected", Some("amount"));
        assert!(close(value(&answer), rejected), "[{label}] {answer:?}");
    }
}

#[tokio::test]
async fn a_named_field_is_summed_per_group() {
    let hours = csv("time_entries.csv");
    let october = |r: &Row| within(&r["week_start"], "2026-10-01", "2026-10-31");
    let per_person = per(&hours, october, |r| r["staff_id"].clone(), Some("hours"));
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        for question in [
            "hours logged per person last month",
            "how many hours did each person log last month?",
            "total hours per employee last month",
        ] {
            let answer = answered(&app, question).await;
            let got: BTreeMap<String, f64> =
                table(&answer).into_iter().map(|(k, v)| (k, v[0])).collect();
            assert_eq!(got.len(), per_person.len(), "[{}] {question}", app.label);
            for (person, sum) in &per_person {
                assert!(
                    got.get(person).is_some_and(|g| close(*g, *sum)),
                    "[{}] {question}: {person} {:?} expected {sum}",
                    app.label,
                    got.get(person)
                );
            }
        }
    }
}

#[tokio::test]
async fn top_n_gives_n_rows_ordered_by_the_measure() {
    let invoices = csv("invoices.csv");
    let projects = csv("projects.csv");
    let this_year = |r: &Row| within(&r["issued_date"], "2026-01-01", "2026-12-31");
    let mut vendors: Vec<(String, f64)> = per(
        &invoices,
        this_year,
        |r| r["vendor_id"].clone(),
        Some("amount"),
    )
    .into_iter()
    .collect();
    vendors.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut amounts: Vec<f64> = invoices.iter().map(|r| number(&r["amount"])).collect();
    amounts.sort_by(|a, b| b.total_cmp(a));
    let mut budgets: Vec<f64> = projects.iter().map(|r| number(&r["budget"])).collect();
    budgets.sort_by(|a, b| b.total_cmp(a));
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        let label = app.label;
        for question in [
            "top 3 vendors by invoice amount this year",
            "which 3 vendors did we spend the most with this year?",
            "top three vendors by spend this year",
        ] {
            let answer = answered(&app, question).await;
            let got: Vec<(String, f64)> = answer
                .rows
                .iter()
                .map(|r| (key_of(&r[0]), as_number(&r[1])))
                .collect();
            assert_eq!(got.len(), 3, "[{label}] {question}: {got:?}");
            for ((key, sum), (want_key, want)) in got.iter().zip(&vendors) {
                assert!(
                    key == want_key && close(*sum, *want),
                    "[{label}] {question}: {got:?}"
                );
            }
        }
        for (question, want) in [
            ("the 5 largest invoices", &amounts[..5]),
            ("top five projects by budget", &budgets[..5]),
        ] {
            let answer = answered(&app, question).await;
            let got: Vec<f64> = answer
                .rows
                .iter()
                .map(|r| as_number(r.last().unwrap()))
                .collect();
            assert_eq!(got.len(), want.len(), "[{label}] {question}");
            assert!(
                got.iter().zip(want).all(|(g, w)| close(*g, *w)),
                "[{label}] {question}: {got:?} {want:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_question_asking_for_a_count_and_a_total_gets_both() {
    let invoices = csv("invoices.csv");
    let count = invoices.len() as f64;
    let sum = total(&invoices, |_| true, Some("amount"));
    let counts = per(&invoices, |_| true, |r| r["vendor_id"].clone(), None);
    let sums = per(
        &invoices,
        |_| true,
        |r| r["vendor_id"].clone(),
        Some("amount"),
    );
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        let label = app.label;
        for question in [
            "how many invoices are there and how much do they add up to?",
            "number and total value of invoices",
        ] {
            let answer = answered(&app, question).await;
            let row: Vec<f64> = answer.rows[0].iter().map(as_number).collect();
            assert!(
                row.len() == 2 && close(row[0], count) && close(row[1], sum),
                "[{label}] {question}: {row:?}"
            );
        }
        for question in [
            "count and total of invoices per vendor",
            "how many invoices and how much per vendor",
        ] {
            let answer = answered(&app, question).await;
            let got = table(&answer);
            assert_eq!(got.len(), counts.len(), "[{label}] {question}");
            for (vendor, numbers) in got {
                assert!(
                    close(numbers[0], counts[&vendor]) && close(numbers[1], sums[&vendor]),
                    "[{label}] {question}: {vendor} {numbers:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn statuses_are_read_in_their_other_wordings() {
    let cos = csv("change_orders.csv");
    let expenses = csv("expenses.csv");
    let invoices = csv("invoices.csv");
    let auto = total(&cos, |r| r["status"] == "auto_approved", None);
    let turned_down = total(&expenses, |r| r["status"] == "rejected", None);
    let owed = total(
        &invoices,
        |r| matches!(r["status"].as_str(), "open" | "overdue"),
        Some("amount"),
    );
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        let label = app.label;
        for (question, want) in [
            ("how many change orders were auto-approved?", auto),
            ("how many change orders were auto approved", auto),
            ("number of change orders approved automatically", auto),
            ("how many change orders went through automatically?", auto),
            ("how many autoapproved change orders", auto),
            ("how many expenses were turned down?", turned_down),
            ("count of declined expenses", turned_down),
            ("how much do we still owe on invoices?", owed),
            ("total of unpaid invoices", owed),
            ("outstanding invoice amount", owed),
        ] {
            let answer = answered(&app, question).await;
            assert!(
                close(value(&answer), want),
                "[{label}] {question}: {} expected {want}",
                value(&answer)
            );
        }
    }
}

#[tokio::test]
async fn a_range_of_months_is_read_in_the_latest_year_it_has_begun() {
    let invoices = csv("invoices.csv");
    let between = |from: &'static str, to: &'static str| {
        total(&invoices, |r| within(&r["issued_date"], from, to), None)
    };
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        for (question, want) in [
            (
                "how many invoices from March to May?",
                between("2026-03-01", "2026-05-31"),
            ),
            (
                "number of invoices Jan–Mar",
                between("2026-01-01", "2026-03-31"),
            ),
            (
                "how many invoices between June and August 2025",
                between("2025-06-01", "2025-08-31"),
            ),
            (
                "how many invoices from November to January",
                between("2025-11-01", "2026-01-31"),
            ),
        ] {
            let answer = answered(&app, question).await;
            assert!(
                close(value(&answer), want),
                "[{}] {question}: {} expected {want}",
                app.label,
                value(&answer)
            );
        }
    }
}

#[tokio::test]
async fn a_role_one_person_holds_names_that_person() {
    let staff = csv("staff.csv");
    let cos = csv("change_orders.csv");
    let cfo = staff.iter().find(|s| s["role"] == "cfo").expect("a CFO")["staff_id"].clone();
    let approved_by_cfo = total(&cos, |r| r["approver_id"] == cfo, None);
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        for question in [
            "how many change orders did the CFO approve?",
            "number of change orders approved by our chief financial officer",
        ] {
            let answer = answered(&app, question).await;
            assert!(
                close(value(&answer), approved_by_cfo),
                "[{}] {question}: {answer:?}",
                app.label
            );
        }
    }
}

#[tokio::test]
async fn grouping_by_a_field_of_a_referenced_record_groups_by_that_field() {
    let cos = csv("change_orders.csv");
    let invoices = csv("invoices.csv");
    let projects = csv("projects.csv");
    let vendors = csv("vendors.csv");
    let clients = csv("clients.csv");
    let field_of = |rows: &[Row], key: &str, field: &str| -> BTreeMap<String, String> {
        rows.iter()
            .map(|r| (r[key].clone(), r[field].clone()))
            .collect()
    };
    let manager = field_of(&projects, "project_id", "manager_id");
    let category = field_of(&vendors, "vendor_id", "category");
    let industry = field_of(&clients, "client_id", "industry");
    let by_manager = per(&cos, |_| true, |r| manager[&r["project_id"]].clone(), None);
    let by_category = per(
        &invoices,
        |_| true,
        |r| category[&r["vendor_id"]].clone(),
        Some("amount"),
    );
    let by_industry = per(
        &projects,
        |_| true,
        |r| industry[&r["client_id"]].clone(),
        None,
    );
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        for (question, want) in [
            ("change orders by project manager", &by_manager),
            ("how many change orders per project manager?", &by_manager),
            ("total invoice amount by vendor category", &by_category),
            ("invoice spend per vendor category", &by_category),
            ("number of projects per client industry", &by_industry),
        ] {
            let answer = answered(&app, question).await;
            let got: BTreeMap<String, f64> =
                table(&answer).into_iter().map(|(k, v)| (k, v[0])).collect();
            assert_eq!(got.len(), want.len(), "[{}] {question}: {got:?}", app.label);
            for (group, n) in want {
                assert!(
                    got.get(group).is_some_and(|g| close(*g, *n)),
                    "[{}] {question}: {group} {:?} expected {n}",
                    app.label,
                    got.get(group)
                );
            }
        }
    }
}

#[tokio::test]
async fn the_console_offers_a_declined_questions_suggestions_as_buttons() {
    use crate::common::console::{Mode, TestServer};
    for db in crate::common::test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let label = server.app.label;
        let morgan = server.sign_in(MORGAN).await;
        let effects = morgan
            .say("@S001", "/ask which projects are behind schedule?")
            .await;
        let reply = effects[0]["text"].as_str().unwrap_or_default();
        assert!(reply.contains("did not understand"), "[{label}] {reply}");
        assert!(!reply.contains("How I got this"), "[{label}] {reply}");
        let suggestions = effects
            .iter()
            .find(|e| e["type"] == "suggestions")
            .unwrap_or_else(|| panic!("[{label}] no suggestions in {effects:?}"));
        let first = suggestions["questions"][0].as_str().unwrap().to_string();
        // A button asks its question as /ask does.
        let effects = morgan.say("@S001", &format!("/ask {first}")).await;
        assert_eq!(effects[0]["type"], "answer", "[{label}] {effects:?}");
        let how = effects[0]["how"].as_str().unwrap_or_default();
        assert!(how.contains("How I got this"), "[{label}] {how}");
        server.stop().await;
    }
}

#[tokio::test]
async fn filler_words_paraphrases_and_misspellings_are_read_as_meant() {
    let invoices = csv("invoices.csv");
    let expenses = csv("expenses.csv");
    let overdue = total(&invoices, |r| r["status"] == "overdue", None);
    let rejected = total(&expenses, |r| r["status"] == "rejected", None);
    for db in crate::common::test_databases().await {
        let app = demo(&db).await;
        for (question, want, read) in [
            ("count overdue invoices pls", overdue, None),
            (
                "How many invoices are overdue at the moment?",
                overdue,
                None,
            ),
            (
                "how many invoices we've received are overdue",
                overdue,
                None,
            ),
            (
                "how many invoices are ovedue",
                overdue,
                Some("I read 'ovedue' as 'overdue'."),
            ),
            (
                "how many expenses were rejectd",
                rejected,
                Some("I read 'rejectd' as 'rejected'."),
            ),
        ] {
            let answer = answered(&app, question).await;
            assert!(
                close(value(&answer), want),
                "[{}] {question}: {answer:?}",
                app.label
            );
            if let Some(read) = read {
                assert!(
                    answer.how.contains(read),
                    "[{}] {question}: {}",
                    app.label,
                    answer.how
                );
            }
        }
    }
}
