//! The delivery rules every chat platform shares, decided here once: a notification goes to its
//! recipient's direct messages on each platform they are on, a new approval's card also to the
//! workflow's channel (once per request), a comment under the card it is about, and a card
//! update to every message of the request that shows an older version. What was posted is
//! remembered per platform, notification and target in `chat_messages` (with the rest of its
//! batch, see [`super::deliver_journal`]), so a retry posts only what is missing. A platform
//! ([`ChatPort`]) only posts and updates.

use super::deliver_journal::Journal;
use super::{CardNow, Keel};
use crate::chat::{ChatPort, Undelivered};
use crate::domain::{ChatMessage, Delivery, NotificationKind, Person, Target};
use crate::store::{OutboxItem, PostedMessage};
use std::collections::HashSet;
use std::sync::Mutex;

/// Posts (platform, request, target) this process sent without hearing the platform's answer,
/// or heard without recording (its batch's record failed): the next post there (another
/// notification of the request: a channel's card is posted once per request) looks for the
/// earlier one first.
#[derive(Default)]
pub struct UnsurePosts(Mutex<HashSet<(String, String, String)>>);

impl UnsurePosts {
    fn contains(&self, key: &(String, String, String)) -> bool {
        self.0.lock().is_ok_and(|unsure| unsure.contains(key))
    }

    fn set(&self, key: (String, String, String), unsure: bool) {
        if let Ok(mut posts) = self.0.lock() {
            if unsure {
                posts.insert(key);
            } else {
                posts.remove(&key);
            }
        }
    }
}

/// Something that is not the platform's answer (the store, the directory), to be retried.
fn internal(error: impl std::fmt::Display) -> Undelivered {
    Undelivered::new(format!("{error:#}"))
}

impl Keel {
    /// Delivers one outbox row on its platform; `served` are the platforms this deliverer
    /// serves (a recipient missing on this one is reached on another). What it posts and
    /// updates goes to the batch's `journal`, recorded with the batch.
    pub(super) async fn deliver_on(
        &self,
        port: &dyn ChatPort,
        item: &OutboxItem,
        served: &[&str],
        journal: &Journal,
    ) -> Result<(), Undelivered> {
        let notification = &item.notification;
        let current = self.card_now(notification).await.map_err(internal)?;
        if notification.kind == NotificationKind::CardUpdated {
            return match current {
                Some(now) => {
                    self.update_posted(port, &notification.request_id, &now, journal)
                        .await
                }
                None => Ok(()),
            };
        }
        let person = self.person(&notification.to).await.map_err(internal)?;
        let platform = port.platform();
        let direct = person.chat_id(platform).map(|id| Target::Direct(id.into()));
        let mut targets: Vec<Target> = direct.iter().cloned().collect();
        let channel = current.as_ref().and_then(|now| now.channel.clone());
        if let (NotificationKind::ApprovalRequested, Some(channel)) = (notification.kind, channel) {
            let posted = self
                .posted_on(platform, &notification.request_id, journal)
                .await?;
            if !posted.iter().any(|m| m.target == channel) {
                targets.push(Target::Channel(channel));
            }
        }
        let mut done = self
            .store
            .chat_posted_for(platform, item.notification_id)
            .await
            .map_err(internal)?;
        done.extend(journal.targets_of(platform, item.notification_id));
        // A target refused for good does not keep the others back; a platform that did not
        // answer is not called again until the retry.
        let mut refused = None;
        for target in targets
            .iter()
            .filter(|t| !done.iter().any(|d| d == t.key()))
        {
            let mut message = self
                .message_for(port, item, target, current.as_ref(), journal)
                .await?;
            // What the reader may see: the recipient by their role, a channel as anyone.
            message.card = message.card.map(|card| match target {
                Target::Direct(_) => {
                    card.for_reader(self.config.vocabulary.access.get(&person.role), &person.id)
                }
                Target::Channel(_) => self.card_for_channel(card),
            });
            match self.post_once(port, item, target, &message, journal).await {
                Ok(()) => {}
                Err(failure) if failure.permanent => refused = refused.or(Some(failure)),
                Err(failure) => return Err(failure),
            }
        }
        if let Some(failure) = refused {
            return Err(failure);
        }
        match direct {
            Some(_) => Ok(()),
            None => unreachable_on(platform, &person, served),
        }
    }

    /// What a notification says at `target`: the sentence and card as they are now.
    async fn message_for(
        &self,
        port: &dyn ChatPort,
        item: &OutboxItem,
        target: &Target,
        current: Option<&CardNow>,
        journal: &Journal,
    ) -> Result<ChatMessage, Undelivered> {
        let notification = &item.notification;
        let reply_to = if notification.kind == NotificationKind::Comment {
            let posted = self
                .posted_on(port.platform(), &notification.request_id, journal)
                .await?;
            let mut cards = posted.into_iter().rev();
            cards
                .find(|m| m.card_version.is_some() && m.target == target.key())
                .map(|m| m.posted)
        } else {
            None
        };
        let maybe_posted =
            item.attempts > 0 || self.unsure_posts.contains(&unsure_key(port, item, target));
        Ok(ChatMessage {
            request_id: notification.request_id.clone(),
            text: current.map_or(&notification.text, |now| &now.text).clone(),
            card: current
                .map(|now| now.card.clone())
                .or_else(|| notification.card.clone()),
            version: current.map(|now| now.version),
            reply_to,
            delivery: Some(Delivery {
                notification: item.notification_id,
                queued_at: item.created_at,
                maybe_posted,
            }),
        })
    }

    /// Posts one message and remembers it in the batch's journal; a post whose outcome keel
    /// did not hear is looked for before the next post there.
    async fn post_once(
        &self,
        port: &dyn ChatPort,
        item: &OutboxItem,
        target: &Target,
        message: &ChatMessage,
        journal: &Journal,
    ) -> Result<(), Undelivered> {
        let key = unsure_key(port, item, target);
        let posted = port.post(target, message).await.inspect_err(|failure| {
            // A refusal posted nothing; anything else may have.
            self.unsure_posts.set(key.clone(), !failure.permanent);
        })?;
        let record = PostedMessage {
            platform: port.platform().to_string(),
            request_id: item.notification.request_id.clone(),
            target: target.key().to_string(),
            posted,
            notification: Some(item.notification_id),
            card_version: message.card.as_ref().and(message.version),
        };
        journal.posted(record);
        self.unsure_posts.set(key, false);
        Ok(())
    }

    /// Posts heard of whose batch could not be recorded: each is looked for before the next
    /// post there, as if its answer had been lost.
    pub(super) fn unsure_of(&self, posted: &[PostedMessage]) {
        for message in posted {
            let key = (
                message.platform.clone(),
                message.request_id.clone(),
                message.target.clone(),
            );
            self.unsure_posts.set(key, true);
        }
    }

    /// Updates every message of the request on the platform showing an older card.
    async fn update_posted(
        &self,
        port: &dyn ChatPort,
        request_id: &str,
        now: &CardNow,
        journal: &Journal,
    ) -> Result<(), Undelivered> {
        let people = self.directory.get(&self.store).await.map_err(internal)?;
        for posted in self.posted_on(port.platform(), request_id, journal).await? {
            if posted.card_version.is_none_or(|shown| shown >= now.version) {
                continue;
            }
            // Each message is read by whoever it was posted to: their card, not another's.
            let card = if now.channel.as_deref() == Some(posted.target.as_str()) {
                self.card_for_channel(now.card.clone())
            } else {
                self.card_at(
                    now.card.clone(),
                    port.platform(),
                    &posted.target,
                    &people.directory,
                )
            };
            let message = ChatMessage {
                request_id: request_id.to_string(),
                text: format!("{}: {}", now.card.title, now.card.status),
                card: Some(card),
                version: Some(now.version),
                reply_to: None,
                delivery: None,
            };
            match port.update(&posted.posted, &message).await {
                Ok(()) => {}
                // A message someone deleted cannot be updated; the others still are.
                Err(failure) if failure.permanent => tracing::warn!(request_id,
                    platform = port.platform(), conversation = %posted.posted.conversation,
                    "card not updated: {}", failure.reason),
                Err(failure) => return Err(failure),
            }
            journal.shown(&posted, now.version);
        }
        Ok(())
    }

    /// The messages of a request on a platform, this batch's included.
    async fn posted_on(
        &self,
        platform: &str,
        request_id: &str,
        journal: &Journal,
    ) -> Result<Vec<PostedMessage>, Undelivered> {
        let stored = self
            .store
            .chat_messages_of(platform, request_id)
            .await
            .map_err(internal)?;
        Ok(journal.messages_of(platform, request_id, stored))
    }

    /// The conversation `platform` posted in for `target` (a channel by name), if it did: for
    /// an adapter that needs a channel's id to look for an earlier post there.
    pub async fn chat_conversation_of(
        &self,
        platform: &str,
        target: &str,
    ) -> anyhow::Result<Option<String>> {
        self.store.chat_conversation_of(platform, target).await
    }

    /// Whether a platform's event is seen for the first time (platforms deliver again events
    /// they think were not acknowledged in time).
    pub async fn first_sight_of_event(
        &self,
        platform: &str,
        event_id: &str,
    ) -> anyhow::Result<bool> {
        let now = self.clock.now();
        self.store
            .first_sight_of_chat_event(platform, event_id, now)
            .await
    }
}

fn unsure_key(port: &dyn ChatPort, item: &OutboxItem, target: &Target) -> (String, String, String) {
    (
        port.platform().to_string(),
        item.notification.request_id.clone(),
        target.key().to_string(),
    )
}

/// A recipient without an identity on `platform`: nothing is owed there when they are on
/// another platform this deliverer serves; otherwise they cannot be reached, and trying again
/// will not change that.
fn unreachable_on(platform: &str, person: &Person, served: &[&str]) -> Result<(), Undelivered> {
    let elsewhere = served
        .iter()
        .find(|other| **other != platform && person.chat_id(other).is_some());
    if let Some(other) = elsewhere {
        tracing::debug!(person = %person.id, platform, other, "not on this platform; reached on another");
        return Ok(());
    }
    Err(Undelivered::permanent(format!(
        "{} ({}) has no {} identity in the directory (records.toml's [directory.chat])",
        person.name,
        person.id,
        super::errors::platform_name(platform)
    )))
}

#[cfg(test)]
mod tests {
    use super::unreachable_on;
    use crate::domain::Person;

    fn console_only() -> Person {
        Person {
            id: "S004".into(),
            name: "Rachel Kim".into(),
            email: None,
            role: "ops_director".into(),
            title: None,
            manager_id: None,
            approval_limit: Default::default(),
            chat: [("console".to_string(), "S004".to_string())].into(),
            active: true,
        }
    }

    #[test]
    fn a_person_missing_on_one_platform_is_owed_nothing_there_when_reached_on_another() {
        let person = console_only();
        assert_eq!(
            unreachable_on("slack", &person, &["slack", "console"]),
            Ok(())
        );
    }

    #[test]
    fn a_person_on_no_platform_served_cannot_be_reached_and_retrying_will_not_help() {
        let refused = unreachable_on("slack", &console_only(), &["slack"]).unwrap_err();
        assert!(refused.permanent);
        assert!(
            refused
                .reason
                .contains("Rachel Kim (S004) has no Slack identity")
        );
    }
}
