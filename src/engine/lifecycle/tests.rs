//! State machine tests: plain data in, plain data out.

use super::*;
use crate::domain::{
    ApproverSpec, Chain, FieldType, Fields, FormField, Person, Quorum, Request, Status, StepSpec,
    Timer, TimerKind, Timing, Workflow,
};
use crate::engine::decision::{Decision, Verdict};
use chrono::{NaiveTime, TimeZone, Weekday};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

pub(crate) fn change_order_workflow() -> Workflow {
    let field = |name: &str, field_type: FieldType, required: bool| FormField {
        name: name.into(),
        label: name.into(),
        field_type,
        required,
        max_len: 500,
        help: None,
        min: None,
        max: None,
    };
    let step = StepSpec {
        name: "approve".into(),
        approvers: vec![ApproverSpec::Role("x".into())],
        quorum: Quorum::Any,
    };
    Workflow {
        name: "change_order".into(),
        title: "Change order".into(),
        command: "changeorder".into(),
        id_prefix: "CO".into(),
        first_number: 1001,
        fields: vec![
            field("project", FieldType::Ref("project".into()), true),
            field("amount", FieldType::Money, true),
            field("reason", FieldType::Text, true),
        ],
        rules: Vec::new(),
        chains: BTreeMap::from([(
            "default".into(),
            Chain {
                name: "default".into(),
                steps: vec![step],
            },
        )]),
        flagged_chain: None,
        default_chain: "default".into(),
        anomaly: None,
        timing: Timing {
            remind_after_business_hours: Some(8),
            escalate_after_business_hours: Some(24),
            expire_after_days: Some(30),
        },
        history: None,
        channel: None,
        context: Vec::new(),
    }
}

fn person(id: &str, role: &str, manager: Option<&str>) -> Person {
    Person {
        id: id.into(),
        name: format!("P{id}"),
        email: None,
        role: role.into(),
        title: None,
        manager_id: manager.map(Into::into),
        approval_limit: Decimal::from(1000),
        chat: Default::default(),
        active: true,
    }
}

fn directory() -> Directory {
    Directory::new(
        vec![
            person("S001", "ceo", None),
            person("S004", "ops_director", Some("S001")),
            person("S009", "project_manager", Some("S004")),
            person("S010", "project_manager", Some("S004")),
            person("S023", "superintendent", Some("S009")),
            person("S050", "field_staff", Some("S023")),
        ],
        vec!["ceo".into()],
    )
}

fn calendar() -> BusinessCalendar {
    BusinessCalendar {
        time_zone: chrono_tz::America::Chicago,
        day_start: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        day_end: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        working_days: vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ],
        holidays: BTreeSet::new(),
    }
}

struct World {
    workflow: Workflow,
    directory: Directory,
    calendar: BusinessCalendar,
    delegations: Vec<Delegation>,
    labels: crate::domain::RecordLabels,
}

impl World {
    fn new() -> World {
        World {
            workflow: change_order_workflow(),
            directory: directory(),
            calendar: calendar(),
            delegations: vec![],
            labels: crate::domain::RecordLabels::default(),
        }
    }

    fn ctx(&self) -> Context<'_> {
        Context {
            now: Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap(),
            workflow: &self.workflow,
            directory: &self.directory,
            delegations: &self.delegations,
            calendar: &self.calendar,
            labels: &self.labels,
            currency: "$",
            facts: &[],
            rejected_by: None,
            reason: None,
        }
    }

    fn pending(&self, quorum: Quorum, approvers: &[&str]) -> Request {
        let mut fields = Fields::new();
        fields.insert("amount".into(), "9000.00".into());
        let submission = Submission {
            id: "CO-1500".into(),
            requester: "S023".into(),
            fields,
            idempotency_key: None,
            idempotency_fingerprint: None,
            decision: Decision {
                verdict: Verdict::Route("default".into()),
                rule: Some("pm".into()),
                reason: "PM approves".into(),
                flags: vec![],
            },
            anomaly_flags: vec![],
            steps: vec![(
                "approve".into(),
                quorum,
                approvers.iter().map(|s| s.to_string()).collect(),
            )],
        };
        submit(submission, &self.ctx()).request
    }
}

type IsExpected = fn(&Refusal) -> bool;

fn by(actor: &str, action: Action) -> Act {
    Act {
        actor: actor.into(),
        action,
        seen_step: None,
    }
}

#[test]
fn submission_routes_notifies_and_schedules_timers() {
    let world = World::new();
    let transition = submit(
        Submission {
            id: "CO-1500".into(),
            requester: "S023".into(),
            fields: Fields::new(),
            idempotency_key: Some("k".into()),
            idempotency_fingerprint: Some("f".into()),
            decision: Decision {
                verdict: Verdict::Route("default".into()),
                rule: None,
                reason: "r".into(),
                flags: vec![],
            },
            anomaly_flags: vec![],
            steps: vec![("approve".into(), Quorum::Any, vec!["S009".into()])],
        },
        &world.ctx(),
    );
    assert_eq!(transition.request.status, Status::Pending);
    let actions: Vec<&str> = transition
        .events
        .iter()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(actions, ["submitted", "routed"]);
    assert_eq!(transition.notifications.len(), 1);
    assert_eq!(transition.notifications[0].to, "S009");
    let kinds: Vec<TimerKind> = transition.timers.iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        [TimerKind::Remind, TimerKind::Escalate, TimerKind::Expire]
    );
}

#[test]
fn approving_the_only_step_approves_and_tells_the_requester() {
    let world = World::new();
    let request = world.pending(Quorum::Any, &["S009"]);
    let transition = act(&request, &by("S009", Action::Approve), &world.ctx()).unwrap();
    assert_eq!(transition.request.status, Status::Approved);
    assert!(transition.cancel_timers);
    assert!(
        transition
            .notifications
            .iter()
            .any(|n| n.to == "S023" && n.text.contains("approved"))
    );
}

#[test]
fn refusals_are_explicit() {
    let world = World::new();
    let request = world.pending(Quorum::Any, &["S009"]);
    let ctx = world.ctx();
    let cases: Vec<(Act, IsExpected)> = vec![
        (by("S023", Action::Approve), |r| {
            matches!(r, Refusal::OwnRequest { .. })
        }),
        (by("S010", Action::Approve), |r| {
            matches!(r, Refusal::NotYourTurn { .. })
        }),
        (
            by(
                "S009",
                Action::Reject {
                    reason: "  ".into(),
                },
            ),
            |r| matches!(r, Refusal::ReasonRequired { .. }),
        ),
        (by("S009", Action::Cancel { reason: None }), |r| {
            matches!(r, Refusal::NotRequester { .. })
        }),
        (by("S050", Action::Comment { text: "hi".into() }), |r| {
            matches!(r, Refusal::NotParticipant { .. })
        }),
        (
            Act {
                actor: "S009".into(),
                action: Action::Approve,
                seen_step: Some(3),
            },
            |r| matches!(r, Refusal::NoSuchStep { .. }),
        ),
    ];
    for (attempt, expected) in cases {
        let refusal = act(&request, &attempt, &ctx).unwrap_err();
        assert!(expected(&refusal), "{attempt:?} gave {refusal:?}");
    }
    let approved = act(&request, &by("S009", Action::Approve), &ctx)
        .unwrap()
        .request;
    let again = act(&approved, &by("S009", Action::Approve), &ctx).unwrap_err();
    assert!(matches!(again, Refusal::Closed { .. }), "{again:?}");
}

#[test]
fn a_step_that_does_not_exist_or_has_not_started_is_named_as_such() {
    let world = World::new();
    let mut request = world.pending(Quorum::Any, &["S009"]);
    let at = |step| Act {
        actor: "S009".into(),
        action: Action::Approve,
        seen_step: Some(step),
    };
    let refusal = act(&request, &at(5), &world.ctx()).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "CO-1500 has no step 6 (\"step\": 5, counted from 0): its approval chain has 1 step, \
         and it waits at step 1 (\"step\": 0). Nothing was changed."
    );
    let second = request.steps[0].clone();
    request.steps.push(second);
    let refusal = act(&request, &at(1), &world.ctx()).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "CO-1500 waits at step 1; step 2 has not started yet. Nothing was changed."
    );
    request.current_step = 1;
    let refusal = act(&request, &at(0), &world.ctx()).unwrap_err();
    assert!(
        matches!(
            refusal,
            Refusal::StepMovedOn {
                seen: 1,
                current: 2,
                ..
            }
        ),
        "{refusal:?}"
    );
}

#[test]
fn an_all_step_waits_for_everyone() {
    let world = World::new();
    let request = world.pending(Quorum::All, &["S009", "S010"]);
    let once = act(&request, &by("S009", Action::Approve), &world.ctx())
        .unwrap()
        .request;
    assert_eq!(once.status, Status::Pending);
    let twice = act(&once, &by("S009", Action::Approve), &world.ctx()).unwrap_err();
    assert!(matches!(twice, Refusal::AlreadyApproved { .. }));
    let done = act(&once, &by("S010", Action::Approve), &world.ctx())
        .unwrap()
        .request;
    assert_eq!(done.status, Status::Approved);
}

#[test]
fn delegates_and_admins_act_on_behalf_of_the_approver() {
    let mut world = World::new();
    world.delegations.push(Delegation {
        from_person: "S009".into(),
        to_person: "S010".into(),
        starts_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        ends_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
    });
    let request = world.pending(Quorum::Any, &["S009"]);
    let delegated = act(&request, &by("S010", Action::Approve), &world.ctx()).unwrap();
    assert_eq!(
        delegated.request.steps[0].approvals[0]
            .on_behalf_of
            .as_deref(),
        Some("S009")
    );
    let admin = act(
        &request,
        &by(
            "S001",
            Action::Reject {
                reason: "no".into(),
            },
        ),
        &world.ctx(),
    )
    .unwrap();
    assert_eq!(admin.request.status, Status::Rejected);
}

#[test]
fn escalation_adds_the_manager_and_keeps_the_approver() {
    let world = World::new();
    let request = world.pending(Quorum::Any, &["S009"]);
    let timer = Timer {
        id: 1,
        request_id: request.id.clone(),
        kind: TimerKind::Escalate,
        step: 0,
        due_at: world.ctx().now,
    };
    let escalated = fire_timer(&request, &timer, &world.ctx()).unwrap();
    let approvers: Vec<&str> = escalated.request.steps[0]
        .approvers
        .iter()
        .map(|a| a.person.as_str())
        .collect();
    assert_eq!(approvers, ["S009", "S004"]);
    assert!(escalated.notifications.iter().any(|n| n.to == "S004"));
    // Either may now decide.
    assert!(
        act(
            &escalated.request,
            &by("S004", Action::Approve),
            &world.ctx()
        )
        .is_ok()
    );
    assert!(
        act(
            &escalated.request,
            &by("S009", Action::Approve),
            &world.ctx()
        )
        .is_ok()
    );
}

#[test]
fn stale_timers_do_nothing_and_expiry_closes_the_request() {
    let world = World::new();
    let request = world.pending(Quorum::Any, &["S009"]);
    let stale = Timer {
        id: 1,
        request_id: request.id.clone(),
        kind: TimerKind::Remind,
        step: 2,
        due_at: world.ctx().now,
    };
    assert!(fire_timer(&request, &stale, &world.ctx()).is_none());
    let expiry = Timer {
        kind: TimerKind::Expire,
        step: 0,
        ..stale
    };
    let expired = fire_timer(&request, &expiry, &world.ctx()).unwrap();
    assert_eq!(expired.request.status, Status::Expired);
    assert!(fire_timer(&expired.request, &expiry, &world.ctx()).is_none());
}

/// The first notification asking `to` to decide, as queued when the request was submitted.
fn asked(world: &World, quorum: Quorum, approvers: &[&str], to: &str) -> (Request, Notification) {
    let request = world.pending(quorum, approvers);
    let notification = super::act::ask_approvers(&request, &world.ctx())
        .into_iter()
        .find(|n| n.to == to)
        .expect("asked");
    (request, notification)
}

#[test]
fn a_late_notification_says_what_happened_instead_of_asking() {
    let world = World::new();
    let ctx = world.ctx();
    let late = |notification: &Notification, request: &Request, rejected_by: Option<&str>| {
        moved_on(
            notification,
            request,
            "Change order CO-1500",
            rejected_by,
            &world.directory,
        )
    };
    let (request, to_s009) = asked(&world, Quorum::Any, &["S009"], "S009");
    assert_eq!(
        late(&to_s009, &request, None),
        None,
        "still theirs to decide"
    );

    let reason = "over budget".to_string();
    let rejected = act(&request, &by("S009", Action::Reject { reason }), &ctx).unwrap();
    assert_eq!(
        late(&to_s009, &rejected.request, Some("S009")).as_deref(),
        Some("Change order CO-1500 was rejected by PS009 before this reached you.")
    );
    let approved = act(&request, &by("S009", Action::Approve), &ctx).unwrap();
    assert_eq!(
        late(&to_s009, &approved.request, None).as_deref(),
        Some("Change order CO-1500 was approved by PS009 before this reached you.")
    );
    let cancelled = act(&request, &by("S023", Action::Cancel { reason: None }), &ctx).unwrap();
    assert_eq!(
        late(&to_s009, &cancelled.request, None).as_deref(),
        Some("Change order CO-1500 was cancelled by PS023 before this reached you.")
    );

    // All of two must approve: the one who did is no longer asked, the other still is.
    let (request, to_s009) = asked(&world, Quorum::All, &["S009", "S010"], "S009");
    let to_s010 = Notification {
        to: "S010".into(),
        ..to_s009.clone()
    };
    let half = act(&request, &by("S009", Action::Approve), &ctx).unwrap();
    assert_eq!(
        late(&to_s009, &half.request, None).as_deref(),
        Some(
            "Change order CO-1500 no longer waits for you: PS009 approved it before this reached you; it now waits for PS010."
        )
    );
    assert_eq!(late(&to_s010, &half.request, None), None);

    // A notification that asks nothing reads as it was written.
    let outcome = Notification {
        kind: crate::domain::NotificationKind::Outcome,
        ..to_s009
    };
    assert_eq!(late(&outcome, &rejected.request, Some("S009")), None);
}
