//! The console as a chat platform: a post is a message in a conversation (`@S004`, a person's
//! direct messages with keel, or a workflow's `#channel`), an update puts a newer card in it.
//! What is owed where is the service's to decide ([`ChatPort`]); a post the console already has
//! (a retry after keel stopped between posting and remembering) is given back, not repeated.

use super::Console;
use crate::chat::{ChatPort, Undelivered};
use crate::domain::{ChatMessage, MessageRef, Target};
use crate::service::CONSOLE;
use crate::service::{ConsoleMessage, NewConsoleMessage};
use async_trait::async_trait;

/// The conversation of a person's direct messages with keel.
pub fn direct(person: &str) -> String {
    format!("@{person}")
}

#[async_trait]
impl ChatPort for Console {
    fn platform(&self) -> &'static str {
        CONSOLE
    }

    async fn post(
        &self,
        target: &Target,
        message: &ChatMessage,
    ) -> Result<MessageRef, Undelivered> {
        let new = new_message(target, message);
        let posted = self.keel.post_console_message(&new).await.map_err(failed)?;
        let posted = match (posted, &message.delivery) {
            (Some(posted), _) => {
                self.publish(posted.clone());
                posted
            }
            (None, Some(delivery)) => self
                .keel
                .console_message_delivered(
                    &new.conversation,
                    delivery.notification,
                    &message.request_id,
                )
                .await
                .map_err(failed)?
                .ok_or_else(|| {
                    Undelivered::new("the console refused a message it does not have")
                })?,
            (None, None) => return Err(Undelivered::new("the console refused a message")),
        };
        Ok(reference(&posted))
    }

    async fn update(&self, posted: &MessageRef, message: &ChatMessage) -> Result<(), Undelivered> {
        let (Ok(id), Some(card), Some(version)) =
            (posted.id.parse::<i64>(), &message.card, message.version)
        else {
            return Err(Undelivered::permanent(format!(
                "no console card {}",
                posted.id
            )));
        };
        let updated = self.keel.update_console_card(id, card, version).await;
        if let Some(updated) = updated.map_err(failed)? {
            self.publish(updated);
        }
        Ok(())
    }
}

fn failed(error: anyhow::Error) -> Undelivered {
    Undelivered::new(format!("{error:#}"))
}

fn reference(message: &ConsoleMessage) -> MessageRef {
    MessageRef {
        conversation: message.conversation.clone(),
        id: message.id.to_string(),
    }
}

/// The console message for a post: in a channel, a card under a line naming it; in direct
/// messages, the notification's sentence with its card, a comment threaded under its card.
fn new_message(target: &Target, message: &ChatMessage) -> NewConsoleMessage {
    let (conversation, body) = match (target, &message.card) {
        (Target::Channel(channel), Some(card)) => (
            channel.clone(),
            format!("New: {}. {}.", card.title, card.status),
        ),
        (Target::Channel(channel), None) => (channel.clone(), message.text.clone()),
        (Target::Direct(person), _) => (direct(person), message.text.clone()),
    };
    NewConsoleMessage {
        conversation,
        author: "keel".into(),
        body,
        card: message.card.clone(),
        card_version: message.card.as_ref().and(message.version),
        request_id: Some(message.request_id.clone()).filter(|id| !id.is_empty()),
        thread_of: message.reply_to.as_ref().and_then(|r| r.id.parse().ok()),
        outbox_id: message.delivery.as_ref().map(|d| d.notification),
        answer: None,
        chart: None,
    }
}
