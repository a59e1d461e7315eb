//! What a claimed batch of deliveries has posted and shown, kept in memory until the batch is
//! recorded in one transaction ([`crate::store::Store::record_deliveries`]). Until then the
//! batch's own deliveries read the store's messages through it, so that a request's channel card
//! posted by one notification of the batch is not posted again by the next, and an update or a
//! comment later in the batch finds the message it is about. A request's rows of one batch are
//! delivered in order by one task (see [`super::deliver`]), and the next batch is claimed only
//! once this one is recorded, so nothing else needs to see what the journal holds.

use crate::store::{AfterFailure, Deliveries, PostedMessage};
use std::sync::{Mutex, MutexGuard};

/// One batch's deliveries, not yet recorded.
#[derive(Default)]
pub struct Journal(Mutex<Deliveries>);

impl Journal {
    fn entries(&self) -> MutexGuard<'_, Deliveries> {
        // A task that panicked holding the lock left whole entries: each is pushed in one step.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Remembers a message posted.
    pub fn posted(&self, message: PostedMessage) {
        self.entries().posted.push(message);
    }

    /// Remembers that a message now shows `version` of its card.
    pub fn shown(&self, message: &PostedMessage, version: i64) {
        self.entries().shown.push((message.clone(), version));
    }

    /// Remembers a notification delivered.
    pub fn delivered(&self, id: i64) {
        self.entries().delivered.push(id);
    }

    /// Remembers a notification not delivered, and what becomes of it.
    pub fn failed(&self, id: i64, reason: &str, after: AfterFailure) {
        self.entries().failed.push((id, reason.to_string(), after));
    }

    /// The messages of a request on a platform: those `stored`, then those this batch posted,
    /// each with the newest card version shown.
    pub fn messages_of(
        &self,
        platform: &str,
        request_id: &str,
        stored: Vec<PostedMessage>,
    ) -> Vec<PostedMessage> {
        let entries = self.entries();
        let posted = entries
            .posted
            .iter()
            .filter(|m| m.platform == platform && m.request_id == request_id);
        let mut messages: Vec<PostedMessage> = stored.into_iter().chain(posted.cloned()).collect();
        for (shown, version) in &entries.shown {
            for message in messages.iter_mut().filter(|m| same_message(m, shown)) {
                message.card_version = message.card_version.max(Some(*version));
            }
        }
        messages
    }

    /// The targets this batch posted a notification at on a platform.
    pub fn targets_of(&self, platform: &str, notification: i64) -> Vec<String> {
        let entries = self.entries();
        let posted = entries
            .posted
            .iter()
            .filter(|m| m.platform == platform && m.notification == Some(notification));
        posted.map(|m| m.target.clone()).collect()
    }

    /// Everything the batch came to, to record.
    pub fn into_deliveries(self) -> Deliveries {
        self.0
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn same_message(a: &PostedMessage, b: &PostedMessage) -> bool {
    a.platform == b.platform && a.posted == b.posted
}

#[cfg(test)]
mod tests {
    use super::Journal;
    use crate::domain::MessageRef;
    use crate::store::PostedMessage;

    fn message(request_id: &str, target: &str, notification: i64) -> PostedMessage {
        PostedMessage {
            platform: "slack".into(),
            request_id: request_id.into(),
            target: target.into(),
            posted: MessageRef {
                conversation: format!("D-{target}"),
                id: format!("{notification}.1"),
            },
            notification: Some(notification),
            card_version: Some(1),
        }
    }

    #[test]
    fn a_batch_sees_its_own_posts_after_the_stored_ones_with_the_newest_card_shown() {
        let journal = Journal::default();
        let stored = message("CO-1", "U1", 1);
        journal.posted(message("CO-1", "#change-orders", 2));
        journal.posted(message("CO-2", "U1", 3));
        journal.shown(&stored, 3);
        journal.shown(&stored, 2);

        let messages = journal.messages_of("slack", "CO-1", vec![stored]);
        let targets: Vec<&str> = messages.iter().map(|m| m.target.as_str()).collect();
        assert_eq!(targets, ["U1", "#change-orders"]);
        assert_eq!(messages[0].card_version, Some(3));
        assert!(
            journal
                .messages_of("discord", "CO-1", Vec::new())
                .is_empty()
        );
        assert_eq!(journal.targets_of("slack", 2), ["#change-orders"]);
        assert!(journal.targets_of("slack", 9).is_empty());
    }
}
