//! Parked notifications, against a Slack stand-in that fails: a notification that runs out of
//! attempts is listed (`keel outbox failed`, `/metrics`, the dashboard), its requester and the
//! admins are told, it is still retried hourly and `keel outbox retry` sends it at once; one
//! Slack refuses for good is held until retried. (The faults themselves, and what each
//! recipient sees through them, are in `faults.rs`.)

use crate::common::app::{TestApp, config_dir};
use crate::common::cli::{keel, keel_ok, stderr};
use crate::common::slack::{Fault, SlackStandIn};
use crate::common::test_databases;
use crate::common::with_slack::app_with_slack;
use chrono::Duration;
use keel::service::{RetryTarget, Sink};

pub const GUS: &str = "UD0E08E68"; // S020, superintendent on P001, the requester
const RACHEL: &str = "UF522C1C1"; // S004, director of operations
pub const DIANA: &str = "U22A588F82"; // S016, manager of P001
pub const MORGAN: &str = "U10E859302"; // S001, chief executive (an admin)
pub const LUIS: &str = "U1ABD062AE"; // S003, chief operating officer (an admin)

/// Three attempts before a notification is parked.
pub const MAX_ATTEMPTS: &[(&str, &str)] = &[("KEEL_SCHEDULER_OUTBOX_MAX_ATTEMPTS", "3")];

pub async fn change_order(app: &TestApp, amount: &str) -> String {
    let fields = [
        ("project", "P001"),
        ("amount", amount),
        ("reason", "Rock at footing 4"),
    ];
    app.submit("change_order", "S020", &fields).await.id
}

pub fn posted_to(stand_in: &SlackStandIn, target: &str, needle: &str) -> usize {
    stand_in
        .calls("chat.postMessage")
        .iter()
        .filter(|c| c["channel"] == target && c.to_string().contains(needle))
        .count()
}

/// Delivers, then moves the clock an hour on, `rounds` times.
pub async fn deliver_hourly(app: &TestApp, sink: &Sink, rounds: usize) {
    for _ in 0..rounds {
        app.keel.deliver_outbox(sink).await.expect("delivery runs");
        app.clock.advance(Duration::hours(1));
    }
}

#[tokio::test]
async fn a_notification_out_of_attempts_is_listed_its_requester_and_admins_told_and_sent_again() {
    for db in test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db, MAX_ATTEMPTS).await;
        let label = db.label;
        stand_in.set_fault(RACHEL, Some(Fault::Down));
        let id = change_order(&app, "18000").await;
        deliver_hourly(&app, &sink, 2).await;
        app.keel.deliver_outbox(&sink).await.unwrap();

        let parked = app.keel.parked_notifications().await.unwrap();
        assert_eq!(parked.len(), 1, "[{label}] {parked:?}");
        let card = &parked[0];
        assert_eq!(
            (
                card.item.notification.to.as_str(),
                card.item.notification.request_id.as_str()
            ),
            ("S004", id.as_str()),
            "[{label}]"
        );
        assert_eq!(card.item.attempts, 3, "[{label}]");
        assert!(
            card.last_error
                .as_deref()
                .is_some_and(|e| e.contains("HTTP 500")),
            "[{label}] {card:?}"
        );
        assert!(card.retry_at.is_some(), "[{label}] still retried hourly");
        let counts = app.keel.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.parked), (0, 1), "[{label}]");
        let ceo = app.keel.person("S001").await.unwrap();
        let dashboard = app.keel.dashboard(&ceo).await.unwrap();
        assert_eq!(dashboard.undelivered.parked, 1, "[{label}]");
        assert_eq!(
            dashboard.undelivered.parked_list[0].id, card.item.id,
            "[{label}]"
        );

        // The requester and both admins hear that Rachel could not be reached, once.
        for who in [GUS, MORGAN, LUIS] {
            assert_eq!(
                posted_to(&stand_in, who, "Rachel Kim could not be reached"),
                1,
                "[{label}] {who} told"
            );
        }
        let listed = keel_ok(&db, &config_dir(), &["outbox", "failed"]);
        assert!(listed.contains(&id), "[{label}] {listed}");
        assert!(
            listed.contains("Rachel Kim (S004)\trequest to approve\t3"),
            "[{label}] {listed}"
        );
        let unknown = keel(&db, &config_dir(), &["outbox", "retry", "999999"]);
        assert_eq!(unknown.status.code(), Some(1), "[{label}]");
        assert!(
            stderr(&unknown).contains("There is no parked notification 999999"),
            "[{label}] {}",
            stderr(&unknown)
        );

        // Parked, it is still tried every hour, telling nobody again.
        let tried = stand_in.refused_to(RACHEL);
        app.clock.advance(Duration::hours(1));
        app.keel.deliver_outbox(&sink).await.unwrap();
        assert_eq!(stand_in.refused_to(RACHEL), tried + 1, "[{label}]");
        assert_eq!(
            posted_to(&stand_in, GUS, "could not be reached"),
            1,
            "[{label}]"
        );

        // Slack reaches Rachel again: `keel outbox retry ID` sends it without waiting the hour.
        stand_in.set_fault(RACHEL, None);
        let retried = keel_ok(
            &db,
            &config_dir(),
            &["outbox", "retry", &card.item.id.to_string()],
        );
        assert!(retried.contains("is due again"), "[{label}] {retried}");
        assert_eq!(
            app.keel.deliver_outbox(&sink).await.unwrap(),
            1,
            "[{label}]"
        );
        assert_eq!(posted_to(&stand_in, RACHEL, &id), 1, "[{label}]");
        assert_eq!(posted_to(&stand_in, "#change-orders", &id), 1, "[{label}]");
        let counts = app.keel.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.parked), (0, 0), "[{label}]");
    }
}

#[tokio::test]
async fn a_notification_slack_refuses_for_good_is_held_until_retried_and_its_notice_tells_no_one() {
    for db in test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db, MAX_ATTEMPTS).await;
        let label = db.label;
        stand_in.set_fault(RACHEL, Some(Fault::NotFound));
        stand_in.set_fault(GUS, Some(Fault::NotFound));
        let id = change_order(&app, "18000").await;
        app.keel.deliver_outbox(&sink).await.unwrap();

        // Parked at the first refusal; the notice to Gus, refused too, is parked without a
        // notice of its own.
        let parked = app.keel.parked_notifications().await.unwrap();
        let kinds: Vec<_> = parked
            .iter()
            .map(|p| {
                (
                    p.item.notification.to.as_str(),
                    p.item.attempts,
                    p.retry_at.is_none(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [("S020", 1, true), ("S004", 1, true)],
            "[{label}] {parked:?}"
        );
        assert_eq!(
            posted_to(&stand_in, MORGAN, "Rachel Kim could not be reached"),
            1
        );
        assert_eq!(
            posted_to(&stand_in, MORGAN, "could not be reached"),
            1,
            "[{label}]"
        );

        let tried = stand_in.refused_to(RACHEL);
        deliver_hourly(&app, &sink, 3).await;
        assert_eq!(
            stand_in.refused_to(RACHEL),
            tried,
            "[{label}] held: not tried again"
        );

        stand_in.set_fault(RACHEL, None);
        stand_in.set_fault(GUS, None);
        let retried = app.keel.retry_parked(RetryTarget::All).await.unwrap();
        assert_eq!(retried.len(), 2, "[{label}]");
        app.keel.deliver_outbox(&sink).await.unwrap();
        assert_eq!(posted_to(&stand_in, RACHEL, &id), 1, "[{label}]");
        assert_eq!(
            posted_to(&stand_in, GUS, "Rachel Kim could not be reached"),
            1
        );
        assert!(app.keel.parked_notifications().await.unwrap().is_empty());
    }
}
