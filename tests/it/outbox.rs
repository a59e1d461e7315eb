//! The outbox against a Slack stand-in that fails: a notification that runs out of attempts is
//! listed (`keel outbox failed`, `/metrics`, the dashboard), its requester and the admins are
//! told, it is still retried hourly and `keel outbox retry` sends it at once; one Slack refuses
//! for good is held until retried; after an outage longer than the attempts every owed message
//! arrives once; a hung call holds up neither other requests nor timers nor shutdown.

use crate::common::app::{TestApp, config_dir};
use crate::common::cli::{keel, keel_ok, stderr};
use crate::common::console::{Mode, TestServer};
use crate::common::slack::{BOT_TOKEN, Fault, SIGNING_SECRET, SlackStandIn, Weather};
use crate::common::{TestDb, test_databases};
use chrono::Duration;
use keel::chat::ChatPort;
use keel::service::{RetryTarget, Sink};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

const GUS: &str = "UD0E08E68"; // S020, superintendent on P001, the requester
const RACHEL: &str = "UF522C1C1"; // S004, director of operations
const DIANA: &str = "U22A588F82"; // S016, manager of P001
const MORGAN: &str = "U10E859302"; // S001, chief executive (an admin)
const LUIS: &str = "U1ABD062AE"; // S003, chief operating officer (an admin)

/// Slack's settings pointing at `stand_in`, with `extra` settings.
fn slack_env<'a>(
    stand_in: &'a SlackStandIn,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("KEEL_SLACK_ENABLED", "true"),
        ("KEEL_SLACK_MODE", "http"),
        ("KEEL_SLACK_API_URL", stand_in.api_url.as_str()),
        ("KEEL_SLACK_BOT_TOKEN", BOT_TOKEN),
        ("KEEL_SLACK_SIGNING_SECRET", SIGNING_SECRET),
    ];
    env.extend_from_slice(extra);
    env
}

/// keel with Slack as its one platform, three attempts before parking, delivering when the test
/// says so.
async fn app_with_slack(db: &TestDb) -> (SlackStandIn, TestApp, Sink) {
    let stand_in = SlackStandIn::start().await;
    let env = slack_env(&stand_in, &[("KEEL_SCHEDULER_OUTBOX_MAX_ATTEMPTS", "3")]);
    let app = TestApp::start_with_env(db, &config_dir(), &env).await;
    let sink = slack_sink(&app);
    (stand_in, app, sink)
}

fn slack_sink(app: &TestApp) -> Sink {
    let slack = keel::chat::slack::Slack::new(app.keel.clone())
        .expect("Slack starts")
        .expect("Slack is on");
    Sink::Chat(vec![slack as Arc<dyn ChatPort>])
}

async fn change_order(app: &TestApp, amount: &str) -> String {
    let fields = [
        ("project", "P001"),
        ("amount", amount),
        ("reason", "Rock at footing 4"),
    ];
    app.submit("change_order", "S020", &fields).await.id
}

fn posted_to(stand_in: &SlackStandIn, target: &str, needle: &str) -> usize {
    stand_in
        .calls("chat.postMessage")
        .iter()
        .filter(|c| c["channel"] == target && c.to_string().contains(needle))
        .count()
}

/// Delivers, then moves the clock an hour on, `rounds` times.
async fn deliver_hourly(app: &TestApp, sink: &Sink, rounds: usize) {
    for _ in 0..rounds {
        app.keel.deliver_outbox(sink).await.expect("delivery runs");
        app.clock.advance(Duration::hours(1));
    }
}

#[tokio::test]
async fn a_notification_out_of_attempts_is_listed_its_requester_and_admins_told_and_sent_again() {
    for db in test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db).await;
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
        let (stand_in, app, sink) = app_with_slack(&db).await;
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

#[tokio::test]
async fn after_an_outage_longer_than_the_attempts_every_owed_message_arrives_once() {
    for db in test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db).await;
        let label = db.label;
        stand_in.set_weather(Weather::Down);
        let requests = [
            change_order(&app, "18000").await, // Rachel
            change_order(&app, "14000").await, // Diana
            change_order(&app, "19000").await, // Rachel
        ];
        // Ten hours down: three attempts each, then parked and tried hourly.
        deliver_hourly(&app, &sink, 10).await;
        let counts = app.keel.outbox_counts().await.unwrap();
        // Three cards, and for each a notice to Gus and to both admins, all parked.
        assert_eq!((counts.pending, counts.parked), (0, 12), "[{label}]");

        stand_in.set_weather(Weather::Fine);
        deliver_hourly(&app, &sink, 3).await;
        let counts = app.keel.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.parked), (0, 0), "[{label}]");
        let posts = stand_in.calls("chat.postMessage");
        let distinct: HashSet<String> = posts
            .iter()
            .map(|c| format!("{} {}", c["channel"], c["text"]))
            .collect();
        assert_eq!(
            distinct.len(),
            posts.len(),
            "[{label}] posted twice: {posts:#?}"
        );
        for (id, approver) in requests.iter().zip([RACHEL, DIANA, RACHEL]) {
            assert_eq!(posted_to(&stand_in, approver, id), 1, "[{label}] {id}");
            assert_eq!(
                posted_to(&stand_in, "#change-orders", id),
                1,
                "[{label}] {id}"
            );
            for told in [GUS, MORGAN, LUIS] {
                assert_eq!(
                    posted_to(&stand_in, told, &format!("of {id} (")),
                    1,
                    "[{label}] {told} told about {id}"
                );
            }
        }
        assert_eq!(posts.len(), 15, "[{label}]");
    }
}

/// keel serving with Slack as its one platform, timers every second, Slack calls given up on
/// after `timeout` seconds.
async fn serve_with_slack(db: &TestDb, timeout: &str) -> (SlackStandIn, TestServer) {
    let stand_in = SlackStandIn::start().await;
    let env = slack_env(
        &stand_in,
        &[
            ("KEEL_SLACK_TIMEOUT_SECONDS", timeout),
            ("KEEL_SCHEDULER_TICK_SECONDS", "1"),
        ],
    );
    let server = TestServer::start_with_env(db, Mode::Closed, &env).await;
    (stand_in, server)
}

/// Waits until `check` holds (deliveries and timers run in the background).
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `Server::stop`, which must not wait for a call Slack never answers.
async fn stop_promptly(server: TestServer, label: &str) {
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), server.stop()).await;
    assert!(stopped.is_ok(), "[{label}] keel did not stop within 10 s");
}

#[tokio::test]
async fn a_hung_slack_call_holds_up_neither_other_requests_nor_timers() {
    for db in test_databases().await {
        let (stand_in, server) = serve_with_slack(&db, "2").await;
        let app = &server.app;
        let label = db.label;
        stand_in.set_fault(RACHEL, Some(Fault::Hang));
        change_order(app, "18000").await;
        app.keel.delivery_bell().ring();
        eventually("keel calls Slack for Rachel", || {
            stand_in.refused_to(RACHEL) == 1
        })
        .await;

        let for_diana = change_order(app, "14000").await;
        app.keel.delivery_bell().ring();
        eventually("the card reaches Diana", || {
            posted_to(&stand_in, DIANA, &for_diana) == 1
        })
        .await;
        // Tuesday 09:00: both requests have waited 8 business hours.
        app.clock.advance(Duration::days(1));
        eventually("Diana is reminded", || {
            posted_to(&stand_in, DIANA, "Reminder") == 1
        })
        .await;

        let metrics = reqwest::get(format!("{}/metrics", server.base))
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("metrics");
        let pending = metrics
            .lines()
            .find_map(|l| l.strip_prefix("keel_outbox_pending "))
            .and_then(|v| v.parse::<i64>().ok());
        assert!(
            pending.is_some_and(|n| n >= 1),
            "[{label}] Rachel's card and reminder wait: {metrics}"
        );
        assert!(
            metrics.contains("\nkeel_outbox_parked 0\n"),
            "[{label}] {metrics}"
        );
        stop_promptly(server, label).await;
    }
}

#[tokio::test]
async fn shutdown_abandons_a_hung_slack_call_and_the_card_is_delivered_later() {
    for db in test_databases().await {
        // Slack's calls would be waited for far longer than shutdown may take.
        let (stand_in, server) = serve_with_slack(&db, "120").await;
        let label = db.label;
        stand_in.set_fault(RACHEL, Some(Fault::Hang));
        let id = change_order(&server.app, "18000").await;
        server.app.keel.delivery_bell().ring();
        eventually("keel calls Slack for Rachel", || {
            stand_in.refused_to(RACHEL) == 1
        })
        .await;
        let (keel, clock) = (server.app.keel.clone(), server.app.clock.clone());
        let sink = slack_sink(&server.app);
        stop_promptly(server, label).await;

        // Nothing was lost: once the claim lapses, the card goes out.
        stand_in.set_fault(RACHEL, None);
        assert_eq!(keel.outbox_counts().await.unwrap().pending, 1, "[{label}]");
        clock.advance(Duration::minutes(2));
        keel.deliver_outbox(&sink).await.unwrap();
        assert_eq!(posted_to(&stand_in, RACHEL, &id), 1, "[{label}]");
    }
}
