//! Firing due timers. Each timer is claimed and fired in its own transaction (`for update skip
//! locked` on PostgreSQL), so several keel processes share the work and none fires one twice.
//! Digests due are sent on the same tick (see [`super::digests`]).

use super::Keel;
use crate::engine::lifecycle::{self, Context};
use anyhow::Context as _;

/// What one pass of the scheduler did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    pub fired: usize,
    /// Timers whose request or step had moved on: finished without effect.
    pub stale: usize,
    /// Digest notifications queued (digests whose scheduled time came).
    pub digests: usize,
}

impl Keel {
    /// Fires every timer due at the clock's `now`, then sends the digests due.
    pub async fn tick(&self) -> anyhow::Result<TickReport> {
        let mut report = TickReport::default();
        let now = self.clock.now();
        let people = self.directory.get(&self.store).await?;
        let labels = self.record_labels().await?;
        let calendar = &self.config.settings.company.calendar;
        loop {
            let mut tx = self.store.begin().await?;
            let Some(timer) = tx.claim_due_timer(now).await? else {
                tx.commit().await?;
                break;
            };
            let request = tx.lock_request(&timer.request_id).await?;
            let workflow = request
                .as_ref()
                .and_then(|r| self.config.workflows.get(&r.workflow));
            let transition = match (&request, workflow) {
                (Some(request), Some(workflow)) => {
                    let ctx = Context {
                        now,
                        workflow,
                        directory: &people.directory,
                        delegations: &[],
                        calendar,
                        labels: &labels,
                    };
                    lifecycle::fire_timer(request, &timer, &ctx)
                }
                _ => None,
            };
            let decided = match transition {
                Some(transition) => {
                    tx.update_request(&transition.request).await?;
                    self.write_effects(&mut tx, &transition, &people.directory)
                        .await?;
                    report.fired += 1;
                    Some(transition.request)
                }
                None => {
                    report.stale += 1;
                    None
                }
            };
            tx.finish_timer(timer.id, now).await?;
            tx.commit().await.context("committing a fired timer")?;
            if let Some(request) = decided {
                self.count_decision(&request);
            }
        }
        report.digests = self.send_due_digests().await?;
        Ok(report)
    }
}
