//! Delivering the outbox: every notification a transition wrote is handed to a sink until it is
//! accepted, with growing pauses between attempts and a cap after which it is parked as failed
//! (and listed for operators). A chat adapter is a sink through [`ChatPort`]; without one,
//! notifications are logged, or recorded for tests.

use super::Keel;
use crate::chat::{ChatPort, Undelivered};
use crate::domain::Notification;
use crate::store::OutboxItem;
use chrono::Duration;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Chat platforms: each notification goes to every one (each is idempotent by outbox id,
    /// so one that failed is retried without the others posting twice).
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

    async fn deliver(&self, item: &OutboxItem) -> Result<(), Undelivered> {
        let notification = &item.notification;
        match self {
            Sink::Chat(ports) => {
                let mut first_failure = None;
                for port in ports {
                    if let Err(failure) = port.deliver(item).await {
                        first_failure.get_or_insert(failure);
                    }
                }
                first_failure.map_or(Ok(()), Err)
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

/// Pause before the next attempt after `attempts` failures: 5 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(0, 10) as u32;
    Duration::seconds((5i64 << exponent).min(3_600))
}

impl Keel {
    /// Delivers what is due in the outbox; returns how many were delivered.
    pub async fn deliver_outbox(&self, sink: &Sink) -> anyhow::Result<usize> {
        let max_attempts = self.config.settings.scheduler.outbox_max_attempts as i32;
        let mut delivered = 0;
        loop {
            let now = self.clock.now();
            let batch = self.store.claim_outbox(now, 100).await?;
            if batch.is_empty() {
                return Ok(delivered);
            }
            // Deliveries are recorded once per batch: a crash before that re-delivers them, which
            // every sink takes as the same delivery (idempotent by outbox id).
            let mut accepted = Vec::with_capacity(batch.len());
            for item in batch {
                match sink.deliver(&item).await {
                    Ok(()) => accepted.push(item.id),
                    Err(failure) => {
                        let attempts = item.attempts + 1;
                        // The platform's own Retry-After, when longer than the backoff, wins.
                        let asked = failure
                            .retry_after
                            .and_then(|wait| Duration::from_std(wait).ok())
                            .unwrap_or_default();
                        let pause = backoff(attempts).max(asked);
                        let retry_at = (attempts < max_attempts).then(|| now + pause);
                        let error = failure.reason;
                        if retry_at.is_none() {
                            tracing::error!(id = item.id, %error, "notification parked after {attempts} attempts");
                        }
                        self.store.mark_failed(item.id, &error, retry_at).await?;
                    }
                }
            }
            self.store
                .mark_delivered(&accepted, self.clock.now())
                .await?;
            delivered += accepted.len();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_and_is_capped_at_an_hour() {
        assert_eq!(super::backoff(0).num_seconds(), 5);
        assert_eq!(super::backoff(3).num_seconds(), 40);
        assert_eq!(super::backoff(50).num_seconds(), 3_600);
    }
}
