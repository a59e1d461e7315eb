//! What keel remembers of every chat platform: the messages it posted for each request (to post
//! each once and update their cards in place) and the events it has handled (to act once on an
//! event a platform delivers again). One set of tables for all platforms, keyed by platform.

use super::Store;
use super::sql::ts;
use super::statement::Statement;
use crate::domain::MessageRef;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// A message keel posted on a platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedMessage {
    pub platform: String,
    pub request_id: String,
    /// Where keel asked to post ([`crate::domain::Target::key`]).
    pub target: String,
    pub posted: MessageRef,
    /// The outbox notification it delivered.
    pub notification: Option<i64>,
    /// The request version its card shows; `None` without a card.
    pub card_version: Option<i64>,
}

impl Store {
    /// The targets a notification was already posted at on a platform (a retry posts the rest).
    pub async fn chat_posted_for(&self, platform: &str, notification: i64) -> Result<Vec<String>> {
        let read = Statement::new(
            "select target from chat_messages where platform = $1 and notification_id = $2 \
             order by id",
            format!("reading where notification {notification} was posted on {platform}"),
        )
        .bind(platform)
        .bind(notification);
        let rows = self.read(read).await?;
        rows.into_iter().map(|row| row.columns().text()).collect()
    }

    /// The conversation a platform posted in for `target` (a channel by name), if it did.
    pub async fn chat_conversation_of(
        &self,
        platform: &str,
        target: &str,
    ) -> Result<Option<String>> {
        let read = Statement::new(
            "select conversation from chat_messages where platform = $1 and target = $2 \
             order by id desc limit 1",
            format!("reading the {platform} conversation of {target}"),
        )
        .bind(platform)
        .bind(target);
        let rows = self.read(read).await?;
        rows.into_iter()
            .next()
            .map(|row| row.columns().text())
            .transpose()
    }

    /// Every message posted for a request on a platform, oldest first.
    pub async fn chat_messages_of(
        &self,
        platform: &str,
        request_id: &str,
    ) -> Result<Vec<PostedMessage>> {
        let read = Statement::new(
            "select target, conversation, message_id, notification_id, card_version \
             from chat_messages where platform = $1 and request_id = $2 order by id",
            format!("reading the {platform} messages of {request_id}"),
        )
        .bind(platform)
        .bind(request_id);
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok(PostedMessage {
                    platform: platform.to_string(),
                    request_id: request_id.to_string(),
                    target: columns.text()?,
                    posted: MessageRef {
                        conversation: columns.text()?,
                        id: columns.text()?,
                    },
                    notification: columns.opt_int()?,
                    card_version: columns.opt_int()?,
                })
            })
            .collect()
    }

    /// Whether this is the first time keel sees a platform's event (platforms deliver again
    /// events they think were not acknowledged in time).
    pub async fn first_sight_of_chat_event(
        &self,
        platform: &str,
        event_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let insert = Statement::new(
            "insert into chat_events (platform, event_id, received_at) values ($1, $2, $3) \
             on conflict do nothing returning event_id",
            format!("remembering {platform} event {event_id}"),
        )
        .bind(platform)
        .bind(event_id)
        .bind(ts(&at));
        let mut tx = self.begin().await?;
        let rows = tx.fetch(insert).await?;
        tx.commit().await?;
        Ok(!rows.is_empty())
    }
}
