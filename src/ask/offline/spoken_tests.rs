//! The words people use for names, values and roles, read into plans: a record by the leading
//! words of its name, a status as people say it, a value of an open-list field, a role or title
//! as a kind of person.

use super::{Context, Outcome, plan};
use crate::domain::plan::{Filter, Measure, Op, Plan, Query};
use crate::domain::{Record, RecordLabels, RecordSchema};
use serde_json::json;

struct Demo {
    config: crate::config::Config,
    schema: RecordSchema,
    labels: RecordLabels,
}

fn record(record_type: &str, key: &str, fields: serde_json::Value) -> Record {
    Record {
        record_type: record_type.into(),
        key: key.into(),
        fields: serde_json::from_value(fields).expect("fields"),
        version: 1,
        updated_at: chrono::Utc::now(),
    }
}

fn demo() -> Demo {
    let config = crate::config::demo();
    let schema = crate::engine::request_facts::with_requests(&config);
    let mut labels = RecordLabels::default();
    for (key, name) in [
        ("P001", "Bayview Medical Office"),
        ("P029", "Bayview Dental Clinic Fit-out"),
        ("P017", "Northgate Medical Office"),
    ] {
        labels.insert("project", key.into(), name.into());
    }
    let clients: Vec<Record> = [
        "healthcare",
        "healthcare",
        "healthcare",
        "retail",
        "retail",
        "real estate",
    ]
    .iter()
    .enumerate()
    .map(|(at, industry)| {
        let key = format!("C00{at}");
        labels.insert("client", key.clone(), format!("Client {at}"));
        record("client", &key, json!({ "name": key, "industry": industry }))
    })
    .collect();
    labels.insert_values(&config.schema.types["client"], &clients);
    let staff: Vec<Record> = ["Electrician", "Electrician", "Carpenter", "Carpenter"]
        .iter()
        .enumerate()
        .map(|(at, title)| record("staff", &format!("S{at}"), json!({ "title": title })))
        .collect();
    labels.insert_values(&config.schema.types["staff"], &staff);
    Demo {
        config,
        schema,
        labels,
    }
}

fn planned(demo: &Demo, question: &str) -> Option<Query> {
    let cx = Context {
        schema: &demo.schema,
        vocabulary: &demo.config.vocabulary,
        labels: &demo.labels,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a day"),
        asker: "S001",
        people: "staff",
        role: "role",
        holders: &[],
    };
    match plan(question, &cx) {
        Outcome::Planned(planned) => match &planned.parts[0].plan {
            Plan::Query(query) => Some(query.clone()),
            Plan::Insight { .. } => None,
        },
        Outcome::Declined(_) => None,
    }
}

fn filter(field: &str, value: serde_json::Value) -> Filter {
    Filter {
        field: field.into(),
        op: Op::Eq,
        value,
    }
}

#[test]
fn a_role_or_title_counts_the_people_who_hold_it_without_a_type_named() {
    let demo = demo();
    let cases = [
        (
            "how many superintendents do we have?",
            "role",
            "superintendent",
        ),
        ("number of superintendents", "role", "superintendent"),
        ("count the supers", "role", "superintendent"),
        (
            "how many project managers are there",
            "role",
            "project_manager",
        ),
        ("how many PMs do we have", "role", "project_manager"),
        ("how many electricians do we have", "title", "Electrician"),
        ("count our carpenters", "title", "Carpenter"),
    ];
    for (question, field, value) in cases {
        let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
        assert_eq!(query.record, "staff", "{question}");
        assert_eq!(query.filters, [filter(field, json!(value))], "{question}");
        assert_eq!(query.measure, Measure::Count, "{question}");
    }
}

#[test]
fn a_role_with_money_asked_is_not_a_question_about_the_people() {
    let demo = demo();
    for question in ["how much did superintendents spend", "total cost of supers"] {
        assert!(
            planned(&demo, question).is_none_or(|q| q.record != "staff"),
            "{question}"
        );
    }
}

#[test]
fn statuses_are_read_as_people_say_them() {
    let demo = demo();
    let cases = [
        ("number of live projects", "active"),
        ("how many projects are we currently running", "active"),
        ("how many current projects", "active"),
        ("how many jobs are in progress right now", "active"),
        ("how many jobs are done", "completed"),
        ("count closed projects", "completed"),
        ("how many projects are paused", "on_hold"),
        ("how many projects are on hold", "on_hold"),
    ];
    for (question, status) in cases {
        let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
        assert_eq!(query.record, "project", "{question}");
        assert_eq!(
            query.filters,
            [filter("status", json!(status))],
            "{question}"
        );
        assert_eq!(query.measure, Measure::Count, "{question}");
    }
    let query = planned(&demo, "how many purchase orders are outstanding").expect("planned");
    assert_eq!(query.filters, [filter("status", json!("open"))]);
}

#[test]
fn a_value_of_an_open_list_field_narrows_its_records() {
    let demo = demo();
    for question in [
        "Which clients are in healthcare?",
        "list our healthcare clients",
        "healthcare industry clients",
        "how many healthcare clients do we have",
    ] {
        let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
        assert_eq!(query.record, "client", "{question}");
        assert_eq!(query.filters, [filter("industry", json!("healthcare"))]);
    }
    let query = planned(&demo, "clients in real estate or retail").expect("planned");
    assert_eq!(query.filters[0].op, Op::In);
}

#[test]
fn leading_words_of_one_name_name_that_record() {
    let demo = demo();
    for question in [
        "how much have we ordered for the Bayview Medical project",
        "total purchase orders for bayview medical",
        "PO total on Bayview Medical Office",
    ] {
        let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
        assert_eq!(query.record, "purchase_order", "{question}");
        assert_eq!(query.filters, [filter("project_id", json!("P001"))]);
    }
    // Bayview leads two names: which one is not guessed.
    assert!(planned(&demo, "PO total on Bayview").is_none());
    assert!(planned(&demo, "PO total on Medical Office").is_none());
}

#[test]
fn the_most_common_value_of_a_field_groups_by_it_and_ranks_by_count() {
    let demo = demo();
    for (question, descending) in [
        ("the most common category among expenses", true),
        (
            "which category of expense claims is the most frequent",
            true,
        ),
        ("least common category of expenses", false),
    ] {
        let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}: declined"));
        assert_eq!(query.group_by, vec!["category".to_string()], "{question}");
        assert_eq!(query.measure, Measure::Count, "{question}");
        assert_eq!(query.limit, Some(1), "{question}");
        assert_eq!(
            query.order.as_ref().map(|o| o.descending),
            Some(descending),
            "{question}"
        );
    }
}

#[test]
fn a_ranking_of_groups_leaves_out_records_with_no_value_in_the_group() {
    let demo = demo();
    let is_set = |field: &str| Filter {
        field: field.into(),
        op: Op::IsNotEmpty,
        value: json!(null),
    };
    for (question, field) in [
        ("which vendor has the most change orders", "vendor_id"),
        ("who signs off on the most purchase orders", "approver_id"),
    ] {
        let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
        assert_eq!(query.group_by, [field], "{question}");
        assert!(query.filters.contains(&is_set(field)), "{question}");
    }
    // A breakdown that ranks nothing keeps the records with no value as a group of their own.
    let query = planned(&demo, "change orders by vendor").expect("planned");
    assert!(query.filters.is_empty());
}

#[test]
fn a_status_is_read_from_its_verb_after_did_or_do() {
    let demo = demo();
    for (question, record, status) in [
        (
            "how many expenses did we reject in 2025",
            "expense",
            "rejected",
        ),
        (
            "how many change orders do we approve",
            "change_order",
            "approved",
        ),
        (
            "how many purchase orders did they deliver",
            "purchase_order",
            "delivered",
        ),
    ] {
        let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
        assert_eq!(query.record, record, "{question}");
        assert!(
            query.filters.contains(&filter("status", json!(status))),
            "{question}"
        );
    }
    // Without "did" or "do", "complete" is how far along a project is, not its status.
    let far = planned(&demo, "average percent complete of active projects").expect("planned");
    assert_eq!(far.filters, [filter("status", json!("active"))]);
}
