//! One keel serving Slack, Discord and the console at once: a change order submitted on Discord
//! is approved from Slack, and every card on both platforms shows the decision, each message
//! posted once; and Discord hung or failing does not delay Slack's cards.

use crate::common::TestDb;
use crate::common::console::{Mode, TestServer};
use crate::common::discord::{DiscordStandIn, Weather, channel_id, dm_of};
use crate::common::discord_user::{DiscordUser, private_text};
use crate::common::slack::{self, SIGNING_SECRET, SlackStandIn};
use crate::common::test_databases;
use crate::common::with_slack::eventually;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Gus (S020) and Diana (S016, who approves change orders on P001 up to her limit), on each
/// platform.
const GUS_DISCORD: &str = "203010903685040004";
const DIANA_DISCORD: &str = "969905994296107359";
const GUS_SLACK: &str = "UD0E08E68";
const DIANA_SLACK: &str = "U22A588F82";

/// keel serving with both platforms pointed at fresh stand-ins, the console open to sign-in
/// links; `discord_timeout` is how long keel waits for Discord to answer a call.
async fn serve_both(
    db: &TestDb,
    discord_timeout: &str,
) -> (SlackStandIn, DiscordStandIn, TestServer) {
    let slack = SlackStandIn::start().await;
    let discord = DiscordStandIn::start().await;
    let mut env = slack.keel_env();
    env.extend(
        discord
            .keel_env()
            .into_iter()
            .filter(|(name, _)| *name != "KEEL_DISCORD_TIMEOUT_SECONDS"),
    );
    env.push(("KEEL_DISCORD_TIMEOUT_SECONDS", discord_timeout.into()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with_env(db, Mode::Links, &env).await;
    (slack, discord, server)
}

/// Diana clicks Approve on a Slack card, as Slack posts the click to keel.
async fn approve_on_slack(server: &TestServer, user: &str, request_id: &str) {
    let payload = json!({
        "type": "block_actions", "user": { "id": user }, "trigger_id": "t-approve",
        "channel": { "id": format!("D{}", &user[1..]) },
        "actions": [{ "action_id": "approve", "value": format!("{request_id}:0") }],
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form");
    let now = chrono::Utc::now().timestamp();
    let mut request = reqwest::Client::new()
        .post(format!("{}/slack/interactions", server.base))
        .header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in slack::signed_headers(body.as_bytes(), now, SIGNING_SECRET) {
        request = request.header(name, value);
    }
    let response = request.body(body).send().await.expect("POST to keel");
    assert_eq!(response.status(), StatusCode::OK);
}

/// A change order Gus submits through Discord's modal; its id.
async fn change_order_on_discord(discord: &DiscordUser<'_>, amount: &str) -> String {
    let form = discord.command(GUS_DISCORD, "changeorder", json!([])).await;
    assert_eq!(form["type"], 9, "a modal: {form}");
    let values = [
        ("project", "P001"),
        ("amount", amount),
        ("reason", "Rock at footing 4"),
    ];
    let said = private_text(&discord.submit(GUS_DISCORD, &form, &values).await);
    let id = said
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .find(|word| word.starts_with("CO-"))
        .unwrap_or_else(|| panic!("a request id in {said:?}"));
    id.to_string()
}

fn carries(message: &Value, needles: &[&str]) -> bool {
    let text = message.to_string();
    needles.iter().all(|needle| text.contains(needle))
}

#[tokio::test]
async fn a_change_order_submitted_on_discord_is_approved_from_slack_and_both_show_it() {
    for db in test_databases().await {
        let label = db.label;
        let (slack, discord_api, server) = serve_both(&db, "1").await;
        let discord = DiscordUser::of(&server);

        let id = change_order_on_discord(&discord, "14000").await;
        let discord_cards = [dm_of(DIANA_DISCORD), channel_id("change-orders")];
        let slack_cards = [DIANA_SLACK, "#change-orders"];
        eventually(
            "the card reaches Diana and #change-orders on both",
            async || {
                discord_cards
                    .iter()
                    .all(|c| discord_api.posted(c, &id) == 1)
                    && slack_cards.iter().all(|c| slack.posted(c, &id) == 1)
            },
        )
        .await;
        let in_console = server.app.keel.console_messages("@S016", 50).await.unwrap();
        assert!(
            in_console
                .iter()
                .any(|m| m.request_id.as_deref() == Some(id.as_str())),
            "[{label}] and in the console"
        );

        approve_on_slack(&server, DIANA_SLACK, &id).await;
        eventually(
            "every card on both platforms shows the approval",
            async || {
                let discord_done = discord_cards.iter().all(|c| {
                    let messages = discord_api.messages_in(c);
                    messages.len() == 1 && carries(&messages[0], &[&id, "Approved"])
                });
                let slack_done = slack_cards.iter().all(|c| {
                    let messages = slack.messages_of(c);
                    messages.len() == 1 && carries(&messages[0], &[&id, "Approved"])
                });
                discord_done && slack_done
            },
        )
        .await;
        eventually("Diana's one card in the console shows it too", async || {
            let messages = server.app.keel.console_messages("@S016", 50).await.unwrap();
            let cards: Vec<_> = messages
                .iter()
                .filter(|m| m.request_id.as_deref() == Some(id.as_str()))
                .filter_map(|m| m.card.as_ref())
                .collect();
            cards.len() == 1 && cards[0].status.contains("Approved")
        })
        .await;
        eventually("Gus hears of it on both", async || {
            discord_api.posted(&dm_of(GUS_DISCORD), "was approved") == 1
                && slack.posted(GUS_SLACK, "was approved") == 1
        })
        .await;
        for card in discord_cards
            .iter()
            .map(|c| discord_api.messages_in(c).remove(0))
        {
            assert_eq!(
                card["components"],
                json!([]),
                "[{label}] no buttons left: {card}"
            );
        }
        // A card's buttons after the decision explain; they never decide again.
        let stale = private_text(&discord.click(DIANA_DISCORD, "approve", &id).await);
        assert!(stale.contains("already approved"), "[{label}] {stale}");

        // Nothing more arrives later, and nothing arrived twice.
        server.app.clock.advance(chrono::Duration::minutes(10));
        server.app.keel.delivery_bell().ring();
        tokio::time::sleep(Duration::from_millis(500)).await;
        slack::assert_each_posted_once(
            &slack,
            &[
                (DIANA_SLACK, &id),
                ("#change-orders", &id),
                (GUS_SLACK, "was approved"),
            ],
            label,
        );
        let mut seen = std::collections::HashSet::new();
        for message in discord_api.all_messages() {
            assert!(
                seen.insert((message["channel_id"].clone(), message["nonce"].clone())),
                "[{label}] twice: {message}"
            );
        }
        assert_eq!(
            discord_api.posted(&dm_of(GUS_DISCORD), "was approved"),
            1,
            "[{label}]"
        );
        assert_eq!(
            server.app.keel.outbox_counts().await.unwrap().pending,
            0,
            "[{label}]"
        );
        server.stop().await;
    }
}

/// How long Slack's cards may take while Discord is away: far below keel's Discord timeout in
/// these tests (20 s), far above what delivery takes on a busy machine.
const PROMPTLY: Duration = Duration::from_secs(5);

#[tokio::test]
async fn discord_hung_or_failing_does_not_delay_slack() {
    for db in test_databases().await {
        let label = db.label;
        let (slack, discord_api, server) = serve_both(&db, "20").await;
        let change_order = async |amount: &str| {
            let fields = [("project", "P001"), ("amount", amount), ("reason", "Rock")];
            let id = server.app.submit("change_order", "S020", &fields).await.id;
            // As a chat platform's or the API's handler does.
            server.app.keel.delivery_bell().ring();
            id
        };
        for weather in [Weather::Down, Weather::Hung] {
            discord_api.set_weather(weather);
            // The first change order's Discord deliveries fail (or hang, until keel's timeout)
            // while the second's Slack cards are due.
            let refused = discord_api.refused();
            let first = change_order("12000").await;
            eventually("keel tried Discord", async || {
                discord_api.refused() > refused
            })
            .await;
            let started = Instant::now();
            let second = change_order("11000").await;
            while slack.posted("#change-orders", &second) == 0 {
                assert!(
                    started.elapsed() < PROMPTLY,
                    "[{label}] Discord {weather:?} held Slack's card for {:?}",
                    started.elapsed()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(slack.posted("#change-orders", &first), 1, "[{label}]");
        }
        assert!(
            discord_api.all_messages().is_empty(),
            "[{label}] Discord never answered"
        );
        server.stop().await;
    }
}
