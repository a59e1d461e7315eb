//! Sync out, against a stand-in accounting system: a decided purchase order reaches it exactly
//! once by `webhook-id` after it failed for a while (keel restarted in between); a hung target
//! holds no other target and a call unanswered in time is a failure; 410 Gone disables a target
//! and tells the admins. (Dead letters and the `keel sync` commands are in `sync_operations.rs`,
//! record-change rules and ownership in `sync_owners.rs`.)

use crate::common::accounting::{Accounting, Answer};
use crate::common::app::TestApp;
use crate::common::outbound::{
    ENV, approved_po, client, config_with, one_target, po_rule, reopen, target,
};
use crate::common::test_databases;
use chrono::Duration;
use keel::clock::Clock;
use keel::domain::NotificationKind;
use keel::engine::lifecycle::Action;

#[tokio::test]
async fn a_decided_request_reaches_accounting_exactly_once_after_it_failed_for_a_while() {
    for db in test_databases().await {
        let label = db.label;
        let accounting = Accounting::start().await;
        let integrations = target(
            "accounting",
            &accounting.url,
            r#""100ms", "200ms", "300ms""#,
            "5",
        ) + &po_rule("approved_pos", "accounting");
        let dir = config_with(&integrations);
        let app = TestApp::start_with_env(&db, dir.path(), ENV).await;
        let id = approved_po(&app, "1250.50").await;

        accounting.answer(Answer::Fail);
        let first = client(&app.keel, "accounting");
        assert_eq!(
            app.keel.deliver_webhooks(&first).await.unwrap(),
            0,
            "[{label}]"
        );
        // Not due again before its pause…
        assert_eq!(app.keel.deliver_webhooks(&first).await.unwrap(), 0);
        assert_eq!(accounting.received().len(), 1, "[{label}]");
        app.clock.advance(Duration::milliseconds(150));
        assert_eq!(app.keel.deliver_webhooks(&first).await.unwrap(), 0);
        assert_eq!(accounting.received().len(), 2, "[{label}]");

        // keel stops and starts again: the payload waits in the database.
        drop(first);
        drop(app);
        let keel = reopen(&db, dir.path(), &Clock::manual(chrono::Utc::now())).await;
        accounting.answer(Answer::Accept);
        let again = client(&keel, "accounting");
        assert_eq!(keel.deliver_webhooks(&again).await.unwrap(), 1, "[{label}]");
        assert_eq!(keel.deliver_webhooks(&again).await.unwrap(), 0, "[{label}]");

        let received = accounting.received();
        assert_eq!(received.len(), 3, "[{label}] {received:?}");
        assert!(
            received.iter().all(|r| r.verified),
            "[{label}] {received:?}"
        );
        assert!(
            received.iter().all(|r| r.id == received[0].id),
            "[{label}] one webhook-id"
        );
        assert!(
            received
                .iter()
                .all(|r| r.tenant.as_deref() == Some("harbor-ridge"))
        );
        let accepted = accounting.accepted();
        assert_eq!(accepted.len(), 1, "[{label}]");
        let body = &accepted[0].body;
        assert_eq!(body["type"], "request.decided", "[{label}] {body}");
        assert_eq!(body["rule"], "approved_pos");
        assert_eq!(body["data"]["po"], id.as_str());
        assert_eq!(body["data"]["vendor"], "V001");
        assert_eq!(
            body["data"]["amount"], "1250.50",
            "[{label}] money stays exact text"
        );
        assert_eq!(body["data"]["memo"], format!("PO {id} for P001"));
        let status = keel.target_status().await.unwrap();
        let (_, accounting_status) = &status[0];
        assert_eq!(accounting_status.pending, 0, "[{label}]");
        assert!(accounting_status.last_success_at.is_some(), "[{label}]");
    }
}

#[tokio::test]
async fn a_rejected_request_or_another_workflow_sends_nothing() {
    for db in test_databases().await {
        let (accounting, _dir, app) = one_target(&db, "accounting", r#""100ms""#, "5").await;
        let fields = [("vendor", "V001"), ("project", "P001"), ("amount", "900")];
        let id = app.submit("purchase_order", "S010", &fields).await.id;
        let reject = Action::Reject {
            reason: "Order from the framework agreement instead".into(),
        };
        app.keel.act(&id, "S005", reject, None).await.unwrap();
        let expense = [
            ("category", "meals"),
            ("amount", "40"),
            ("spent_on", "2026-11-20"),
        ];
        app.submit("expense", "S020", &expense).await;
        let accounting_client = client(&app.keel, "accounting");
        assert_eq!(
            app.keel.deliver_webhooks(&accounting_client).await.unwrap(),
            0
        );
        assert!(accounting.received().is_empty(), "[{}]", db.label);
    }
}

#[tokio::test]
async fn a_hung_target_does_not_delay_another() {
    for db in test_databases().await {
        let label = db.label;
        let slow = Accounting::start().await;
        let fast = Accounting::start().await;
        let integrations = target("slowbooks", &slow.url, r#""100ms""#, "30")
            + &target("accounting", &fast.url, r#""100ms""#, "5")
            + &po_rule("to_slowbooks", "slowbooks")
            + &po_rule("to_accounting", "accounting");
        let dir = config_with(&integrations);
        let app = TestApp::start_with_env(&db, dir.path(), ENV).await;
        slow.answer(Answer::Hang);
        approved_po(&app, "800").await;

        let keel = app.keel.clone();
        let slow_client = client(&keel, "slowbooks");
        let hung = tokio::spawn(async move { keel.deliver_webhooks(&slow_client).await });
        slow.hanging(1).await;
        let fast_client = client(&app.keel, "accounting");
        assert_eq!(
            app.keel.deliver_webhooks(&fast_client).await.unwrap(),
            1,
            "[{label}]"
        );
        assert_eq!(fast.accepted().len(), 1, "[{label}]");
        assert!(
            !hung.is_finished(),
            "[{label}] slowbooks still holds its call"
        );

        slow.release();
        assert_eq!(hung.await.unwrap().unwrap(), 1, "[{label}]");
        assert_eq!(slow.accepted().len(), 1, "[{label}]");
    }
}

#[tokio::test]
async fn a_call_unanswered_within_the_timeout_is_a_failure_tried_again() {
    for db in test_databases().await {
        let label = db.label;
        let (slow, _dir, app) = one_target(&db, "slowbooks", r#""100ms""#, "0.5").await;
        slow.answer(Answer::Hang);
        approved_po(&app, "800").await;
        let slow_client = client(&app.keel, "slowbooks");
        assert_eq!(app.keel.deliver_webhooks(&slow_client).await.unwrap(), 0);
        let failures = app.keel.webhook_failures().await.unwrap();
        assert_eq!(failures.len(), 1, "[{label}] {failures:?}");
        let error = failures[0].last_error.as_deref().unwrap_or_default();
        assert!(
            error.contains("no answer within 0.5 s"),
            "[{label}] {error}"
        );
        assert_eq!(failures[0].last_status, None);
        assert!(
            failures[0].next_attempt_at.is_some(),
            "[{label}] tried again"
        );

        slow.answer(Answer::Accept);
        app.clock.advance(Duration::milliseconds(150));
        assert_eq!(
            app.keel.deliver_webhooks(&slow_client).await.unwrap(),
            1,
            "[{label}]"
        );
        slow.release();
    }
}

#[tokio::test]
async fn gone_disables_the_target_tells_the_admins_and_enable_sends_what_waited() {
    for db in test_databases().await {
        let label = db.label;
        let (accounting, _dir, app) = one_target(&db, "accounting", r#""100ms""#, "5").await;
        let accounting_client = client(&app.keel, "accounting");
        accounting.answer(Answer::Gone);
        approved_po(&app, "700").await;
        assert_eq!(
            app.keel.deliver_webhooks(&accounting_client).await.unwrap(),
            0
        );

        let status = app.keel.target_status().await.unwrap();
        assert!(status[0].1.disabled.is_some(), "[{label}] {status:?}");
        app.keel.deliver_outbox(&app.sink).await.unwrap();
        let told: Vec<String> = app
            .sink
            .delivered()
            .into_iter()
            .filter(|n| n.kind == NotificationKind::DeliveryFailed && n.text.contains("410 Gone"))
            .map(|n| n.to)
            .collect();
        assert_eq!(told, ["S001", "S003"], "[{label}] every admin, once");

        // Nothing more is sent while it is disabled, however much is owed.
        accounting.answer(Answer::Accept);
        approved_po(&app, "710").await;
        app.clock.advance(Duration::hours(1));
        assert_eq!(
            app.keel.deliver_webhooks(&accounting_client).await.unwrap(),
            0
        );
        assert_eq!(accounting.received().len(), 1, "[{label}]");

        assert!(app.keel.enable_target("accounting").await.unwrap());
        assert!(!app.keel.enable_target("accounting").await.unwrap());
        assert_eq!(
            app.keel.deliver_webhooks(&accounting_client).await.unwrap(),
            2,
            "[{label}]"
        );
        assert_eq!(accounting.accepted().len(), 2, "[{label}]");
    }
}
