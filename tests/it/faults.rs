//! Slack failing in the ways that make a careless deliverer post twice or hurry: answering 500
//! after it posted, rate-limiting with a long `Retry-After`, and `keel serve` killed (SIGKILL)
//! between a post and hearing of it. Each time, every recipient sees each message exactly once.

use crate::common::TestDb;
use crate::common::app::{TestApp, config_dir};
use crate::common::slack::{SlackStandIn, Weather, assert_each_posted_once};
use crate::crash::{TOKEN, start_server_with};
use keel::chat::ChatPort;
use keel::service::Sink;
use std::sync::Arc;
use std::time::{Duration, Instant};

const RACHEL: &str = "UF522C1C1"; // S004, who approves Gus's large change orders
const CHANNEL: &str = "#change-orders";

/// keel on `db` with Slack pointed at a fresh stand-in, and the Slack adapter as the outbox's
/// sink: the test runs each delivery pass itself, on the test's clock.
pub async fn with_slack(db: &TestDb) -> (SlackStandIn, TestApp, Sink) {
    let stand_in = SlackStandIn::start().await;
    let env = stand_in.keel_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::start_with_env(db, &config_dir(), &env).await;
    let slack = keel::chat::slack::Slack::new(app.keel.clone())
        .expect("Slack's settings are valid")
        .expect("Slack is enabled");
    let port: Arc<dyn ChatPort> = slack;
    (stand_in, app, Sink::Chat(vec![port]))
}

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
    for db in crate::common::test_databases().await {
        let (stand_in, app, sink) = with_slack(&db).await;
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
        app.clock.advance(chrono::Duration::minutes(1));
        let delivered = app.keel.deliver_outbox(&sink).await.expect("a pass");
        assert_eq!(delivered, 0, "[{label}]");
        assert!(stand_in.accepted("conversations.history") > 0, "[{label}]");
        // The channel's id is not known yet: it is found by name, and its card in its history.
        stand_in.set_weather(Weather::Fine);
        app.clock.advance(chrono::Duration::minutes(2));
        let delivered = app.keel.deliver_outbox(&sink).await.expect("a pass");
        assert_eq!(delivered, 2, "[{label}]");
        app.clock.advance(chrono::Duration::hours(2));
        app.keel.deliver_outbox(&sink).await.expect("a pass");

        assert_owed_once(&stand_in, &requests, label);
        let pending = app.keel.store.outbox_pending_count().await.expect("count");
        assert_eq!(pending, 0, "[{label}]");
    }
}

#[tokio::test]
async fn a_rate_limited_slack_is_left_alone_for_as_long_as_its_retry_after_says() {
    for db in crate::common::test_databases().await {
        let (stand_in, app, sink) = with_slack(&db).await;
        let label = db.label;
        stand_in.set_retry_after(120);
        stand_in.set_weather(Weather::RateLimited);
        let requests = vec![large_change_order(&app).await];
        assert_eq!(app.keel.deliver_outbox(&sink).await.expect("a pass"), 0);
        let tried = stand_in.all_calls().len();
        assert!(tried > 0, "[{label}] keel tried");

        stand_in.set_weather(Weather::Fine);
        app.clock.advance(chrono::Duration::seconds(60));
        assert_eq!(app.keel.deliver_outbox(&sink).await.expect("a pass"), 0);
        assert_eq!(
            stand_in.all_calls().len(),
            tried,
            "[{label}] no call within the two minutes Slack asked for"
        );
        app.clock.advance(chrono::Duration::seconds(61));
        assert_eq!(app.keel.deliver_outbox(&sink).await.expect("a pass"), 1);
        assert_owed_once(&stand_in, &requests, label);
    }
}

/// Submits Gus's large change order through the REST API; its id.
async fn submit_over_rest(client: &reqwest::Client, base: &str, key: &str) -> String {
    let body = serde_json::json!({
        "workflow": "change_order",
        "as": "S020",
        "fields": { "project": "P001", "amount": "18000.00", "reason": "r" },
        "idempotency_key": key,
    });
    let response = client
        .post(format!("{base}/api/v1/requests"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("keel answers");
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let json: serde_json::Value = response.json().await.expect("JSON");
    json["id"].as_str().expect("an id").to_string()
}

/// Waits (a generous minute) until `check` holds.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn keel_killed_between_posting_and_hearing_of_it_posts_nothing_twice_after_a_restart() {
    for db in crate::common::test_databases().await {
        drop(TestApp::start(&db).await); // imports the directory and projects
        let label = db.label;
        let stand_in = SlackStandIn::start().await;
        let env = stand_in.keel_env();
        stand_in.set_weather(Weather::PostedThenSilent);
        let (mut server, base) = start_server_with(&db, &env).await;
        let client = reqwest::Client::new();
        let mut requests = Vec::new();
        for key in ["k1", "k2", "k3"] {
            requests.push(submit_over_rest(&client, &base, key).await);
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

        let (mut server, _) = start_server_with(&db, &env).await;
        let undelivered = "select count(*) from outbox where delivered_at is null";
        eventually("every notification is delivered", async || {
            db.count(undelivered).await == 0
        })
        .await;
        server.start_kill().expect("SIGKILL");
        server.wait().await.expect("keel exits");
        assert_owed_once(&stand_in, &requests, label);
    }
}
