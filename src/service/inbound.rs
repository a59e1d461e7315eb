//! `POST /hooks/{hook}`: a delivery from another system verified, told apart from a replay
//! and queued durably, nothing more, so the sender gets its answer fast. A hook serves one
//! source, or several sharing it (a sender posting every kind of record to one URL): the
//! delivery is verified once and queued once per source, in one transaction; the applier
//! ([`super::inbound_apply`]) fetches back, maps and upserts later. The queue is rung so a
//! running applier starts at once.

use super::Keel;
use crate::config::{DeliveryId, InboundSource};
use crate::store::InboundKind;
use crate::sync::sources::verify::{Delivery, Scheme};
use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// One delivery as it arrived.
pub struct HookDelivery<'a> {
    pub method: &'a str,
    /// The URL the sender posted to (HubSpot signs it).
    pub uri: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What became of an accepted delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookOutcome {
    Queued,
    /// Its delivery id was queued before: nothing changed.
    Replayed,
}

/// Why a delivery was refused; nothing was queued.
#[derive(Debug)]
pub enum HookError {
    UnknownSource(String),
    /// The signature did not verify (the reason names no key).
    Unverified(String),
    Malformed(String),
    Internal(anyhow::Error),
}

impl Keel {
    /// The source `name` of `integrations/*.toml`.
    pub fn inbound_source(&self, name: &str) -> Option<&InboundSource> {
        self.config.sources.iter().find(|s| s.name == name)
    }

    /// The sources `POST /hooks/{hook}` serves, in config order (verified alike: `keel check`
    /// refuses sources of one hook verified otherwise).
    pub fn hook_sources(&self, hook: &str) -> Vec<&InboundSource> {
        self.config
            .sources
            .iter()
            .filter(|s| s.hook == hook)
            .collect()
    }

    /// Whether a hook's refusals and answers must have empty bodies (Xero's rule for its
    /// intent-to-receive check).
    pub fn hook_answers_empty(&self, hook: &str) -> bool {
        self.config
            .sources
            .iter()
            .any(|s| s.hook == hook && s.verifier.scheme == Scheme::Xero)
    }

    /// Verifies a delivery to `/hooks/{hook}` and queues it for each source of the hook unless
    /// that source queued it before. It is durable once this returns `Ok`.
    pub async fn receive_hook(
        &self,
        hook: &str,
        delivery: HookDelivery<'_>,
    ) -> Result<HookOutcome, HookError> {
        let sources = self.hook_sources(hook);
        let Some(first) = sources.first() else {
            return Err(HookError::UnknownSource(hook.to_string()));
        };
        let now = self.clock.now();
        let signed = Delivery {
            method: delivery.method,
            uri: delivery.uri,
            headers: delivery.headers,
            body: delivery.body,
        };
        first
            .verifier
            .verify(&signed, now.timestamp())
            .map_err(|refusal| HookError::Unverified(refusal.reason))?;
        let text = std::str::from_utf8(delivery.body)
            .map_err(|_| HookError::Malformed("the body is not UTF-8 JSON".into()))?;
        let payload: Value = serde_json::from_str(text)
            .map_err(|e| HookError::Malformed(format!("the body is not JSON: {e}")))?;
        let ids = sources
            .iter()
            .map(|source| delivery_id(source, delivery.headers, &payload, delivery.body))
            .collect::<Result<Vec<String>, HookError>>()?;
        let deliveries: Vec<(&str, &str)> = sources
            .iter()
            .zip(&ids)
            .map(|(source, id)| (source.name.as_str(), id.as_str()))
            .collect();
        let queued = self
            .store
            .queue_inbound(&deliveries, InboundKind::Hook, text, now)
            .await
            .map_err(HookError::Internal)?;
        if queued > 0 {
            self.inbound_bell.ring();
            Ok(HookOutcome::Queued)
        } else {
            Ok(HookOutcome::Replayed)
        }
    }
}

/// The delivery's id where the source puts it, or the SHA-256 of the body.
fn delivery_id(
    source: &InboundSource,
    headers: &HeaderMap,
    payload: &Value,
    body: &[u8],
) -> Result<String, HookError> {
    let found = match &source.delivery_id {
        DeliveryId::ContentHash => return Ok(content_id(body)),
        DeliveryId::Header(name) => headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| format!("the delivery lacks its {name} header")),
        DeliveryId::Path(path) => match path.find(payload) {
            Some(Value::String(id)) => Ok(id.clone()),
            Some(Value::Number(id)) => Ok(id.to_string()),
            _ => Err(format!("the delivery has no id at {path}")),
        },
    };
    let id: String = found
        .map_err(HookError::Malformed)?
        .chars()
        .take(200)
        .collect();
    if id.trim().is_empty() {
        Err(HookError::Malformed("the delivery id is empty".into()))
    } else {
        Ok(id)
    }
}

/// The hex SHA-256 of `bytes`: what identifies a delivery without an id, or a polled record.
pub(super) fn content_id(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
