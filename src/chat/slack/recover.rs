//! Posting once when Slack's answer was lost. Every message keel posts for the outbox carries
//! Slack message metadata naming its outbox entry, its target and its request. When an earlier
//! attempt may have posted without keel hearing so (Slack answered 5xx after posting, the
//! connection broke, keel was killed mid-call), keel looks for that metadata in the
//! conversation's recent history (`conversations.history`, scopes `im:history`,
//! `channels:history`, `groups:history`) and records the message it finds instead of posting a
//! second one.

use super::Slack;
use super::client::Posted;
use crate::chat::Undelivered;
use crate::domain::Delivery;
use serde_json::{Value, json};

/// The `event_type` of keel's message metadata.
const EVENT_TYPE: &str = "keel_outbox";
/// Messages asked for per page of history, and pages read at most: a DM with keel holds a few
/// messages since the notification was queued, a busy channel a few hundred.
const PAGE: usize = 100;
const MAX_PAGES: usize = 5;
/// Channels listed per page while looking for a channel by name, and pages at most.
const CHANNEL_PAGE: usize = 200;
const MAX_CHANNEL_PAGES: usize = 10;
/// History is read from a little before the notification was queued (clocks differ).
const MARGIN_SECONDS: i64 = 300;

/// The metadata a notification's message carries.
pub fn metadata(notification: i64, request_id: &str, target: &str) -> Value {
    json!({
        "event_type": EVENT_TYPE,
        "event_payload": {
            "outbox_id": notification,
            "target": target,
            "request_id": request_id,
        },
    })
}

/// What identifies a message of keel's: a notification's own post, or (for a channel's card,
/// posted once per request by whichever approver's notification got there first) the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    Notification,
    RequestCard,
}

/// Whether a message of the history is keel's post of `notification` (of `request_id`) at
/// `target`.
pub fn is_post_of(
    message: &Value,
    (notification, request_id): (i64, &str),
    target: &str,
    identity: Identity,
) -> bool {
    let metadata = &message["metadata"];
    let payload = &metadata["event_payload"];
    if metadata["event_type"] != EVENT_TYPE || payload["target"] != target {
        return false;
    }
    match identity {
        Identity::Notification => {
            let id = &payload["outbox_id"];
            id.as_i64() == Some(notification)
                || id.as_str() == Some(notification.to_string().as_str())
        }
        Identity::RequestCard => payload["request_id"] == request_id,
    }
}

impl Slack {
    /// The message an earlier attempt posted for `delivery` at `target`, if the conversation
    /// has it.
    pub(super) async fn find_posted(
        &self,
        delivery: &Delivery,
        request_id: &str,
        target: &str,
        identity: Identity,
    ) -> Result<Option<Posted>, Undelivered> {
        let Some(conversation) = self.conversation_of(target).await? else {
            return Ok(None);
        };
        let since = delivery.queued_at - chrono::Duration::seconds(MARGIN_SECONDS);
        let oldest = format!(
            "{}.{:06}",
            since.timestamp(),
            since.timestamp_subsec_micros()
        );
        let mut cursor = None;
        for _ in 0..MAX_PAGES {
            let mut params = vec![
                ("channel", conversation.clone()),
                ("include_all_metadata", "true".to_string()),
                ("oldest", oldest.clone()),
                ("limit", PAGE.to_string()),
            ];
            params.extend(cursor.take().map(|c| ("cursor", c)));
            let page = self.api.get("conversations.history", &params).await?;
            let messages = page["messages"].as_array().into_iter().flatten();
            let found = messages
                .into_iter()
                .find(|m| is_post_of(m, (delivery.notification, request_id), target, identity));
            if let Some(ts) = found.and_then(|m| m["ts"].as_str()) {
                return Ok(Some(Posted {
                    channel: conversation,
                    ts: ts.to_string(),
                }));
            }
            cursor = next_cursor(&page);
            if cursor.is_none() {
                break;
            }
        }
        Ok(None)
    }

    /// The conversation id of a target: a member's DM with keel (`conversations.open`), a
    /// channel named `#name` (where keel posted before, else `conversations.list`), or the id
    /// itself. `None` when a named channel is not one keel can see.
    async fn conversation_of(&self, target: &str) -> Result<Option<String>, Undelivered> {
        if target.starts_with('U') || target.starts_with('W') {
            let opened = self
                .api
                .call("conversations.open", &json!({ "users": target }))
                .await?;
            return Ok(opened["channel"]["id"].as_str().map(str::to_string));
        }
        let Some(name) = target.strip_prefix('#') else {
            return Ok(Some(target.to_string()));
        };
        let known = self
            .keel
            .chat_conversation_of(super::port::SLACK, target)
            .await;
        if let Some(id) = known.map_err(|e| Undelivered::new(format!("{e:#}")))? {
            return Ok(Some(id));
        }
        self.channel_named(name).await
    }

    /// The id of the channel called `name` among those the bot can see.
    async fn channel_named(&self, name: &str) -> Result<Option<String>, Undelivered> {
        let mut cursor = None;
        for _ in 0..MAX_CHANNEL_PAGES {
            let mut params = vec![
                ("types", "public_channel,private_channel".to_string()),
                ("exclude_archived", "true".to_string()),
                ("limit", CHANNEL_PAGE.to_string()),
            ];
            params.extend(cursor.take().map(|c| ("cursor", c)));
            let page = self.api.get("conversations.list", &params).await?;
            let channels = page["channels"].as_array().into_iter().flatten();
            let found = channels.into_iter().find(|c| c["name"] == name);
            if let Some(id) = found.and_then(|c| c["id"].as_str()) {
                return Ok(Some(id.to_string()));
            }
            cursor = next_cursor(&page);
            if cursor.is_none() {
                break;
            }
        }
        Ok(None)
    }
}

/// The cursor of the next page of a list, if there is one.
fn next_cursor(page: &Value) -> Option<String> {
    page["response_metadata"]["next_cursor"]
        .as_str()
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: i64, request: &str) -> (i64, &str) {
        (id, request)
    }

    fn message_with(metadata: Value) -> Value {
        json!({ "ts": "1.000001", "text": "hi", "metadata": metadata })
    }

    #[test]
    fn a_notification_is_recognised_by_its_outbox_id_and_target() {
        let posted = message_with(metadata(7, "CO-1", "U1"));
        assert!(is_post_of(
            &posted,
            item(7, "CO-1"),
            "U1",
            Identity::Notification
        ));
        assert!(!is_post_of(
            &posted,
            item(8, "CO-1"),
            "U1",
            Identity::Notification
        ));
        assert!(!is_post_of(
            &posted,
            item(7, "CO-1"),
            "U2",
            Identity::Notification
        ));
        assert!(!is_post_of(
            &json!({ "ts": "1.1" }),
            item(7, "CO-1"),
            "U1",
            Identity::Notification
        ));
    }

    #[test]
    fn a_channel_card_is_recognised_by_its_request_whichever_notification_posted_it() {
        let posted = message_with(metadata(7, "CO-1", "#change-orders"));
        let other = item(9, "CO-1");
        assert!(is_post_of(
            &posted,
            other,
            "#change-orders",
            Identity::RequestCard
        ));
        assert!(!is_post_of(
            &posted,
            item(9, "CO-2"),
            "#change-orders",
            Identity::RequestCard
        ));
    }

    #[test]
    fn metadata_given_back_with_string_values_still_matches() {
        let posted = message_with(json!({ "event_type": "keel_outbox",
            "event_payload": { "outbox_id": "7", "target": "U1", "request_id": "CO-1" } }));
        assert!(is_post_of(
            &posted,
            item(7, "CO-1"),
            "U1",
            Identity::Notification
        ));
    }
}
