//! Chat platforms. Each adapter translates its platform's payloads into keel's
//! [`Interaction`](crate::domain::Interaction)s, renders the [`Effect`](crate::domain::Effect)s
//! the core answers with, and posts and updates the messages the service decides through
//! [`ChatPort`]. Adapters never reach the store: what they need goes through the service.
//!
//! - [`console`]: keel's own web console (`keel demo`, and `keel serve` with sign-in links).
//! - [`slack`]: Slack, over HTTP or Socket Mode.
//! - [`discord`]: Discord, over its gateway (WebSocket) or its HTTP interactions endpoint.

pub mod console;
pub mod discord;
pub mod reconnect;
pub mod signed;
pub mod slack;
pub mod text;

use crate::domain::{ChatMessage, MessageRef, Target};
use async_trait::async_trait;

/// The one thing the core needs from a chat platform: post a message and put another in its
/// place. Everything else about delivery (who is owed what, on which target, posted once, which
/// card version a message shows) is decided once, in the service
/// ([`crate::service::Keel::deliver_outbox`]), from the platform-neutral `chat_messages` table.
#[async_trait]
pub trait ChatPort: Send + Sync {
    /// The platform's name: the key of people's identities on it (records.toml's
    /// `[directory.chat]`), of its messages and of its share of the outbox.
    fn platform(&self) -> &'static str;

    /// Posts `message` at `target`; how the platform names the posted message. When the
    /// message's delivery says it may have been posted already, a platform that can look for
    /// the earlier post gives that one back instead of posting again.
    async fn post(&self, target: &Target, message: &ChatMessage)
    -> Result<MessageRef, Undelivered>;

    /// Puts `message` (a card of a newer request version) in place of a posted one.
    async fn update(&self, posted: &MessageRef, message: &ChatMessage) -> Result<(), Undelivered>;
}

/// Why a call to a platform did not go through (and so why a notification was not delivered
/// this time): what was called and what the platform said, whether trying again can help, and
/// how long the platform asked to wait. Every adapter's HTTP client answers with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Undelivered {
    pub reason: String,
    /// How long the platform asked keel to wait (Slack's `Retry-After`), if it said.
    pub retry_after: Option<std::time::Duration>,
    /// Trying again cannot help until someone changes something (the recipient has no identity
    /// on the platform, the channel does not exist): the notification is parked at once, on
    /// that platform only, and held until `keel outbox retry`. Anything else (an outage, a
    /// timeout) is retried.
    pub permanent: bool,
}

impl Undelivered {
    /// A failure worth retrying (an outage, a timeout, a rate limit).
    pub fn new(reason: impl Into<String>) -> Undelivered {
        Undelivered {
            reason: reason.into(),
            retry_after: None,
            permanent: false,
        }
    }

    /// A failure trying again cannot mend.
    pub fn permanent(reason: impl Into<String>) -> Undelivered {
        Undelivered {
            permanent: true,
            ..Undelivered::new(reason)
        }
    }

    /// A failure worth retrying after the wait the platform asked for, if it said.
    pub fn retry_after(
        reason: impl Into<String>,
        wait: Option<std::time::Duration>,
    ) -> Undelivered {
        Undelivered {
            retry_after: wait,
            ..Undelivered::new(reason)
        }
    }
}

impl std::fmt::Display for Undelivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}
