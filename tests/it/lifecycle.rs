//! The approval life cycle end to end on the real store, engine and config, on SQLite and, when
//! `KEEL_TEST_POSTGRES_URL` is set, on PostgreSQL.

use crate::common::app::TestApp;
use chrono::Duration;
use keel::domain::Status;
use keel::engine::lifecycle::{Action, Refusal};
use keel::service::{NewRequest, ServiceError, UserError};
use std::collections::HashSet;

fn refusal(result: Result<keel::domain::Request, ServiceError>) -> Refusal {
    match result {
        Err(ServiceError::User(UserError::Refused(refusal))) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Every outcome of the change order decision table: auto-approve, the project manager, each
/// level of authority, auto-reject for a completed project, and a flag for a large share of budget.
#[tokio::test]
async fn change_orders_follow_the_approval_policy() {
    for db in crate::common::test_databases().await {
        let app = &TestApp::start(&db).await;
        let co = |project: &'static str, amount: &'static str| async move {
            app.submit(
                "change_order",
                "S020",
                &[("project", project), ("amount", amount), ("reason", "Rock")],
            )
            .await
        };
        assert_eq!(
            co("P001", "1500.00").await.status,
            Status::AutoApproved,
            "[{}]",
            app.label
        );
        let cases = [
            ("9000", "S016"),
            ("18000", "S004"),
            ("120000", "S003"),
            ("200000", "S002"),
            ("400000", "S001"),
        ];
        for (amount, approver) in cases {
            let request = co("P001", amount).await;
            assert_eq!(request.status, Status::Pending, "[{}] {amount}", app.label);
            assert_eq!(
                TestApp::waiting_for(&request),
                [approver],
                "[{}] {amount}",
                app.label
            );
        }
        let closed = co("P004", "9000").await;
        assert_eq!(
            closed.status,
            Status::AutoRejected,
            "[{}] completed project",
            app.label
        );
        // P003's budget is 180,000: 20,000 is over a tenth of it.
        let large = co("P003", "2000").await;
        assert!(large.flags.is_empty(), "[{}]", app.label);
        let flagged = co("P003", "20000").await;
        assert!(
            !flagged.flags.is_empty(),
            "[{}] large share of budget is flagged",
            app.label
        );
        assert_eq!(flagged.status, Status::Pending);
    }
}

#[tokio::test]
async fn expenses_and_purchase_orders_follow_the_approval_policy() {
    for db in crate::common::test_databases().await {
        let app = &TestApp::start(&db).await;
        let today = "2026-11-20";
        let expense = |category: &'static str, amount: &'static str, day: &'static str| async move {
            app.submit(
                "expense",
                "S060",
                &[
                    ("category", category),
                    ("amount", amount),
                    ("spent_on", day),
                ],
            )
            .await
        };
        assert_eq!(
            expense("fuel", "80.00", today).await.status,
            Status::AutoApproved
        );
        let to_manager = expense("tools", "300.00", today).await;
        assert_eq!(
            TestApp::waiting_for(&to_manager),
            ["S020"],
            "[{}] manager approves",
            app.label
        );
        assert_eq!(
            expense("fuel", "300.00", "2027-01-10").await.status,
            Status::AutoRejected
        );
        assert_eq!(
            expense("fuel", "300.00", "2026-01-10").await.status,
            Status::AutoRejected
        );
        let meals = expense("meals", "400.00", today).await;
        assert!(
            !meals.flags.is_empty(),
            "[{}] expensive meals are flagged",
            app.label
        );

        let po = |vendor: &'static str, amount: &'static str| async move {
            app.submit(
                "purchase_order",
                "S009",
                &[("vendor", vendor), ("project", "P001"), ("amount", amount)],
            )
            .await
        };
        assert_eq!(
            TestApp::waiting_for(&po("V001", "30000").await),
            ["S002"],
            "[{}] CFO",
            app.label
        );
        assert_eq!(
            TestApp::waiting_for(&po("V001", "5000").await),
            ["S005"],
            "[{}] procurement",
            app.label
        );
        let unpreferred = po("V002", "15000").await;
        assert!(
            !unpreferred.flags.is_empty(),
            "[{}] non-preferred vendor flagged",
            app.label
        );
    }
}

#[tokio::test]
async fn reject_resubmit_approve_notifies_everyone_once() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let first = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "18000"), ("reason", "Rock")],
            )
            .await;
        let missing_reason = app
            .keel
            .act(
                &first.id,
                "S004",
                Action::Reject { reason: " ".into() },
                None,
            )
            .await;
        assert!(matches!(
            refusal(missing_reason),
            Refusal::ReasonRequired { .. }
        ));
        let rejected = app
            .keel
            .act(
                &first.id,
                "rachel.kim@harborridge.example",
                Action::Reject {
                    reason: "Split it".into(),
                },
                Some(0),
            )
            .await
            .unwrap();
        assert_eq!(rejected.status, Status::Rejected);
        let second = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "14000"), ("reason", "Rock")],
            )
            .await;
        assert_eq!(TestApp::waiting_for(&second), ["S016"]);
        let approved = app
            .keel
            .act(&second.id, "S016", Action::Approve, Some(0))
            .await
            .unwrap();
        assert_eq!(approved.status, Status::Approved);

        assert_eq!(
            app.keel.deliver_outbox(&app.sink).await.unwrap(),
            app.sink.delivered().len()
        );
        assert_eq!(
            app.keel.deliver_outbox(&app.sink).await.unwrap(),
            0,
            "nothing is delivered twice"
        );
        let to = |who: &str, id: &str| {
            app.sink
                .delivered()
                .iter()
                .filter(|n| n.to == who && n.request_id == id)
                .count()
        };
        assert_eq!(
            to("S004", &first.id),
            2,
            "[{}] asked, then card updated",
            app.label
        );
        assert_eq!(
            to("S020", &first.id),
            1,
            "[{}] requester told of the rejection",
            app.label
        );
        assert_eq!(
            to("S020", &second.id),
            1,
            "[{}] requester told of the approval",
            app.label
        );
        assert_eq!(
            app.actions(&first.id).await,
            ["submitted", "routed", "rejected"]
        );
        assert_eq!(
            app.keel.verify_audit().await.unwrap(),
            Ok(app.keel.store().all_events().await.unwrap().len())
        );
    }
}

#[tokio::test]
async fn every_refusal_is_explained_and_changes_nothing() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        // S016 manages P001: a change order of their own goes to their manager, S004.
        let own = app
            .submit(
                "change_order",
                "S016",
                &[("project", "P001"), ("amount", "9000"), ("reason", "Rock")],
            )
            .await;
        assert_eq!(
            TestApp::waiting_for(&own),
            ["S004"],
            "[{}] never routed to the requester",
            app.label
        );
        assert!(matches!(
            refusal(app.keel.act(&own.id, "S016", Action::Approve, None).await),
            Refusal::OwnRequest { .. }
        ));
        assert!(matches!(
            refusal(app.keel.act(&own.id, "S010", Action::Approve, None).await),
            Refusal::NotYourTurn { .. }
        ));
        let cancel = app
            .keel
            .act(&own.id, "S004", Action::Cancel { reason: None }, None)
            .await;
        assert!(matches!(refusal(cancel), Refusal::NotRequester { .. }));
        app.keel
            .act(&own.id, "S004", Action::Approve, Some(0))
            .await
            .unwrap();
        let stale = app
            .keel
            .act(&own.id, "S004", Action::Approve, Some(0))
            .await;
        assert!(matches!(refusal(stale), Refusal::Closed { .. }));
        assert_eq!(
            app.actions(&own.id).await,
            ["submitted", "routed", "approved"],
            "[{}]",
            app.label
        );

        // An admin (the CEO) may act for the approver; a delegate may too, within the dates.
        let by_admin = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "9000"), ("reason", "x")],
            )
            .await;
        app.keel
            .act(&by_admin.id, "S001", Action::Approve, None)
            .await
            .unwrap();
        let today = app.clock.now().date_naive();
        app.keel
            .delegate("S016", "S010", today, today + Duration::days(3))
            .await
            .unwrap();
        let delegated = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "9000"), ("reason", "x")],
            )
            .await;
        let (_, queue) = app.keel.pending_for("S010").await.unwrap();
        assert!(
            queue.iter().any(|r| r.id == delegated.id),
            "[{}] delegate sees the request",
            app.label
        );
        let done = app
            .keel
            .act(&delegated.id, "S010", Action::Approve, None)
            .await
            .unwrap();
        assert_eq!(
            done.steps[0].approvals[0].on_behalf_of.as_deref(),
            Some("S016")
        );

        let cancelled = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "9000"), ("reason", "x")],
            )
            .await;
        app.keel
            .act(
                &cancelled.id,
                "S020",
                Action::Cancel {
                    reason: Some("dup".into()),
                },
                None,
            )
            .await
            .unwrap();

        let unknown_person = app
            .try_submit("change_order", "S999", &[("project", "P001")])
            .await;
        assert!(matches!(
            unknown_person,
            Err(ServiceError::User(UserError::UnknownPerson(_)))
        ));
        let bad_form = app
            .try_submit(
                "change_order",
                "S020",
                &[("project", "P999"), ("amount", "ten")],
            )
            .await;
        let Err(ServiceError::User(UserError::InvalidForm(errors))) = bad_form else {
            panic!("{bad_form:?}")
        };
        assert_eq!(errors.len(), 2, "[{}] {errors:?}", app.label);
        let unknown_request = app.keel.act("CO-9999", "S004", Action::Approve, None).await;
        assert!(matches!(
            unknown_request,
            Err(ServiceError::User(UserError::UnknownRequest(_)))
        ));
        assert!(app.keel.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn an_idempotency_key_gives_one_request() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let new = NewRequest {
            workflow: "changeorder".into(),
            requester: "S020".into(),
            fields: vec![
                ("project".into(), "P001".into()),
                ("amount".into(), "9000".into()),
                ("reason".into(), "x".into()),
            ],
            idempotency_key: Some("form-123".into()),
        };
        // The same submission sent eight times at once (a double click, a retrying client).
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let keel = app.keel.clone();
                let new = new.clone();
                tokio::spawn(async move { keel.submit(new).await })
            })
            .collect();
        let mut ids = HashSet::new();
        for attempt in attempts {
            let request = attempt.await.unwrap();
            ids.insert(request.unwrap_or_else(|e| panic!("[{}] {e}", app.label)).id);
        }
        let again = app.keel.submit(new.clone()).await.unwrap();
        assert_eq!(ids, HashSet::from([again.id.clone()]), "[{}]", app.label);
        let all = app.keel.list_requests(&Default::default()).await.unwrap();
        assert_eq!(all.len(), 1, "[{}]", app.label);

        // The key is the requester's own: someone else using it sees nothing of theirs.
        let mut theirs = new;
        theirs.requester = "S016".into();
        let refused = app.keel.submit(theirs).await.unwrap_err();
        assert!(
            refused.to_string().contains("another person's request"),
            "{refused}"
        );
    }
}

/// Fifty approvers' clicks at once on an "any" step: exactly one decision.
#[tokio::test]
async fn fifty_concurrent_approvals_give_exactly_one_decision() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let request = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "18000"), ("reason", "x")],
            )
            .await;
        // Escalation makes it a two-approver "any" step: S004 and their manager S003.
        app.clock.advance(Duration::days(7));
        app.keel.tick().await.unwrap();
        let mut tasks = Vec::new();
        for attempt in 0..50 {
            let keel = app.keel.clone();
            let (id, who) = (
                request.id.clone(),
                if attempt % 2 == 0 { "S004" } else { "S003" },
            );
            tasks.push(tokio::spawn(async move {
                keel.act(&id, who, Action::Approve, Some(0)).await
            }));
        }
        let mut decided = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => decided += 1,
                Err(ServiceError::User(UserError::Refused(Refusal::Closed { .. }))) => {}
                Err(other) => panic!("[{}] unexpected {other:?}", app.label),
            }
        }
        assert_eq!(decided, 1, "[{}]", app.label);
        let approvals = app
            .actions(&request.id)
            .await
            .iter()
            .filter(|a| *a == "approved")
            .count();
        assert_eq!(approvals, 1, "[{}]", app.label);
        assert!(app.keel.verify_audit().await.unwrap().is_ok());
    }
}

#[tokio::test]
async fn reminders_escalations_and_expiry_fire_as_the_clock_moves() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let request = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "18000"), ("reason", "x")],
            )
            .await;
        // Monday 09:00 + 7 hours: not yet 8 business hours.
        app.clock.advance(Duration::hours(7));
        assert_eq!(app.keel.tick().await.unwrap().fired, 0, "[{}]", app.label);
        // Tuesday 09:00: 9 business hours.
        app.clock.advance(Duration::hours(17));
        assert_eq!(
            app.keel.tick().await.unwrap().fired,
            1,
            "[{}] reminded",
            app.label
        );
        assert_eq!(
            app.keel.tick().await.unwrap().fired,
            0,
            "[{}] a timer fires once",
            app.label
        );
        // The next Thursday: 24 business hours have passed (Thanksgiving is not counted).
        app.clock.advance(Duration::days(3));
        app.keel.tick().await.unwrap();
        let (escalated, _) = app.keel.request_with_history(&request.id).await.unwrap();
        assert_eq!(
            TestApp::waiting_for(&escalated),
            ["S004", "S003"],
            "[{}] manager added",
            app.label
        );
        app.clock.advance(Duration::days(30));
        app.keel.tick().await.unwrap();
        let (expired, _) = app.keel.request_with_history(&request.id).await.unwrap();
        assert_eq!(expired.status, Status::Expired, "[{}]", app.label);
        assert_eq!(
            app.actions(&request.id).await,
            ["submitted", "routed", "reminded", "escalated", "expired"]
        );
        let late = app
            .keel
            .act(&request.id, "S004", Action::Approve, None)
            .await;
        assert!(matches!(refusal(late), Refusal::Closed { .. }));
    }
}

/// The platform refusing deliveries for a while loses nothing and duplicates nothing.
#[tokio::test]
async fn notifications_survive_an_outage_exactly_once() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        app.sink.set_failing(true);
        for _ in 0..3 {
            app.submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "9000"), ("reason", "x")],
            )
            .await;
        }
        assert_eq!(app.keel.deliver_outbox(&app.sink).await.unwrap(), 0);
        app.sink.set_failing(false);
        assert_eq!(
            app.keel.deliver_outbox(&app.sink).await.unwrap(),
            0,
            "[{}] waits for its backoff",
            app.label
        );
        app.clock.advance(Duration::minutes(2));
        assert_eq!(
            app.keel.deliver_outbox(&app.sink).await.unwrap(),
            3,
            "[{}]",
            app.label
        );
        app.clock.advance(Duration::hours(2));
        assert_eq!(app.keel.deliver_outbox(&app.sink).await.unwrap(), 0);
        assert_eq!(app.sink.delivered().len(), 3);
    }
}

/// An amount far outside its project's history is flagged with the numbers behind it and is
/// never approved automatically, even below the auto-approval threshold.
#[tokio::test]
async fn an_anomalous_amount_is_flagged_and_never_auto_approved() {
    for db in crate::common::test_databases().await {
        let app = &TestApp::start(&db).await;
        for amount in ["100.00", "104.00", "98.00", "110.00", "101.00", "99.50"] {
            let routine = app
                .submit(
                    "change_order",
                    "S027",
                    &[("project", "P002"), ("amount", amount), ("reason", "x")],
                )
                .await;
            assert_eq!(
                routine.status,
                Status::AutoApproved,
                "[{}] {amount}",
                app.label
            );
        }
        let odd = app
            .submit(
                "change_order",
                "S027",
                &[("project", "P002"), ("amount", "2400.00"), ("reason", "x")],
            )
            .await;
        assert_eq!(
            odd.status,
            Status::Pending,
            "[{}] flagged, so not auto-approved",
            app.label
        );
        assert_eq!(
            TestApp::waiting_for(&odd),
            ["S014"],
            "[{}] the project manager decides",
            app.label
        );
        let flag = odd
            .flags
            .iter()
            .find(|f| f.kind == "anomaly")
            .expect("an anomaly flag");
        assert!(
            flag.message
                .starts_with("amount 2400.00 is far above the usual for project P002 (median"),
            "[{}] {}",
            app.label,
            flag.message
        );
        assert_eq!(flag.details["n"], 6, "[{}] {}", app.label, flag.details);
        assert!(app.actions(&odd.id).await.contains(&"flagged".to_string()));
    }
}
