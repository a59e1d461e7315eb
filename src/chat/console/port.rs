//! The console as a destination of the outbox: a notification becomes a message in its
//! recipient's direct messages (and, for a new approval, a card in the workflow's channel); a
//! card update replaces the card wherever it was posted; a comment is threaded under the card.
//! Each message records the outbox entry it delivers, so a retried delivery posts nothing twice.

use super::Console;
use crate::chat::{ChatPort, Undelivered};
use crate::domain::{Notification, NotificationKind};
use crate::service::CardNow;
use crate::store::{NewConsoleMessage, OutboxItem};
use async_trait::async_trait;

/// The conversation of a person's direct messages with keel.
pub fn direct(person: &str) -> String {
    format!("@{person}")
}

#[async_trait]
impl ChatPort for Console {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), Undelivered> {
        self.deliver_notification(item)
            .await
            .map_err(|error| Undelivered::new(format!("{error:#}")))
    }
}

impl Console {
    async fn deliver_notification(&self, item: &OutboxItem) -> anyhow::Result<()> {
        let notification = &item.notification;
        let now = self.keel.clock.now();
        let store = &self.keel.store;
        let current = self.keel.card_now(notification).await?;
        if notification.kind == NotificationKind::CardUpdated {
            if let Some(current) = &current {
                let updated = store
                    .update_console_cards(
                        &notification.request_id,
                        &current.card,
                        current.version,
                        now,
                    )
                    .await?;
                for message in updated {
                    self.publish(message);
                }
            }
            return Ok(());
        }
        let conversation = direct(&notification.to);
        let thread_of = if notification.kind == NotificationKind::Comment {
            store
                .console_card_message(&conversation, &notification.request_id)
                .await?
        } else {
            None
        };
        let mut message = message_of(notification, conversation, thread_of, item.id);
        if let Some(current) = &current {
            message.body = current.text.clone();
            message.card = Some(current.card.clone());
            message.card_version = Some(current.version);
        }
        if let Some(posted) = store.post_console_message(&message, now).await? {
            self.publish(posted);
        }
        if notification.kind == NotificationKind::ApprovalRequested {
            self.post_in_channel(item, current).await?;
        }
        Ok(())
    }

    /// Posts a new approval's card in its workflow's channel; the store keeps one per request.
    async fn post_in_channel(
        &self,
        item: &OutboxItem,
        current: Option<CardNow>,
    ) -> anyhow::Result<()> {
        let notification = &item.notification;
        let Some(current) = current else {
            return Ok(());
        };
        let Some(channel) = current.channel.clone() else {
            return Ok(());
        };
        let mut message = message_of(notification, channel, None, item.id);
        message.body = format!("New: {}. {}.", current.card.title, current.card.status);
        message.card = Some(current.card);
        message.card_version = Some(current.version);
        let now = self.keel.clock.now();
        if let Some(posted) = self.keel.store.post_console_message(&message, now).await? {
            self.publish(posted);
        }
        Ok(())
    }
}

fn message_of(
    notification: &Notification,
    conversation: String,
    thread_of: Option<i64>,
    outbox_id: i64,
) -> NewConsoleMessage {
    NewConsoleMessage {
        conversation,
        author: "keel".into(),
        body: notification.text.clone(),
        card: notification.card.clone(),
        card_version: None,
        request_id: Some(notification.request_id.clone()),
        thread_of,
        outbox_id: Some(outbox_id),
        answer: None,
        chart: None,
    }
}
