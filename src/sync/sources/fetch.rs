//! Reading JSON from a source's API: a thin event's record (fetch-back) or a page of a list
//! (polling). Every failure says whether it is worth trying again: 429 (with its Retry-After),
//! 5xx, a broken connection and no answer within the timeout are; 404 and any other refusal
//! are not, and the event becomes a dead letter. Answers are bounded in size.

use http_client::{Client, StatusCode};
use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// The largest answer read from a source.
const MAX_ANSWER: usize = 8 * 1024 * 1024;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchFailure {
    pub reason: String,
    /// Worth trying again later.
    pub transient: bool,
    /// How long the source asked to wait.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

/// The HTTP client every source shares.
#[derive(Clone)]
pub struct SourceClient {
    client: Client,
}

impl SourceClient {
    pub fn new() -> anyhow::Result<SourceClient> {
        // keel's HTTP clients share ring as their TLS provider (a second install changes nothing).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder().user_agent("keel-sync/0.1").build()?;
        Ok(SourceClient { client })
    }

    /// GETs `url` with `headers` (the auth header among them), within `timeout`: its JSON, or
    /// why not.
    pub async fn get_json(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        timeout: Duration,
    ) -> Result<Value, FetchFailure> {
        let path = url.split('?').next().unwrap_or(url);
        let what = format!("GET {path}");
        let mut request = self.client.get(url).timeout(timeout);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let transient = |reason: String, retry_after| FetchFailure {
            reason,
            transient: true,
            retry_after,
        };
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                let secs = timeout.as_secs();
                return Err(transient(
                    format!("{what}: no answer within {secs} s"),
                    None,
                ));
            }
            Err(error) => return Err(transient(format!("{what}: {error}"), None)),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Err(transient(format!("{what}: {status}"), retry_after));
        }
        if !status.is_success() {
            return Err(FetchFailure {
                reason: format!("{what}: {status}"),
                transient: false,
                retry_after: None,
            });
        }
        let mut body = Vec::new();
        loop {
            match tokio::time::timeout(timeout, response.chunk()).await {
                Ok(Ok(Some(chunk))) if body.len() + chunk.len() <= MAX_ANSWER => {
                    body.extend_from_slice(&chunk)
                }
                Ok(Ok(Some(_))) => {
                    return Err(FetchFailure {
                        reason: format!(
                            "{what}: the answer is larger than {} MiB",
                            MAX_ANSWER >> 20
                        ),
                        transient: false,
                        retry_after: None,
                    });
                }
                Ok(Ok(None)) => break,
                Ok(Err(error)) => return Err(transient(format!("{what}: {error}"), None)),
                Err(_) => return Err(transient(format!("{what}: the answer stalled"), None)),
            }
        }
        serde_json::from_slice(&body).map_err(|error| FetchFailure {
            reason: format!("{what}: the answer is not JSON ({error})"),
            transient: false,
            retry_after: None,
        })
    }
}

/// `text` percent-encoded for a URL path segment or query value (unreserved characters kept).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
