//! Sync out: what a decision or a record change owes the targets is queued in its own
//! transaction ([`Keel::write_sync_effects`], [`Keel::queue_record_webhooks`]); a deliverer
//! per target posts it ([`Keel::deliver_webhooks`]), so a target that hangs until its timeout
//! holds nobody else's payloads. An approved change request is applied to its record in the
//! decision's transaction here too.

use super::Keel;
use crate::domain::{Notification, NotificationKind, Status};
use crate::engine::lifecycle::Transition;
use crate::store::{AfterWebhookFailure, ProposedChange, Tx, WebhookItem};
use crate::sync::targets::client::{Answer, TargetClient};
use crate::sync::targets::queue::{self, RecordChange};
use crate::sync::targets::schedule;
use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use futures_util::{StreamExt, stream};

/// Payloads of one target posted at once; a round waits for its slowest (at most the timeout).
const PARALLEL_POSTS: usize = 8;

/// How long past its timeout a claim keeps other deliverers off a payload.
const CLAIM_MARGIN_SECONDS: i64 = 30;

impl Keel {
    /// Writes what a transition owes the integrations, in its transaction: when it decides the
    /// request, the payloads of the rules on that decision, and, for an approved change
    /// request, the change applied to its record (with the payloads that change owes).
    pub(super) async fn write_sync_effects(
        &self,
        tx: &mut Tx,
        transition: &Transition,
    ) -> anyhow::Result<()> {
        let request = &transition.request;
        let decided =
            request.status.is_final() && transition.events.iter().any(|e| e.action != "commented");
        if !decided {
            return Ok(());
        }
        let now = self.clock.now();
        let approved = matches!(request.status, Status::Approved | Status::AutoApproved);
        if approved
            && self.is_change_workflow(&request.workflow)
            && let Some(change) = tx.take_record_change(&request.id, now).await?
        {
            let source = format!("change request {}", request.id);
            self.write_records(tx, &change, &source, now).await?;
        }
        let queued = queue::for_decision(&self.config.outbound, request, now);
        tx.queue_webhooks(&queued, now).await
    }

    fn is_change_workflow(&self, workflow: &str) -> bool {
        self.config.outbound.owners.values().any(|owner| {
            matches!(&owner.others, crate::config::OtherWriters::ChangeRequest { workflow: w, .. } if w == workflow)
        })
    }

    /// Writes one record in `tx` (from the REST API, or an approved change) and queues what
    /// its change owes; whether it changed.
    pub(super) async fn write_records(
        &self,
        tx: &mut Tx,
        change: &ProposedChange,
        source: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let mut stored = tx.stored_records(&change.record_type).await?;
        stored.track_changes();
        let rows = [(change.key.clone(), change.fields.clone())];
        let counts = tx.upsert_chunk(&mut stored, &rows, now, source).await?;
        let changes = stored.take_changes();
        tx.finish_upsert(stored).await?;
        self.queue_record_webhooks(tx, &change.record_type, &changes, now)
            .await?;
        Ok(counts.inserted + counts.updated > 0)
    }

    /// Queues, in the transaction that wrote them, the payloads `changes` to records of
    /// `record_type` owe. The hook every record-writing path calls (CSV import, the REST API,
    /// approved change requests; integration sources too).
    pub async fn queue_record_webhooks(
        &self,
        tx: &mut Tx,
        record_type: &str,
        changes: &[RecordChange],
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let Some(typed) = self.config.schema.get(record_type) else {
            return Ok(());
        };
        let queued = queue::for_changes(&self.config.outbound, typed, changes, now);
        tx.queue_webhooks(&queued, now).await
    }

    /// Posts what is due to `client`'s target, a few payloads at a time, until nothing is due;
    /// how many were delivered.
    pub async fn deliver_webhooks(&self, client: &TargetClient) -> anyhow::Result<usize> {
        let target = client.target();
        let hold = Duration::from_std(target.timeout).unwrap_or_default()
            + Duration::seconds(CLAIM_MARGIN_SECONDS);
        let mut delivered = 0;
        loop {
            let now = self.clock.now();
            let batch = self
                .store
                .claim_webhooks(&target.name, now, PARALLEL_POSTS as i64, hold)
                .await?;
            if batch.is_empty() {
                return Ok(delivered);
            }
            let answers: Vec<(WebhookItem, Answer)> = stream::iter(batch)
                .map(|item| async move {
                    let timestamp = self.clock.now().timestamp();
                    let answer = client
                        .post(&item.id.to_string(), timestamp, &item.body)
                        .await;
                    (item, answer)
                })
                .buffer_unordered(PARALLEL_POSTS)
                .collect()
                .await;
            let mut gone = false;
            let mut accepted = Vec::with_capacity(answers.len());
            for (item, answer) in answers {
                match answer {
                    Answer::Delivered => accepted.push(item.id),
                    Answer::Gone => {
                        self.disable_target(&item).await?;
                        gone = true;
                    }
                    Answer::Failed { status, reason } => {
                        let failures = u32::try_from(item.attempts + 1).unwrap_or(u32::MAX);
                        let pause = schedule::next_pause(
                            &target.retry_schedule,
                            failures,
                            schedule::random_unit(),
                        );
                        let after = match pause.and_then(|p| Duration::from_std(p).ok()) {
                            Some(pause) => AfterWebhookFailure::RetryAt(now + pause),
                            None => {
                                tracing::error!(id = item.id, target = %item.target, error = %reason,
                                    "webhook dead-lettered after {failures} attempts");
                                AfterWebhookFailure::DeadLetter
                            }
                        };
                        self.store
                            .record_webhook_failure(item.id, status, &reason, after, now)
                            .await?;
                    }
                }
            }
            // Recorded once per round: a crash before that posts them again, with the same
            // `webhook-id`, which the receiver drops.
            self.store
                .record_webhooks_delivered(&target.name, &accepted, self.clock.now())
                .await?;
            delivered += accepted.len();
            if gone {
                return Ok(delivered);
            }
        }
    }

    /// Disables `item`'s target after a 410 Gone and tells every admin, once.
    async fn disable_target(&self, item: &WebhookItem) -> anyhow::Result<()> {
        let reason = format!(
            "{} answered 410 Gone to webhook {}: it asks for nothing more",
            item.target, item.id
        );
        let people = self.directory.get(&self.store).await?;
        let text = format!(
            "The integration target `{}` answered 410 Gone, so keel has stopped sending to it; its payloads wait. Once the receiving system is set up again, run `keel sync enable {}`.",
            item.target, item.target
        );
        let notices: Vec<Notification> = people
            .directory
            .admins()
            .into_iter()
            .map(|admin| Notification {
                to: admin.id.clone(),
                kind: NotificationKind::DeliveryFailed,
                request_id: item.subject.clone(),
                text: text.clone(),
                card: None,
            })
            .collect();
        let newly = self
            .store
            .disable_target(item, &reason, self.clock.now(), &notices)
            .await
            .context("disabling a target")?;
        if newly {
            tracing::error!(target = %item.target, "{reason}; target disabled");
            self.bell.ring();
        }
        Ok(())
    }
}
