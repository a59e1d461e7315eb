//! Questions read whole by rules of English rather than by their wording: years and quarters
//! said several ways, values named in part or in the singular, conditions on the records a
//! record refers to, a number with its unit, and everyday words around an understood question.

use super::{Context, Outcome, plan};
use crate::domain::plan::{Filter, Measure, Op, Plan, Query, Window};
use crate::domain::{Record, RecordLabels, RecordSchema};
use chrono::NaiveDate;
use serde_json::json;

struct Demo {
    config: crate::config::Config,
    schema: RecordSchema,
    labels: RecordLabels,
}

fn demo() -> Demo {
    let config = crate::config::demo();
    let schema = crate::engine::request_facts::with_requests(&config);
    let mut labels = RecordLabels::default();
    let records = |record_type: &str, field: &str, values: &[&str]| -> Vec<Record> {
        values
            .iter()
            .enumerate()
            .map(|(at, value)| Record {
                record_type: record_type.into(),
                key: format!("{record_type}{at}"),
                fields: serde_json::from_value(json!({ field: value })).expect("fields"),
                version: 1,
                updated_at: chrono::Utc::now(),
            })
            .collect()
    };
    let reasons = [
        "Storm flooding cleanup",
        "Storm flooding cleanup",
        "Storm wind repair",
        "Storm wind repair",
        "Client scope change",
        "Client scope change",
    ];
    let change_orders = records("change_order", "reason", &reasons);
    labels.insert_values(&config.schema.types["change_order"], &change_orders);
    let titles = ["Plumber", "Plumber", "Roofer", "Roofer"];
    labels.insert_values(
        &config.schema.types["staff"],
        &records("staff", "title", &titles),
    );
    Demo {
        config,
        schema,
        labels,
    }
}

fn outcome(demo: &Demo, question: &str) -> Outcome {
    let cx = Context {
        schema: &demo.schema,
        vocabulary: &demo.config.vocabulary,
        labels: &demo.labels,
        today: NaiveDate::from_ymd_opt(2026, 11, 23).expect("a day"),
        asker: "S001",
        people: "staff",
        role: "role",
        holders: &[],
    };
    plan(question, &cx)
}

fn planned(demo: &Demo, question: &str) -> Query {
    match outcome(demo, question) {
        Outcome::Planned(planned) => match &planned.parts[0].plan {
            Plan::Query(query) => query.clone(),
            Plan::Insight { .. } => panic!("{question}: an insight"),
        },
        Outcome::Declined(declined) => panic!("{question}: {}", declined.message),
    }
}

fn eq(field: &str, value: serde_json::Value) -> Filter {
    Filter {
        field: field.into(),
        op: Op::Eq,
        value,
    }
}

fn within(field: &str, window: Window) -> Filter {
    Filter {
        field: field.into(),
        op: Op::Within,
        value: serde_json::to_value(window).expect("a window"),
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a day")
}

#[test]
fn years_and_quarters_are_read_however_they_are_said() {
    let demo = demo();
    let q = planned(
        &demo,
        "change orders since the beginning of April, how many",
    );
    assert_eq!(
        q.filters,
        [within(
            "submitted_at",
            Window::Since {
                from: day(2026, 4, 1)
            }
        )]
    );
    let q = planned(&demo, "PO spend in the 2nd quarter");
    assert!(q.filters.contains(&within(
        "ordered_date",
        Window::Quarter {
            year: 2026,
            quarter: 2
        }
    )));
    let q = planned(&demo, "vendor invoices 2025 total");
    assert_eq!(
        q.filters,
        [within("issued_date", Window::Year { year: 2025 })]
    );
    let q = planned(&demo, "count the customers we have had since before 2020");
    assert_eq!(
        q.filters,
        [Filter {
            field: "client_since".into(),
            op: Op::Lt,
            value: json!("2020-01-01"),
        }]
    );
    let q = planned(&demo, "how many jobs started after 2024");
    assert_eq!(q.filters[0].op, Op::Gt);
    assert_eq!(q.filters[0].value, json!("2024-12-31"));
}

#[test]
fn a_value_is_named_in_the_singular_or_by_its_first_words() {
    let demo = demo();
    let q = planned(&demo, "average tool expense");
    assert_eq!(q.filters, [eq("category", json!("tools"))]);
    let q = planned(&demo, "how many storm flooding change orders");
    assert_eq!(q.filters, [eq("reason", json!("Storm flooding cleanup"))]);
    // "storm" alone starts two reasons: it names neither.
    assert!(matches!(
        outcome(&demo, "how many storm change orders"),
        Outcome::Declined(_)
    ));
}

#[test]
fn a_role_or_a_status_of_a_referenced_record_is_a_condition_through_it() {
    let demo = demo();
    let q = planned(&demo, "total hours our estimators put in last month");
    assert!(q.filters.contains(&eq("staff_id.role", json!("estimator"))));
    let q = planned(&demo, "what have plumbers expensed this year");
    assert!(q.filters.contains(&eq("staff_id.title", json!("Plumber"))));
    let q = planned(&demo, "invoices on completed projects, total");
    assert_eq!(q.filters, [eq("project_id.status", json!("completed"))]);
    let q = planned(
        &demo,
        "which two preferred suppliers got the most purchase order dollars",
    );
    assert!(q.filters.contains(&eq("vendor_id.preferred", json!(true))));
}

#[test]
fn a_number_with_its_unit_is_the_field_named_for_that_unit() {
    let demo = demo();
    let q = planned(&demo, "count vendors on 15 day payment terms");
    assert_eq!(q.filters, [eq("payment_terms_days", json!(15.0))]);
}

#[test]
fn everyday_words_around_an_understood_question_are_not_in_the_way() {
    let demo = demo();
    for question in [
        "how much money went on permits last month",
        "how much is sitting in open invoices",
        "how much has the crew expensed this quarter",
        "my change order submissions this year",
        "pending change orders only",
        "number of times we were in touch with clients last quarter",
        "who looks after the most accounts",
        "how many roofers do we employ",
    ] {
        assert!(
            matches!(outcome(&demo, question), Outcome::Planned(_)),
            "{question}"
        );
    }
    // "only" without a condition to stress says something the plan does not do.
    assert!(matches!(
        outcome(&demo, "only invoices"),
        Outcome::Declined(_)
    ));
    let q = planned(&demo, "only the rejected expenses, how many");
    assert_eq!(q.filters, [eq("status", json!("rejected"))]);
    assert_eq!(q.measure, Measure::Count);
}
