//! Discord's forms beyond one modal, and its timers: a form longer than a modal's five inputs
//! goes on in a second modal (through a Continue button, Discord answering a submitted modal
//! with a message only); a submission with problems is fixed through a Fix button that opens
//! the page holding the first problem with everything typed still in it; and reminders and
//! escalations arrive as DMs.

use crate::common::app::{config_dir, copy_dir};
use crate::common::console::{Mode, TestServer};
use crate::common::discord::{DiscordStandIn, dm_of};
use crate::common::discord_user::{DiscordUser, private_text};
use crate::common::test_databases;
use crate::common::with_slack::eventually;
use serde_json::{Value, json};

const GUS: &str = "203010903685040004"; // S020, superintendent on P001
const DIANA: &str = "969905994296107359"; // S016, manager of P001
const RACHEL: &str = "747610826552877265"; // S004, director of operations
const LUIS: &str = "383948412163604671"; // S003, COO, Rachel's manager

/// Two more fields on the expense form (seven in all), one of them required.
const MORE_FIELDS: &str = r#"
[[fields]]
name = "merchant"
label = "Merchant"
type = "text"
required = false

[[fields]]
name = "receipt"
label = "Receipt number"
type = "text"
required = true
"#;

/// The custom id of the first button of keel's answer.
fn button_of(answer: &Value) -> String {
    let id = &answer["data"]["components"][0]["components"][0]["custom_id"];
    id.as_str()
        .unwrap_or_else(|| panic!("a button: {answer}"))
        .to_string()
}

fn names_in(modal: &Value) -> Vec<String> {
    let components = modal["data"]["components"].as_array().expect("inputs");
    let name = |c: &Value| c["component"]["custom_id"].as_str().unwrap().to_string();
    components.iter().map(name).collect()
}

fn value_in(modal: &Value, name: &str) -> Value {
    let components = modal["data"]["components"].as_array().expect("inputs");
    let input = components
        .iter()
        .find(|c| c["component"]["custom_id"] == name);
    input.expect("the input")["component"]["value"].clone()
}

#[tokio::test]
async fn a_long_form_goes_on_in_a_second_modal_and_a_problem_is_fixed_with_what_was_typed() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&config_dir(), dir.path());
    let expense = dir.path().join("workflows/expense.toml");
    let mut text = std::fs::read_to_string(&expense).unwrap();
    text.push_str(MORE_FIELDS);
    std::fs::write(&expense, text).unwrap();
    for db in test_databases().await {
        let stand_in = DiscordStandIn::start().await;
        let env = stand_in.keel_env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let server = TestServer::start_in(&db, Mode::Closed, dir.path(), &env).await;
        let discord = DiscordUser::of(&server);
        let label = db.label;

        let first = discord.command(GUS, "expense", json!([])).await;
        assert_eq!(first["type"], 9, "[{label}] a modal: {first}");
        assert_eq!(names_in(&first).len(), 5, "[{label}] five inputs a modal");
        assert!(first["data"]["title"].as_str().unwrap().ends_with("(1/2)"));
        let page_one = [
            ("category", "meals"),
            ("amount", "0"),
            ("spent_on", "2025-12-01"),
            ("project", "P001"),
            ("note", "Crew lunch"),
        ];
        let kept = discord.submit(GUS, &first, &page_one).await;
        assert!(private_text(&kept).contains("Continue"), "[{label}] {kept}");
        let go_on = discord.send(click_on(GUS, &button_of(&kept))).await;
        assert_eq!(
            names_in(&go_on),
            ["merchant", "receipt"],
            "[{label}] page two"
        );
        assert!(go_on["data"]["custom_id"].as_str().unwrap().ends_with("|1"));

        // A stranger to the form cannot open it, even with its button.
        let stranger = discord.send(click_on(DIANA, &button_of(&kept))).await;
        assert!(
            private_text(&stranger).contains("no longer kept"),
            "[{label}] {stranger}"
        );

        let page_two = [("merchant", "Deli & Co"), ("receipt", "R-778")];
        let refused = discord.submit(GUS, &go_on, &page_two).await;
        let told = private_text(&refused);
        assert!(told.contains("Nothing was submitted"), "[{label}] {told}");
        assert!(told.contains("Amount (USD)"), "[{label}] {told}");
        let fix = discord.send(click_on(GUS, &button_of(&refused))).await;
        assert_eq!(names_in(&fix)[1], "amount", "[{label}] the page to fix");
        assert_eq!(value_in(&fix, "amount"), "0", "[{label}] as typed");
        assert_eq!(value_in(&fix, "note"), "Crew lunch", "[{label}] kept");

        let fixed = [("amount", "42.50")];
        let kept = discord.submit(GUS, &fix, &fixed).await;
        let go_on = discord.send(click_on(GUS, &button_of(&kept))).await;
        assert_eq!(value_in(&go_on, "receipt"), "R-778", "[{label}] still kept");
        let done = discord.submit(GUS, &go_on, &page_two).await;
        let said = private_text(&done);
        assert!(said.contains("EXP-5001 submitted"), "[{label}] {said}");

        let (request, _) = server
            .app
            .keel
            .request_with_history("EXP-5001")
            .await
            .unwrap();
        let field = |name: &str| request.fields.get(name).and_then(Value::as_str);
        assert_eq!(field("amount"), Some("42.50"), "[{label}]");
        assert_eq!(field("receipt"), Some("R-778"), "[{label}]");
        assert_eq!(field("merchant"), Some("Deli & Co"), "[{label}]");
        assert_eq!(field("note"), Some("Crew lunch"), "[{label}]");
        let again = discord.send(click_on(GUS, &button_of(&kept))).await;
        assert!(
            private_text(&again).contains("no longer kept"),
            "[{label}] forgotten once submitted: {again}"
        );
        server.stop().await;
    }
}

/// `user` clicking a button with `custom_id` under keel's private reply.
fn click_on(user: &str, custom_id: &str) -> Value {
    let data = json!({ "custom_id": custom_id, "component_type": 2 });
    let mut click = DiscordUser::interaction(3, user, data);
    click["message"] = json!({ "id": "1", "channel_id": dm_of(user) });
    click
}

#[tokio::test]
async fn reminders_and_escalations_arrive_as_discord_dms() {
    for db in test_databases().await {
        let stand_in = DiscordStandIn::start().await;
        let mut env = stand_in.keel_env();
        env.push(("KEEL_SCHEDULER_TICK_SECONDS", "1".into()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let server = TestServer::start_with_env(&db, Mode::Closed, &env).await;
        let app = &server.app;
        let request = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "18000"), ("reason", "x")],
            )
            .await;
        app.keel.delivery_bell().ring();
        eventually("the card reaches Rachel's DMs", async || {
            stand_in.posted(&dm_of(RACHEL), &request.id) == 1
        })
        .await;
        // Tuesday 09:00: eight business hours have passed.
        app.clock.advance(chrono::Duration::days(1));
        eventually("Rachel is reminded in her DMs", async || {
            stand_in.posted(&dm_of(RACHEL), "Reminder") == 1
        })
        .await;
        // The next Thursday: 24 business hours; Rachel's manager is added.
        app.clock.advance(chrono::Duration::days(3));
        eventually("Luis gets the escalation in his DMs", async || {
            stand_in.posted(&dm_of(LUIS), "Escalated to you") == 1
        })
        .await;
        // Rachel's card and reminder, each once, both edited to show the escalation.
        let rachels = stand_in.messages_in(&dm_of(RACHEL));
        assert_eq!(rachels.len(), 2, "[{}] {rachels:?}", db.label);
        for message in rachels {
            let content = message["content"].as_str().unwrap_or_default();
            assert!(content.contains("Luis Ortega"), "[{}] {content}", db.label);
        }
        server.stop().await;
    }
}
