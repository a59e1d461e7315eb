//! Posting one payload to one target: signed, with the target's extra headers, bounded by its
//! timeout (a call unanswered by then is a failure, tried again later), and the answer sorted
//! into delivered, gone (410: the receiver asks for nothing more) or failed.

use super::{sign, webhook_url};
use crate::config::WebhookTarget;
use anyhow::Context as _;
use http_client::Client;
use secrecy::ExposeSecret;

/// What a target made of a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx.
    Delivered,
    /// 410 Gone: the receiver no longer wants payloads; the target is disabled.
    Gone,
    /// Anything else: a status, a timeout, a refused connection. Tried again.
    Failed { status: Option<u16>, reason: String },
}

/// The most of an error answer's text kept for operators.
const MAX_REASON: usize = 200;

/// A target's connection and keys.
#[derive(Clone)]
pub struct TargetClient {
    client: Client,
    target: WebhookTarget,
    keys: Vec<Vec<u8>>,
}

impl TargetClient {
    pub fn new(target: &WebhookTarget) -> anyhow::Result<TargetClient> {
        // keel's HTTP clients share ring as their TLS provider (a second install changes nothing).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder()
            .user_agent("keel-webhooks/0.1")
            .redirect(http_client::redirect::Policy::none())
            .build()
            .context("building the webhook client")?;
        let keys = target
            .signing_keys
            .iter()
            .map(|secret| sign::decode_secret(secret.expose_secret()))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|why| anyhow::anyhow!("target {}: {why}", target.name))?;
        Ok(TargetClient {
            client,
            target: target.clone(),
            keys,
        })
    }

    /// The target this client posts to.
    pub fn target(&self) -> &WebhookTarget {
        &self.target
    }

    /// Posts `body` as message `id` (in the URL too where it says `{webhook_id}`), signed at
    /// `timestamp` (Unix seconds).
    pub async fn post(&self, id: &str, timestamp: i64, body: &str) -> Answer {
        let url = webhook_url::fill(&self.target.url, id);
        let mut request = self
            .client
            .post(&url)
            .header("content-type", "application/json")
            .timeout(self.target.timeout)
            .body(body.to_string());
        for (name, value) in sign::headers(&self.keys, id, timestamp, body.as_bytes()) {
            // Unsigned (a bare payload to an API keel's own token opens): no signature header.
            if !value.is_empty() {
                request = request.header(name, value);
            }
        }
        for (name, value) in &self.target.headers {
            request = request.header(name.as_str(), value.expose_secret());
        }
        let timeout = self.target.timeout;
        let answer = tokio::time::timeout(timeout, async {
            let response = request.send().await?;
            let status = response.status();
            let text = if status.is_success() {
                String::new()
            } else {
                response.text().await.unwrap_or_default()
            };
            Ok::<_, http_client::Error>((status, text))
        })
        .await;
        match answer {
            Err(_) => Answer::Failed {
                status: None,
                reason: format!("no answer within {} s", timeout.as_secs_f64()),
            },
            Ok(Err(error)) if error.is_timeout() => Answer::Failed {
                status: None,
                reason: format!("no answer within {} s", timeout.as_secs_f64()),
            },
            Ok(Err(error)) => Answer::Failed {
                status: None,
                reason: format!("could not reach {}: {error}", self.target.url),
            },
            Ok(Ok((status, _))) if status.is_success() => Answer::Delivered,
            Ok(Ok((status, _))) if status.as_u16() == 410 => Answer::Gone,
            Ok(Ok((status, text))) => Answer::Failed {
                status: Some(status.as_u16()),
                reason: format!("answered {status}: {}", shorten(&text)),
            },
        }
    }
}

/// The first line of an answer, at most [`MAX_REASON`] characters.
fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    let mut short: String = line.chars().take(MAX_REASON).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}
