//! Discord as a chat platform: a post to a person opens (once) their DM channel with the bot
//! and posts there; a post to a workflow's `#channel` posts in the channel of that name in the
//! configured server (`discord.guild_id`), or in the channel whose id is configured; an update
//! edits the message. What is owed where is the service's to decide ([`ChatPort`]). A post
//! carries its notification as an enforced `nonce`, so a retry of a post whose answer was lost
//! within Discord's nonce window gets the earlier message back instead of a second one.

use super::Discord;
use super::message::{Message, MessageReference};
use crate::chat::{ChatPort, Undelivered};
use crate::domain::{ChatMessage, MessageRef, Target};
use async_trait::async_trait;
use serde::Serialize;

/// The platform's name: people's `[directory.chat]` key, its messages' and outbox rows'.
pub const DISCORD: &str = "discord";

/// A message to create, with its nonce.
#[derive(Serialize)]
struct Create<'a> {
    #[serde(flatten)]
    message: &'a Message,
    nonce: String,
    enforce_nonce: bool,
}

#[async_trait]
impl ChatPort for Discord {
    fn platform(&self) -> &'static str {
        DISCORD
    }

    async fn post(
        &self,
        target: &Target,
        message: &ChatMessage,
    ) -> Result<MessageRef, Undelivered> {
        let channel = self.conversation(target).await?;
        let mut shown = rendered(message);
        shown.message_reference = message.reply_to.as_ref().map(|card| MessageReference {
            message_id: card.id.clone(),
            fail_if_not_exists: false,
        });
        let nonce = message
            .delivery
            .as_ref()
            .map(|d| nonce(d.notification, target.key()))
            .unwrap_or_else(|| nonce(0, &uuid::Uuid::new_v4().to_string()));
        let create = Create {
            message: &shown,
            nonce,
            enforce_nonce: true,
        };
        let id = self.api.post_message(&channel, &create).await?;
        Ok(MessageRef {
            conversation: channel,
            id,
        })
    }

    async fn update(&self, posted: &MessageRef, message: &ChatMessage) -> Result<(), Undelivered> {
        let shown = rendered(message);
        let (channel, id) = (&posted.conversation, &posted.id);
        self.api.edit_message(channel, id, &shown).await
    }
}

impl Discord {
    /// The channel id a target posts in: a user's DM channel, a `#name`'s channel in the
    /// server, or an id as configured.
    async fn conversation(&self, target: &Target) -> Result<String, Undelivered> {
        let key = match target {
            Target::Direct(user) => format!("user:{user}"),
            Target::Channel(name) => format!("channel:{name}"),
        };
        if let Some(found) = self
            .conversations
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return Ok(found);
        }
        let found = match target {
            Target::Direct(user) => self.api.open_dm(user).await?,
            Target::Channel(name) => self.channel_named(name).await?,
        };
        if let Ok(mut conversations) = self.conversations.lock() {
            conversations.insert(key, found.clone());
        }
        Ok(found)
    }

    async fn channel_named(&self, configured: &str) -> Result<String, Undelivered> {
        let name = configured.trim_start_matches('#');
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()) {
            return Ok(name.to_string());
        }
        let Some(guild) = &self.keel.config.settings.discord.guild_id else {
            return Err(Undelivered::permanent(format!(
                "keel cannot find {configured} in Discord: set discord.guild_id (the server's id), or write the channel's id in the workflow"
            )));
        };
        let channels = self.api.guild_channels(guild).await?;
        channels
            .iter()
            // Text (0) and announcement (5) channels take messages.
            .filter(|c| matches!(c["type"].as_u64(), Some(0 | 5)))
            .find(|c| c["name"].as_str() == Some(name))
            .and_then(|c| c["id"].as_str())
            .map(str::to_string)
            .ok_or_else(|| {
                Undelivered::permanent(format!(
                    "the Discord server has no text channel {configured}: create it and let keel's bot post there"
                ))
            })
    }
}

/// The sentence, with the card when there is one.
fn rendered(message: &ChatMessage) -> Message {
    match &message.card {
        Some(card) => Message::card(&message.text, card),
        None => Message::text(&message.text),
    }
}

/// A post's nonce (Discord takes at most 25 characters): its notification and a digest of its
/// target, the same on every retry.
fn nonce(notification: i64, target: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(target.as_bytes());
    format!("{notification:x}.{}", &hex::encode(digest)[..8])
}

#[cfg(test)]
mod tests {
    use super::nonce;

    #[test]
    fn a_posts_nonce_fits_discords_25_characters_and_differs_by_target() {
        let a = nonce(i64::MAX, "151338405528747308");
        assert!(a.len() <= 25, "{a}");
        assert_ne!(a, nonce(i64::MAX, "#change-orders"));
        assert_eq!(a, nonce(i64::MAX, "151338405528747308"));
    }
}
