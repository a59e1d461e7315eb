//! `/ask` on Discord: an answer with a chart gets the chart as a private follow-up carrying the
//! PNG, and a declined question's suggestions come as buttons that ask them when clicked.

use crate::common::app::import_invoices;
use crate::common::console::{Mode, TestServer};
use crate::common::discord::{APPLICATION_ID, DiscordStandIn};
use crate::common::discord_user::DiscordUser;
use crate::common::test_databases;
use crate::common::with_slack::eventually;
use serde_json::{Value, json};

const CEO: &str = "151338405528747308"; // S001, Morgan Hale

fn question(text: &str) -> Value {
    json!([{ "name": "question", "type": 3, "value": text }])
}

#[tokio::test]
async fn an_answer_with_a_chart_gets_the_png_and_suggestions_are_buttons_that_ask() {
    for db in test_databases().await {
        let label = db.label;
        let discord_api = DiscordStandIn::start().await;
        let env = discord_api.keel_env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let server = TestServer::start_with_env(&db, Mode::Closed, &env).await;
        import_invoices(&server.app).await;
        let discord = DiscordUser::of(&server);

        let answer = discord
            .command(CEO, "ask", question("invoice total by vendor"))
            .await;
        assert_eq!(answer["type"], 4, "[{label}] {answer}");
        assert_eq!(answer["data"]["flags"], 64, "[{label}] private");
        let text = answer["data"]["content"].as_str().unwrap_or_default();
        assert!(text.contains("How I got this"), "[{label}] {text}");

        // The chart follows through the interaction's webhook, with the PNG attached.
        let route = format!("POST /webhooks/{APPLICATION_ID}/interaction-token");
        eventually("the chart follows the answer", async || {
            !discord_api.files().is_empty()
        })
        .await;
        let follow_up = discord_api.calls(&route).remove(0).body;
        assert_eq!(follow_up["flags"], 64, "[{label}] {follow_up}");
        assert_eq!(
            follow_up["attachments"][0]["id"], 0,
            "[{label}] {follow_up}"
        );
        let file = discord_api.files().remove(0);
        assert_eq!(file.filename, "keel-answer.png", "[{label}]");
        assert_eq!(file.content_type, "image/png", "[{label}]");
        assert!(file.bytes.starts_with(b"\x89PNG"), "[{label}] a PNG");

        // A declined question: its suggestions as buttons.
        let declined = discord
            .command(CEO, "ask", question("which projects are behind schedule?"))
            .await;
        let text = declined["data"]["content"].as_str().unwrap_or_default();
        assert!(text.contains("did not understand"), "[{label}] {text}");
        let buttons = declined["data"]["components"][0]["components"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("[{label}] no buttons: {declined}"));
        assert!(!buttons.is_empty(), "[{label}] {declined}");
        let custom_id = buttons[0]["custom_id"].as_str().unwrap().to_string();
        let suggested = custom_id
            .strip_prefix("ask?")
            .expect("a suggestion's button");
        assert!(custom_id.chars().count() <= 100, "[{label}] {custom_id}");
        assert!(text.contains(suggested), "[{label}] listed in words too");

        // Clicking it asks the suggestion, as the one who clicked.
        let mut click = DiscordUser::interaction(
            3,
            CEO,
            json!({ "custom_id": custom_id, "component_type": 2 }),
        );
        click["message"] = json!({ "id": "1", "channel_id": "chan-general" });
        let asked = discord.send(click).await;
        assert_eq!(asked["type"], 4, "[{label}] {asked}");
        let text = asked["data"]["content"].as_str().unwrap_or_default();
        assert!(text.contains("How I got this"), "[{label}] {text}");
        server.stop().await;
    }
}
