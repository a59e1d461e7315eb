//! Slack as a chat platform: a post is `chat.postMessage` (to a member id, which Slack turns
//! into their DM with keel, or to a channel), an update is `chat.update`, each message rendered
//! as Block Kit under its sentence. What is owed where is the service's to decide
//! ([`ChatPort`]); a post that may have been made by an attempt whose answer was lost is looked
//! for in Slack first ([`super::recover`]).

use super::Slack;
use super::blocks::{MAX_MESSAGE_TEXT, card_blocks, fit};
use super::client::Posted;
use super::recover::{Identity, metadata};
use crate::chat::{ChatPort, Undelivered};
use crate::domain::{Card, ChatMessage, MessageRef, Target};
use async_trait::async_trait;

/// The platform's name: people's `[directory.chat]` key, its messages' and outbox rows'.
pub const SLACK: &str = "slack";

#[async_trait]
impl ChatPort for Slack {
    fn platform(&self) -> &'static str {
        SLACK
    }

    async fn post(
        &self,
        target: &Target,
        message: &ChatMessage,
    ) -> Result<MessageRef, Undelivered> {
        let text = fit(&message.text, MAX_MESSAGE_TEXT);
        let blocks = message
            .card
            .as_ref()
            .map(|card| card_with_text(&text, card))
            .unwrap_or_default();
        let Some(delivery) = &message.delivery else {
            let posted = self
                .api
                .post_message(target.key(), &text, &blocks, None)
                .await;
            return posted.map(reference);
        };
        if delivery.maybe_posted {
            let identity = match target {
                Target::Channel(_) => Identity::RequestCard,
                Target::Direct(_) => Identity::Notification,
            };
            match self
                .find_posted(delivery, &message.request_id, target.key(), identity)
                .await
            {
                Ok(Some(posted)) => return Ok(reference(posted)),
                Ok(None) => {}
                Err(failure) if !failure.permanent => return Err(failure),
                // Without the history scopes (an app installed before keel asked for them), a
                // repost is the lesser harm than never delivering.
                Err(failure) => tracing::warn!(
                    request = message.request_id,
                    target = target.key(),
                    "could not look for an earlier post, posting: {failure}"
                ),
            }
        }
        let metadata = metadata(delivery.notification, &message.request_id, target.key());
        let posted = self
            .api
            .post_message(target.key(), &text, &blocks, Some(&metadata))
            .await;
        posted.map(reference)
    }

    async fn update(&self, posted: &MessageRef, message: &ChatMessage) -> Result<(), Undelivered> {
        let blocks = message
            .card
            .as_ref()
            .map(|card| card_with_text(&message.text, card))
            .unwrap_or_default();
        let posted = Posted {
            channel: posted.conversation.clone(),
            ts: posted.id.clone(),
        };
        self.api
            .update_message(&posted, &message.text, &blocks)
            .await
    }
}

fn reference(posted: Posted) -> MessageRef {
    MessageRef {
        conversation: posted.channel,
        id: posted.ts,
    }
}

/// The notification's sentence above the card's blocks.
fn card_with_text(text: &str, card: &Card) -> Vec<serde_json::Value> {
    let card = card_blocks(card);
    if card.len() >= super::blocks::MAX_BLOCKS {
        return card;
    }
    let mut blocks = vec![serde_json::json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": fit(&super::blocks::escape(text), 3_000) },
    })];
    blocks.extend(card);
    blocks
}

#[cfg(test)]
mod tests {
    use super::card_with_text;
    use crate::domain::Card;

    #[test]
    fn the_sentence_above_a_card_is_escaped_once() {
        let card = Card {
            title: "Change order CO-1".into(),
            fields: vec![("Reason".into(), "<!here> &".into())],
            status: "Waiting for Rachel Kim".into(),
            notes: Vec::new(),
            flags: Vec::new(),
            facts: Vec::new(),
            buttons: Vec::new(),
            questions: Vec::new(),
        };
        let blocks = card_with_text("Gus: <!channel> & <https://evil.example|ok>", &card);
        assert_eq!(
            blocks[0]["text"]["text"],
            "Gus: &lt;!channel&gt; &amp; &lt;https://evil.example|ok&gt;"
        );
        assert_eq!(
            blocks[2]["fields"][0]["text"],
            "*Reason*\n&lt;!here&gt; &amp;"
        );
    }
}
