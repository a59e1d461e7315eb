//! Slack as a destination of the outbox. A notification is posted in its recipient's DMs (and a
//! new approval's card in the workflow's channel, once per request); a card update is applied
//! with `chat.update` to every message of the request that shows an older version. What was
//! posted is remembered per outbox entry and target, so a retry posts only what is missing.

use super::Slack;
use super::blocks::{MAX_MESSAGE_TEXT, card_blocks, fit};
use super::client::{Posted, SlackFailure};
use crate::chat::{ChatPort, Undelivered};
use crate::domain::{Card, NotificationKind};
use crate::store::{OutboxItem, SlackMessage};
use async_trait::async_trait;

#[async_trait]
impl ChatPort for Slack {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), Undelivered> {
        self.deliver_notification(item)
            .await
            .map_err(|failure| Undelivered {
                reason: failure.reason,
                retry_after: failure.retry_after,
                permanent: !failure.transient,
            })
    }
}

/// Something that is not Slack's answer (the store, the directory), to be retried.
fn internal(error: impl std::fmt::Display) -> SlackFailure {
    SlackFailure {
        reason: error.to_string(),
        transient: true,
        retry_after: None,
    }
}

impl Slack {
    async fn deliver_notification(&self, item: &OutboxItem) -> Result<(), SlackFailure> {
        let notification = &item.notification;
        let current = self.keel.card_now(notification).await.map_err(internal)?;
        if notification.kind == NotificationKind::CardUpdated {
            return match current {
                Some(now) => {
                    self.update_cards(&notification.request_id, &now.card, now.version)
                        .await
                }
                None => Ok(()),
            };
        }
        let person = self.keel.person(&notification.to).await.map_err(internal)?;
        let Some(member) = person.slack_user.clone() else {
            return Err(SlackFailure {
                reason: format!(
                    "{} ({}) has no Slack member id (slack_user) in the directory",
                    person.name, person.id
                ),
                transient: false,
                retry_after: None,
            });
        };
        let mut targets = vec![member];
        let channel = current.as_ref().and_then(|now| now.channel.clone());
        if let (NotificationKind::ApprovalRequested, Some(channel)) = (notification.kind, channel) {
            let posted = self
                .keel
                .store
                .slack_messages_of(&notification.request_id)
                .await
                .map_err(internal)?;
            if !posted.iter().any(|m| m.target == channel) {
                targets.push(channel);
            }
        }
        let done = self
            .keel
            .store
            .slack_posted_for(item.id)
            .await
            .map_err(internal)?;
        let text = fit(&notification.text, MAX_MESSAGE_TEXT);
        let (blocks, version) = match &current {
            Some(now) => (card_with_text(&text, &now.card), Some(now.version)),
            None => (Vec::new(), None),
        };
        for target in targets.into_iter().filter(|t| !done.contains(t)) {
            let Posted { channel, ts } = self.api.post_message(&target, &text, &blocks).await?;
            let message = SlackMessage {
                target,
                channel,
                ts,
                card_version: version,
            };
            self.keel
                .store
                .record_slack_message(
                    &notification.request_id,
                    &message,
                    Some(item.id),
                    self.keel.clock.now(),
                )
                .await
                .map_err(internal)?;
        }
        Ok(())
    }

    /// Updates every message of the request showing an older card.
    async fn update_cards(
        &self,
        request_id: &str,
        card: &Card,
        version: i64,
    ) -> Result<(), SlackFailure> {
        let messages = self
            .keel
            .store
            .slack_messages_of(request_id)
            .await
            .map_err(internal)?;
        let text = format!("{}: {}", card.title, card.status);
        let blocks = card_with_text(&text, card);
        for message in messages {
            if message.card_version.is_some_and(|shown| shown >= version) {
                continue;
            }
            let posted = Posted {
                channel: message.channel.clone(),
                ts: message.ts.clone(),
            };
            match self.api.update_message(&posted, &text, &blocks).await {
                Ok(()) => {}
                // A message someone deleted cannot be updated; the others still are.
                Err(failure) if !failure.transient => {
                    tracing::warn!(request_id, channel = %message.channel, "card not updated: {failure}");
                }
                Err(failure) => return Err(failure),
            }
            self.keel
                .store
                .set_slack_card_version(&message, version)
                .await
                .map_err(internal)?;
        }
        Ok(())
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
