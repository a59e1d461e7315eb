//! Slack events keel acts on: opening keel's App Home shows what waits for the person (as cards
//! they can act on) and their latest requests.

use super::Slack;
use super::blocks::{card_blocks, escape, fit};
use crate::service::RequestFilter;
use serde_json::{Value, json};

/// Cards shown on the Home tab, and the person's own requests listed there.
const HOME_CARDS: usize = 10;
const HOME_REQUESTS: usize = 10;
/// Slack's limit on a Home view's blocks.
const MAX_HOME_BLOCKS: usize = 100;

impl Slack {
    /// Acts on one event of the Events API (already deduplicated).
    pub(super) async fn on_event(&self, event: &Value) {
        if event["type"] == "app_home_opened"
            && let Some(member) = event["user"].as_str()
            && let Err(error) = self.publish_home(member).await
        {
            tracing::warn!(member, "the App Home was not refreshed: {error:#}");
        }
    }

    /// Publishes the Home tab of a Slack member who is a person of the directory.
    async fn publish_home(&self, member: &str) -> anyhow::Result<()> {
        let person = match self.person_of(member).await {
            Ok(person) => person,
            Err(crate::service::ServiceError::User(unknown)) => {
                return self
                    .publish(member, vec![section(&unknown.to_string())])
                    .await;
            }
            Err(crate::service::ServiceError::Internal(error)) => return Err(error),
        };
        let (_, waiting) = self
            .keel
            .pending_for(&person.id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut blocks = vec![json!({
            "type": "header",
            "text": { "type": "plain_text", "text": format!("Waiting for you ({})", waiting.len()) },
        })];
        if waiting.is_empty() {
            blocks.push(section("Nothing is waiting for your approval."));
        }
        for request in waiting.iter().take(HOME_CARDS) {
            let card = self
                .keel
                .card_for_reader(request, &person)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            blocks.extend(card_blocks(&card));
            blocks.push(json!({ "type": "divider" }));
        }
        let filter = RequestFilter {
            requester: Some(person.id.clone()),
            ..RequestFilter::default()
        };
        let mine = self
            .keel
            .list_requests(&filter)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        blocks.push(json!({
            "type": "header",
            "text": { "type": "plain_text", "text": "Your requests" },
        }));
        let lines: Vec<String> = mine
            .iter()
            .rev()
            .take(HOME_REQUESTS)
            .map(|r| format!("• {}: {}", r.id, r.status))
            .collect();
        let text = if lines.is_empty() {
            "You have not submitted any request.".to_string()
        } else {
            lines.join("\n")
        };
        blocks.push(section(&text));
        blocks.truncate(MAX_HOME_BLOCKS);
        self.publish(member, blocks).await
    }

    async fn publish(&self, member: &str, blocks: Vec<Value>) -> anyhow::Result<()> {
        let view = json!({ "type": "home", "blocks": blocks });
        self.api
            .call("views.publish", &json!({ "user_id": member, "view": view }))
            .await
            .map(drop)
            .map_err(|failure| anyhow::anyhow!("{failure}"))
    }
}

fn section(text: &str) -> Value {
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": fit(&escape(text), 3_000) } })
}
