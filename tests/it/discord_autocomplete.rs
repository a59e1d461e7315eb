//! Type-ahead over projects and vendors on Discord, through a workflow command's options: the
//! registered command offers them autocompleted, keel answers what is typed with at most 25
//! matching records (nothing to strangers), and the command opens its modal with the picked
//! records already in place.

use crate::common::console::{Mode, TestServer};
use crate::common::discord::DiscordStandIn;
use crate::common::discord_user::{DiscordUser, private_text};
use crate::common::test_databases;
use serde_json::{Value, json};

const GUS: &str = "203010903685040004"; // S020, superintendent on P001

/// What Discord sends while Gus types `typed` in `/changeorder`'s `option`.
fn typing(user: &str, option: &str, typed: &str) -> Value {
    let options = json!([{ "name": option, "type": 3, "value": typed, "focused": true }]);
    DiscordUser::interaction(
        4,
        user,
        json!({ "name": "changeorder", "type": 1, "options": options }),
    )
}

fn choices(answer: &Value) -> Vec<(String, String)> {
    assert_eq!(answer["type"], 8, "an autocomplete answer: {answer}");
    answer["data"]["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or_default().to_string();
            (text("name"), text("value"))
        })
        .collect()
}

#[tokio::test]
async fn projects_and_vendors_are_autocompleted_in_command_options_and_fill_the_modal() {
    for db in test_databases().await {
        let label = db.label;
        let stand_in = DiscordStandIn::start().await;
        let env = stand_in.keel_env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let server = TestServer::start_with_env(&db, Mode::Closed, &env).await;
        let discord = DiscordUser::of(&server);

        let commands = keel::chat::discord::commands::commands(&server.app.keel.config);
        let change_order = commands
            .iter()
            .find(|c| c["name"] == "changeorder")
            .expect("/changeorder");
        let options: Vec<(&str, bool)> = change_order["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| (o["name"].as_str().unwrap(), o["autocomplete"] == true))
            .collect();
        assert_eq!(options, [("project", true), ("vendor", true)], "[{label}]");

        let found = choices(&discord.send(typing(GUS, "project", "bayview")).await);
        assert_eq!(
            found,
            [
                (
                    "Bayview Medical Office (P001)".to_string(),
                    "P001".to_string()
                ),
                (
                    "Bayview Dental Clinic Fit-out (P029)".to_string(),
                    "P029".to_string()
                ),
            ],
            "[{label}]"
        );
        // Nothing typed yet: the first 25 of the 35 vendors, Discord's most.
        let vendors = choices(&discord.send(typing(GUS, "vendor", "")).await);
        assert_eq!(vendors.len(), 25, "[{label}] {vendors:?}");
        assert!(
            vendors.iter().all(|(_, key)| key.starts_with('V')),
            "[{label}] {vendors:?}"
        );
        let stranger = choices(&discord.send(typing("123456789", "project", "bay")).await);
        assert!(stranger.is_empty(), "[{label}] nothing for strangers");

        // The command with the picked project opens the modal with it in place.
        let picked = json!([{ "name": "project", "type": 3, "value": "P001" }]);
        let form = discord.command(GUS, "changeorder", picked).await;
        assert_eq!(form["type"], 9, "[{label}] {form}");
        let project = form["data"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["component"]["custom_id"] == "project")
            .expect("the project's input")["component"]
            .clone();
        assert_eq!(project["value"], "P001", "[{label}] {project}");
        let values = [
            ("project", "P001"),
            ("amount", "14000"),
            ("reason", "Rock at footing 4"),
        ];
        let said = private_text(&discord.submit(GUS, &form, &values).await);
        assert!(said.contains("CO-1001"), "[{label}] {said}");
        server.stop().await;
    }
}
