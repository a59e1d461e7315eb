//! A request's card as a reader gets it: rendered now (with the workflow's context facts,
//! who decided and why), then narrowed to what the reader's role may see; a card in a channel
//! carries only the facts no role is denied and none about other requests.

use super::card_facts::Subject;
use super::{Keel, ServiceError};
use crate::domain::{
    Card, CardFact, Directory, Notification, Person, RecordLabels, Request, Status,
};
use crate::engine::lifecycle::{CardLook, card_for};

impl Keel {
    /// The request's card as it looks now, with every context fact: give it to a person
    /// through [`Keel::card_for_reader`], to a channel through [`Keel::card_for_channel`].
    pub async fn card(&self, request: &Request) -> Result<Card, ServiceError> {
        let workflow = self.workflow(&request.workflow)?;
        let subject = Subject {
            id: &request.id,
            requester: request.requester.as_deref(),
            fields: &request.fields,
            submitted_at: Some(request.submitted_at),
        };
        let facts = self.card_facts(workflow, &subject, self.clock.now()).await;
        self.card_with(request, &facts).await
    }

    /// The card's title and status without its facts, for a reply that says only where the
    /// request stands: its facts are not read.
    pub(super) async fn card_summary(&self, request: &Request) -> Result<Card, ServiceError> {
        self.card_with(request, &[]).await
    }

    async fn card_with(&self, request: &Request, facts: &[CardFact]) -> Result<Card, ServiceError> {
        let workflow = self.workflow(&request.workflow)?;
        let people = self.directory.get(&self.store).await?;
        let labels = self.record_labels().await?;
        let (rejected_by, reason) = self.decided_with(request).await?;
        let look = CardLook {
            facts,
            rejected_by: rejected_by.as_deref(),
            reason: reason.as_deref(),
            ..self.card_look(&people.directory, &labels)
        };
        Ok(card_for(request, workflow, &look))
    }

    /// What cards are written with (the company's currency and time zone), before the facts
    /// and the decision of a request are known.
    pub(super) fn card_look<'a>(
        &'a self,
        directory: &'a Directory,
        labels: &'a RecordLabels,
    ) -> CardLook<'a> {
        let company = &self.config.settings.company;
        CardLook {
            directory,
            labels,
            currency: &company.currency,
            time_zone: company.calendar.time_zone,
            facts: &[],
            rejected_by: None,
            reason: None,
        }
    }

    /// The request's card as `reader` may see it: the facts their role may read.
    pub async fn card_for_reader(
        &self,
        request: &Request,
        reader: &Person,
    ) -> Result<Card, ServiceError> {
        Ok(self
            .card(request)
            .await?
            .for_reader(self.config.vocabulary.access.get(&reader.role), &reader.id))
    }

    /// `card` as a channel, read by anyone in it, may see it: the facts no role is denied.
    pub fn card_for_channel(&self, card: Card) -> Card {
        card.for_channel(&self.config.vocabulary.access)
    }

    /// `card` as whoever `target` is on `platform` may see it: a person's direct messages by
    /// their role; a channel, or a conversation keel cannot tie to one person, as a channel.
    pub(super) fn card_at(
        &self,
        card: Card,
        platform: &str,
        target: &str,
        directory: &Directory,
    ) -> Card {
        let reader = directory.person_on(platform, target, None).or_else(|| {
            directory
                .resolve(target)
                .filter(|_| !target.starts_with('#'))
        });
        match reader {
            Some(person) => {
                card.for_reader(self.config.vocabulary.access.get(&person.role), &person.id)
            }
            None => self.card_for_channel(card),
        }
    }

    /// Who rejected the request and the reason they gave (or the requester's reason for
    /// cancelling), from its audit trail; nothing for any other state.
    async fn decided_with(
        &self,
        request: &Request,
    ) -> anyhow::Result<(Option<String>, Option<String>)> {
        let action = match request.status {
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
            _ => return Ok((None, None)),
        };
        let events = self.store.request_events(&request.id).await?;
        let decision = events.into_iter().rev().find(|e| e.draft.action == action);
        Ok(match decision {
            Some(event) => (
                (action == "rejected").then_some(event.draft.actor),
                event.draft.reason,
            ),
            None => (None, None),
        })
    }

    /// What a notification's card shows at delivery: its request as it is now, not as it was
    /// when the notification was queued, so a late or retried delivery never shows an older
    /// state than one already delivered. `None` for a notification without a card (or whose
    /// request is gone).
    pub async fn card_now(&self, notification: &Notification) -> anyhow::Result<Option<CardNow>> {
        if notification.card.is_none() {
            return Ok(None);
        }
        let Some(id) = notification.about_request() else {
            return Ok(None);
        };
        let Some(request) = self.store.get_request(id).await? else {
            return Ok(None);
        };
        let mut card = self
            .card(&request)
            .await
            .map_err(|e| anyhow::anyhow!("rendering the card of {}: {e}", request.id))?;
        let text = match self.moved_on(notification, &request, &card.title).await? {
            // What is no longer theirs to decide carries no buttons.
            Some(words) => {
                card.buttons.clear();
                words
            }
            None => notification.text.clone(),
        };
        let channel = self
            .config
            .workflows
            .get(&request.workflow)
            .and_then(|w| w.channel.clone());
        Ok(Some(CardNow {
            card,
            version: request.version,
            channel,
            text,
        }))
    }

    /// What a notification that asked for a decision says when the request moved on before it
    /// was delivered (see [`crate::engine::lifecycle::moved_on`]).
    async fn moved_on(
        &self,
        notification: &Notification,
        request: &Request,
        title: &str,
    ) -> anyhow::Result<Option<String>> {
        let rejected_by = if request.status == Status::Rejected {
            let events = self.store.request_events(&request.id).await?;
            let rejection = events
                .into_iter()
                .rev()
                .find(|e| e.draft.action == "rejected");
            rejection.map(|e| e.draft.actor)
        } else {
            None
        };
        let people = self.directory.get(&self.store).await?;
        Ok(crate::engine::lifecycle::moved_on(
            notification,
            request,
            title,
            rejected_by.as_deref(),
            &people.directory,
        ))
    }
}

/// A card as it is at delivery (see [`Keel::card_now`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CardNow {
    pub card: Card,
    /// The request version the card shows.
    pub version: i64,
    /// The workflow's channel, where a new approval's card is also posted.
    pub channel: Option<String>,
    /// The notification's sentence at delivery: as queued, or what happened when the request
    /// moved on before it arrived (then the card has no buttons).
    pub text: String,
}
