//! Discord's three seconds: a question the model takes longer than that to plan is answered at
//! once with a private "thinking…" (a deferred answer), and the answer is put in its place
//! through the interaction's webhook once it is ready.

use crate::common::app::import_invoices;
use crate::common::console::{Mode, TestServer};
use crate::common::discord::{APPLICATION_ID, DiscordStandIn};
use crate::common::discord_user::DiscordUser;
use crate::common::llm::{Behaviour, LlmStandIn};
use crate::common::test_databases;
use crate::common::with_slack::eventually;
use serde_json::json;
use std::time::{Duration, Instant};

const RACHEL: &str = "747610826552877265"; // S004, who may see invoices

/// A plan for "how many invoices are there?".
const COUNT: &str = r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"}}"#;

#[tokio::test]
async fn a_slow_answer_is_deferred_then_put_in_place_through_the_webhook() {
    for db in test_databases().await {
        let label = db.label;
        let discord_api = DiscordStandIn::start().await;
        let llm = LlmStandIn::start().await;
        llm.behave(Behaviour::Slow(Duration::from_secs(3), COUNT.into()));
        let mut env = discord_api.keel_env();
        env.extend([
            ("KEEL_LLM_MODE", "remote".to_string()),
            ("KEEL_LLM_BASE_URL", llm.base_url.clone()),
            ("KEEL_LLM_TIMEOUT_SECONDS", "10".into()),
            ("KEEL_LLM_API_KEY", "sk-test-not-a-real-key".into()),
            ("KEEL_LLM_PHRASE", "false".into()),
        ]);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let server = TestServer::start_with_env(&db, Mode::Closed, &env).await;
        import_invoices(&server.app).await;
        let discord = DiscordUser::of(&server);

        let question =
            json!([{ "name": "question", "type": 3, "value": "how many invoices are there?" }]);
        let started = Instant::now();
        let first = discord.command(RACHEL, "ask", question).await;
        assert!(
            started.elapsed() < Duration::from_millis(2_900),
            "[{label}] answered within Discord's three seconds"
        );
        assert_eq!(
            first,
            json!({ "type": 5, "data": { "flags": 64 } }),
            "[{label}]"
        );

        let route =
            format!("PATCH /webhooks/{APPLICATION_ID}/interaction-token/messages/@original");
        eventually("the answer replaces \"thinking…\"", async || {
            !discord_api.calls(&route).is_empty()
        })
        .await;
        let answer = discord_api.calls(&route).remove(0).body;
        let text = answer.to_string();
        assert!(text.contains("invoice"), "[{label}] {answer}");
        assert!(llm.requests().len() == 1, "[{label}] the model was asked");
        server.stop().await;
    }
}
