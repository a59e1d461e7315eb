//! The console's own conversations (channels, and each person's direct messages with keel), for
//! the console adapter, which reaches the store only through these.

use super::Keel;
use crate::domain::Card;
use crate::store::{ConsoleMessage, NewConsoleMessage};

impl Keel {
    /// Posts a message in a console conversation; `None` when that notification is already
    /// there, or the request's card already is in that channel.
    pub async fn post_console_message(
        &self,
        message: &NewConsoleMessage,
    ) -> anyhow::Result<Option<ConsoleMessage>> {
        self.store
            .post_console_message(message, self.clock.now())
            .await
    }

    /// The console message a notification became in `conversation` (or, for a channel's card,
    /// the request's card there): what an earlier post of it left.
    pub async fn console_message_delivered(
        &self,
        conversation: &str,
        notification: i64,
        request_id: &str,
    ) -> anyhow::Result<Option<ConsoleMessage>> {
        self.store
            .console_message_delivered(conversation, notification, request_id)
            .await
    }

    /// Puts `card` (request `version`) in console message `id`, unless it shows a newer one;
    /// the message when it changed.
    pub async fn update_console_card(
        &self,
        id: i64,
        card: &Card,
        version: i64,
    ) -> anyhow::Result<Option<ConsoleMessage>> {
        self.store
            .update_console_card(id, card, version, self.clock.now())
            .await
    }

    /// The last `limit` messages of a conversation, oldest first.
    pub async fn console_messages(
        &self,
        conversation: &str,
        limit: i64,
    ) -> anyhow::Result<Vec<ConsoleMessage>> {
        self.store.console_messages(conversation, limit).await
    }

    /// The chart of answer message `id` (base64 PNG) and its conversation, if it has one.
    pub async fn console_chart(&self, id: i64) -> anyhow::Result<Option<(String, String)>> {
        self.store.console_chart(id).await
    }
}
