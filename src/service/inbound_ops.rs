//! Operating the inbound sources: how each stands (`keel sync status`), the dead letters
//! (`keel sync failures`), queueing them again once the cause is fixed (`keel sync retry`), and
//! applying already-received events again (`keel sync replay`).

use super::{Keel, ServiceError, UserError};
use crate::store::InboundEvent;
use chrono::{DateTime, Utc};

/// How one source stands.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SourceStatus {
    pub name: String,
    pub record_type: String,
    /// When it last applied an event or completed a poll.
    pub last_success: Option<DateTime<Utc>>,
    /// How long the oldest queued event has waited, in seconds (0 when none waits).
    pub lag_seconds: i64,
    pub queued: i64,
    /// Queued events that failed at least once, and polls failed in a row.
    pub failures: i64,
    pub dead_letters: i64,
    /// The poll watermark, for polled sources.
    pub watermark: Option<String>,
    pub last_error: Option<String>,
}

/// Which dead letters `keel sync retry` queues again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadLetters {
    One(i64),
    All,
}

impl Keel {
    /// Every configured source's standing, by name.
    pub async fn sync_status(&self) -> anyhow::Result<Vec<SourceStatus>> {
        let now = self.clock.now();
        let counts = self.store.inbound_counts().await?;
        let polls = self.store.poll_states().await?;
        let mut statuses = Vec::new();
        for source in &self.config.sources {
            let count = counts
                .iter()
                .find(|(name, _)| *name == source.name)
                .map(|(_, c)| c.clone())
                .unwrap_or_default();
            let poll = polls
                .iter()
                .find(|(name, _)| *name == source.name)
                .map(|(_, p)| p);
            let last_success = [count.last_applied_at, poll.and_then(|p| p.last_success_at)]
                .into_iter()
                .flatten()
                .max();
            statuses.push(SourceStatus {
                name: source.name.clone(),
                record_type: source.record_type.clone(),
                last_success,
                lag_seconds: count
                    .oldest_queued_at
                    .map_or(0, |at| (now - at).num_seconds().max(0)),
                queued: count.queued,
                failures: count.retrying + poll.map_or(0, |p| p.failures),
                dead_letters: count.dead,
                watermark: poll.map(|p| p.watermark.clone()),
                last_error: poll.and_then(|p| p.last_error.clone()),
            });
        }
        Ok(statuses)
    }

    /// The dead letters, newest first, with their reasons.
    pub async fn sync_failures(&self) -> anyhow::Result<Vec<InboundEvent>> {
        self.store.inbound_dead_letters().await
    }

    /// Queues dead letters again (a running keel applies them with the current mapping); how
    /// many.
    pub async fn sync_retry(&self, which: DeadLetters) -> Result<usize, ServiceError> {
        let id = match which {
            DeadLetters::One(id) => Some(id),
            DeadLetters::All => None,
        };
        let count = self.store.requeue_dead(id, self.clock.now()).await?;
        if count == 0
            && let Some(id) = id
        {
            return Err(UserError::Invalid(format!(
                "There is no dead letter {id}; `keel sync failures` lists them."
            ))
            .into());
        }
        self.inbound_bell.ring();
        Ok(count)
    }

    /// Queues the events `source` delivered since `since` to be applied again; how many.
    pub async fn sync_replay(
        &self,
        source: &str,
        since: DateTime<Utc>,
    ) -> Result<usize, ServiceError> {
        if self.inbound_source(source).is_none() {
            let known: Vec<&str> = self
                .config
                .sources
                .iter()
                .map(|s| s.name.as_str())
                .collect();
            return Err(UserError::Invalid(format!(
                "There is no source `{source}`. The sources are: {}.",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
            .into());
        }
        let count = self
            .store
            .requeue_applied(source, since, self.clock.now())
            .await?;
        self.inbound_bell.ring();
        Ok(count)
    }
}
