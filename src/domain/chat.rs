//! What the service hands a chat platform to deliver, and what the platform gives back: the
//! platform-neutral half of the adapter contract ([`crate::chat::ChatPort`]). The service
//! decides every target, message and version; a platform only renders and sends them.

use super::Card;
use chrono::{DateTime, Utc};

/// Where a message goes on a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A person's direct messages with keel, by their identity on the platform.
    Direct(String),
    /// A workflow's channel, as configured (`#change-orders`).
    Channel(String),
}

impl Target {
    /// How the target is remembered: the identity, or the channel as configured.
    pub fn key(&self) -> &str {
        match self {
            Target::Direct(id) | Target::Channel(id) => id,
        }
    }
}

/// A posted message, as its platform names it: the conversation it is in and its id there
/// (Slack's channel and ts, Discord's channel and message ids, the console's conversation and
/// row id). Enough to update it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub conversation: String,
    pub id: String,
}

/// A message to post or to put in place of a posted one.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatMessage {
    pub request_id: String,
    /// The sentence: what happened or what is asked, plain text (the platform escapes it).
    pub text: String,
    /// The request's card, with its buttons when the recipient may still act.
    pub card: Option<Card>,
    /// The request version the card shows: an update never puts an older one back.
    pub version: Option<i64>,
    /// The card message a comment answers, at the same target, for platforms that thread.
    pub reply_to: Option<MessageRef>,
    /// Which notification a post delivers (none for an update).
    pub delivery: Option<Delivery>,
}

/// The notification a post delivers: platforms that can tag a message with it find a post
/// whose answer was lost instead of posting twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The outbox notification, the same on every platform and every retry.
    pub notification: i64,
    /// When it was queued: an earlier post of it is not older.
    pub queued_at: DateTime<Utc>,
    /// An earlier attempt may have posted it without hearing so: look before posting.
    pub maybe_posted: bool,
}
