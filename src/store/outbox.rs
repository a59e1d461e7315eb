//! The outbox: notifications written with the transition that caused them, claimed by deliverers
//! (each row by one at a time), retried later or parked (see [`super::outbox_parked`]).

use super::sql::{from_json, numbered_list, parse_ts, to_json, ts, value_tuples};
use super::statement::Statement;
use super::{OutboxItem, Store, Tx};
use crate::domain::Notification;
use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};

/// How long a claim keeps other deliverers off a row (a deliverer that dies frees it by then).
pub const CLAIM_SECONDS: i64 = 60;

/// A row of [`OUTBOX_COLUMNS`].
pub(super) struct OutboxRow {
    id: i64,
    payload: String,
    attempts: i64,
    created_at: String,
    platform: Option<String>,
    notification_id: i64,
    http_request_id: Option<String>,
}

impl OutboxRow {
    pub(super) fn read(columns: &mut super::statement::Columns) -> Result<OutboxRow> {
        Ok(OutboxRow {
            id: columns.int()?,
            payload: columns.text()?,
            attempts: columns.int()?,
            created_at: columns.text()?,
            platform: columns.opt_text()?,
            notification_id: columns.int()?,
            http_request_id: columns.opt_text()?,
        })
    }

    pub(super) fn into_item(self) -> Result<OutboxItem> {
        Ok(OutboxItem {
            id: self.id,
            platform: self.platform,
            notification_id: self.notification_id,
            notification: from_json(&self.payload, "outbox payload")?,
            attempts: i32::try_from(self.attempts).context("reading outbox attempts")?,
            created_at: parse_ts(&self.created_at)?,
            http_request_id: self.http_request_id,
        })
    }
}

pub(super) const OUTBOX_COLUMNS: &str =
    "id, payload, attempts, created_at, platform, coalesce(notification_id, id), http_request_id";

/// What becomes of a notification whose delivery failed.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterFailure {
    /// Tried again then.
    RetryAt(DateTime<Utc>),
    /// Parked `at`: listed for operators, with `notices` (telling people it is stuck) queued in
    /// the same transaction. Tried again at `retry_at`, or held until `keel outbox retry` when
    /// that is `None`.
    Park {
        at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
        notices: Vec<Notification>,
    },
}

impl Store {
    /// Claims up to `limit` notifications due at `now` on `platforms` for a minute, oldest
    /// first. A row whose earlier claim ran out without an outcome (its deliverer was killed or
    /// hung mid-delivery) counts that attempt, so a chat port knows it may have posted already.
    /// A row queued for no platform yet is split in the same transaction: it becomes the first
    /// platform's, and a copy is claimed for each other one (see [`Store::split_rows`]).
    pub async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        platforms: &[&str],
    ) -> Result<Vec<OutboxItem>> {
        let claim = self
            .claim_outbox_of(now, limit, platforms, platforms)
            .await?;
        Ok(claim.items)
    }

    /// As [`Store::claim_outbox`] for a deliverer of `mine` among the `served` platforms (one
    /// deliverer per platform): a row queued for no platform yet is still split among all of
    /// `served`, and the copies owed on the others are left unclaimed for their deliverers.
    pub async fn claim_outbox_of(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        served: &[&str],
        mine: &[&str],
    ) -> Result<Claim> {
        let Some(first) = mine.first() else {
            return Ok(Claim::default());
        };
        let due = format!(
            "select id from outbox where delivered_at is null and held = 0 \
             and next_attempt_at <= $1 and (claimed_until is null or claimed_until < $1) \
             and (platform is null or platform in ({})) \
             order by next_attempt_at, id limit $3{}",
            numbered_list(4, mine.len()),
            self.backend.for_update_skip_locked()
        );
        let sql = format!(
            "update outbox set claimed_until = $2, \
             attempts = attempts + (case when claimed_until is null then 0 else 1 end) \
             where id in ({due}) returning {OUTBOX_COLUMNS}"
        );
        let claimed_until = now + Duration::seconds(CLAIM_SECONDS);
        let mut claim = Statement::new(sql, "claiming outbox notifications")
            .bind(ts(&now))
            .bind(ts(&claimed_until))
            .bind(limit.max(0));
        for platform in mine {
            claim.push(*platform);
        }
        let mut tx = self.begin().await?;
        let rows = tx.fetch(claim).await?;
        let mut items = rows
            .into_iter()
            .map(|row| OutboxRow::read(&mut row.columns())?.into_item())
            .collect::<Result<Vec<_>>>()?;
        let unassigned: Vec<i64> = items
            .iter()
            .filter(|item| item.platform.is_none())
            .map(|item| item.id)
            .collect();
        let mut handed_over = Vec::new();
        if !unassigned.is_empty() {
            let others: Vec<&str> = mine[1..]
                .iter()
                .chain(served.iter().filter(|p| !mine.contains(p)))
                .copied()
                .collect();
            let copies = split_rows(&mut tx, &unassigned, first, &others).await?;
            for item in &mut items {
                if item.platform.is_none() {
                    item.platform = Some((*first).to_string());
                }
            }
            for copy in copies {
                if mine.contains(&copy.platform.as_deref().unwrap_or_default()) {
                    items.push(copy);
                } else {
                    handed_over.push(copy.id);
                }
            }
        }
        if !handed_over.is_empty() {
            let listed: Vec<String> = (1..=handed_over.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "update outbox set claimed_until = null where id in ({})",
                listed.join(", ")
            );
            let mut release = Statement::new(sql, "leaving notifications to their platforms");
            for id in &handed_over {
                release.push(*id);
            }
            tx.write(release).await?;
        }
        tx.commit().await?;
        items.sort_by_key(|item| item.id);
        Ok(Claim {
            items,
            handed_over: handed_over.len(),
        })
    }

    /// The id of the newest outbox row (0 when there is none): it grows whenever anyone queues
    /// a notification.
    pub async fn outbox_newest_id(&self) -> Result<i64> {
        let read = Statement::new(
            "select coalesce(max(id), 0) from outbox",
            "reading the newest notification's id",
        );
        self.read_number(read).await
    }

    /// Notifications still to deliver (including ones waiting for a retry), parked ones aside.
    pub async fn outbox_pending_count(&self) -> Result<i64> {
        let read = Statement::new(
            "select count(*) from outbox where delivered_at is null and failed_at is null",
            "counting pending notifications",
        );
        self.read_number(read).await
    }

    /// The one number an aggregate `read` gives.
    async fn read_number(&self, read: Statement) -> Result<i64> {
        let row = self.read(read).await?.into_iter().next();
        row.context("an aggregate gave no row")?.columns().int()
    }
}

/// What a deliverer claimed: its rows, and how many rows it owed on other platforms (split off
/// rows queued for no platform yet) and left for their deliverers.
#[derive(Debug, Default)]
pub struct Claim {
    pub items: Vec<OutboxItem>,
    pub handed_over: usize,
}

/// Makes the unassigned rows `ids` the `first` platform's and inserts, claimed alike, a copy
/// of each for every one of `others`; returns the copies.
async fn split_rows(
    tx: &mut Tx,
    ids: &[i64],
    first: &str,
    others: &[&str],
) -> Result<Vec<OutboxItem>> {
    let listed = numbered_list(2, ids.len());
    let mut assign = Statement::new(
        format!("update outbox set platform = $1 where platform is null and id in ({listed})"),
        format!("assigning {} notifications to {first}", ids.len()),
    )
    .bind(first);
    for id in ids {
        assign.push(*id);
    }
    let mut copies = Vec::new();
    for platform in others {
        let sql = format!(
            "insert into outbox (created_at, recipient, kind, request_id, payload, attempts, \
             next_attempt_at, claimed_until, platform, notification_id, http_request_id) \
             select created_at, recipient, kind, request_id, payload, attempts, next_attempt_at, \
             claimed_until, $1, id, http_request_id from outbox where id in ({listed}) returning {OUTBOX_COLUMNS}"
        );
        let mut copy =
            Statement::new(sql, format!("owing notifications on {platform}")).bind(*platform);
        for id in ids {
            copy.push(*id);
        }
        let rows = tx.fetch(copy).await?;
        for row in rows {
            copies.push(OutboxRow::read(&mut row.columns())?.into_item()?);
        }
    }
    tx.write(assign).await?;
    Ok(copies)
}

/// Rows per multi-row insert of a transition's notifications (far below parameter limits).
const MAX_ROWS_PER_INSERT: usize = 500;

impl Tx {
    /// Queues notifications for delivery, due at once, with the id of the HTTP request this
    /// runs for, if any (see [`crate::telemetry::request_id`]).
    pub async fn enqueue(
        &mut self,
        notifications: &[Notification],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let at = ts(&at);
        let http_request_id = crate::telemetry::request_id::current();
        for chunk in notifications.chunks(MAX_ROWS_PER_INSERT) {
            let sql = format!(
                "insert into outbox (created_at, recipient, kind, request_id, payload, \
                 next_attempt_at, http_request_id) values {}",
                value_tuples(self.backend, chunk.len(), 7)
            );
            let mut insert = Statement::new(sql, "queueing notifications");
            for notification in chunk {
                let kind = to_json(&notification.kind)?;
                insert.push(at.clone());
                insert.push(&notification.to);
                insert.push(kind.trim_matches('"'));
                insert.push(notification.request_id.clone());
                insert.push(to_json(notification)?);
                insert.push(at.clone());
                insert.push(http_request_id.clone());
            }
            self.write(insert).await?;
        }
        Ok(())
    }
}
