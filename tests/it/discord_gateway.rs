//! Discord over the gateway (the default mode) against the stand-in's WebSocket: keel fetches
//! the URL, IDENTIFYs with the bot token and no intents, and answers each `INTERACTION_CREATE`
//! by the interaction's callback route: command → modal → invalid, valid submission → card →
//! approve. Then the gateway asks keel to reconnect, drops the connection without a word,
//! stops acknowledging heartbeats, rate-limits a callback and refuses a RESUME, while interactions are dispatched: each is answered once, none lost,
//! including one Discord sends twice.

use crate::common::console::{Mode, TestServer};
use crate::common::discord::{DiscordStandIn, Weather, channel_id, dm_of};
use crate::common::discord_user::{self, DiscordUser, private_text};
use crate::common::test_databases;
use crate::common::with_slack::eventually;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const GUS: &str = "203010903685040004"; // S020, superintendent on P001
const DIANA: &str = "969905994296107359"; // S016, manager of P001

/// Sends interactions the way Discord's gateway does, and reads keel's callbacks.
struct Gateway<'a> {
    stand_in: &'a DiscordStandIn,
    next: AtomicU64,
}

impl Gateway<'_> {
    /// `interaction` with an id and token of its own, as each of Discord's has.
    fn numbered(&self, mut interaction: Value) -> Value {
        let id = 300_000_000_000_000_000 + self.next.fetch_add(1, Ordering::SeqCst);
        interaction["id"] = json!(id.to_string());
        interaction["token"] = json!(format!("token-{id}"));
        interaction
    }

    fn callbacks_for(&self, interaction: &Value) -> Vec<Value> {
        let route = format!(
            "POST /interactions/{}/",
            interaction["id"].as_str().unwrap()
        );
        self.stand_in
            .calls(&route)
            .into_iter()
            .map(|c| c.body)
            .collect()
    }

    /// Dispatches `interaction` (now, or on keel's RESUME) and waits for keel's answer.
    async fn send(&self, interaction: Value) -> Value {
        self.stand_in.gateway.dispatch(interaction.clone());
        self.answer_to(&interaction).await
    }

    async fn answer_to(&self, interaction: &Value) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(answer) = self.callbacks_for(interaction).pop() {
                return answer;
            }
            assert!(Instant::now() < deadline, "no callback for {interaction}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn command(&self, user: &str, name: &str) -> Value {
        let data = json!({ "name": name, "type": 1 });
        self.numbered(DiscordUser::interaction(2, user, data))
    }

    fn click(&self, user: &str, action: &str, request_id: &str) -> Value {
        self.numbered(discord_user::click(user, action, request_id))
    }

    fn submit(&self, user: &str, modal: &Value, values: &[(&str, &str)]) -> Value {
        self.numbered(discord_user::submission(user, modal, values))
    }
}

const CHANGE_ORDER: [(&str, &str); 3] = [
    ("project", "P001"),
    ("amount", "14000"),
    ("reason", "Rock at footing 4"),
];

async fn start(db: &crate::common::TestDb) -> (DiscordStandIn, TestServer) {
    let stand_in = DiscordStandIn::start().await;
    let env = stand_in.keel_env_gateway();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let server = TestServer::start_with_env(db, Mode::Closed, &env).await;
    eventually("keel identifies on the gateway", async || {
        stand_in.gateway.connected()
    })
    .await;
    (stand_in, server)
}

#[tokio::test]
async fn a_change_order_goes_through_discord_over_the_gateway() {
    for db in test_databases().await {
        let (stand_in, server) = start(&db).await;
        let label = db.label;
        let gateway = Gateway {
            stand_in: &stand_in,
            next: AtomicU64::new(1),
        };
        let identify = stand_in.gateway.0.lock().unwrap().identifies[0].clone();
        assert_eq!(identify["d"]["token"], "discord-test-bot-token");
        assert_eq!(identify["d"]["intents"], 0, "[{label}] no intents needed");
        // Never both: in gateway mode the HTTP endpoint is not served.
        let endpoint = reqwest::Client::new()
            .post(format!("{}/discord/interactions", server.base))
            .body("{}")
            .send()
            .await
            .expect("POST");
        assert_eq!(
            endpoint.status(),
            reqwest::StatusCode::NOT_FOUND,
            "[{label}]"
        );

        let form = gateway.send(gateway.command(GUS, "changeorder")).await;
        assert_eq!(form["type"], 9, "[{label}] a modal: {form}");
        let invalid = gateway.submit(GUS, &form, &[("project", "P001"), ("amount", "lots")]);
        let invalid = private_text(&gateway.send(invalid).await);
        assert!(
            invalid.contains("Nothing was submitted"),
            "[{label}] {invalid}"
        );
        let submitted = private_text(
            &gateway
                .send(gateway.submit(GUS, &form, &CHANGE_ORDER))
                .await,
        );
        assert!(submitted.contains("CO-1001"), "[{label}] {submitted}");
        eventually("the card reaches Diana's DMs", async || {
            stand_in.posted(&dm_of(DIANA), "CO-1001") == 1
        })
        .await;
        let approved = private_text(
            &gateway
                .send(gateway.click(DIANA, "approve", "CO-1001"))
                .await,
        );
        assert!(approved.contains("CO-1001"), "[{label}] {approved}");
        eventually("Gus hears of the approval", async || {
            stand_in.posted(&dm_of(GUS), "was approved") == 1
        })
        .await;
        eventually("the cards are edited", async || {
            stand_in.posted(&dm_of(DIANA), "Approved") == 1
        })
        .await;
        server.stop().await;
        eventually("shutdown closes the gateway", async || {
            !stand_in.gateway.connected()
        })
        .await;
    }
}

#[tokio::test]
async fn keel_resumes_the_gateway_and_no_interaction_is_lost_or_answered_twice() {
    for db in test_databases().await {
        let (stand_in, server) = start(&db).await;
        let label = db.label;
        let gateway = Gateway {
            stand_in: &stand_in,
            next: AtomicU64::new(1),
        };
        let form = gateway.send(gateway.command(GUS, "changeorder")).await;

        // Op 7: the submission is dispatched while keel is away and replayed on its RESUME.
        stand_in.gateway.ask_to_reconnect();
        let submitted = private_text(
            &gateway
                .send(gateway.submit(GUS, &form, &CHANGE_ORDER))
                .await,
        );
        assert!(submitted.contains("CO-1001"), "[{label}] {submitted}");
        let resumes = stand_in.gateway.resumes();
        assert_eq!(resumes.len(), 1, "[{label}] {resumes:?}");
        assert_eq!(resumes[0].0, "/resume", "[{label}] at READY's resume URL");
        assert!(resumes[0].1.is_some(), "[{label}] with its sequence number");
        eventually("the card reaches Diana's DMs", async || {
            stand_in.posted(&dm_of(DIANA), "CO-1001") == 1
        })
        .await;

        // The connection drops without a word; the click waits for the RESUME.
        stand_in.gateway.drop_connection();
        let click = gateway.click(DIANA, "approve", "CO-1001");
        let approved = private_text(&gateway.send(click.clone()).await);
        assert!(approved.contains("CO-1001"), "[{label}] {approved}");
        assert_eq!(stand_in.gateway.resumes().len(), 2, "[{label}]");

        // Discord sends the same interaction again: answered once, acted on once.
        stand_in.gateway.dispatch(click.clone());
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert_eq!(gateway.callbacks_for(&click).len(), 1, "[{label}]");

        // Heartbeats go unacknowledged: keel drops the zombied connection and resumes.
        stand_in.gateway.set_silent(true);
        eventually("keel resumes after a missed ACK", async || {
            stand_in.gateway.resumes().len() == 3
        })
        .await;
        stand_in.gateway.set_silent(false);
        let comment = gateway.send(gateway.command(GUS, "keel")).await;
        assert_eq!(
            comment["type"], 4,
            "[{label}] answered after the resume: {comment}"
        );

        // Discord rate-limits the callback: keel tries again within the three seconds.
        stand_in.set_weather(Weather::RateLimited);
        let limited = gateway.command(GUS, "keel");
        stand_in.gateway.dispatch(limited.clone());
        eventually("the callback is refused", async || stand_in.refused() > 0).await;
        stand_in.set_weather(Weather::Fine);
        assert_eq!(gateway.answer_to(&limited).await["type"], 4, "[{label}]");

        // A RESUME refused (op 9): keel IDENTIFYs anew and goes on answering.
        stand_in.gateway.refuse_next_resume();
        stand_in.gateway.drop_connection();
        eventually("keel identifies again", async || {
            stand_in.gateway.identifies() == 2 && stand_in.gateway.connected()
        })
        .await;
        let stale = private_text(
            &gateway
                .send(gateway.click(DIANA, "approve", "CO-1001"))
                .await,
        );
        assert!(stale.contains("already approved"), "[{label}] {stale}");

        eventually("Gus hears of the approval", async || {
            stand_in.posted(&dm_of(GUS), "was approved") == 1
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(stand_in.posted(&dm_of(GUS), "was approved"), 1, "[{label}]");
        assert_eq!(stand_in.posted(&channel_id("change-orders"), "CO-1001"), 1);
        assert_eq!(
            db.count("select count(*) from requests").await,
            1,
            "[{label}]"
        );
        let heartbeats = stand_in.gateway.0.lock().unwrap().heartbeats;
        assert!(heartbeats > 0, "[{label}]");
        server.stop().await;
    }
}
