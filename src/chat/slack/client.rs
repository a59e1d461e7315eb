//! Slack's Web API through slack-morphism, at the configured base URL (`slack.api_url`, so that
//! tests and proxies can stand in for Slack). Every method is called with raw JSON, the way Block
//! Kit is built here, and every failure says whether and when to try again: Slack's `ok: false`
//! errors are final, 429 carries `Retry-After`, and 5xx or a broken connection are worth a
//! retry later. Every call is bounded by `slack.timeout_seconds`: a call Slack does not answer in
//! time is an ambiguous failure (it may have been applied), worth a retry, and never holds up the
//! deliverer, the other platforms or shutdown for longer. A message's `text` is escaped here, so
//! that what people typed (a comment, a reason) never becomes a mention or a disguised link.

use super::blocks::escape;
use crate::chat::Undelivered;
use anyhow::Context as _;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::sync::Arc;
use std::time::Duration;

/// A message Slack accepted: where it went and its id there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

/// The Web API with the bot's token.
#[derive(Clone)]
pub struct SlackApi {
    client: Arc<SlackHyperClient>,
    token: SlackApiToken,
    /// The longest keel waits for one call (one step of an upload).
    timeout: Duration,
}

impl SlackApi {
    /// A client of the Web API at `api_url` (http:// is allowed, for stand-ins), whose calls
    /// give up after `timeout`.
    pub fn new(
        api_url: &str,
        bot_token: &SecretString,
        timeout: Duration,
    ) -> anyhow::Result<SlackApi> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .context("reading the system's CA certificates for Slack (install ca-certificates)")?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let connector = SlackClientHyperConnector::with_connector(https)
            .with_slack_api_url(api_url.trim_end_matches('/'));
        Ok(SlackApi {
            client: Arc::new(SlackClient::new(connector)),
            token: SlackApiToken::new(bot_token.expose_secret().to_string().into()),
            timeout,
        })
    }

    /// Runs one call within the timeout; one that takes longer failed (transiently).
    async fn within<T>(
        &self,
        method: &str,
        call: impl std::future::Future<Output = Result<T, SlackClientError>>,
    ) -> Result<T, Undelivered> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(answer) => answer.map_err(|error| failure(method, error)),
            Err(_) => Err(Undelivered::new(format!(
                "{method}: no answer within {} s (slack.timeout_seconds)",
                self.timeout.as_secs()
            ))),
        }
    }

    /// Calls a method with a JSON body; Slack's answer, or why not.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, Undelivered> {
        let session = self.client.open_session(&self.token);
        self.within(
            method,
            session.http_session_api.http_post(method, body, None),
        )
        .await
    }

    /// Calls a method that takes its arguments in the query string (Slack's reading methods,
    /// such as `conversations.history`, do not accept a JSON body).
    pub async fn get(&self, method: &str, params: &[(&str, String)]) -> Result<Value, Undelivered> {
        let session = self.client.open_session(&self.token);
        let params: Vec<(&str, Option<&String>)> = params
            .iter()
            .map(|(name, value)| (*name, Some(value)))
            .collect();
        self.within(
            method,
            session.http_session_api.http_get(method, &params, None),
        )
        .await
    }

    /// Posts a message (to a user id: in their direct messages with keel). `text` is escaped
    /// here (it may carry what people typed); `metadata` travels with the message, invisibly.
    pub async fn post_message(
        &self,
        channel: &str,
        text: &str,
        blocks: &[Value],
        metadata: Option<&Value>,
    ) -> Result<Posted, Undelivered> {
        let mut body = json!({ "channel": channel, "text": escape(text), "blocks": blocks });
        if let Some(metadata) = metadata {
            body["metadata"] = metadata.clone();
        }
        let answer = self.call("chat.postMessage", &body).await?;
        match (answer["channel"].as_str(), answer["ts"].as_str()) {
            (Some(channel), Some(ts)) => Ok(Posted {
                channel: channel.to_string(),
                ts: ts.to_string(),
            }),
            _ => Err(Undelivered::new(
                "chat.postMessage answered without channel and ts",
            )),
        }
    }

    /// Replaces a posted message's text (escaped here) and blocks.
    pub async fn update_message(
        &self,
        posted: &Posted,
        text: &str,
        blocks: &[Value],
    ) -> Result<(), Undelivered> {
        let text = escape(text);
        let body =
            json!({ "channel": posted.channel, "ts": posted.ts, "text": text, "blocks": blocks });
        self.call("chat.update", &body).await.map(drop)
    }

    /// A message only `user` sees, in `channel` (`text` escaped here).
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        text: &str,
    ) -> Result<(), Undelivered> {
        let body = json!({ "channel": channel, "user": user, "text": escape(text) });
        self.call("chat.postEphemeral", &body).await.map(drop)
    }

    /// Shares a PNG in a member's direct messages with keel: Slack's three-step upload
    /// (`files.getUploadURLExternal`, the bytes to the URL it gives, `files.completeUploadExternal`).
    pub async fn share_png(
        &self,
        member: &str,
        filename: &str,
        png: Vec<u8>,
        alt: &str,
    ) -> Result<(), Undelivered> {
        let session = self.client.open_session(&self.token);
        let alt = crate::engine::form::truncate(alt, 1_000);
        let target = self
            .within(
                "files.getUploadURLExternal",
                session.get_upload_url_external(
                    &SlackApiFilesGetUploadUrlExternalRequest::new(filename.into(), png.len())
                        .with_alt_txt(alt.clone()),
                ),
            )
            .await?;
        self.within(
            "the file upload",
            session.files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                target.upload_url,
                png,
                "image/png".into(),
            )),
        )
        .await?;
        self.within(
            "files.completeUploadExternal",
            session.files_complete_upload_external(
                &SlackApiFilesCompleteUploadExternalRequest::new(vec![
                    SlackApiFilesComplete::new(target.file_id).with_title(alt),
                ])
                .with_channels(vec![SlackChannelId::new(member.into())]),
            ),
        )
        .await?;
        Ok(())
    }

    /// Opens a modal in answer to an interaction (`trigger_id` is valid for three seconds).
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), Undelivered> {
        let body = json!({ "trigger_id": trigger_id, "view": view });
        self.call("views.open", &body).await.map(drop)
    }
}

fn failure(method: &str, error: SlackClientError) -> Undelivered {
    match error {
        SlackClientError::ApiError(e) => {
            let reason = format!("{method}: {}", e.code);
            match e.code.as_str() {
                "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => {
                    Undelivered::new(reason)
                }
                _ => Undelivered::permanent(reason),
            }
        }
        SlackClientError::RateLimitError(e) => {
            Undelivered::retry_after(format!("{method}: rate limited"), e.retry_after)
        }
        SlackClientError::HttpError(e) if e.status_code.is_server_error() => {
            Undelivered::new(format!("{method}: HTTP {}", e.status_code))
        }
        SlackClientError::HttpError(e) => {
            Undelivered::permanent(format!("{method}: HTTP {}", e.status_code))
        }
        other => Undelivered::new(format!("{method}: {other}")),
    }
}
