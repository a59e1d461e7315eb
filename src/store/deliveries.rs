//! What one claimed batch of the outbox came to, written in one transaction: the messages
//! posted (each once per notification and target), the cards shown at a newer version, the
//! notifications delivered and the ones that failed. One commit for the whole batch keeps the
//! write cost of a delivered card a fraction of a transaction; a deliverer that dies before it
//! leaves its rows claimed, and their next attempt looks for what it may have posted (see
//! [`crate::domain::Delivery::maybe_posted`]).

use super::chat::PostedMessage;
use super::outbox::AfterFailure;
use super::sql::{numbered_list, ts, value_tuples};
use super::statement::Statement;
use super::{Store, Tx};
use anyhow::Result;
use chrono::{DateTime, Utc};

/// The outcome of a batch of deliveries, to record at once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Deliveries {
    /// Messages posted, in the order they were posted.
    pub posted: Vec<PostedMessage>,
    /// Messages now showing a newer card version (never recorded as an older one).
    pub shown: Vec<(PostedMessage, i64)>,
    /// Notifications delivered: never claimed again.
    pub delivered: Vec<i64>,
    /// Notifications not delivered this time: why, and what becomes of them.
    pub failed: Vec<(i64, String, AfterFailure)>,
}

/// Columns of a posted message's row.
const MESSAGE_COLUMNS: usize = 8;

impl Store {
    /// Records what a batch of deliveries came to, `at` that time, in one transaction.
    pub async fn record_deliveries(&self, batch: &Deliveries, at: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.insert_chat_messages(&batch.posted, at).await?;
        for (message, version) in &batch.shown {
            tx.set_chat_card_version(message, *version).await?;
        }
        tx.mark_delivered(&batch.delivered, at).await?;
        for (id, error, after) in &batch.failed {
            tx.mark_failed(*id, error, after).await?;
        }
        tx.commit().await
    }
}

impl Tx {
    /// Remembers posted messages (once per notification and target).
    async fn insert_chat_messages(
        &mut self,
        messages: &[PostedMessage],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let at = ts(&at);
        let rows = self.backend.rows_per_statement(MESSAGE_COLUMNS);
        for chunk in messages.chunks(rows) {
            let sql = format!(
                "insert into chat_messages (platform, request_id, target, conversation, \
                 message_id, notification_id, card_version, posted_at) values {} \
                 on conflict do nothing",
                value_tuples(self.backend, chunk.len(), MESSAGE_COLUMNS)
            );
            let mut insert = Statement::new(
                sql,
                format!("remembering {} posted chat messages", chunk.len()),
            );
            for message in chunk {
                insert.push(&message.platform);
                insert.push(&message.request_id);
                insert.push(&message.target);
                insert.push(&message.posted.conversation);
                insert.push(&message.posted.id);
                insert.push(message.notification);
                insert.push(message.card_version);
                insert.push(at.clone());
            }
            self.write(insert).await?;
        }
        Ok(())
    }

    /// Records that a message now shows `version` of its request's card (never an older one).
    async fn set_chat_card_version(&mut self, message: &PostedMessage, version: i64) -> Result<()> {
        let update = Statement::new(
            "update chat_messages set card_version = $4 where platform = $1 \
             and conversation = $2 and message_id = $3 \
             and (card_version is null or card_version < $4)",
            format!(
                "recording the card version of {} message {}",
                message.platform, message.posted.id
            ),
        )
        .bind(&message.platform)
        .bind(&message.posted.conversation)
        .bind(&message.posted.id)
        .bind(version);
        self.write(update).await
    }

    /// Marks notifications delivered: those rows are never claimed again.
    async fn mark_delivered(&mut self, ids: &[i64], at: DateTime<Utc>) -> Result<()> {
        for chunk in ids.chunks(self.backend.rows_per_statement(1) - 1) {
            let mut delivered = Statement::new(
                format!(
                    "update outbox set delivered_at = $1, claimed_until = null where id in ({})",
                    numbered_list(2, chunk.len())
                ),
                format!("marking {} notifications delivered", chunk.len()),
            )
            .bind(ts(&at));
            for id in chunk {
                delivered.push(*id);
            }
            self.write(delivered).await?;
        }
        Ok(())
    }

    /// Records a failed delivery and what becomes of it: tried again later, or parked (the
    /// people told queued with it).
    async fn mark_failed(&mut self, id: i64, error: &str, after: &AfterFailure) -> Result<()> {
        let doing = format!("recording a failed delivery of notification {id}");
        match after {
            AfterFailure::RetryAt(retry_at) => {
                let failed = Statement::new(
                    "update outbox set attempts = attempts + 1, last_error = $2, \
                     next_attempt_at = $3, claimed_until = null where id = $1",
                    doing,
                )
                .bind(id)
                .bind(error)
                .bind(ts(retry_at));
                self.write(failed).await
            }
            AfterFailure::Park {
                at: parked_at,
                retry_at,
                notices,
            } => {
                let parked = Statement::new(
                    "update outbox set attempts = attempts + 1, last_error = $2, failed_at = $3, \
                     next_attempt_at = $4, held = $5, claimed_until = null where id = $1",
                    doing,
                )
                .bind(id)
                .bind(error)
                .bind(ts(parked_at))
                .bind(ts(&retry_at.unwrap_or(*parked_at)))
                .bind(i64::from(retry_at.is_none()));
                self.write(parked).await?;
                self.enqueue(notices, *parked_at).await
            }
        }
    }
}
