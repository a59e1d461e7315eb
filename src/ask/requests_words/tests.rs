//! Questions about the requests, in several wordings each, and the plans they become.

use super::plan;
use crate::ask::offline::Context;
use crate::domain::plan::{Filter, Measure, Op, Plan, Query};
use crate::domain::{Directory, Person, RecordLabels, RecordSchema};
use serde_json::json;

fn person(id: &str, name: &str, role: &str, title: &str) -> Person {
    Person {
        id: id.into(),
        name: name.into(),
        email: None,
        role: role.into(),
        title: Some(title.into()),
        manager_id: None,
        approval_limit: Default::default(),
        chat: Default::default(),
        active: true,
    }
}

struct Demo {
    config: crate::config::Config,
    schema: RecordSchema,
    labels: RecordLabels,
    directory: Directory,
}

fn demo() -> Demo {
    let config = crate::config::demo();
    let schema = crate::engine::request_facts::with_requests(&config);
    let people = [
        person("S002", "Dana Whitfield", "cfo", "Chief Financial Officer"),
        person(
            "S004",
            "Rachel Kim",
            "ops_director",
            "Director of Operations",
        ),
        person("S016", "Diana Brooks", "project_manager", "Project Manager"),
        person("S017", "Grace Brooks", "project_manager", "Project Manager"),
    ];
    let mut labels = RecordLabels::default();
    for p in &people {
        labels.insert("staff", p.id.clone(), p.name.clone());
    }
    Demo {
        directory: Directory::new(people, vec!["ceo".into()]),
        config,
        schema,
        labels,
    }
}

fn planned(demo: &Demo, question: &str, asker: &str) -> Option<Query> {
    plans(demo, question, asker).map(|mut queries| queries.remove(0))
}

/// Every plan of the answer: one, or one per number asked for.
fn plans(demo: &Demo, question: &str, asker: &str) -> Option<Vec<Query>> {
    let cx = Context {
        schema: &demo.schema,
        vocabulary: &demo.config.vocabulary,
        labels: &demo.labels,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
        asker,
        people: "staff",
        role: "role",
        holders: &[],
    };
    let planned = plan(question, &cx, &demo.directory)?;
    let queries = planned.parts.into_iter().map(|part| match part.plan {
        Plan::Query(query) => query,
        Plan::Insight { .. } => panic!("a query"),
    });
    Some(queries.collect())
}

fn filter(query: &Query, field: &str) -> Option<(Op, serde_json::Value)> {
    query
        .filters
        .iter()
        .find(|f| f.field == field)
        .map(|Filter { op, value, .. }| (*op, value.clone()))
}

#[test]
fn who_approves_the_most_ranks_the_people_who_approved_in_any_wording() {
    let demo = demo();
    for question in [
        "who approves the most change orders?",
        "Which approver approved the most change orders",
        "who approved the most COs",
        "change order approvers ranked by approvals",
    ] {
        let query = planned(&demo, question, "S001").expect(question);
        assert_eq!(query.record, "request", "{question}");
        assert_eq!(query.group_by, ["decider"], "{question}");
        assert_eq!(query.measure, Measure::Count, "{question}");
        assert_eq!(
            filter(&query, "workflow"),
            Some((Op::In, json!(["change_order"]))),
            "{question}"
        );
        assert_eq!(
            filter(&query, "decision"),
            Some((Op::Eq, json!("approved"))),
            "{question}"
        );
        assert!(query.order.is_some_and(|o| o.descending), "{question}");
    }
    // Deciding counts rejections too: the decider is set, whatever the decision.
    let decided = planned(&demo, "who decided the most expenses?", "S001").unwrap();
    assert_eq!(decided.group_by, ["decider"]);
    assert_eq!(filter(&decided, "decision"), None);
    assert_eq!(
        filter(&decided, "decider"),
        Some((Op::IsNotEmpty, json!(null)))
    );
}

#[test]
fn time_to_decide_is_averaged_in_the_unit_asked() {
    let demo = demo();
    for (question, field) in [
        ("average days to approve an expense", "days"),
        (
            "how long does an expense approval take on average, in business hours",
            "business_hours",
        ),
        ("mean hours to approve expenses", "hours"),
    ] {
        let query = planned(&demo, question, "S001").expect(question);
        assert_eq!(
            query.measure,
            Measure::Average {
                field: field.into()
            },
            "{question}"
        );
        assert_eq!(
            filter(&query, "workflow"),
            Some((Op::In, json!(["expense"]))),
            "{question}"
        );
    }
}

#[test]
fn waiting_for_a_person_me_or_a_role_reads_who_must_decide_now() {
    let demo = demo();
    for (question, asker, token) in [
        ("what is waiting for Rachel Kim?", "S001", "(s004)"),
        ("anything awaiting Rachel Kim's decision", "S001", "(s004)"),
        ("my pending approvals", "S016", "(s016)"),
        ("what do I need to approve?", "S016", "(s016)"),
        ("requests waiting on the CFO", "S001", "(s002)"),
    ] {
        let query = planned(&demo, question, asker).expect(question);
        assert_eq!(
            filter(&query, "waiting_for"),
            Some((Op::Contains, json!(token))),
            "{question}"
        );
        assert!(matches!(query.measure, Measure::List { .. }), "{question}");
    }
}

#[test]
fn a_role_resolves_to_its_holders_and_decided_is_not_asked() {
    let demo = demo();
    let rejected = planned(&demo, "requests rejected by the CFO", "S001").unwrap();
    assert_eq!(
        filter(&rejected, "decider"),
        Some((Op::In, json!(["S002"])))
    );
    assert_eq!(
        filter(&rejected, "decision"),
        Some((Op::Eq, json!("rejected")))
    );
    assert_eq!(filter(&rejected, "requester"), None);
    let managers = planned(
        &demo,
        "how many requests did project managers approve?",
        "S001",
    );
    assert_eq!(
        filter(&managers.unwrap(), "decider"),
        Some((Op::In, json!(["S016", "S017"])))
    );
    let submitted = planned(&demo, "how many requests did Diana Brooks submit?", "S001");
    assert_eq!(
        filter(&submitted.unwrap(), "requester"),
        Some((Op::In, json!(["S016"])))
    );
    let asked = planned(&demo, "requests submitted by Diana Brooks", "S001").unwrap();
    assert_eq!(filter(&asked, "requester"), Some((Op::In, json!(["S016"]))));
    assert_eq!(filter(&asked, "decider"), None);
}

#[test]
fn automatic_decisions_are_counted_in_a_window_of_their_decision() {
    let demo = demo();
    for question in [
        "how many were auto-approved last month?",
        "how many requests were approved automatically last month",
        "how many went through automatically last month",
    ] {
        let query = planned(&demo, question, "S001").expect(question);
        assert_eq!(query.measure, Measure::Count, "{question}");
        assert_eq!(
            filter(&query, "decision"),
            Some((Op::Eq, json!("auto_approved"))),
            "{question}"
        );
        assert_eq!(
            filter(&query, "decided_at"),
            Some((Op::Within, json!({"window": "last_month"}))),
            "{question}"
        );
    }
}

#[test]
fn questions_about_records_and_insights_are_left_to_their_planners() {
    let demo = demo();
    for question in [
        "how many change orders are pending?",
        "how many change orders did Rachel Kim approve?",
        "how many change orders were auto approved last year?",
        "How many expenses were rejected?",
        "average approval limit by role",
        "slowest approver",
        "what is waiting for my approval?",
        "total invoiced by Apex Concrete in 2025",
    ] {
        assert_eq!(planned(&demo, question, "S001"), None, "{question}");
    }
}

#[test]
fn the_language_model_is_told_about_the_requests_and_how_to_ask_about_them() {
    let demo = demo();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let prompt = crate::ask::llm::prompt(&demo.schema, today, "S016", "my pending approvals");
    for wanted in [
        "- request: request_id text, workflow enum(",
        "decider ref(staff)",
        "business_hours number",
        "waiting_for",
        "(S016)",
    ] {
        assert!(prompt.contains(wanted), "{wanted} in the prompt");
    }
}

#[test]
fn a_ranking_of_people_leaves_out_the_requests_nobody_decided() {
    let demo = demo();
    for question in [
        "which approver signs off on the most expenses",
        "which approvers handle the most purchase orders",
    ] {
        let query = planned(&demo, question, "S001").expect(question);
        assert_eq!(query.group_by, ["decider"], "{question}");
        assert_eq!(
            filter(&query, "decider"),
            Some((Op::IsNotEmpty, json!(null))),
            "{question}"
        );
    }
    let signed = planned(
        &demo,
        "which approver signs off on the most expenses",
        "S001",
    )
    .unwrap();
    assert_eq!(
        filter(&signed, "decision"),
        Some((Op::Eq, json!("approved")))
    );
}

#[test]
fn the_slowest_or_quickest_person_is_ranked_by_average_time_to_decide() {
    let demo = demo();
    for (question, descending, decision) in [
        ("which approver sits on purchase orders longest", true, None),
        (
            "which person takes the longest to sign off on expenses",
            true,
            Some(json!("approved")),
        ),
        ("which approver is quickest on expenses", false, None),
    ] {
        let query = planned(&demo, question, "S001").expect(question);
        assert_eq!(query.group_by, ["decider"], "{question}");
        assert!(
            matches!(query.measure, Measure::Average { .. }),
            "{question}"
        );
        assert_eq!(
            query.order.as_ref().map(|o| o.descending),
            Some(descending),
            "{question}"
        );
        assert_eq!(
            filter(&query, "decision").map(|(_, v)| v),
            decision,
            "{question}"
        );
        assert_eq!(
            filter(&query, "decider"),
            Some((Op::IsNotEmpty, json!(null))),
            "{question}"
        );
    }
}

#[test]
fn an_average_time_between_a_request_and_its_approval_is_of_approvals() {
    let demo = demo();
    for (question, field) in [
        (
            "on average how many hours pass between a purchase order and its approval",
            "hours",
        ),
        (
            "avg approval time for purchase orders in business hours",
            "business_hours",
        ),
        (
            "how many days do expenses typically take to be approved",
            "days",
        ),
    ] {
        let query = planned(&demo, question, "S001").expect(question);
        assert_eq!(
            query.measure,
            Measure::Average {
                field: field.into()
            },
            "{question}"
        );
        assert_eq!(
            filter(&query, "decision"),
            Some((Op::Eq, json!("approved"))),
            "{question}"
        );
    }
    // Days that say when are a window, not a time taken.
    let recent = planned(
        &demo,
        "how many requests were approved in the last 30 days",
        "S001",
    );
    assert_eq!(recent.unwrap().measure, Measure::Count);
}

#[test]
fn a_count_and_a_total_asked_together_are_two_plans_of_the_same_requests() {
    let demo = demo();
    let queries = plans(
        &demo,
        "number of expenses waiting on a decision and their total value",
        "S001",
    )
    .unwrap();
    let measures: Vec<&Measure> = queries.iter().map(|q| &q.measure).collect();
    assert_eq!(
        measures,
        [
            &Measure::Count,
            &Measure::Sum {
                field: "amount".into()
            }
        ]
    );
    assert!(queries.iter().all(|q| q.filters == queries[0].filters));
    let one = plans(
        &demo,
        "how many requests in total did Diana Brooks decide",
        "S001",
    );
    assert_eq!(one.unwrap().len(), 1);
}

#[test]
fn what_i_have_to_sign_off_on_is_what_waits_for_me() {
    let demo = demo();
    let query = planned(&demo, "is there anything I have to sign off on", "S016").unwrap();
    assert_eq!(
        filter(&query, "waiting_for"),
        Some((Op::Contains, json!("(s016)")))
    );
    assert_eq!(filter(&query, "decision"), Some((Op::Eq, json!("pending"))));
}

#[test]
fn a_question_read_only_in_part_is_left_to_the_record_types_planner() {
    let demo = demo();
    for question in [
        "which approver is slowest on fridays",
        "who approves the most change orders over the phone",
        "how many requests did Rachel Kim approve for the warehouse",
    ] {
        assert_eq!(planned(&demo, question, "S001"), None, "{question}");
    }
    // Every word read: planned here.
    assert!(planned(&demo, "how many requests did Rachel Kim approve", "S001").is_some());
}

#[test]
fn a_person_is_named_by_a_word_of_their_name_only_they_have() {
    let demo = demo();
    let query = planned(&demo, "what is waiting for Dana's sign-off", "S001").expect("planned");
    assert!(
        query.filters.iter().any(|f| f.field == "waiting_for"
            && f.value == json!(crate::engine::request_facts::person_token("S002"))),
        "{:?}",
        query.filters
    );
    // Two people are called Brooks: neither is guessed, and the question is not planned here.
    assert_eq!(planned(&demo, "what is waiting for Brooks", "S001"), None);
}
