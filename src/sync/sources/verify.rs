//! Whether an inbound webhook comes from the system it claims: each scheme a source may name
//! (Standard Webhooks, HubSpot v3, QuickBooks, Xero, Jira, a static header), checked against
//! every key the source is configured with, so a key can be rotated without refusing the
//! sender's deliveries while both are in use. Pure: the request's parts and `now` in, a verdict
//! out. Every comparison of a secret is constant-time.

use crate::chat::signed::{SignatureProblem, WINDOW_SECONDS, fresh};
use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// How a source signs its deliveries, as named in its config (`verifier = "…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` (several, space
    /// separated) over `id.timestamp.body`; keys `whsec_<base64>`.
    StandardWebhooks,
    /// `X-HubSpot-Signature-v3`: base64 HMAC of method + URI + body + timestamp (ms).
    HubspotV3,
    /// `intuit-signature`: base64 HMAC of the body with the verifier token.
    Quickbooks,
    /// `x-xero-signature`: base64 HMAC of the body with the webhook key.
    Xero,
    /// `X-Hub-Signature: sha256=<hex>` of the body (Jira admin webhooks).
    Jira,
    /// A header the customer sets to a value only they and keel know (Procore).
    StaticHeader,
}

impl Scheme {
    /// The names a config may use, for hints.
    pub const NAMES: &'static str =
        "standard_webhooks, hubspot_v3, quickbooks, xero, jira, static_header";
}

/// A source's scheme and keys (the newest first, the old one still accepted while rotating).
#[derive(Debug, Clone)]
pub struct Verifier {
    pub scheme: Scheme,
    pub keys: Vec<SecretString>,
    /// The header a [`Scheme::StaticHeader`] source sets.
    pub header: Option<String>,
}

/// The parts of a request a signature covers.
pub struct Delivery<'a> {
    pub method: &'a str,
    /// The full URL the sender posted to (`https://keel.example.com/hooks/crm?x=1`).
    pub uri: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Why a delivery is refused, worded for the sender without a word about the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub problem: SignatureProblem,
    pub reason: String,
}

impl Verifier {
    /// Accepts `delivery` when one of the keys signed it (or, for a static header, is its
    /// value) and its timestamp, where the scheme has one, is within five minutes of `now`
    /// (Unix seconds).
    pub fn verify(&self, delivery: &Delivery<'_>, now: i64) -> Result<(), Refusal> {
        let header = |name: &str| {
            delivery
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
        };
        match self.scheme {
            Scheme::StandardWebhooks => {
                let id = header("webhook-id").ok_or_else(|| missing("webhook-id"))?;
                let (timestamp, signatures) = fresh(
                    header("webhook-timestamp"),
                    header("webhook-signature"),
                    now,
                )
                .map_err(|p| refusal(p, "webhook-timestamp and webhook-signature"))?;
                let signed = [
                    id.as_bytes(),
                    b".",
                    timestamp.as_bytes(),
                    b".",
                    delivery.body,
                ];
                let candidates: Vec<Vec<u8>> = signatures
                    .split(' ')
                    .filter_map(|s| s.strip_prefix("v1,"))
                    .filter_map(|s| STANDARD.decode(s).ok())
                    .collect();
                self.any_key_signed(&signed, &candidates, standard_key)
            }
            Scheme::HubspotV3 => {
                let signature = header("x-hubspot-signature-v3")
                    .ok_or_else(|| missing("X-HubSpot-Signature-v3"))?;
                let timestamp = header("x-hubspot-request-timestamp")
                    .ok_or_else(|| missing("X-HubSpot-Request-Timestamp"))?;
                let millis: i64 = timestamp
                    .parse()
                    .map_err(|_| missing("X-HubSpot-Request-Timestamp"))?;
                if (now * 1000 - millis).abs() > WINDOW_SECONDS * 1000 {
                    return Err(refusal(
                        SignatureProblem::Stale,
                        "X-HubSpot-Request-Timestamp",
                    ));
                }
                let signed = [
                    delivery.method.as_bytes(),
                    delivery.uri.as_bytes(),
                    delivery.body,
                    timestamp.as_bytes(),
                ];
                self.any_key_signed(&signed, &decoded_base64(signature), plain_key)
            }
            Scheme::Quickbooks => {
                self.body_signed_base64(header("intuit-signature"), delivery, "intuit-signature")
            }
            Scheme::Xero => {
                self.body_signed_base64(header("x-xero-signature"), delivery, "x-xero-signature")
            }
            Scheme::Jira => {
                let signature =
                    header("x-hub-signature").ok_or_else(|| missing("X-Hub-Signature"))?;
                let hex = signature
                    .strip_prefix("sha256=")
                    .ok_or_else(|| missing("X-Hub-Signature (sha256=…)"))?;
                let candidates: Vec<Vec<u8>> = hex::decode(hex).into_iter().collect();
                self.any_key_signed(&[delivery.body], &candidates, plain_key)
            }
            Scheme::StaticHeader => {
                let name = self.header.as_deref().unwrap_or_default();
                let value = header(name).ok_or_else(|| missing(name))?;
                let matches = self
                    .keys
                    .iter()
                    .any(|key| same_secret(key.expose_secret().as_bytes(), value.as_bytes()));
                if matches { Ok(()) } else { Err(mismatch()) }
            }
        }
    }

    fn body_signed_base64(
        &self,
        signature: Option<&str>,
        delivery: &Delivery<'_>,
        name: &str,
    ) -> Result<(), Refusal> {
        let signature = signature.ok_or_else(|| missing(name))?;
        self.any_key_signed(&[delivery.body], &decoded_base64(signature), plain_key)
    }

    /// Whether one of `candidates` is the HMAC-SHA256 of `parts` under one of the keys.
    fn any_key_signed(
        &self,
        parts: &[&[u8]],
        candidates: &[Vec<u8>],
        key_bytes: fn(&SecretString) -> Vec<u8>,
    ) -> Result<(), Refusal> {
        for key in &self.keys {
            let Ok(mac) = HmacSha256::new_from_slice(&key_bytes(key)) else {
                continue;
            };
            let mac = parts.iter().fold(mac, |mut mac, part| {
                mac.update(part);
                mac
            });
            if candidates
                .iter()
                .any(|candidate| mac.clone().verify_slice(candidate).is_ok())
            {
                return Ok(());
            }
        }
        Err(mismatch())
    }
}

/// A Standard Webhooks key: the bytes base64-encoded after `whsec_`, or the text itself.
fn standard_key(key: &SecretString) -> Vec<u8> {
    let text = key.expose_secret();
    match text.strip_prefix("whsec_") {
        Some(encoded) => STANDARD
            .decode(encoded)
            .unwrap_or_else(|_| text.as_bytes().to_vec()),
        None => text.as_bytes().to_vec(),
    }
}

fn plain_key(key: &SecretString) -> Vec<u8> {
    key.expose_secret().as_bytes().to_vec()
}

fn decoded_base64(signature: &str) -> Vec<Vec<u8>> {
    STANDARD.decode(signature.trim()).into_iter().collect()
}

/// Equal secrets, compared in time that depends on neither (their digests are compared).
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn refusal(problem: SignatureProblem, headers: &str) -> Refusal {
    match problem {
        SignatureProblem::Missing => missing(headers),
        SignatureProblem::Stale => Refusal {
            problem,
            reason: format!(
                "the delivery's timestamp ({headers}) is more than {} minutes from now",
                WINDOW_SECONDS / 60
            ),
        },
        SignatureProblem::Mismatch => mismatch(),
    }
}

fn missing(headers: &str) -> Refusal {
    Refusal {
        problem: SignatureProblem::Missing,
        reason: format!("the delivery lacks a well-formed {headers} header"),
    }
}

fn mismatch() -> Refusal {
    Refusal {
        problem: SignatureProblem::Mismatch,
        reason: "the signature does not match any key configured for this source".into(),
    }
}

#[cfg(test)]
mod tests;
