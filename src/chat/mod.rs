//! Chat platforms. Each adapter translates its platform's payloads into keel's
//! [`Interaction`](crate::domain::Interaction)s, renders the [`Effect`](crate::domain::Effect)s
//! the core answers with, and delivers the outbox's notifications through [`ChatPort`]:
//!
//! - [`console`]: keel's own web console (`keel demo`, and `keel serve` with sign-in links).

pub mod console;
pub mod slack;

use crate::store::OutboxItem;
use async_trait::async_trait;

/// The one thing the core needs from a chat platform: deliver a notification (post a card, update
/// it wherever it was posted, send a DM). An `Err` is retried later with backoff, so a delivery
/// must be idempotent by the item's id: a retry after a lost answer must not post twice.
#[async_trait]
pub trait ChatPort: Send + Sync {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), Undelivered>;
}

/// Why a notification was not delivered this time.
#[derive(Debug, Clone, PartialEq)]
pub struct Undelivered {
    pub reason: String,
    /// How long the platform asked keel to wait (Slack's `Retry-After`), if it said.
    pub retry_after: Option<std::time::Duration>,
    /// Trying again cannot help until someone changes something (the recipient has no identity
    /// on the platform, the channel does not exist): the notification is parked at once and held
    /// until `keel outbox retry`. Anything else (an outage, a timeout) is retried.
    pub permanent: bool,
}

impl Undelivered {
    /// A failure worth retrying (an outage, a timeout, a rate limit).
    pub fn new(reason: impl Into<String>) -> Undelivered {
        Undelivered {
            reason: reason.into(),
            retry_after: None,
            permanent: false,
        }
    }
}
