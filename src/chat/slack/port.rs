//! Slack as a destination of the outbox. A notification is posted in its recipient's DMs (and a
//! new approval's card in the workflow's channel, once per request); a card update is applied
//! with `chat.update` to every message of the request that shows an older version. What was
//! posted is remembered per outbox entry and target, so a retry posts only what is missing; a
//! post whose answer was lost is looked for in Slack before posting again ([`super::recover`]).

use super::Slack;
use super::blocks::{MAX_MESSAGE_TEXT, card_blocks, fit};
use super::client::{Posted, SlackFailure};
use super::recover::{Identity, metadata};
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
pub(super) fn internal(error: impl std::fmt::Display) -> SlackFailure {
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
        let card_channel = current.as_ref().and_then(|now| now.channel.clone());
        if let (NotificationKind::ApprovalRequested, Some(channel)) =
            (notification.kind, card_channel.clone())
        {
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
        let text = fit(
            current.as_ref().map_or(&notification.text, |now| &now.text),
            MAX_MESSAGE_TEXT,
        );
        let (blocks, version) = match &current {
            Some(now) => (card_with_text(&text, &now.card), Some(now.version)),
            None => (Vec::new(), None),
        };
        for target in targets.into_iter().filter(|t| !done.contains(t)) {
            let identity = if Some(&target) == card_channel.as_ref() {
                Identity::RequestCard
            } else {
                Identity::Notification
            };
            let Posted { channel, ts } = self
                .post_once(item, &target, identity, &text, &blocks)
                .await?;
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
            self.settled(&notification.request_id, &message.target);
        }
        Ok(())
    }

    /// Posts `item` at `target`, unless an earlier attempt whose answer was lost already did:
    /// then the message it posted.
    async fn post_once(
        &self,
        item: &OutboxItem,
        target: &str,
        identity: Identity,
        text: &str,
        blocks: &[serde_json::Value],
    ) -> Result<Posted, SlackFailure> {
        let request = &item.notification.request_id;
        if item.attempts > 0 || self.unsure(request, target) {
            match self.find_posted(item, target, identity).await {
                Ok(Some(posted)) => return Ok(posted),
                Ok(None) => {}
                Err(failure) if failure.transient => return Err(failure),
                // Without the history scopes (an app installed before keel asked for them), a
                // repost is the lesser harm than never delivering.
                Err(failure) => tracing::warn!(
                    request,
                    target,
                    "could not look for an earlier post, posting: {failure}"
                ),
            }
        }
        let metadata = metadata(item, target);
        let posted = self
            .api
            .post_message(target, text, blocks, Some(&metadata))
            .await;
        if posted.is_err() {
            self.mark_unsure(request, target);
        }
        posted
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
            buttons: Vec::new(),
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
