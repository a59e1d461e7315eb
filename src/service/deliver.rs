//! Delivering the outbox: every notification a transition wrote is handed to a sink until it is
//! accepted, with growing pauses between attempts (at most an hour). After
//! `scheduler.outbox_max_attempts` it is parked (listed for operators, its requester and the
//! admins told: see [`super::outbox`]) and still retried at that pace, so a platform back after
//! a long outage gets what it is owed; one the platform refused for good is parked at once and held
//! until `keel outbox retry`. Each row is owed on one platform, so one platform's outage or
//! refusal holds only its own row. Chat platforms are delivered to by the rules of
//! [`super::deliver_chat`] through their [`ChatPort`]; without one, notifications are logged,
//! or recorded for tests.

use super::Keel;
use super::deliver_journal::Journal;
use crate::chat::{ChatPort, Undelivered};
use crate::domain::Notification;
use crate::store::{AfterFailure, OutboxItem};
use chrono::{DateTime, Duration, Utc};
use futures_util::{StreamExt, stream};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tracing::Instrument as _;

/// Where notifications go.
#[derive(Clone)]
pub enum Sink {
    /// Writes each notification to the log (`keel serve` without a chat platform).
    Log,
    /// Keeps every delivered notification; while `failing` is set, refuses them like an
    /// unreachable platform would.
    Recording {
        delivered: Arc<Mutex<Vec<Notification>>>,
        failing: Arc<AtomicBool>,
    },
    /// Chat platforms: each notification is owed on every one, as a row of its own (see
    /// [`crate::store::Store::claim_outbox`]), so a slow or failing one does not hold the others.
    Chat(Vec<Arc<dyn ChatPort>>),
}

impl Sink {
    pub fn recording() -> Sink {
        Sink::Recording {
            delivered: Arc::default(),
            failing: Arc::default(),
        }
    }

    /// What a recording sink has accepted so far.
    pub fn delivered(&self) -> Vec<Notification> {
        match self {
            Sink::Recording { delivered, .. } => {
                delivered.lock().map(|d| d.clone()).unwrap_or_default()
            }
            Sink::Log | Sink::Chat(_) => Vec::new(),
        }
    }

    pub fn set_failing(&self, fail: bool) {
        if let Sink::Recording { failing, .. } = self {
            failing.store(fail, Ordering::SeqCst);
        }
    }

    /// The platforms this sink delivers on: the outbox rows it claims.
    pub fn platforms(&self) -> Vec<&'static str> {
        match self {
            Sink::Chat(ports) => ports.iter().map(|port| port.platform()).collect(),
            Sink::Log => vec!["log"],
            Sink::Recording { .. } => vec!["recording"],
        }
    }

    async fn deliver(
        &self,
        keel: &Keel,
        item: &OutboxItem,
        journal: &Journal,
    ) -> Result<(), Undelivered> {
        let notification = &item.notification;
        match self {
            Sink::Chat(ports) => {
                let platform = item.platform.as_deref().unwrap_or_default();
                let Some(port) = ports.iter().find(|port| port.platform() == platform) else {
                    return Err(Undelivered::new(format!(
                        "this deliverer does not serve the platform `{platform}`"
                    )));
                };
                keel.deliver_on(port.as_ref(), item, &self.platforms(), journal)
                    .await
            }
            Sink::Log => {
                tracing::info!(to = %notification.to, request = %notification.request_id,
                    kind = ?notification.kind, "{}", notification.text);
                Ok(())
            }
            Sink::Recording { delivered, failing } => {
                if failing.load(Ordering::SeqCst) {
                    return Err(Undelivered::new("the platform is unavailable (503)"));
                }
                delivered
                    .lock()
                    .map_err(|_| Undelivered::new("recording sink poisoned"))?
                    .push(notification.clone());
                Ok(())
            }
        }
    }
}

/// How many requests' notifications are delivered at once. Slack answers a burst beyond its
/// rate limits with 429 and a Retry-After, which is honoured per notification.
const PARALLEL_REQUESTS: usize = 8;

/// Pause before the next attempt after `attempts` failures: 5 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 10) as u32;
    Duration::seconds((5i64 << exponent).min(3_600))
}

impl Keel {
    /// Delivers what is due in the outbox; returns how many were delivered.
    pub async fn deliver_outbox(&self, sink: &Sink) -> anyhow::Result<usize> {
        self.deliver_outbox_on(sink, &sink.platforms()).await
    }

    /// Delivers what is due on `platforms` (some of the sink's) only. A round waits for its
    /// slowest delivery, so a deliverer per platform keeps one that hangs until its timeout from
    /// holding the next round of the others; the sink still says which platforms are served, so
    /// a person missing on one is reached on another.
    pub async fn deliver_outbox_on(
        &self,
        sink: &Sink,
        platforms: &[&str],
    ) -> anyhow::Result<usize> {
        let mut delivered = 0;
        loop {
            let now = self.clock.now();
            let served = sink.platforms();
            let claim = self
                .store
                .claim_outbox_of(now, 100, &served, platforms)
                .await?;
            if claim.handed_over > 0 {
                // Owed on platforms another deliverer serves: wake it.
                self.bell.ring();
            }
            let batch = claim.items;
            if batch.is_empty() {
                return Ok(delivered);
            }
            delivered += self.deliver_claimed(sink, batch, now).await?;
        }
    }

    /// Delivers a claimed batch and records everything it came to (messages posted, cards
    /// updated, notifications delivered or failed) in one transaction; returns how many were
    /// delivered. A crash before that leaves the rows claimed: their next attempt looks for
    /// what this one may have posted (see [`crate::domain::Delivery::maybe_posted`]).
    async fn deliver_claimed(
        &self,
        sink: &Sink,
        batch: Vec<OutboxItem>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let journal = Journal::default();
        let deliver = |item: OutboxItem| {
            let journal = &journal;
            async move {
                let outcome = sink
                    .deliver(self, &item, journal)
                    .instrument(delivery_span(&item))
                    .await;
                (item, outcome)
            }
        };
        let outcomes = deliver_batch(batch, BATCH_BUDGET, deliver).await;
        let mut delivered = 0;
        for (item, outcome) in outcomes {
            let platform = item.platform.as_deref().unwrap_or("unassigned");
            self.telemetry().delivery(platform, outcome.is_err());
            match outcome {
                Ok(()) => {
                    journal.delivered(item.id);
                    delivered += 1;
                }
                Err(failure) => {
                    // What the batch posted is recorded even when parking cannot be worked out.
                    let after = self
                        .after_failure(&item, &failure, now)
                        .await
                        .unwrap_or_else(|error| {
                            crate::log_limit::error(
                                "deciding what becomes of a failed delivery failed",
                                &error,
                            );
                            AfterFailure::RetryAt(now + backoff(item.attempts + 1))
                        });
                    journal.failed(item.id, &failure.reason, after);
                }
            }
        }
        let deliveries = journal.into_deliveries();
        let recorded = self
            .store
            .record_deliveries(&deliveries, self.clock.now())
            .await;
        if recorded.is_err() {
            self.unsure_of(&deliveries.posted);
        }
        recorded.map(|()| delivered)
    }

    /// What becomes of a notification the sink refused: retried after the backoff; parked
    /// (people told) when the failure is permanent, or on its last attempt; once parked, retried
    /// at the backoff (at most an hour apart) without telling anyone again.
    async fn after_failure(
        &self,
        item: &OutboxItem,
        failure: &Undelivered,
        now: DateTime<Utc>,
    ) -> anyhow::Result<AfterFailure> {
        let max_attempts = self.config.settings.scheduler.outbox_max_attempts as i32;
        let attempts = item.attempts + 1;
        // The platform's own Retry-After, when longer than the backoff, wins.
        let asked = failure
            .retry_after
            .and_then(|wait| Duration::from_std(wait).ok())
            .unwrap_or_default();
        let retry_at = now + backoff(attempts).max(asked);
        let was_parked = item.attempts >= max_attempts;
        if !failure.permanent && (was_parked || attempts < max_attempts) {
            return Ok(AfterFailure::RetryAt(retry_at));
        }
        let retry_at = (!failure.permanent).then_some(retry_at);
        let notices = if was_parked {
            Vec::new()
        } else {
            self.parked_notices(item, &failure.reason, retry_at.is_none())
                .await?
        };
        tracing::error!(id = item.id, platform = ?item.platform, error = %failure.reason, request = %item.notification.request_id,
            "notification parked after {attempts} attempt(s); {} told", notices.len());
        Ok(AfterFailure::Park {
            at: now,
            retry_at,
            notices,
        })
    }
}

/// The span of one notification's delivery: what it is and, when an HTTP request queued it,
/// that request's id, so that its log lines can be followed back to the request.
fn delivery_span(item: &OutboxItem) -> tracing::Span {
    tracing::info_span!(
        "delivery",
        outbox_id = item.id,
        platform = item.platform.as_deref().unwrap_or_default(),
        request = %item.notification.request_id,
        request_id = item.http_request_id.as_deref(),
    )
}

/// How long the deliveries of one claimed batch may take: well inside the claim
/// ([`crate::store::CLAIM_SECONDS`]), so that no other deliverer claims a notification while
/// this one may still be posting it. A slow platform (every call just under its timeout, several
/// calls a notification) would otherwise outlast the claim.
const BATCH_BUDGET: std::time::Duration =
    std::time::Duration::from_secs(crate::store::CLAIM_SECONDS as u64 * 3 / 4);

/// Hands a claimed batch to the sink, several requests at a time: each delivery waits for the
/// platform's answer and for the disk (a chat port remembers what it posted before it returns),
/// so one at a time would cap delivery below what keel captures under load. A request's own
/// notifications stay in order, so its card is posted before it is updated. A request whose
/// platform does not answer holds one place only (until the platform's timeout): the others go
/// on through the remaining places. What is not delivered within `budget` is abandoned as an
/// ambiguous failure (it may have been posted), to be tried again.
async fn deliver_batch<F, Fut>(
    batch: Vec<OutboxItem>,
    budget: std::time::Duration,
    deliver: F,
) -> Vec<(OutboxItem, Result<(), Undelivered>)>
where
    F: Fn(OutboxItem) -> Fut,
    Fut: std::future::Future<Output = (OutboxItem, Result<(), Undelivered>)>,
{
    let deadline = tokio::time::Instant::now() + budget;
    let mut by_request: Vec<Vec<OutboxItem>> = Vec::new();
    let mut group_of: HashMap<String, usize> = HashMap::new();
    for item in batch {
        // A request's rows on one platform stay in order; its platforms go side by side. A
        // notification about no request (a digest, an alert) keeps order per recipient only,
        // so a digest to hundreds of people goes out side by side too.
        let subject = item
            .notification
            .about_request()
            .map_or_else(|| format!("\u{1}{}", item.notification.to), str::to_string);
        let request = format!(
            "{subject}\u{0}{}",
            item.platform.as_deref().unwrap_or_default()
        );
        let group = *group_of.entry(request).or_insert_with(|| {
            by_request.push(Vec::new());
            by_request.len() - 1
        });
        by_request[group].push(item);
    }
    let outcomes: Vec<Vec<_>> = stream::iter(by_request)
        .map(|items| {
            let deliver = &deliver;
            async move {
                let mut outcomes = Vec::with_capacity(items.len());
                for item in items {
                    let kept = item.clone();
                    let outcome = tokio::time::timeout_at(deadline, deliver(item))
                        .await
                        .unwrap_or_else(|_| {
                            let late = format!(
                                "not delivered within the {} s a batch may take; tried again later",
                                budget.as_secs()
                            );
                            (kept, Err(Undelivered::new(late)))
                        });
                    outcomes.push(outcome);
                }
                outcomes
            }
        })
        .buffer_unordered(PARALLEL_REQUESTS)
        .collect()
        .await;
    outcomes.into_iter().flatten().collect()
}

#[cfg(test)]
#[path = "deliver_tests.rs"]
mod tests;
