//! Slack over HTTP against a stand-in for its Web API: slash command → modal → an invalid field
//! answered inline → a valid submission → the card in the approver's DMs and the workflow's
//! channel → reject with a reason → the card updated in place → the requester told → resubmit →
//! approve; a stale button, an unknown user, forged and stale signatures; and Slack rate-limiting
//! and failing for a while with every notification still arriving exactly once.

use crate::common::console::{Mode, TestServer};
use crate::common::slack::{
    APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackStandIn, Weather, signed_headers,
};
use crate::common::test_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const GUS: &str = "UD0E08E68"; // S020, superintendent on P001
const RACHEL: &str = "UF522C1C1"; // S004, director of operations
const DIANA: &str = "U22A588F82"; // S016, manager of P001

struct Slack<'a> {
    server: &'a TestServer,
    client: reqwest::Client,
}

impl Slack<'_> {
    fn of(server: &TestServer) -> Slack<'_> {
        Slack {
            server,
            client: reqwest::Client::new(),
        }
    }

    /// Posts a form-encoded body to keel as Slack would, signed at `timestamp`.
    async fn post_signed(
        &self,
        path: &str,
        body: String,
        timestamp: i64,
        secret: &str,
    ) -> (StatusCode, String) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.server.base))
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in signed_headers(body.as_bytes(), timestamp, secret) {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.expect("POST to keel");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    async fn post(&self, path: &str, body: String) -> (StatusCode, String) {
        self.post_signed(path, body, chrono::Utc::now().timestamp(), SIGNING_SECRET)
            .await
    }

    async fn command(&self, user: &str, command: &str, trigger: &str) -> (StatusCode, String) {
        self.command_with_text(user, command, "", trigger).await
    }

    async fn command_with_text(
        &self,
        user: &str,
        command: &str,
        text: &str,
        trigger: &str,
    ) -> (StatusCode, String) {
        let body = serde_urlencoded::to_string([
            ("command", command),
            ("text", text),
            ("user_id", user),
            ("trigger_id", trigger),
            ("channel_id", "C0GENERAL"),
        ])
        .expect("form");
        self.post("/slack/commands", body).await
    }

    async fn interaction(&self, payload: Value) -> (StatusCode, String) {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form");
        self.post("/slack/interactions", body).await
    }

    async fn submit(&self, user: &str, view: &Value, values: Value) -> (StatusCode, String) {
        self.interaction(json!({
            "type": "view_submission", "user": { "id": user },
            "view": { "callback_id": view["callback_id"], "private_metadata": view["private_metadata"],
                "blocks": view["blocks"], "state": { "values": values } },
        }))
        .await
    }

    async fn click(
        &self,
        user: &str,
        action: &str,
        request_id: &str,
        trigger: &str,
    ) -> (StatusCode, String) {
        self.interaction(json!({
            "type": "block_actions", "user": { "id": user }, "trigger_id": trigger,
            "channel": { "id": format!("D{}", &user[1..]) },
            "actions": [{ "action_id": action, "value": format!("{request_id}:0") }],
        }))
        .await
    }
}

/// keel with Slack on over HTTP, pointed at a fresh stand-in (the console closed, so Slack is
/// the only platform).
async fn start_with_slack(db: &crate::common::TestDb) -> (SlackStandIn, TestServer) {
    start_with_slack_over(db, "http").await
}

/// As [`start_with_slack`], over `mode` (`http`, or `socket` with the app token).
async fn start_with_slack_over(
    db: &crate::common::TestDb,
    mode: &str,
) -> (SlackStandIn, TestServer) {
    let stand_in = SlackStandIn::start().await;
    let env = [
        ("KEEL_SLACK_ENABLED", "true"),
        ("KEEL_SLACK_MODE", mode),
        ("KEEL_SLACK_API_URL", stand_in.api_url.as_str()),
        ("KEEL_SLACK_BOT_TOKEN", BOT_TOKEN),
        ("KEEL_SLACK_SIGNING_SECRET", SIGNING_SECRET),
        ("KEEL_SLACK_APP_TOKEN", APP_TOKEN),
    ];
    let server = TestServer::start_with_env(db, Mode::Closed, &env).await;
    (stand_in, server)
}

fn text_input(value: &str) -> Value {
    json!({ "value": { "type": "plain_text_input", "value": value } })
}

fn change_order(amount: &str) -> Value {
    json!({
        "project": { "value": { "type": "external_select", "selected_option": { "value": "P001" } } },
        "amount": { "value": { "type": "number_input", "value": amount } },
        "reason": text_input("Rock at footing 4"),
    })
}

/// Waits until `check` holds of the stand-in (deliveries happen in the background).
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The last view keel opened.
fn last_view(stand_in: &SlackStandIn) -> Value {
    stand_in
        .calls("views.open")
        .last()
        .map(|c| c["view"].clone())
        .expect("a view was opened")
}

fn posted_to(stand_in: &SlackStandIn, target: &str, needle: &str) -> usize {
    stand_in
        .calls("chat.postMessage")
        .iter()
        .filter(|c| c["channel"] == target && c.to_string().contains(needle))
        .count()
}

#[tokio::test]
async fn a_change_order_goes_through_slack_from_slash_command_to_approval() {
    for db in test_databases().await {
        let (stand_in, server) = start_with_slack(&db).await;
        let slack = Slack::of(&server);
        let label = db.label;

        let (status, body) = slack.command(GUS, "/changeorder", "t-1").await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");
        let view = last_view(&stand_in);
        assert_eq!(view["callback_id"], "submit:change_order", "[{label}]");

        let (status, body) = slack.submit(GUS, &view, change_order("lots")).await;
        assert_eq!(status, StatusCode::OK);
        let answer: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(answer["response_action"], "errors", "[{label}] {body}");
        assert!(answer["errors"]["amount"].is_string(), "[{label}] {body}");
        let (status, body) = slack.submit(GUS, &view, change_order("18000")).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, ""), "[{label}]");

        eventually("the card reaches Rachel", || {
            posted_to(&stand_in, RACHEL, "CO-1001") == 1
        })
        .await;
        eventually("the card reaches #change-orders", || {
            posted_to(&stand_in, "#change-orders", "CO-1001") == 1
        })
        .await;
        let card = stand_in
            .calls("chat.postMessage")
            .into_iter()
            .find(|c| c["channel"] == RACHEL)
            .expect("card");
        let actions = card["blocks"]
            .as_array()
            .and_then(|b| b.iter().find(|b| b["type"] == "actions"))
            .cloned();
        assert_eq!(
            actions.map(|a| a["elements"].as_array().map(Vec::len)),
            Some(Some(3))
        );

        let (status, _) = slack.click(RACHEL, "reject", "CO-1001", "t-2").await;
        assert_eq!(status, StatusCode::OK);
        let reason_form = last_view(&stand_in);
        assert_eq!(reason_form["callback_id"], "reject:CO-1001:0", "[{label}]");
        let (status, body) = slack
            .submit(
                RACHEL,
                &reason_form,
                json!({ "reason": text_input("Split it: 14k now") }),
            )
            .await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, ""), "[{label}]");
        eventually("both cards are updated in place", || {
            stand_in
                .calls("chat.update")
                .iter()
                .filter(|c| c.to_string().contains("Rejected"))
                .count()
                == 2
        })
        .await;
        eventually("Gus is told", || {
            posted_to(&stand_in, GUS, "was rejected by Rachel Kim") == 1
        })
        .await;

        // The card's buttons once the step has moved on: an explanation, never a second decision.
        let (status, _) = slack.click(RACHEL, "approve", "CO-1001", "t-3").await;
        assert_eq!(status, StatusCode::OK);
        eventually("the stale click is explained", || {
            stand_in.calls("chat.postEphemeral").iter().any(|c| {
                c["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("already rejected"))
            })
        })
        .await;

        // Slack rate-limits, then fails, while the resubmission's notifications are due.
        slack.command(GUS, "/changeorder", "t-4").await;
        let view = last_view(&stand_in);
        stand_in.set_weather(Weather::RateLimited);
        let (status, _) = slack.submit(GUS, &view, change_order("14000")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "[{label}] keel takes the submission while Slack is away"
        );
        eventually("keel tried", || {
            stand_in.all_calls().iter().any(|c| !c.accepted)
        })
        .await;
        stand_in.set_weather(Weather::Down);
        server.app.clock.advance(chrono::Duration::seconds(30));
        server.app.keel.delivery_bell().ring();
        tokio::time::sleep(Duration::from_millis(300)).await;
        stand_in.set_weather(Weather::Fine);
        server.app.clock.advance(chrono::Duration::minutes(2));
        server.app.keel.delivery_bell().ring();
        eventually("the card reaches Diana once Slack is back", || {
            posted_to(&stand_in, DIANA, "CO-1002") == 1
        })
        .await;

        let (status, _) = slack.click(DIANA, "approve", "CO-1002", "t-5").await;
        assert_eq!(status, StatusCode::OK);
        eventually("Gus hears of the approval", || {
            posted_to(&stand_in, GUS, "was approved") == 1
        })
        .await;
        // However often Slack failed, each notification arrived once.
        let mut seen = std::collections::HashSet::new();
        for call in stand_in.calls("chat.postMessage") {
            if call["blocks"].as_array().is_some_and(|b| !b.is_empty()) {
                assert!(
                    seen.insert((call["channel"].clone(), call["text"].clone())),
                    "[{label}] twice: {call}"
                );
            }
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn a_modal_refuses_an_amount_of_zero_or_less_next_to_the_field_and_stores_nothing() {
    for db in test_databases().await {
        let (stand_in, server) = start_with_slack(&db).await;
        let slack = Slack::of(&server);
        let label = db.label;
        slack.command(GUS, "/changeorder", "t-1").await;
        let view = last_view(&stand_in);
        for amount in ["-5", "0"] {
            let (status, body) = slack.submit(GUS, &view, change_order(amount)).await;
            assert_eq!(status, StatusCode::OK, "[{label}] {body}");
            let answer: Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(answer["response_action"], "errors", "[{label}] {body}");
            assert_eq!(
                answer["errors"]["amount"], "must be at least 0.01",
                "[{label}] {body}"
            );
        }
        let stored = server.app.keel.list_requests(&Default::default()).await;
        assert_eq!(stored.expect("listing").len(), 0, "[{label}]");
        server.stop().await;
    }
}

#[tokio::test]
async fn slack_requests_with_a_bad_signature_or_from_strangers_change_nothing() {
    for db in test_databases().await {
        let (stand_in, server) = start_with_slack(&db).await;
        let slack = Slack::of(&server);
        let label = db.label;
        let body = "command=%2Fchangeorder&text=&user_id=UD0E08E68&trigger_id=t-1".to_string();
        let now = chrono::Utc::now().timestamp();

        let (status, _) = slack
            .post_signed("/slack/commands", body.clone(), now, "not-the-secret")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] forged");
        let (status, _) = slack
            .post_signed("/slack/commands", body.clone(), now - 600, SIGNING_SECRET)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] stale");
        let unsigned = slack
            .client
            .post(format!("{}/slack/commands", server.base))
            .body(body)
            .send()
            .await
            .expect("POST");
        assert_eq!(
            unsigned.status(),
            StatusCode::UNAUTHORIZED,
            "[{label}] unsigned"
        );
        assert!(
            stand_in.all_calls().is_empty(),
            "[{label}] nothing reached Slack"
        );

        let (status, body) = slack.command("U0STRANGER", "/changeorder", "t-2").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("does not know your Slack account"),
            "[{label}] {body}"
        );
        assert!(body.contains("ephemeral"), "[{label}] {body}");
        assert_eq!(stand_in.accepted("views.open"), 0, "[{label}]");

        // A member the directory does not map is found by the email Slack has for them.
        let (status, body) = slack.command("U0UNMAPPED", "/changeorder", "t-3").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, ""),
            "[{label}] {body}"
        );
        assert_eq!(stand_in.accepted("views.open"), 1, "[{label}]");

        // A trigger Slack no longer accepts: the person is told to try again.
        let (_, body) = slack.command(GUS, "/changeorder", "expired").await;
        assert!(body.contains("expired_trigger_id"), "[{label}] {body}");
        let requests = server
            .app
            .keel
            .list_requests(&Default::default())
            .await
            .expect("requests");
        assert!(requests.is_empty(), "[{label}]");
        server.stop().await;
    }
}

#[tokio::test]
async fn an_event_slack_delivers_again_is_acted_on_once_and_pickers_get_their_options() {
    for db in test_databases().await {
        let (stand_in, server) = start_with_slack(&db).await;
        let slack = Slack::of(&server);
        let label = db.label;
        let challenge = json!({ "type": "url_verification", "challenge": "c-123" }).to_string();
        let (status, body) = slack.post("/slack/events", challenge).await;
        assert_eq!(
            (status, body.contains("c-123")),
            (StatusCode::OK, true),
            "[{label}] {body}"
        );

        let opened = json!({
            "type": "event_callback", "event_id": "Ev0001",
            "event": { "type": "app_home_opened", "user": RACHEL, "tab": "home" },
        })
        .to_string();
        for _retry in 0..3 {
            let (status, _) = slack.post("/slack/events", opened.clone()).await;
            assert_eq!(status, StatusCode::OK, "[{label}]");
        }
        let published = stand_in.calls("views.publish");
        assert_eq!(published.len(), 1, "[{label}] one event, one Home refresh");
        assert_eq!(published[0]["user_id"], RACHEL);
        assert!(
            published[0].to_string().contains("Waiting for you"),
            "[{label}]"
        );

        let suggestion = json!({
            "type": "block_suggestion", "user": { "id": GUS }, "block_id": "project",
            "action_id": "value", "value": "bayview",
            "view": { "callback_id": "submit:change_order" },
        });
        let body =
            serde_urlencoded::to_string([("payload", suggestion.to_string())]).expect("form");
        let (status, body) = slack.post("/slack/options", body).await;
        assert_eq!(status, StatusCode::OK, "[{label}]");
        let options: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(options["options"][0]["value"], "P001", "[{label}] {body}");
        assert!(
            options["options"][0]["text"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("Bayview"))
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn over_socket_mode_a_command_opens_its_form_and_a_submission_is_answered_in_the_ack() {
    for db in test_databases().await {
        let (stand_in, server) = start_with_slack_over(&db, "socket").await;
        let label = db.label;

        let command = json!({ "command": "/changeorder", "text": "", "user_id": GUS,
            "trigger_id": "t-1", "channel_id": "C0GENERAL" });
        let ack = stand_in.envelope("slash_commands", command, true).await;
        assert!(
            ack.get("payload").is_none(),
            "[{label}] a form opens, nothing to say: {ack}"
        );
        let view = last_view(&stand_in);
        assert_eq!(view["callback_id"], "submit:change_order", "[{label}]");

        let submission = |values: Value| {
            json!({ "type": "view_submission", "user": { "id": GUS },
                "view": { "callback_id": view["callback_id"], "private_metadata": view["private_metadata"],
                    "blocks": view["blocks"], "state": { "values": values } } })
        };
        let ack = stand_in
            .envelope("interactive", submission(change_order("lots")), true)
            .await;
        assert_eq!(
            ack["payload"]["response_action"], "errors",
            "[{label}] {ack}"
        );
        assert!(
            ack["payload"]["errors"]["amount"].is_string(),
            "[{label}] {ack}"
        );
        let ack = stand_in
            .envelope("interactive", submission(change_order("18000")), true)
            .await;
        assert!(ack.get("payload").is_none(), "[{label}] {ack}");
        eventually("the card reaches Rachel", || {
            posted_to(&stand_in, RACHEL, "CO-1001") == 1
        })
        .await;

        let stranger = json!({ "command": "/changeorder", "text": "", "user_id": "U0STRANGER",
            "trigger_id": "t-2" });
        let ack = stand_in.envelope("slash_commands", stranger, true).await;
        let text = ack["payload"]["text"].as_str().unwrap_or_default();
        assert!(
            text.contains("does not know your Slack account"),
            "[{label}] {ack}"
        );

        let opened = json!({ "type": "event_callback", "event_id": "Ev0002",
            "event": { "type": "app_home_opened", "user": RACHEL } });
        stand_in.envelope("events_api", opened.clone(), false).await;
        stand_in.envelope("events_api", opened, false).await;
        assert_eq!(stand_in.accepted("views.publish"), 1, "[{label}]");
        server.stop().await;
    }
}

#[tokio::test]
async fn ask_in_slack_answers_privately_and_a_role_is_refused_what_it_may_not_see() {
    for db in crate::common::test_databases().await {
        let (stand_in, server) = start_with_slack(&db).await;
        let slack = Slack::of(&server);
        let label = server.app.label;
        let (status, body) = slack
            .command_with_text(
                DIANA,
                "/ask",
                "how many active projects are there?",
                "t-ask",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");
        let reply: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(reply["response_type"], "ephemeral", "[{label}] {reply}");
        let text = reply["text"].as_str().unwrap_or_default();
        assert!(text.contains("status is active is 17"), "[{label}] {text}");
        assert!(text.contains("How I got this"), "[{label}] {text}");
        // In blocks: the sentence, then how it was computed, each within Slack's limits.
        assert_eq!(reply["blocks"][0]["type"], "section", "[{label}] {reply}");
        assert!(
            reply["blocks"][0]["text"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("is 17")),
            "[{label}] {reply}"
        );
        assert_eq!(reply["blocks"][1]["type"], "context", "[{label}] {reply}");
        // Gus is a superintendent: approval limits are not his to see.
        let (_, body) = slack
            .command_with_text(GUS, "/ask", "average approval limit by role", "t-ask-2")
            .await;
        assert!(
            body.contains("you may not see approval limits"),
            "[{label}] {body}"
        );
        assert!(
            stand_in.calls("chat.postMessage").is_empty(),
            "[{label}] answers are private"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_declined_question_offers_buttons_that_ask_what_keel_can_answer() {
    for db in test_databases().await {
        let (stand_in, server) = start_with_slack(&db).await;
        let slack = Slack::of(&server);
        let label = db.label;
        let question = "which projects are behind schedule?";
        let (status, body) = slack
            .command_with_text(DIANA, "/ask", question, "t-ask")
            .await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");
        let reply: Value = serde_json::from_str(&body).expect("json");
        let text = reply["text"].as_str().unwrap_or_default();
        assert!(text.contains("did not understand"), "[{label}] {text}");
        let buttons = reply["blocks"][1]["elements"].as_array().cloned();
        let buttons = buttons.unwrap_or_else(|| panic!("[{label}] no buttons: {reply}"));
        assert!(
            !buttons.is_empty() && buttons.len() <= 3,
            "[{label}] {reply}"
        );
        let suggested = buttons[0]["value"].as_str().unwrap().to_string();
        // Clicking the button asks its question; the answer comes privately.
        let (status, _) = slack
            .interaction(json!({
                "type": "block_actions", "user": { "id": DIANA }, "trigger_id": "t-s",
                "channel": { "id": "C0GENERAL" },
                "actions": [{ "action_id": buttons[0]["action_id"], "value": suggested }],
            }))
            .await;
        assert_eq!(status, StatusCode::OK, "[{label}]");
        eventually("the suggested question is answered", || {
            stand_in.calls("chat.postEphemeral").iter().any(|c| {
                c["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("How I got this"))
            })
        })
        .await;
        server.stop().await;
    }
}

/// A comment that would ping everyone and disguise a link, were it sent to Slack raw.
const INJECTION: &str = "<!channel> <https://evil.example|https://keel.example/approve>";

#[tokio::test]
async fn what_people_type_reaches_slack_escaped_never_as_a_mention_or_a_link() {
    for db in test_databases().await {
        let (stand_in, server) = start_with_slack(&db).await;
        let slack = Slack::of(&server);
        let label = db.label;

        slack.command(GUS, "/changeorder", "t-1").await;
        let view = last_view(&stand_in);
        let mut values = change_order("18000");
        values["reason"] = text_input(INJECTION);
        let (status, body) = slack.submit(GUS, &view, values).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, ""), "[{label}]");
        eventually("the card reaches Rachel", || {
            posted_to(&stand_in, RACHEL, "CO-1001") == 1
        })
        .await;
        slack.click(RACHEL, "comment", "CO-1001", "t-2").await;
        let form = last_view(&stand_in);
        let comment = json!({ "reason": text_input(INJECTION) });
        let (status, _) = slack.submit(RACHEL, &form, comment).await;
        assert_eq!(status, StatusCode::OK, "[{label}]");
        eventually("Gus hears of the comment", || {
            posted_to(&stand_in, GUS, "CO-1001") >= 1
        })
        .await;
        let opened = json!({ "type": "event_callback", "event_id": "Ev-home",
            "event": { "type": "app_home_opened", "user": RACHEL } });
        slack.post("/slack/events", opened.to_string()).await;
        let (_, reply) = slack
            .command_with_text(GUS, "/keel", INJECTION, "t-3")
            .await;

        let raw = |text: &str| text.contains("<!channel>") || text.contains("<https://evil");
        assert!(!raw(&reply), "[{label}] a reply: {reply}");
        for call in stand_in.all_calls() {
            assert!(
                !raw(&call.body.to_string()),
                "[{label}] {}: {}",
                call.method,
                call.body
            );
        }
        let escaped = "&lt;!channel&gt; &lt;https://evil.example|https://keel.example/approve&gt;";
        assert!(
            stand_in
                .all_calls()
                .iter()
                .any(|c| c.method == "chat.postMessage" && c.body.to_string().contains(escaped)),
            "[{label}] the text reached Slack, escaped"
        );
        server.stop().await;
    }
}
