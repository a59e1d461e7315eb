//! Parked notifications, for operators and for the people a stuck request concerns: who is told
//! when one is parked, the list `keel outbox failed` and the dashboard show, the counts `/metrics`
//! exports, and `keel outbox retry`.

use super::{Keel, ServiceError, UserError};
use crate::domain::{Notification, NotificationKind};
use crate::store::{FailedDelivery, OutboxCounts, OutboxItem};

/// Which parked notifications `keel outbox retry` makes due again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryTarget {
    One(i64),
    All,
}

impl Keel {
    /// Whom to tell that `item` was parked, and what: the request's requester and every admin
    /// (not the recipient keel could not reach). A notice about a failed delivery that is itself
    /// parked tells nobody, so parking never feeds itself.
    pub(super) async fn parked_notices(
        &self,
        item: &OutboxItem,
        reason: &str,
        held: bool,
    ) -> anyhow::Result<Vec<Notification>> {
        let parked = &item.notification;
        if parked.kind == NotificationKind::DeliveryFailed {
            return Ok(Vec::new());
        }
        let people = self.directory.get(&self.store).await?;
        let requester = match parked.about_request() {
            Some(id) => self
                .store
                .get_request(id)
                .await?
                .and_then(|request| request.requester),
            None => None,
        };
        let mut told: Vec<String> = requester.into_iter().collect();
        for admin in people.directory.admins() {
            if !told.contains(&admin.id) {
                told.push(admin.id.clone());
            }
        }
        told.retain(|id| *id != parked.to);
        let recipient = people
            .directory
            .get(&parked.to)
            .map_or(parked.to.as_str(), |p| p.name.as_str());
        let next = if held {
            format!(
                "keel will not try again until an administrator fixes this and runs `keel outbox retry {}`.",
                item.id
            )
        } else {
            format!(
                "keel keeps trying, at least hourly; an administrator can resend it at once with `keel outbox retry {}`.",
                item.id
            )
        };
        let text = format!(
            "{recipient} could not be reached: keel could not deliver the {} ({reason}). {next}",
            parked.what(),
        );
        Ok(told
            .into_iter()
            .map(|to| Notification {
                to,
                kind: NotificationKind::DeliveryFailed,
                request_id: parked.request_id.clone(),
                text: text.clone(),
                card: None,
            })
            .collect())
    }

    /// Parked notifications not delivered since, most recently parked first.
    pub async fn parked_notifications(&self) -> anyhow::Result<Vec<FailedDelivery>> {
        self.store.outbox_failed().await
    }

    /// How many notifications wait for delivery and how many are parked.
    pub async fn outbox_counts(&self) -> anyhow::Result<OutboxCounts> {
        self.store.outbox_counts().await
    }

    /// Makes parked notifications due at once, their attempts reset; the ids made due. An id
    /// that is not parked is refused, saying where to find the ones that are.
    pub async fn retry_parked(&self, target: RetryTarget) -> Result<Vec<i64>, ServiceError> {
        let id = match target {
            RetryTarget::One(id) => Some(id),
            RetryTarget::All => None,
        };
        let ids = self.store.retry_parked(id).await?;
        if let (Some(id), true) = (id, ids.is_empty()) {
            return Err(UserError::Invalid(format!(
                "There is no parked notification {id} (it may have been delivered since); `keel outbox failed` lists the parked ones."
            ))
            .into());
        }
        if !ids.is_empty() {
            self.bell.ring();
        }
        Ok(ids)
    }
}
