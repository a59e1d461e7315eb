//! Discord's REST API with plain reqwest and keel's own types, at the configured base URL
//! (`discord.api_url`, so that tests and proxies stand in for Discord). Every failure says
//! whether and when to try again: 429 carries `retry_after` (float seconds) in its body, 5xx
//! and a broken connection are worth a retry, and any other refusal (403 Missing Access, 404
//! Unknown Channel, 50007 Cannot send messages to this user) is final. Every call is bounded by
//! `discord.timeout_seconds`: a call Discord does not answer in time is an ambiguous failure,
//! retried later, and never holds the deliverer, the other platforms or shutdown.

use crate::chat::Undelivered;
use http_client::{Client, Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Value, json};
use std::time::Duration;

/// The REST API with the bot's token.
#[derive(Clone)]
pub struct DiscordApi {
    client: Client,
    base: String,
    token: SecretString,
    timeout: Duration,
}

impl DiscordApi {
    /// The API as configured (`discord.api_url`, `discord.timeout_seconds`, the bot token), or
    /// what is missing.
    pub fn of(config: &crate::config::Config) -> anyhow::Result<DiscordApi> {
        let settings = &config.settings.discord;
        let Some(token) = config.secrets.discord_bot_token.clone() else {
            anyhow::bail!(
                "KEEL_DISCORD_BOT_TOKEN is not set (the bot's token, on the Developer Portal's Bot page)"
            );
        };
        // keel's HTTP clients share ring as their TLS provider (a second install changes nothing).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder().user_agent("DiscordBot (https://github.com/keel, 0.1)");
        Ok(DiscordApi {
            client: client.build()?,
            base: settings.api_url.trim_end_matches('/').to_string(),
            token,
            timeout: Duration::from_secs(settings.timeout_seconds.max(1)),
        })
    }

    /// Calls `path` (`/channels/1/messages`); Discord's JSON answer (`null` for 204), or why not.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<Value, Undelivered> {
        let what = format!("{method} {}", route_of(path));
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(&what, request).await
    }

    /// A call to `path` with the bot's token, bounded by `discord.timeout_seconds`.
    fn request(&self, method: Method, path: &str) -> http_client::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header(
                "authorization",
                format!("Bot {}", self.token.expose_secret()),
            )
            .timeout(self.timeout)
    }

    /// Sends `request` (`what` names it in failures); Discord's JSON answer, or why not.
    async fn send(
        &self,
        what: &str,
        request: http_client::RequestBuilder,
    ) -> Result<Value, Undelivered> {
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_timeout() => {
                let waited = self.timeout.as_secs();
                return Err(Undelivered::new(format!(
                    "{what}: no answer within {waited} s (discord.timeout_seconds)"
                )));
            }
            Err(error) => return Err(Undelivered::new(format!("{what}: {error}"))),
        };
        let status = response.status();
        let header_wait = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<f64>().ok());
        let text = match tokio::time::timeout(self.timeout, response.text()).await {
            Ok(Ok(text)) => text,
            _ => String::new(),
        };
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer);
        }
        Err(failure(what, status, &answer, header_wait))
    }

    /// The DM channel with a user (`POST /users/@me/channels`).
    pub async fn open_dm(&self, user: &str) -> Result<String, Undelivered> {
        let body = json!({ "recipient_id": user });
        let answer = self
            .call(Method::POST, "/users/@me/channels", Some(&body))
            .await?;
        id_of(&answer, "POST /users/@me/channels")
    }

    /// Posts a message in a channel; the message's id.
    pub async fn post_message(
        &self,
        channel: &str,
        message: &(impl Serialize + Sync),
    ) -> Result<String, Undelivered> {
        let path = format!("/channels/{channel}/messages");
        let answer = self.call(Method::POST, &path, Some(message)).await?;
        id_of(&answer, "POST /channels/{id}/messages")
    }

    /// Replaces a posted message's content, embeds and components.
    pub async fn edit_message(
        &self,
        channel: &str,
        id: &str,
        message: &(impl Serialize + Sync),
    ) -> Result<(), Undelivered> {
        let path = format!("/channels/{channel}/messages/{id}");
        self.call(Method::PATCH, &path, Some(message))
            .await
            .map(drop)
    }

    /// A server's channels (`GET /guilds/{id}/channels`).
    pub async fn guild_channels(&self, guild: &str) -> Result<Vec<Value>, Undelivered> {
        let path = format!("/guilds/{guild}/channels");
        let answer = self.call(Method::GET, &path, None::<&Value>).await?;
        Ok(answer.as_array().cloned().unwrap_or_default())
    }

    /// Replaces an interaction's deferred answer (`PATCH /webhooks/{app}/{token}/messages/@original`).
    pub async fn edit_original(
        &self,
        application: &str,
        token: &str,
        message: &(impl Serialize + Sync),
    ) -> Result<(), Undelivered> {
        let path = format!("/webhooks/{application}/{token}/messages/@original");
        self.call(Method::PATCH, &path, Some(message))
            .await
            .map(drop)
    }
}

impl DiscordApi {
    /// Posts a follow-up to an interaction with one PNG (`POST /webhooks/{app}/{token}`), as
    /// multipart/form-data: the message in `payload_json`, the file in `files[0]` (the message's
    /// `attachments` names it with id 0).
    pub async fn follow_up_with_png(
        &self,
        application: &str,
        token: &str,
        message: &Value,
        filename: &str,
        png: &[u8],
    ) -> Result<(), Undelivered> {
        use http_client::multipart::{Form, Part};
        let path = format!("/webhooks/{application}/{token}");
        let what = format!("POST {}", route_of(&path));
        let file = Part::bytes(png.to_vec()).file_name(filename.to_string());
        let file = file
            .mime_str("image/png")
            .map_err(|e| Undelivered::permanent(e.to_string()))?;
        let form = Form::new()
            .percent_encode_noop()
            .part("payload_json", Part::text(message.to_string()))
            .part("files[0]", file);
        let request = self.request(Method::POST, &path).multipart(form);
        self.send(&what, request).await.map(drop)
    }

    /// The bot token, which the gateway's IDENTIFY and RESUME carry.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The gateway's WebSocket URL (`GET /gateway/bot`), which keel caches and connects to
    /// with `?v=10&encoding=json`.
    pub async fn gateway_url(&self) -> Result<String, Undelivered> {
        let answer = self
            .call(Method::GET, "/gateway/bot", None::<&Value>)
            .await?;
        answer["url"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| Undelivered::new("GET /gateway/bot gave no url"))
    }

    /// Answers an interaction that came over the gateway
    /// (`POST /interactions/{id}/{token}/callback`): what the HTTP endpoint would have answered.
    pub async fn callback(
        &self,
        interaction: &str,
        token: &str,
        response: &Value,
    ) -> Result<(), Undelivered> {
        let path = format!("/interactions/{interaction}/{token}/callback");
        self.call(Method::POST, &path, Some(response))
            .await
            .map(drop)
    }
}

/// A path without its ids, for messages (tokens never reach a log).
fn route_of(path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .map(|part| {
            if part.len() > 12 || part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
                "{id}"
            } else {
                part
            }
        })
        .collect();
    parts.join("/")
}

fn id_of(answer: &Value, what: &str) -> Result<String, Undelivered> {
    answer["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| Undelivered::new(format!("{what} answered without an id")))
}

/// What a refusal means: 429 and 5xx are worth waiting for, anything else is final.
fn failure(
    what: &str,
    status: StatusCode,
    answer: &Value,
    header_wait: Option<f64>,
) -> Undelivered {
    let seconds = |s: f64| Duration::from_secs_f64(s.clamp(0.0, 3_600.0));
    let said = match (answer["message"].as_str(), answer["code"].as_i64()) {
        (Some(message), Some(code)) => format!(" {message} ({code})"),
        (Some(message), None) => format!(" {message}"),
        _ => String::new(),
    };
    let reason = format!("{what}: {}{said}", status.as_u16());
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = answer["retry_after"].as_f64().or(header_wait).map(seconds);
        return Undelivered::retry_after(reason, wait);
    }
    if status.is_server_error() {
        return Undelivered::retry_after(reason, header_wait.map(seconds));
    }
    Undelivered::permanent(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_and_outages_are_waited_for_and_refusals_are_final() {
        let limited = failure(
            "POST /x",
            StatusCode::TOO_MANY_REQUESTS,
            &json!({ "message": "You are being rate limited.", "retry_after": 1.25, "global": false }),
            Some(2.0),
        );
        assert!(!limited.permanent);
        assert_eq!(limited.retry_after, Some(Duration::from_millis(1_250)));
        let down = failure("POST /x", StatusCode::BAD_GATEWAY, &Value::Null, None);
        assert!(!down.permanent);
        let dm_closed = failure(
            "POST /x",
            StatusCode::FORBIDDEN,
            &json!({ "message": "Cannot send messages to this user", "code": 50007 }),
            None,
        );
        assert!(dm_closed.permanent);
        assert_eq!(
            dm_closed.reason,
            "POST /x: 403 Cannot send messages to this user (50007)"
        );
        assert!(failure("GET /x", StatusCode::NOT_FOUND, &Value::Null, None).permanent);
    }

    #[test]
    fn ids_and_tokens_stay_out_of_failure_messages() {
        assert_eq!(
            route_of("/webhooks/100000000000000001/aW50ZXJhY3Rpb24tdG9rZW4/messages/@original"),
            "/webhooks/{id}/{id}/messages/@original"
        );
        assert_eq!(route_of("/channels/42/messages"), "/channels/{id}/messages");
    }
}
