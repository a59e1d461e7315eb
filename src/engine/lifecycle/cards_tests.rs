use super::*;
use crate::domain::{AnomalySpec, Outcome, Person, RuleSpec, StepDecision, StepState};
use crate::engine::lifecycle::tests::change_order_workflow;
use chrono::{TimeZone, Utc};
use serde_json::json;

fn workflow() -> Workflow {
    let mut workflow = change_order_workflow();
    workflow.rules.push(RuleSpec {
        name: "large".into(),
        when: "request.amount > 15000.0".into(),
        outcome: Outcome::Route("default".into()),
        reason: "Above 15,000 the approver is the lowest authority whose limit covers the amount"
            .into(),
    });
    workflow.anomaly = Some(AnomalySpec {
        field: "amount".into(),
        group_by: Some("project".into()),
        threshold: 3.5,
        min_history: 5,
    });
    workflow
}

fn directory() -> Directory {
    let person = |id: &str, name: &str| Person {
        id: id.into(),
        name: name.into(),
        email: None,
        role: "x".into(),
        title: None,
        manager_id: None,
        approval_limit: Default::default(),
        chat: Default::default(),
        active: true,
    };
    Directory::new(
        vec![person("S004", "Rachel Kim"), person("S020", "Gus Moreno")],
        vec![],
    )
}

fn request(status: Status) -> Request {
    let decided = Utc.with_ymd_and_hms(2026, 11, 23, 17, 5, 0).unwrap();
    Request {
        id: "CO-1042".into(),
        workflow: "change_order".into(),
        requester: Some("S020".into()),
        fields: serde_json::from_value(json!({"project": "P001", "amount": "18000.00"})).unwrap(),
        status,
        steps: vec![StepState {
            name: "approve".into(),
            quorum: crate::domain::Quorum::Any,
            approvers: Vec::new(),
            approvals: vec![StepDecision {
                person: "S004".into(),
                on_behalf_of: None,
                at: decided,
            }],
            started_at: None,
            escalated: false,
        }],
        current_step: 0,
        rule: Some("large".into()),
        flags: vec![Flag {
            kind: "anomaly".into(),
            source: "anomaly".into(),
            message: "amount 18000.00 is far above the usual".into(),
            details: json!({"field": "amount", "value": 18000.0, "median": 3673.47, "mad": 900.0,
                "z": 10.7, "n": 22, "group": "P001", "compared_with": "group"}),
        }],
        submitted_at: decided,
        decided_at: Some(decided),
        idempotency_key: None,
        idempotency_fingerprint: None,
        version: 2,
    }
}

fn card(status: Status, rejected_by: Option<&str>, reason: Option<&str>) -> Card {
    let directory = directory();
    let labels = RecordLabels::default();
    let look = CardLook {
        directory: &directory,
        labels: &labels,
        currency: "$",
        time_zone: chrono_tz::America::Chicago,
        facts: &[],
        rejected_by,
        reason,
    };
    card_for(&request(status), &workflow(), &look)
}

#[test]
fn a_card_reads_as_words_money_with_its_currency_and_the_rule_s_reason() {
    let card = card(Status::Approved, None, None);
    assert!(
        card.fields
            .contains(&("amount".into(), "$18,000.00".into())),
        "{:?}",
        card.fields
    );
    assert_eq!(
        card.notes,
        [
            "Why here: Above 15,000 the approver is the lowest authority whose limit covers the amount"
        ]
    );
    assert_eq!(
        card.status,
        "Approved by Rachel Kim on Mon 23 Nov 2026 at 11:05 CST"
    );
}

#[test]
fn an_unusual_amount_is_said_in_words_with_its_numbers_behind_a_why() {
    let card = card(Status::Approved, None, None);
    let flag = &card.flags[0];
    assert_eq!(flag.text, "about 4.9× this project's usual change order");
    let why = flag.why.as_deref().unwrap();
    assert!(
        why.contains("$18,000.00 against a median of $3,673.47 over 22 past change orders"),
        "{why}"
    );
    assert!(why.contains("robust z 10.7"), "{why}");
}

#[test]
fn a_rejected_card_says_who_rejected_it_when_and_why() {
    let card = card(Status::Rejected, Some("S004"), Some("Rock was in the bid"));
    assert_eq!(
        card.status,
        "Rejected by Rachel Kim on Mon 23 Nov 2026 at 11:05 CST"
    );
    assert!(
        card.notes
            .contains(&"Reason given: Rock was in the bid".to_string())
    );
    assert!(card.buttons.is_empty());
}
