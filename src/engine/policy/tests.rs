//! The demo's change order and purchase order workflows replayed, compared and mined for
//! suggestions on small, hand-made histories.

use super::compare::{Facts, compare};
use super::replay::{Case, Policy, replay};
use super::suggest::{History, suggest};
use super::{Outcome, Replayed};
use crate::config::{Config, demo};
use crate::domain::request::AssignedBy;
use crate::domain::{Assignment, Fields, Quorum, Request, Status, StepState, Workflow};
use crate::engine::decision::compile_table;
use crate::engine::routing::tests::directory;
use crate::engine::rules::rule_env;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use std::collections::BTreeMap;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 15, 0, 0).unwrap()
}

/// A past request; `approver` decided it (`status` approved or rejected) when given.
fn past(
    id: &str,
    day: i64,
    fields: serde_json::Value,
    status: Status,
    approver: Option<&str>,
) -> Request {
    let fields: Fields = serde_json::from_value(fields).unwrap();
    Request {
        id: id.into(),
        workflow: String::new(),
        requester: Some("S023".into()),
        fields,
        status,
        steps: approver
            .map(|p| StepState {
                name: "approve".into(),
                quorum: Quorum::Any,
                approvers: vec![Assignment {
                    person: p.into(),
                    assigned_by: AssignedBy::Chain,
                }],
                approvals: Vec::new(),
                started_at: None,
                escalated: false,
            })
            .into_iter()
            .collect(),
        current_step: 0,
        rule: None,
        flags: Vec::new(),
        submitted_at: start() + Duration::days(day),
        decided_at: None,
        idempotency_key: None,
        idempotency_fingerprint: None,
        version: 1,
    }
}

fn project(status: &str) -> Fields {
    serde_json::from_value(json!({ "project_id": "P1", "status": status, "budget": "1000000.00", "manager_id": "S009" })).unwrap()
}

fn run(
    config: &Config,
    workflow: &Workflow,
    requests: &[Request],
    projects: &[Fields],
) -> Vec<Replayed> {
    let env = rule_env(workflow, &config.schema, &config.directory.record);
    let table = compile_table(workflow, &env).unwrap();
    let policy = Policy {
        workflow,
        table: &table,
        schema: &config.schema,
        staff_type: &config.directory.record,
    };
    let empty = Fields::new();
    let cases: Vec<Case> = requests
        .iter()
        .zip(projects)
        .map(|(request, project)| Case {
            request,
            requester_record: &empty,
            refs: BTreeMap::from([("project".to_string(), project.clone())]),
        })
        .collect();
    replay(&policy, &cases, &directory(), 1_000)
}

#[test]
fn a_raised_threshold_moves_the_requests_between_the_two_to_auto_approval() {
    let config = demo();
    let today = &config.workflows["change_order"];
    let mut proposal = today.clone();
    let small = proposal
        .rules
        .iter_mut()
        .find(|r| r.name == "small")
        .unwrap();
    small.when = "request.amount <= 5000.0".into();
    let co = |amount: &str| json!({ "project": "P1", "amount": amount, "reason": "x" });
    let requests = vec![
        past("CO-1", 0, co("1000.00"), Status::AutoApproved, None),
        past("CO-2", 1, co("4000.00"), Status::Approved, Some("S009")),
        past("CO-3", 2, co("4000.00"), Status::Approved, Some("S009")),
        past("CO-4", 3, co("20000.00"), Status::Approved, Some("S004")),
    ];
    let projects = [
        project("active"),
        project("active"),
        project("completed"),
        project("active"),
    ];
    let before = run(&config, today, &requests, &projects);
    let after = run(&config, &proposal, &requests, &projects);
    let routed = |chain: &str, who: &str| Outcome::Routed {
        chain: chain.into(),
        approvers: vec![who.into()],
    };
    let kinds: Vec<(Outcome, Outcome)> = before
        .iter()
        .zip(&after)
        .map(|(b, a)| (b.outcome.clone(), a.outcome.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Outcome::AutoApproved, Outcome::AutoApproved),
            (routed("project_manager", "S009"), Outcome::AutoApproved),
            (Outcome::AutoRejected, Outcome::AutoRejected),
            (
                routed("executive_authority", "S004"),
                routed("executive_authority", "S004")
            ),
        ]
    );
    let facts: Vec<Facts> = requests
        .iter()
        .map(|r| Facts {
            request: r,
            amount: r.fields["amount"].as_str().and_then(|a| a.parse().ok()),
            waited: (!r.steps.is_empty()).then_some(6.0),
        })
        .collect();
    let names = BTreeMap::from([("S009".to_string(), "Pat".to_string())]);
    let c = compare(&facts, &before, &after, &names);
    assert_eq!((c.requests, c.changed), (4, 1));
    assert_eq!(
        c.transitions,
        BTreeMap::from([("routed → auto_approved".to_string(), 1)])
    );
    assert_eq!(c.changes[0].id, "CO-2");
    assert_eq!(c.changes[0].before, "routed to project_manager (Pat)");
    assert_eq!(
        (
            c.changes[0].rule_before.as_deref(),
            c.changes[0].rule_after.as_deref()
        ),
        (Some("project_manager_authority"), Some("small"))
    );
    assert_eq!(
        c.approvers.len(),
        1,
        "only the project manager's load changes"
    );
    let pm = &c.approvers[0];
    assert_eq!(
        (
            pm.person.as_str(),
            pm.before,
            pm.after,
            pm.hours_before,
            pm.hours_after
        ),
        ("S009", 1, 0, 6.0, 0.0)
    );
    // CO-3's project is completed today: replay rejects what a person approved then.
    assert_eq!(
        c.disagree_with_history,
        BTreeMap::from([("completed_project".to_string(), 1)])
    );
}

#[test]
fn a_tighter_anomaly_threshold_flags_requests_and_routes_what_it_auto_approved() {
    let config = demo();
    let today = &config.workflows["change_order"];
    let mut proposal = today.clone();
    proposal.anomaly.as_mut().unwrap().threshold = 2.0;
    let amounts = [
        "1000.00", "1100.00", "1200.00", "1050.00", "1150.00", "1300.00",
    ];
    let requests: Vec<Request> = amounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let fields = json!({ "project": "P1", "amount": a, "reason": "x" });
            past(
                &format!("CO-{i}"),
                i as i64,
                fields,
                Status::AutoApproved,
                None,
            )
        })
        .collect();
    let projects = vec![project("active"); requests.len()];
    let before = run(&config, today, &requests, &projects);
    let after = run(&config, &proposal, &requests, &projects);
    // 1,300 against 1,000…1,200: median 1,100, MAD 50, robust z 2.7.
    assert!(before.iter().all(|r| r.flags.is_empty()));
    assert_eq!(after[5].flags, vec!["anomaly".to_string()]);
    let facts: Vec<Facts> = requests
        .iter()
        .map(|r| Facts {
            request: r,
            amount: None,
            waited: None,
        })
        .collect();
    let c = compare(&facts, &before, &after, &BTreeMap::new());
    assert_eq!(c.now_flagged.len(), 1);
    assert_eq!(c.now_flagged[0].id, "CO-5");
    assert_eq!(
        c.transitions,
        BTreeMap::from([("auto_approved → routed".to_string(), 1)])
    );
}

fn orders(count: i64, rejected_at: Option<i64>) -> Vec<Request> {
    (1..=count)
        .map(|i| {
            let status = if Some(i) == rejected_at {
                Status::Rejected
            } else {
                Status::Approved
            };
            let fields =
                json!({ "vendor": "V1", "project": "P1", "amount": format!("{}.00", i * 100) });
            past(&format!("PO-{i}"), i, fields, status, Some("S005"))
        })
        .collect()
}

fn suggestions(
    requests: &[Request],
    waited: impl Fn(&Request) -> f64,
) -> Vec<super::suggest::Suggestion> {
    let config = demo();
    let workflow = &config.workflows["purchase_order"];
    let today: Vec<Replayed> = requests
        .iter()
        .map(|_| Replayed {
            outcome: Outcome::Routed {
                chain: "procurement".into(),
                approvers: vec!["S005".into()],
            },
            rule: None,
            flags: Vec::new(),
        })
        .collect();
    let facts: Vec<Facts> = requests
        .iter()
        .map(|r| Facts {
            request: r,
            amount: r.fields["amount"].as_str().and_then(|a| a.parse().ok()),
            waited: Some(waited(r)),
        })
        .collect();
    let text = std::fs::read_to_string(config.dir.join("workflows/purchase_order.toml")).unwrap();
    suggest(&History {
        workflow,
        amount_field: Some("amount"),
        facts: &facts,
        today: &today,
        file: Some(("workflows/purchase_order.toml", &text)),
        names: &BTreeMap::new(),
        directory: &directory(),
    })
}

#[test]
fn a_threshold_is_the_largest_round_amount_approved_95_percent_of_the_time() {
    // 100 … 5,000; one rejection at 300. The median is 2,550, so the cut is at most 2,500.
    let found = suggestions(&orders(50, Some(3)), |_| 2.0);
    let threshold = found
        .iter()
        .find(|s| s.kind == "auto_approve_threshold")
        .unwrap();
    assert_eq!(threshold.numbers["threshold"], 2500.0);
    assert_eq!(
        (
            threshold.numbers["approved"].as_u64(),
            threshold.numbers["decided"].as_u64()
        ),
        (Some(24), Some(25))
    );
    assert!(
        threshold.evidence.contains("96% of the time (24 of 25)"),
        "{}",
        threshold.evidence
    );
    let diff = threshold.diff.as_deref().unwrap();
    assert!(
        diff.contains("+when = \"request.amount <= 2500.0\""),
        "{diff}"
    );
    assert!(
        !found
            .iter()
            .any(|s| s.kind == "never_rejects" && s.numbers["chain"] == "procurement")
    );
}

#[test]
fn too_many_rejections_or_too_few_decisions_suggest_no_threshold() {
    assert!(
        !suggestions(
            &orders(50, Some(3)).into_iter().take(19).collect::<Vec<_>>(),
            |_| 2.0
        )
        .iter()
        .any(|s| s.kind == "auto_approve_threshold")
    );
    let mut mixed = orders(50, None);
    for r in mixed.iter_mut().step_by(10) {
        r.status = Status::Rejected;
    }
    assert!(
        !suggestions(&mixed, |_| 2.0)
            .iter()
            .any(|s| s.kind == "auto_approve_threshold")
    );
}

#[test]
fn a_slow_approver_and_a_step_that_never_rejects_are_named() {
    let mut requests = orders(30, None);
    for r in requests.iter_mut().take(6) {
        r.steps[0].approvers[0].person = "S002".into();
    }
    let found = suggestions(&requests, |r| {
        if r.steps[0].approvers[0].person == "S002" {
            30.0
        } else {
            1.0
        }
    });
    let slow: Vec<_> = found.iter().filter(|s| s.kind == "slow_approver").collect();
    assert_eq!(slow.len(), 1, "{slow:?}");
    assert_eq!(slow[0].numbers["person"], "S002");
    assert_eq!(slow[0].numbers["delegate"], "S001");
    assert!(
        slow[0]
            .diff
            .as_deref()
            .unwrap()
            .contains("{ role = \"cfo\" }, { person = \"S001\" }")
    );
    let never = found
        .iter()
        .find(|s| s.kind == "never_rejects" && s.numbers["chain"] == "procurement")
        .unwrap();
    assert_eq!(never.numbers["approved"], 30);
    assert!(
        never.evidence.contains("approved all 30 purchase orders"),
        "{}",
        never.evidence
    );
}
