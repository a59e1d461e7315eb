//! Acting on a request (approve, reject, cancel, comment) and delegating, one transaction each.
//! The request row is locked for the transaction, so two approvers clicking at the same moment
//! on an "any" step give exactly one decision: the second sees the first's and is refused.

use super::card_facts::Subject;
use super::{Keel, ServiceError, UserError};
use crate::domain::{Delegation, Directory, EventDraft, Request};
use crate::engine::lifecycle::{self, Act, Action, Context, Transition};
use crate::store::{StoreError, Tx};
use anyhow::Context as _;
use chrono::NaiveDate;
use serde_json::json;

impl Keel {
    /// `actor` is a staff id, email or chat identity; `seen_step` is the step shown on the card
    /// that was clicked (`None` from the command line: the current step).
    ///
    /// The request is first read as last committed, without holding the writer, and the
    /// transition written only if the request is still at that version, so the writer is held
    /// for the writes only. A refusal, or a request someone moved meanwhile, is settled again
    /// on the locked row, so every answer reflects the request as it is.
    pub async fn act(
        &self,
        request_id: &str,
        actor: &str,
        action: Action,
        seen_step: Option<usize>,
    ) -> Result<Request, ServiceError> {
        let people = self.directory.get(&self.store).await?;
        let person = people
            .directory
            .resolve(actor)
            .filter(|p| p.active)
            .ok_or_else(|| UserError::UnknownPerson(actor.to_string()))?
            .clone();
        let now = self.clock.now();
        let calendar = &self.config.settings.company.calendar;
        let today = now.with_timezone(&calendar.time_zone).date_naive();
        let delegations = self.delegations_on(today).await?;
        let request_id = request_id.trim();
        let attempt = Act {
            actor: person.id.clone(),
            action,
            seen_step,
        };
        let labels = self.record_labels().await?;
        let seen = self.store.get_request(request_id).await?;
        // The card's facts are read before any transaction; they depend on the form and the
        // requester only, which no action changes.
        let facts = match &seen {
            Some(seen) => {
                let subject = Subject {
                    id: &seen.id,
                    requester: seen.requester.as_deref(),
                    fields: &seen.fields,
                    submitted_at: Some(seen.submitted_at),
                };
                self.card_facts(self.workflow(&seen.workflow)?, &subject, now)
                    .await
            }
            None => Vec::new(),
        };
        let context = |workflow| Context {
            now,
            workflow,
            directory: &people.directory,
            delegations: &delegations,
            calendar,
            labels: &labels,
            currency: &self.config.settings.company.currency,
            facts: &facts,
            rejected_by: None,
            reason: None,
        };

        if let Some(seen) = seen {
            let workflow = self.workflow(&seen.workflow)?;
            if let Ok(transition) = lifecycle::act(&seen, &attempt, &context(workflow))
                && self
                    .write_unless_moved(&transition, &people.directory)
                    .await
                    .context("committing a decision")?
            {
                self.count_decision(&transition.request);
                self.alerts_after_decision(&transition.request).await;
                self.bell.ring();
                return Ok(transition.request);
            }
        }

        let mut tx = self.store.begin().await?;
        let request = tx
            .lock_request(request_id)
            .await?
            .ok_or_else(|| UserError::UnknownRequest(request_id.to_string()))?;
        let workflow = self.workflow(&request.workflow)?;
        let transition = lifecycle::act(&request, &attempt, &context(workflow))?;
        tx.update_request(&transition.request).await?;
        self.write_effects(&mut tx, &transition, &people.directory)
            .await?;
        tx.commit().await.context("committing a decision")?;
        self.count_decision(&transition.request);
        self.alerts_after_decision(&transition.request).await;
        self.bell.ring();
        Ok(transition.request)
    }

    /// Writes a transition decided on an unlocked read of its request; `false` when the
    /// request moved meanwhile and nothing was written.
    async fn write_unless_moved(
        &self,
        transition: &Transition,
        directory: &Directory,
    ) -> anyhow::Result<bool> {
        let mut tx = self.store.begin().await?;
        let written = match tx.update_request(&transition.request).await {
            Ok(()) => self.write_effects(&mut tx, transition, directory).await,
            Err(error) => Err(error),
        };
        // Dropping the transaction undoes a failed one.
        let committed = match written {
            Ok(()) => tx.commit().await,
            Err(error) => Err(error),
        };
        match committed {
            Ok(()) => Ok(true),
            Err(error) if is_stale(&error) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Hands `from`'s approvals to `to` for the days `starts_on..=ends_on`.
    pub async fn delegate(
        &self,
        from: &str,
        to: &str,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    ) -> Result<Delegation, ServiceError> {
        let people = self.directory.get(&self.store).await?;
        let resolve = |who: &str| {
            people
                .directory
                .resolve(who)
                .filter(|p| p.active)
                .map(|p| p.id.clone())
                .ok_or_else(|| UserError::UnknownPerson(who.to_string()))
        };
        let (from, to) = (resolve(from)?, resolve(to)?);
        if from == to {
            return Err(UserError::Invalid("you cannot delegate to yourself".into()).into());
        }
        if ends_on < starts_on {
            return Err(UserError::Invalid(format!(
                "the delegation ends ({ends_on}) before it starts ({starts_on})"
            ))
            .into());
        }
        if (ends_on - starts_on).num_days() > 366 {
            return Err(UserError::Invalid("a delegation lasts at most a year".into()).into());
        }
        let delegation = Delegation {
            from_person: from.clone(),
            to_person: to.clone(),
            starts_on,
            ends_on,
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        tx.insert_delegation(&delegation, now).await?;
        let event = EventDraft {
            request_id: None,
            at: now,
            actor: from,
            action: "delegated".into(),
            rule: None,
            reason: None,
            data: json!({ "to": to, "starts_on": starts_on, "ends_on": ends_on }),
        };
        tx.append_events(&[event]).await?;
        tx.commit().await.context("committing a delegation")?;
        self.delegations.invalidate();
        Ok(delegation)
    }

    /// Writes what a transition causes besides the request row: audit events, outbox entries and
    /// timer changes, in the caller's transaction.
    ///
    /// `directory` is read before the transaction begins: a read on the pool while the
    /// transaction holds its connection and row locks (the request number's) could wait for a
    /// connection that only transactions queued behind those locks hold, until the pool's timeout.
    pub(super) async fn write_effects(
        &self,
        tx: &mut Tx,
        transition: &Transition,
        directory: &Directory,
    ) -> anyhow::Result<()> {
        tx.append_events(&transition.events).await?;
        self.write_request_facts(tx, &transition.request, &transition.events, directory)
            .await?;
        tx.enqueue(
            &transition.notifications,
            transition.request.submitted_at.max(self.clock.now()),
        )
        .await?;
        if transition.cancel_timers {
            tx.cancel_timers(&transition.request.id).await?;
        }
        tx.schedule_timers(&transition.timers).await?;
        self.write_sync_effects(tx, transition).await
    }
}

fn is_stale(error: &anyhow::Error) -> bool {
    matches!(error.downcast_ref(), Some(StoreError::Stale { .. }))
}
