//! The local chat console's messages: posted by people in channels and by keel when it delivers a
//! notification (once per outbox entry and conversation, however often delivery is retried), and
//! cards updated in place when their request moves on.

use super::Store;
use super::sql::{from_json, parse_ts, to_json, ts};
use super::statement::{Row, Statement};
use crate::domain::Card;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// One message of a console conversation (`#channel`, or `@S004` for a person's DMs with keel).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleMessage {
    pub id: i64,
    pub conversation: String,
    /// `keel`, or the staff id of the person who typed it.
    pub author: String,
    pub body: String,
    pub card: Option<Card>,
    pub request_id: Option<String>,
    pub thread_of: Option<i64>,
    pub posted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// An answer's table and how it was computed, when keel answered a question.
    pub answer: Option<ConsoleAnswer>,
}

/// What an answer message shows besides its sentence; its chart is read on its own
/// ([`Store::console_chart`]), when it is shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConsoleAnswer {
    pub table: Option<crate::domain::ShownTable>,
    pub how: String,
    pub chart: bool,
}

/// A message to post.
#[derive(Debug, Clone, PartialEq)]
pub struct NewConsoleMessage {
    pub conversation: String,
    pub author: String,
    pub body: String,
    pub card: Option<Card>,
    /// The version of the request the card shows.
    pub card_version: Option<i64>,
    pub request_id: Option<String>,
    pub thread_of: Option<i64>,
    /// The notification this message delivers, so that a retried delivery posts nothing twice.
    pub outbox_id: Option<i64>,
    pub answer: Option<ConsoleAnswer>,
    /// The answer's chart, a PNG as base64.
    pub chart: Option<String>,
}

impl NewConsoleMessage {
    /// A message typed in `conversation` by `author`: no card, no request, no answer.
    pub fn typed(conversation: String, author: String, body: String) -> NewConsoleMessage {
        NewConsoleMessage {
            conversation,
            author,
            body,
            card: None,
            card_version: None,
            request_id: None,
            thread_of: None,
            outbox_id: None,
            answer: None,
            chart: None,
        }
    }
}

const COLUMNS: &str =
    "id, conversation, author, body, card, request_id, thread_of, posted_at, updated_at, answer";

fn message_from_row(row: Row) -> Result<ConsoleMessage> {
    let mut columns = row.columns();
    Ok(ConsoleMessage {
        id: columns.int()?,
        conversation: columns.text()?,
        author: columns.text()?,
        body: columns.text()?,
        card: columns
            .opt_text()?
            .map(|card| from_json(&card, "a console card"))
            .transpose()?,
        request_id: columns.opt_text()?,
        thread_of: columns.opt_int()?,
        posted_at: parse_ts(&columns.text()?)?,
        updated_at: parse_ts(&columns.text()?)?,
        answer: columns
            .opt_text()?
            .map(|answer| from_json(&answer, "a console answer"))
            .transpose()?,
    })
}

impl Store {
    /// Posts a message; `None` when its notification was already posted in that conversation, or
    /// when it is a card its request already has in that channel.
    pub async fn post_console_message(
        &self,
        new: &NewConsoleMessage,
        at: DateTime<Utc>,
    ) -> Result<Option<ConsoleMessage>> {
        let sql = format!(
            "insert into console_messages (conversation, author, body, card, request_id, \
             thread_of, outbox_id, posted_at, updated_at, card_version, answer, chart) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11) on conflict do nothing \
             returning {COLUMNS}"
        );
        let card = new.card.as_ref().map(to_json).transpose()?;
        let answer = new.answer.as_ref().map(to_json).transpose()?;
        let insert = Statement::new(sql, format!("posting a message in {}", new.conversation))
            .bind(&new.conversation)
            .bind(&new.author)
            .bind(&new.body)
            .bind(card)
            .bind(new.request_id.clone())
            .bind(new.thread_of)
            .bind(new.outbox_id)
            .bind(ts(&at))
            .bind(new.card_version)
            .bind(answer)
            .bind(new.chart.clone());
        let mut tx = self.begin().await?;
        let rows = tx.fetch(insert).await?;
        tx.commit().await?;
        rows.into_iter().next().map(message_from_row).transpose()
    }

    /// Puts `card` (request `version`) in message `id`, unless it shows the same or a newer
    /// version (a late or retried delivery never turns a card back); the message if it changed.
    pub async fn update_console_card(
        &self,
        id: i64,
        card: &Card,
        version: i64,
        at: DateTime<Utc>,
    ) -> Result<Option<ConsoleMessage>> {
        let sql = format!(
            "update console_messages set card = $2, updated_at = $3, card_version = $4 \
             where id = $1 and card is not null \
             and (card_version is null or card_version < $4) returning {COLUMNS}"
        );
        let update = Statement::new(sql, format!("updating the card of console message {id}"))
            .bind(id)
            .bind(to_json(card)?)
            .bind(ts(&at))
            .bind(version);
        let mut tx = self.begin().await?;
        let rows = tx.fetch(update).await?;
        tx.commit().await?;
        rows.into_iter().next().map(message_from_row).transpose()
    }

    /// The message notification `outbox_id` became in `conversation`, or (in a channel) the
    /// card of `request_id` there: what a post refused as already made left.
    pub async fn console_message_delivered(
        &self,
        conversation: &str,
        outbox_id: i64,
        request_id: &str,
    ) -> Result<Option<ConsoleMessage>> {
        let sql = format!(
            "select {COLUMNS} from console_messages where conversation = $1 and (outbox_id = $2 \
             or (conversation like '#%' and request_id = $3 and card is not null)) \
             order by id limit 1"
        );
        let read = Statement::new(sql, format!("finding a delivery in {conversation}"))
            .bind(conversation)
            .bind(outbox_id)
            .bind(request_id);
        let row = self.read(read).await?.into_iter().next();
        row.map(message_from_row).transpose()
    }

    /// The last `limit` messages of a conversation, oldest first.
    pub async fn console_messages(
        &self,
        conversation: &str,
        limit: i64,
    ) -> Result<Vec<ConsoleMessage>> {
        let sql = format!(
            "select {COLUMNS} from console_messages where conversation = $1 \
             order by id desc limit $2"
        );
        let read = Statement::new(sql, format!("reading the messages of {conversation}"))
            .bind(conversation)
            .bind(limit.max(0));
        let mut messages = self
            .read(read.bulk())
            .await?
            .into_iter()
            .map(message_from_row)
            .collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(messages)
    }

    /// The chart of answer message `id` (base64 PNG) and the conversation it is in, if it has
    /// one.
    pub async fn console_chart(&self, id: i64) -> Result<Option<(String, String)>> {
        let read = Statement::new(
            "select conversation, chart from console_messages where id = $1 and chart is not null",
            format!("reading the chart of console message {id}"),
        )
        .bind(id);
        let row = self.read(read).await?.into_iter().next();
        row.map(|row| {
            let mut columns = row.columns();
            Ok((columns.text()?, columns.text()?))
        })
        .transpose()
    }
}
