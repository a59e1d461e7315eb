//! Noticing notifications another process queued: `keel request submit` on the same SQLite
//! file, or another keel on the same PostgreSQL database, writes outbox rows this process's
//! deliverers would otherwise find only at their next scheduler tick. The newest row's id is
//! read every [`WATCH_EVERY`] (one primary-key lookup, so idling costs next to nothing), and the
//! delivery bell is rung when it grows.

use super::Keel;
use std::time::Duration;
use tokio::sync::watch;

/// How often the outbox is looked at: well inside the second a card may take to go out.
pub const WATCH_EVERY: Duration = Duration::from_millis(200);

/// Rings the delivery bell whenever the outbox holds a row newer than the last one seen, until
/// told to stop.
pub async fn run_outbox_watch(keel: Keel, mut stop: watch::Receiver<bool>) {
    let bell = keel.delivery_bell();
    let mut seen = None;
    loop {
        match keel.store.outbox_newest_id().await {
            Ok(newest) => {
                if seen.is_some_and(|seen| newest > seen) {
                    bell.ring();
                }
                seen = Some(newest);
            }
            Err(error) => {
                crate::log_limit::error("looking for new notifications failed", &error);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(WATCH_EVERY) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}
