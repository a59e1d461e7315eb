//! The inbound tasks of a running keel: the applier, woken when a delivery is queued and on
//! every scheduler tick (retries fall due with time), and a poller per polled source, which
//! backs off on failures (Retry-After when the source gives one).

use super::Keel;
use std::time::Duration;
use tokio::sync::watch;

/// The longest a poller waits after failures in a row.
const MAX_POLL_BACKOFF: Duration = Duration::from_secs(15 * 60);

impl Keel {
    /// Rung when an inbound event is queued.
    pub fn inbound_bell(&self) -> std::sync::Arc<super::DeliveryBell> {
        self.inbound_bell.clone()
    }
}

/// Applies queued inbound events until told to stop.
pub async fn run_applier(keel: Keel, mut stop: watch::Receiver<bool>) {
    let period = Duration::from_secs(keel.config.settings.scheduler.tick_seconds.max(1));
    let mut bell = keel.inbound_bell().listen();
    loop {
        tokio::select! {
            applied = keel.apply_inbound() => if let Err(error) = applied {
                crate::log_limit::error("applying inbound events failed", &error);
            },
            _ = stop.wait_for(|stop| *stop) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = bell.rung() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

/// Polls source `name` every interval while this process holds its lease, until told to stop.
pub async fn run_poller(keel: Keel, name: String, mut stop: watch::Receiver<bool>) {
    let Some(interval) = keel
        .inbound_source(&name)
        .and_then(|s| s.poll.as_ref())
        .map(|p| p.interval)
    else {
        return;
    };
    let owner = format!("{name}:{}", uuid::Uuid::new_v4().simple());
    let mut failures: u32 = 0;
    loop {
        let wait = tokio::select! {
            polled = keel.poll_source(&name, &owner) => match polled {
                Ok(report) => match report.failure {
                    None => {
                        failures = 0;
                        interval
                    }
                    Some(failure) => {
                        failures += 1;
                        tracing::warn!(source = %name, "polling failed: {}", failure.reason);
                        let backoff = Duration::from_secs(5u64 << failures.min(10)).min(MAX_POLL_BACKOFF);
                        failure.retry_after.unwrap_or(backoff)
                    }
                },
                Err(error) => {
                    crate::log_limit::error("polling a source failed", &error);
                    interval
                }
            },
            _ = stop.wait_for(|stop| *stop) => return,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}
