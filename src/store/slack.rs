//! What keel remembers of Slack: the messages it posted for each request (to update their cards
//! in place) and the events it has handled (to act once on an event Slack delivers again).

use super::Store;
use super::sql::ts;
use super::statement::Statement;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// A message keel posted in Slack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackMessage {
    /// Where keel asked to post: a member id (their DMs) or a channel.
    pub target: String,
    /// The conversation Slack posted in.
    pub channel: String,
    pub ts: String,
    pub card_version: Option<i64>,
}

impl Store {
    /// Remembers a posted message.
    pub async fn record_slack_message(
        &self,
        request_id: &str,
        message: &SlackMessage,
        outbox_id: Option<i64>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let insert = Statement::new(
            "insert into slack_messages (request_id, channel, ts, outbox_id, card_version, \
             posted_at, target) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing",
            format!("remembering a Slack message of {request_id}"),
        )
        .bind(request_id)
        .bind(&message.channel)
        .bind(&message.ts)
        .bind(outbox_id)
        .bind(message.card_version)
        .bind(ts(&at))
        .bind(&message.target);
        let mut tx = self.begin().await?;
        tx.write(insert).await?;
        tx.commit().await
    }

    /// Where a notification was already posted (a retry posts only the rest).
    pub async fn slack_posted_for(&self, outbox_id: i64) -> Result<Vec<String>> {
        let read = Statement::new(
            "select target from slack_messages where outbox_id = $1 order by id",
            format!("reading where notification {outbox_id} was posted"),
        )
        .bind(outbox_id);
        let rows = self.read(read).await?;
        rows.into_iter().map(|row| row.columns().text()).collect()
    }

    /// The conversation id of a channel keel posted in by name (`#change-orders`), if it did.
    pub async fn slack_channel_of(&self, target: &str) -> Result<Option<String>> {
        let read = Statement::new(
            "select channel from slack_messages where target = $1 order by id desc limit 1",
            format!("reading the Slack conversation of {target}"),
        )
        .bind(target);
        let rows = self.read(read).await?;
        rows.into_iter()
            .next()
            .map(|row| row.columns().text())
            .transpose()
    }

    /// Every message posted for a request, oldest first.
    pub async fn slack_messages_of(&self, request_id: &str) -> Result<Vec<SlackMessage>> {
        let read = Statement::new(
            "select target, channel, ts, card_version from slack_messages \
             where request_id = $1 order by id",
            format!("reading the Slack messages of {request_id}"),
        )
        .bind(request_id);
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| {
                let mut columns = row.columns();
                Ok(SlackMessage {
                    target: columns.text()?,
                    channel: columns.text()?,
                    ts: columns.text()?,
                    card_version: columns.opt_int()?,
                })
            })
            .collect()
    }

    /// Records that a message now shows `version` of its request's card.
    pub async fn set_slack_card_version(&self, message: &SlackMessage, version: i64) -> Result<()> {
        let update = Statement::new(
            "update slack_messages set card_version = $3 where channel = $1 and ts = $2 \
             and (card_version is null or card_version < $3)",
            format!("recording the card version of Slack message {}", message.ts),
        )
        .bind(&message.channel)
        .bind(&message.ts)
        .bind(version);
        let mut tx = self.begin().await?;
        tx.write(update).await?;
        tx.commit().await
    }

    /// Whether this is the first time keel sees an event (Slack redelivers events it thinks were
    /// not acknowledged in time).
    pub async fn first_sight_of_slack_event(
        &self,
        event_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let insert = Statement::new(
            "insert into slack_events (event_id, received_at) values ($1, $2) \
             on conflict do nothing returning event_id",
            format!("remembering Slack event {event_id}"),
        )
        .bind(event_id)
        .bind(ts(&at));
        let mut tx = self.begin().await?;
        let rows = tx.fetch(insert).await?;
        tx.commit().await?;
        Ok(!rows.is_empty())
    }
}
