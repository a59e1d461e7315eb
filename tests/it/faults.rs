//! The fault-injection suite: the Slack stand-in fails in every way a careless deliverer turns
//! into a lost or doubled message, and each test checks, per recipient, that every message owed
//! is delivered exactly once or listed as parked:
//! - a hung call (no answer at all; or the message posted and the answer never comes): timed
//!   out, it holds up neither other requests, timers nor shutdown, and is not posted twice;
//! - 500 after posting: the retry finds the message in the conversation instead of reposting;
//! - 429 with `Retry-After`: Slack is left alone for as long as it asked;
//! - an outage longer than the attempts: parked, listed, then every owed message once;
//! - `keel serve` killed (SIGKILL) between a post and hearing of it: nothing twice after restart.

use crate::common::app::TestApp;
use crate::common::console::TestServer;
use crate::common::slack::{Fault, SlackStandIn, Weather, assert_each_posted_once};
use crate::common::with_slack::{app_with_slack, eventually, serve_with_slack, slack_sink};
use crate::common::{TestDb, test_databases};
use crate::crash::{start_server_with, submit_change_order};
use crate::outbox::{
    DIANA, GUS, LUIS, MAX_ATTEMPTS, MORGAN, change_order, deliver_hourly, posted_to,
};
use chrono::Duration;

const RACHEL: &str = "UF522C1C1"; // S004, who approves Gus's large change orders
const CHANNEL: &str = "#change-orders";

/// Gus's change order of 18,000 on P001: Rachel approves it, and its card goes to the channel.
pub async fn large_change_order(app: &TestApp) -> String {
    let fields = [("project", "P001"), ("amount", "18000"), ("reason", "r")];
    app.submit("change_order", "S020", &fields).await.id
}

/// What each of `requests` owes: a DM to Rachel and a card in the channel.
fn owed(requests: &[String]) -> Vec<(&'static str, String)> {
    requests
        .iter()
        .flat_map(|id| {
            let asks = format!("asks you to approve Change order {id}.");
            [(RACHEL, asks.clone()), (CHANNEL, asks)]
        })
        .collect()
}

fn assert_owed_once(stand_in: &SlackStandIn, requests: &[String], label: &str) {
    let owed = owed(requests);
    let expected: Vec<(&str, &str)> = owed.iter().map(|(t, n)| (*t, n.as_str())).collect();
    assert_each_posted_once(stand_in, &expected, label);
}

#[tokio::test]
async fn a_post_slack_answered_with_500_is_found_in_the_conversation_not_posted_again() {
    for db in test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db, &[]).await;
        let label = db.label;
        let requests = vec![
            large_change_order(&app).await,
            large_change_order(&app).await,
        ];

        // The DMs are posted, but keel hears 500.
        stand_in.set_weather(Weather::PostedThen500);
        let delivered = app.keel.deliver_outbox(&sink).await.expect("a pass");
        assert_eq!(delivered, 0, "[{label}]");
        for id in &requests {
            assert_eq!(
                stand_in.posted(RACHEL, id),
                1,
                "[{label}] {id} reached Slack"
            );
        }
        // The retry finds the DMs and posts the channel cards, whose answers are lost too.
        app.clock.advance(Duration::minutes(1));
        let delivered = app.keel.deliver_outbox(&sink).await.expect("a pass");
        assert_eq!(delivered, 0, "[{label}]");
        assert!(stand_in.accepted("conversations.history") > 0, "[{label}]");
        // The channel's id is not known yet: it is found by name, and its card in its history.
        stand_in.set_weather(Weather::Fine);
        app.clock.advance(Duration::minutes(2));
        let delivered = app.keel.deliver_outbox(&sink).await.expect("a pass");
        assert_eq!(delivered, 2, "[{label}]");
        app.clock.advance(Duration::hours(2));
        app.keel.deliver_outbox(&sink).await.expect("a pass");

        assert_owed_once(&stand_in, &requests, label);
        let pending = app
            .keel
            .store()
            .outbox_pending_count()
            .await
            .expect("count");
        assert_eq!(pending, 0, "[{label}]");
    }
}

#[tokio::test]
async fn a_rate_limited_slack_is_left_alone_for_as_long_as_its_retry_after_says() {
    for db in test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db, &[]).await;
        let label = db.label;
        stand_in.set_retry_after(120);
        stand_in.set_weather(Weather::RateLimited);
        let requests = vec![large_change_order(&app).await];
        assert_eq!(app.keel.deliver_outbox(&sink).await.expect("a pass"), 0);
        let tried = stand_in.all_calls().len();
        assert!(tried > 0, "[{label}] keel tried");

        stand_in.set_weather(Weather::Fine);
        app.clock.advance(Duration::seconds(60));
        assert_eq!(app.keel.deliver_outbox(&sink).await.expect("a pass"), 0);
        assert_eq!(
            stand_in.all_calls().len(),
            tried,
            "[{label}] no call within the two minutes Slack asked for"
        );
        app.clock.advance(Duration::seconds(61));
        assert_eq!(app.keel.deliver_outbox(&sink).await.expect("a pass"), 1);
        assert_owed_once(&stand_in, &requests, label);
    }
}

#[tokio::test]
async fn keel_killed_between_posting_and_hearing_of_it_posts_nothing_twice_after_a_restart() {
    for db in test_databases().await {
        drop(TestApp::start(&db).await); // imports the directory and projects
        let stand_in = SlackStandIn::start().await;
        let env = stand_in.keel_env();
        stand_in.set_weather(Weather::PostedThenSilent);
        let (mut server, base) = start_server_with(&db, &env).await;
        let client = reqwest::Client::new();
        let mut requests = Vec::new();
        for key in ["k1", "k2", "k3"] {
            let id = submit_change_order(&client, &base, key, "18000.00").await;
            requests.push(id.expect("keel acknowledges the submission"));
        }
        // The first DM is in Slack and keel waits for the answer: kill it there.
        eventually("a post reaches Slack", async || {
            !stand_in.all_messages().is_empty()
        })
        .await;
        server.start_kill().expect("SIGKILL");
        server.wait().await.expect("keel exits");
        stand_in.set_weather(Weather::Fine);
        // The minute a dead deliverer's claim holds its notifications has passed.
        db.execute("update outbox set claimed_until = '2000-01-01T00:00:00.000000Z' where claimed_until is not null")
            .await;

        let (server, _) = start_server_with(&db, &env).await;
        delivered_once(&db, &stand_in, server, &requests).await;
    }
}

/// Waits until `keel serve` has delivered every notification, kills it, and checks that each of
/// `requests` reached Rachel and the channel once.
pub async fn delivered_once(
    db: &TestDb,
    stand_in: &SlackStandIn,
    mut server: tokio::process::Child,
    requests: &[String],
) {
    let undelivered = "select count(*) from outbox where delivered_at is null";
    eventually("every notification is delivered", async || {
        db.count(undelivered).await == 0
    })
    .await;
    server.start_kill().expect("SIGKILL");
    server.wait().await.expect("keel exits");
    assert_owed_once(stand_in, requests, db.label);
}

#[tokio::test]
async fn after_an_outage_longer_than_the_attempts_every_owed_message_arrives_once() {
    for db in test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db, MAX_ATTEMPTS).await;
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
        let mut owed = Vec::new();
        for (id, approver) in requests.iter().zip([RACHEL, DIANA, RACHEL]) {
            owed.push((approver, id.clone()));
            owed.push((CHANNEL, id.clone()));
            let notice = format!("could not deliver the request to approve of {id} (");
            owed.extend([GUS, MORGAN, LUIS].map(|told| (told, notice.clone())));
        }
        let owed: Vec<(&str, &str)> = owed.iter().map(|(t, n)| (*t, n.as_str())).collect();
        assert_each_posted_once(&stand_in, &owed, label);
        assert_eq!(stand_in.calls("chat.postMessage").len(), 15, "[{label}]");
    }
}

/// Timers fire every second, as the scheduler would on a busy day.
const TIMERS_EVERY_SECOND: (&str, &str) = ("KEEL_SCHEDULER_TICK_SECONDS", "1");

/// `Server::stop`, which must not wait for a call Slack never answers.
async fn stop_promptly(server: TestServer, label: &str) {
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), server.stop()).await;
    assert!(stopped.is_ok(), "[{label}] keel did not stop within 10 s");
}

#[tokio::test]
async fn a_hung_slack_call_holds_up_neither_other_requests_nor_timers() {
    for db in test_databases().await {
        let (stand_in, server) = serve_with_slack(
            &db,
            &[("KEEL_SLACK_TIMEOUT_SECONDS", "2"), TIMERS_EVERY_SECOND],
        )
        .await;
        let app = &server.app;
        let label = db.label;
        stand_in.set_fault(RACHEL, Some(Fault::Hang));
        change_order(app, "18000").await;
        app.keel.delivery_bell().ring();
        eventually("keel calls Slack for Rachel", async || {
            stand_in.refused_to(RACHEL) == 1
        })
        .await;

        let for_diana = change_order(app, "14000").await;
        app.keel.delivery_bell().ring();
        eventually("the card reaches Diana", async || {
            posted_to(&stand_in, DIANA, &for_diana) == 1
        })
        .await;
        // Tuesday 09:00: both requests have waited 8 business hours.
        app.clock.advance(Duration::days(1));
        eventually("Diana is reminded", async || {
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
        let (stand_in, server) = serve_with_slack(
            &db,
            &[("KEEL_SLACK_TIMEOUT_SECONDS", "120"), TIMERS_EVERY_SECOND],
        )
        .await;
        let label = db.label;
        stand_in.set_fault(RACHEL, Some(Fault::Hang));
        let id = change_order(&server.app, "18000").await;
        server.app.keel.delivery_bell().ring();
        eventually("keel calls Slack for Rachel", async || {
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

#[tokio::test]
async fn a_call_that_posts_and_never_answers_times_out_and_is_not_posted_again() {
    for db in test_databases().await {
        let timeout = [("KEEL_SLACK_TIMEOUT_SECONDS", "1")];
        let (stand_in, app, sink) = app_with_slack(&db, &timeout).await;
        let label = db.label;
        let requests = vec![large_change_order(&app).await];
        // Slack posts Rachel's DM and then hangs: keel gives up on the call after a second.
        stand_in.set_weather(Weather::PostedThenSilent);
        let delivered = app.keel.deliver_outbox(&sink).await.expect("a pass");
        assert_eq!(delivered, 0, "[{label}]");
        assert_eq!(stand_in.posted(RACHEL, &requests[0]), 1, "[{label}]");

        stand_in.set_weather(Weather::Fine);
        app.clock.advance(Duration::minutes(5));
        app.keel.deliver_outbox(&sink).await.expect("a pass");
        assert_owed_once(&stand_in, &requests, label);
        let pending = app
            .keel
            .store()
            .outbox_pending_count()
            .await
            .expect("count");
        assert_eq!(pending, 0, "[{label}]");
    }
}
