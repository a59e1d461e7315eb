//! Discord over its HTTP interactions endpoint against a stand-in for its REST API: slash
//! command → modal → an invalid submission answered privately → a valid one → the card in the
//! approver's DMs and the workflow's channel → reject with a reason → the cards edited → the
//! requester told → resubmit while Discord rate-limits, fails and hangs → approve, every message
//! arriving once; a stale button, an unknown user, forged and stale signatures, PING.

use crate::common::console::{Mode, TestServer};
use crate::common::discord::{DiscordStandIn, SEED, Weather, channel_id, dm_of};
use crate::common::discord_user::{DiscordUser, private_text};
use crate::common::test_databases;
use crate::common::with_slack::eventually;
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

const GUS: &str = "203010903685040004"; // S020, superintendent on P001
const RACHEL: &str = "747610826552877265"; // S004, director of operations
const DIANA: &str = "969905994296107359"; // S016, manager of P001

fn change_order(amount: &str) -> Vec<(&'static str, String)> {
    vec![
        ("project", "P001".into()),
        ("amount", amount.into()),
        ("reason", "Rock at footing 4 @everyone".into()),
    ]
}

async fn start(db: &crate::common::TestDb) -> (DiscordStandIn, TestServer) {
    let stand_in = DiscordStandIn::start().await;
    let env = stand_in.keel_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    (
        stand_in,
        TestServer::start_with_env(db, Mode::Closed, &env).await,
    )
}

#[tokio::test]
async fn a_change_order_goes_through_discord_from_slash_command_to_approval() {
    for db in test_databases().await {
        let (stand_in, server) = start(&db).await;
        let discord = DiscordUser::of(&server);
        let label = db.label;
        let cards = channel_id("change-orders");

        let form = discord.command(GUS, "changeorder", json!([])).await;
        assert_eq!(form["type"], 9, "[{label}] a modal: {form}");
        let modal = &form["data"];
        assert!(
            modal["custom_id"]
                .as_str()
                .unwrap()
                .starts_with("submit:change_order|")
        );
        assert!(modal["components"].as_array().unwrap().len() <= 5);
        assert!(
            modal["components"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["type"] == 18)
        );

        let values = change_order("lots");
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let invalid = private_text(&discord.submit(GUS, &form, &values).await);
        assert!(
            invalid.contains("Nothing was submitted"),
            "[{label}] {invalid}"
        );
        assert!(invalid.contains("Amount"), "[{label}] {invalid}");
        let values = change_order("18000");
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let submitted = private_text(&discord.submit(GUS, &form, &values).await);
        assert!(submitted.contains("CO-1001"), "[{label}] {submitted}");

        eventually("the card reaches Rachel's DMs", async || {
            stand_in.posted(&dm_of(RACHEL), "CO-1001") == 1
        })
        .await;
        eventually("the card reaches #change-orders", async || {
            stand_in.posted(&cards, "CO-1001") == 1
        })
        .await;

        // `/keel approvals` lists what waits for the one who asks, privately.
        let what = json!([{ "name": "what", "type": 3, "value": "approvals" }]);
        let waiting = private_text(&discord.command(RACHEL, "keel", what.clone()).await);
        assert!(waiting.contains("CO-1001"), "[{label}] {waiting}");
        let gus_waits_for = private_text(&discord.command(GUS, "keel", what).await);
        assert!(
            !gus_waits_for.contains("CO-1001"),
            "[{label}] {gus_waits_for}"
        );

        let card = stand_in.messages_in(&dm_of(RACHEL)).remove(0);
        let buttons = &card["components"][0]["components"];
        assert_eq!(
            buttons.as_array().map(Vec::len),
            Some(3),
            "[{label}] {card}"
        );
        assert_eq!(buttons[0]["custom_id"], "approve:CO-1001:0");
        assert_eq!(card["allowed_mentions"]["parse"], json!([]));
        assert!(
            !card.to_string().contains("@everyone"),
            "[{label}] escaped: {card}"
        );

        // Reject asks for a reason.
        let reason_form = discord.click(RACHEL, "reject", "CO-1001").await;
        assert_eq!(reason_form["type"], 9, "[{label}] {reason_form}");
        assert!(
            reason_form["data"]["custom_id"]
                .as_str()
                .unwrap()
                .starts_with("reject:CO-1001:0|")
        );
        let rejected = discord
            .submit(RACHEL, &reason_form, &[("reason", "Split it: 14k now")])
            .await;
        private_text(&rejected);
        eventually("both cards are edited", async || {
            stand_in.calls("PATCH /channels/").len() == 2
                && [dm_of(RACHEL), cards.clone()]
                    .iter()
                    .all(|c| stand_in.posted(c, "Rejected") == 1)
        })
        .await;
        let edited = stand_in.messages_in(&dm_of(RACHEL)).remove(0);
        assert_eq!(
            edited["components"],
            json!([]),
            "[{label}] no buttons left: {edited}"
        );
        eventually("Gus is told", async || {
            stand_in.posted(&dm_of(GUS), "was rejected by Rachel Kim") == 1
        })
        .await;

        // The card's buttons once the step has moved on: an explanation, never a decision.
        let stale = private_text(&discord.click(RACHEL, "approve", "CO-1001").await);
        assert!(stale.contains("already rejected"), "[{label}] {stale}");

        // Discord rate-limits, fails and hangs while the resubmission's notifications are due.
        stand_in.set_weather(Weather::RateLimited);
        let values = change_order("14000");
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let form = discord.command(GUS, "changeorder", json!([])).await;
        let resubmitted = private_text(&discord.submit(GUS, &form, &values).await);
        assert!(
            resubmitted.contains("CO-1002"),
            "[{label}] keel takes it while Discord is away"
        );
        eventually("keel tried", async || stand_in.refused() > 0).await;
        for weather in [Weather::Down, Weather::Hung] {
            stand_in.set_weather(weather);
            server.app.clock.advance(chrono::Duration::minutes(2));
            server.app.keel.delivery_bell().ring();
            tokio::time::sleep(Duration::from_millis(1_500)).await;
        }
        stand_in.set_weather(Weather::Fine);
        for _ in 0..3 {
            server.app.clock.advance(chrono::Duration::minutes(5));
            server.app.keel.delivery_bell().ring();
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        eventually("the card reaches Diana once Discord is back", async || {
            server.app.clock.advance(chrono::Duration::minutes(5));
            server.app.keel.delivery_bell().ring();
            stand_in.posted(&dm_of(DIANA), "CO-1002") == 1
        })
        .await;

        let approved = private_text(&discord.click(DIANA, "approve", "CO-1002").await);
        assert!(approved.contains("CO-1002"), "[{label}] {approved}");
        eventually("Gus hears of the approval", async || {
            stand_in.posted(&dm_of(GUS), "was approved") == 1
        })
        .await;
        // However often Discord failed, each message arrived once.
        let mut seen = std::collections::HashSet::new();
        for message in stand_in.all_messages() {
            assert!(
                seen.insert((message["channel_id"].clone(), message["nonce"].clone())),
                "[{label}] twice: {message}"
            );
        }
        assert_eq!(stand_in.posted(&cards, "CO-1002"), 1, "[{label}]");
        server.stop().await;
    }
}

#[tokio::test]
async fn discord_requests_with_a_bad_or_stale_signature_or_from_strangers_change_nothing() {
    for db in test_databases().await {
        let (stand_in, server) = start(&db).await;
        let discord = DiscordUser::of(&server);
        let label = db.label;
        let now = chrono::Utc::now().timestamp();

        let (status, pong) = discord.post_signed(&json!({ "type": 1 }), now, &SEED).await;
        assert_eq!(
            (status, pong),
            (StatusCode::OK, json!({ "type": 1 })),
            "[{label}] PING"
        );

        let command = DiscordUser::interaction(2, GUS, json!({ "name": "changeorder" }));
        let (status, _) = discord.post_signed(&command, now, &[7; 32]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] forged");
        let (status, _) = discord.post_signed(&command, now - 3_600, &SEED).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] stale");
        let unsigned = discord
            .client
            .post(format!("{}/discord/interactions", server.base))
            .body(command.to_string())
            .send()
            .await
            .expect("POST");
        assert_eq!(
            unsigned.status(),
            StatusCode::UNAUTHORIZED,
            "[{label}] unsigned"
        );

        let stranger = private_text(&discord.command("123456789", "changeorder", json!([])).await);
        assert!(
            stranger.contains("keel does not know your Discord account"),
            "[{label}] {stranger}"
        );
        let stranger_click = private_text(&discord.click("123456789", "approve", "CO-1001").await);
        assert!(
            stranger_click.contains("does not know"),
            "[{label}] {stranger_click}"
        );
        assert!(
            stand_in.all_messages().is_empty(),
            "[{label}] nothing was posted"
        );
        assert_eq!(
            db.count("select count(*) from requests").await,
            0,
            "[{label}]"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn keel_discord_register_puts_the_commands_in_the_server_and_invite_asks_for_what_keel_needs()
{
    for db in test_databases().await {
        let (stand_in, server) = start(&db).await;
        let config = &server.app.keel.config;
        let said = keel::chat::discord::commands::register(config)
            .await
            .expect("registered");
        assert!(
            said.contains("/changeorder /expense /po /keel /ask") || said.contains("/changeorder"),
            "{said}"
        );
        let put = stand_in.calls("PUT /applications/100000000000000001/guilds/");
        let names: Vec<&str> = put[0]
            .body
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        for name in ["changeorder", "expense", "po", "keel", "ask"] {
            assert!(names.contains(&name), "[{}] {names:?}", db.label);
        }
        let invite = keel::chat::discord::commands::invite_url(config).unwrap();
        assert!(invite.contains("client_id=100000000000000001"), "{invite}");
        assert!(
            invite.contains("scope=bot+applications.commands"),
            "{invite}"
        );
        assert!(invite.contains("permissions=117760"), "{invite}");
        server.stop().await;
    }
}
