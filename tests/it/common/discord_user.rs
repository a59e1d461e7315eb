//! A person using Discord against a serving keel: interactions posted to its HTTP endpoint as
//! Discord posts them, signed with the stand-in's test key.

use super::console::TestServer;
use super::discord::{APPLICATION_ID, SEED, dm_of, signed_headers};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub struct DiscordUser<'a> {
    pub server: &'a TestServer,
    pub client: reqwest::Client,
}

impl DiscordUser<'_> {
    pub fn of(server: &TestServer) -> DiscordUser<'_> {
        DiscordUser {
            server,
            client: reqwest::Client::new(),
        }
    }

    /// Posts an interaction signed now; keel's status and answer.
    pub async fn post(&self, body: &Value) -> (StatusCode, Value) {
        self.post_signed(body, chrono::Utc::now().timestamp(), &SEED)
            .await
    }

    /// Posts an interaction signed with `seed` at `timestamp` (forged or stale ones too).
    pub async fn post_signed(
        &self,
        body: &Value,
        timestamp: i64,
        seed: &[u8; 32],
    ) -> (StatusCode, Value) {
        let body = body.to_string();
        let mut request = self
            .client
            .post(format!("{}/discord/interactions", self.server.base))
            .header("content-type", "application/json");
        for (name, value) in signed_headers(body.as_bytes(), timestamp, seed) {
            request = request.header(name, value);
        }
        let response = request.body(body).send().await.expect("POST to keel");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Posts an interaction that keel must take (200); its answer.
    pub async fn send(&self, body: Value) -> Value {
        let (status, answer) = self.post(&body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        answer
    }

    /// An interaction of `kind` (2 command, 3 component, 4 autocomplete, 5 modal) by `user`.
    pub fn interaction(kind: u8, user: &str, data: Value) -> Value {
        json!({ "type": kind, "id": "1", "token": "interaction-token",
            "application_id": APPLICATION_ID, "member": { "user": { "id": user } }, "data": data })
    }

    pub async fn command(&self, user: &str, name: &str, options: Value) -> Value {
        let data = json!({ "name": name, "type": 1, "options": options });
        self.send(Self::interaction(2, user, data)).await
    }

    pub async fn click(&self, user: &str, action: &str, request_id: &str) -> Value {
        self.send(click(user, action, request_id)).await
    }

    /// Submits `modal` (keel's answer that opened it) with `values`.
    pub async fn submit(&self, user: &str, modal: &Value, values: &[(&str, &str)]) -> Value {
        self.send(submission(user, modal, values)).await
    }
}

/// A click by `user` on a card's `action` button for `request_id`, on the card in their DMs.
pub fn click(user: &str, action: &str, request_id: &str) -> Value {
    let custom_id = format!("{action}:{request_id}:0");
    let mut click = DiscordUser::interaction(
        3,
        user,
        json!({ "custom_id": custom_id, "component_type": 2 }),
    );
    click["message"] = json!({ "id": "1", "channel_id": dm_of(user) });
    click
}

/// `modal` (keel's answer that opened it) submitted with `values` (field → text), each in a
/// Label as Discord sends them.
pub fn submission(user: &str, modal: &Value, values: &[(&str, &str)]) -> Value {
    let components: Vec<Value> = values
        .iter()
        .map(|(name, value)| {
            json!({ "type": 18, "id": 1,
                "component": { "type": 4, "id": 2, "custom_id": name, "value": value } })
        })
        .collect();
    let data = json!({ "custom_id": modal["data"]["custom_id"], "components": components });
    DiscordUser::interaction(5, user, data)
}

/// The text of keel's private answer (and that it is private, mentioning no one).
pub fn private_text(answer: &Value) -> String {
    assert_eq!(answer["type"], 4, "a message: {answer}");
    assert_eq!(answer["data"]["flags"], 64, "private: {answer}");
    assert_eq!(answer["data"]["allowed_mentions"]["parse"], json!([]));
    answer["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .replace('\\', "")
}
