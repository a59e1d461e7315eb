//! Pollers: sources that cannot push, or may drop events (Asana delivers at most once), read
//! from their list endpoint: every record changed since the stored watermark, page by page.
//! Each page's records are queued (by content, so a record read twice is queued once) in the
//! transaction that moves the watermark, and applied by the applier like any event, with the
//! same mapping. One keel process polls a source at a time: the one holding its lease.

use super::Keel;
use super::inbound::content_id;
use crate::sync::sources::fetch::FetchFailure;
use crate::sync::sources::poll::{Position, page_url, read_page};
use chrono::Duration;
use secrecy::ExposeSecret;

/// Pages read in one poll at most (a list that never ends is cut off; the next poll goes on
/// from the watermark).
const MAX_PAGES: usize = 1_000;
/// Added to a poller's lease beyond its interval and timeout.
const LEASE_MARGIN_SECONDS: i64 = 5;

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PollReport {
    /// Another process holds the source's lease; nothing was read.
    pub not_leader: bool,
    pub pages: usize,
    /// Records queued that were not queued before.
    pub queued: usize,
    /// The poll stopped at a failure (its records so far are queued).
    pub failure: Option<FetchFailure>,
}

impl Keel {
    /// Polls source `name` once as `owner` (a name unique to this process's poller), from its
    /// watermark to the end of the list.
    pub async fn poll_source(&self, name: &str, owner: &str) -> anyhow::Result<PollReport> {
        let source = self
            .inbound_source(name)
            .ok_or_else(|| anyhow::anyhow!("there is no source {name}"))?;
        let Some(poll) = &source.poll else {
            anyhow::bail!("the source {name} has no [source.poll]");
        };
        let now = self.clock.now();
        // Long enough to outlast a page's call; renewed with every page queued. A process that
        // dies holding it keeps the others off for this long at most.
        let lease = Duration::from_std(poll.interval * 2 + poll.timeout).unwrap_or_default()
            + Duration::seconds(LEASE_MARGIN_SECONDS);
        let mut report = PollReport::default();
        let Some(since) = self
            .store
            .lease_poll(name, owner, &poll.start, now, now + lease)
            .await?
        else {
            report.not_leader = true;
            return Ok(report);
        };
        let mut watermark = since.clone();
        let mut position = Position::First;
        while report.pages < MAX_PAGES {
            let url = page_url(poll, &since, &position);
            let auth: Vec<(&str, &str)> = poll
                .auth
                .iter()
                .map(|(name, value)| (name.as_str(), value.expose_secret()))
                .collect();
            let answer = match self.source_client.get_json(&url, &auth, poll.timeout).await {
                Ok(answer) => answer,
                Err(failure) => {
                    self.store
                        .record_poll_failure(name, &failure.reason)
                        .await?;
                    report.failure = Some(failure);
                    return Ok(report);
                }
            };
            let page = match read_page(poll, &answer, &position) {
                Ok(page) => page,
                Err(reason) => {
                    self.store.record_poll_failure(name, &reason).await?;
                    report.failure = Some(FetchFailure {
                        reason,
                        transient: false,
                        retry_after: None,
                    });
                    return Ok(report);
                }
            };
            if let Some(newest) = &page.newest
                && *newest > watermark
            {
                watermark = newest.clone();
            }
            let records: Vec<(String, String)> = page
                .items
                .iter()
                .map(|item| {
                    let text = item.to_string();
                    (format!("poll:{}", content_id(text.as_bytes())), text)
                })
                .collect();
            let now = self.clock.now();
            let queued = self
                .store
                .queue_polled_page(name, owner, &records, &watermark, (now, now + lease))
                .await?;
            let Some(queued) = queued else {
                report.not_leader = true;
                return Ok(report);
            };
            report.pages += 1;
            report.queued += queued;
            if queued > 0 {
                self.inbound_bell.ring();
            }
            match page.next {
                Some(next) => position = next,
                None => break,
            }
        }
        Ok(report)
    }
}
