//! Outbound webhooks for operators (`keel sync status|failures|retry|enable`): how each target
//! stands, what failed, sending it again, enabling a target that answered 410 Gone.

use super::{Keel, RetryTarget, ServiceError, UserError};
use crate::store::{TargetStatus, WebhookFailure};

impl Keel {
    /// Every configured target, and any other keel still holds payloads for, by name.
    pub async fn target_status(&self) -> anyhow::Result<Vec<(String, TargetStatus)>> {
        let mut status = self.store.webhook_status().await?;
        for name in self.config.outbound.targets.keys() {
            status.entry(name.clone()).or_default();
        }
        Ok(status.into_iter().collect())
    }

    /// Payloads that failed at least once and are not delivered: dead letters first.
    pub async fn webhook_failures(&self) -> anyhow::Result<Vec<WebhookFailure>> {
        self.store.webhook_failures().await
    }

    /// Makes dead-lettered or failing payloads due at once, their attempts reset; the ids.
    pub async fn retry_webhooks(&self, target: RetryTarget) -> Result<Vec<i64>, ServiceError> {
        let id = match target {
            RetryTarget::One(id) => Some(id),
            RetryTarget::All => None,
        };
        let ids = self.store.retry_webhooks(id).await?;
        if let (Some(id), true) = (id, ids.is_empty()) {
            return Err(UserError::Invalid(format!(
                "There is no failed webhook {id} (it may have been delivered since); `keel sync failures` lists them."
            ))
            .into());
        }
        if !ids.is_empty() {
            self.bell.ring();
        }
        Ok(ids)
    }

    /// Enables a target disabled by a 410 Gone; its waiting payloads go out at once. `false`
    /// when it was not disabled.
    pub async fn enable_target(&self, name: &str) -> Result<bool, ServiceError> {
        if !self.config.outbound.targets.contains_key(name) {
            let known: Vec<&str> = self
                .config
                .outbound
                .targets
                .keys()
                .map(String::as_str)
                .collect();
            return Err(UserError::Invalid(format!(
                "There is no target `{name}` in config/integrations/. The targets are: {}.",
                known.join(", ")
            ))
            .into());
        }
        let enabled = self.store.enable_target(name).await?;
        if enabled {
            self.bell.ring();
        }
        Ok(enabled)
    }
}
