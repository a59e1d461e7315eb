//! A stand-in for Discord's REST API on a random port: it answers the routes keel calls the way
//! Discord does (a user's DM channel, a server's channels, messages created with an enforced
//! nonce, edited, an interaction's deferred answer, commands registered), checks the bot token,
//! and records every call. While told to, it rate-limits (429 with `retry_after` in seconds, a
//! float, in the body), fails (502) or hangs. It also signs interactions to keel's endpoint
//! with a test Ed25519 key, as Discord signs them, and serves a gateway
//! ([`super::discord_gateway`]) whose URL `GET /gateway/bot` gives; answers to interactions
//! that came over it are recorded as `POST /interactions/{id}/{token}/callback` calls. A
//! follow-up with a file (`POST /webhooks/{app}/{token}`, multipart/form-data) is recorded with
//! its `payload_json` as the call's body and its `files[0]` kept ([`DiscordStandIn::files`]).

use axum::Json;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BOT_TOKEN: &str = "discord-test-bot-token";
/// The test application's private key; keel is given its public half.
pub const SEED: [u8; 32] = [42; 32];
pub const APPLICATION_ID: &str = "100000000000000001";
pub const GUILD_ID: &str = "200000000000000002";

/// How the stand-in answers for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weather {
    Fine,
    /// 429 with `retry_after: 0.25` on every call.
    RateLimited,
    /// 502 on every call.
    Down,
    /// No answer for five minutes: a hung call.
    Hung,
}

/// One call keel made, and whether it was accepted.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub accepted: bool,
}

/// A file a follow-up carried: its part's file name and content type, and its bytes.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[derive(Default)]
struct Recorded {
    calls: Vec<Call>,
    files: Vec<UploadedFile>,
    next_id: u64,
    /// Messages by channel id, oldest first.
    channels: HashMap<String, Vec<Value>>,
}

#[derive(Clone)]
struct Shared {
    recorded: Arc<Mutex<Recorded>>,
    weather: Arc<Mutex<Weather>>,
}

pub struct DiscordStandIn {
    pub api_url: String,
    pub gateway: super::discord_gateway::Gateway,
    shared: Shared,
}

/// The channel ids of the server's channels, by name.
pub fn channel_id(name: &str) -> String {
    format!("chan-{name}")
}

/// A user's DM channel id with the bot.
pub fn dm_of(user: &str) -> String {
    format!("dm{user}")
}

impl DiscordStandIn {
    pub async fn start() -> DiscordStandIn {
        let shared = Shared {
            recorded: Arc::default(),
            weather: Arc::new(Mutex::new(Weather::Fine)),
        };
        let gateway = super::discord_gateway::Gateway::default();
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone())
            .merge(gateway.router());
        let address = super::serve::on_random_port(app).await;
        DiscordStandIn {
            api_url: format!("http://{address}/api/v10"),
            gateway,
            shared,
        }
    }

    pub fn set_weather(&self, weather: Weather) {
        *self.shared.weather.lock().expect("weather") = weather;
    }

    /// The environment that turns Discord on in http mode, pointed at this stand-in.
    pub fn keel_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KEEL_DISCORD_ENABLED", "true".into()),
            ("KEEL_DISCORD_MODE", "http".into()),
            ("KEEL_DISCORD_API_URL", self.api_url.clone()),
            ("KEEL_DISCORD_BOT_TOKEN", BOT_TOKEN.into()),
            (
                "KEEL_DISCORD_PUBLIC_KEY",
                keel::chat::discord::signature::public_key_of(&SEED),
            ),
            ("KEEL_DISCORD_APPLICATION_ID", APPLICATION_ID.into()),
            ("KEEL_DISCORD_GUILD_ID", GUILD_ID.into()),
            ("KEEL_DISCORD_TIMEOUT_SECONDS", "1".into()),
        ]
    }

    /// The environment that turns Discord on in gateway mode (the default: no mode set, no
    /// public key), pointed at this stand-in.
    pub fn keel_env_gateway(&self) -> Vec<(&'static str, String)> {
        self.keel_env()
            .into_iter()
            .filter(|(k, _)| !matches!(*k, "KEEL_DISCORD_MODE" | "KEEL_DISCORD_PUBLIC_KEY"))
            .collect()
    }

    /// The messages of a channel (a DM channel: [`dm_of`]), oldest first, as they are now.
    pub fn messages_in(&self, channel: &str) -> Vec<Value> {
        let recorded = self.shared.recorded.lock().expect("recorded");
        recorded.channels.get(channel).cloned().unwrap_or_default()
    }

    /// How many messages in `channel` carry `needle` (in their content or card).
    pub fn posted(&self, channel: &str, needle: &str) -> usize {
        self.messages_in(channel)
            .iter()
            .filter(|m| m.to_string().contains(needle))
            .count()
    }

    /// Every message, in any channel.
    pub fn all_messages(&self) -> Vec<Value> {
        let recorded = self.shared.recorded.lock().expect("recorded");
        recorded.channels.values().flatten().cloned().collect()
    }

    /// Accepted calls whose `METHOD path` contains `route`.
    pub fn calls(&self, route: &str) -> Vec<Call> {
        let recorded = self.shared.recorded.lock().expect("recorded");
        recorded
            .calls
            .iter()
            .filter(|c| c.accepted && format!("{} {}", c.method, c.path).contains(route))
            .cloned()
            .collect()
    }

    /// The files follow-ups carried, oldest first.
    pub fn files(&self) -> Vec<UploadedFile> {
        self.shared.recorded.lock().expect("recorded").files.clone()
    }

    /// Calls refused (rate-limited, failed, hung).
    pub fn refused(&self) -> usize {
        let recorded = self.shared.recorded.lock().expect("recorded");
        recorded.calls.iter().filter(|c| !c.accepted).count()
    }
}

async fn answer(
    axum::extract::State(shared): axum::extract::State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (body, file) = match content_type.split_once("multipart/form-data; boundary=") {
        Some((_, boundary)) => multipart(&body, boundary),
        None => (serde_json::from_slice(&body).unwrap_or(Value::Null), None),
    };
    let path = uri.path().trim_start_matches("/api/v10").to_string();
    let weather = *shared.weather.lock().expect("weather");
    let authorized = headers
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == format!("Bot {BOT_TOKEN}").as_bytes());
    shared.recorded.lock().expect("recorded").calls.push(Call {
        method: method.to_string(),
        path: path.clone(),
        body: body.clone(),
        accepted: weather == Weather::Fine && authorized,
    });
    match weather {
        Weather::Fine => {}
        Weather::RateLimited => {
            let limited = json!({ "message": "You are being rate limited.", "retry_after": 0.25, "global": false });
            return (StatusCode::TOO_MANY_REQUESTS, Json(limited)).into_response();
        }
        Weather::Down => {
            return (StatusCode::BAD_GATEWAY, "upstream connect error").into_response();
        }
        Weather::Hung => {
            tokio::time::sleep(Duration::from_secs(300)).await;
            return StatusCode::GATEWAY_TIMEOUT.into_response();
        }
    }
    if !authorized {
        let refused = json!({ "message": "401: Unauthorized", "code": 0 });
        return (StatusCode::UNAUTHORIZED, Json(refused)).into_response();
    }
    let mut recorded = shared.recorded.lock().expect("recorded");
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (status, answer) = match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway", "bot"]) => {
            let host = headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default();
            let url = format!("ws://{host}/gateway");
            (
                StatusCode::OK,
                json!({ "url": url, "shards": 1,
                "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 } }),
            )
        }
        ("POST", ["interactions", _, _, "callback"]) => (StatusCode::OK, Value::Null),
        ("POST", ["users", "@me", "channels"]) => {
            let user = body["recipient_id"].as_str().unwrap_or_default();
            (StatusCode::OK, json!({ "id": dm_of(user), "type": 1 }))
        }
        ("GET", ["guilds", GUILD_ID, "channels"]) => {
            let channels: Vec<Value> = ["general", "change-orders", "expenses", "purchasing"]
                .iter()
                .map(|name| json!({ "id": channel_id(name), "name": name, "type": 0 }))
                .collect();
            (StatusCode::OK, Value::from(channels))
        }
        ("POST", ["channels", channel, "messages"]) => create(&mut recorded, channel, &body),
        ("PATCH", ["channels", channel, "messages", id]) => edit(&mut recorded, channel, id, &body),
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) => (StatusCode::OK, body.clone()),
        // A follow-up: with a file, its message must name it as attachment 0, and a file
        // said to be a PNG must be one.
        ("POST", ["webhooks", _, _]) => match file {
            Some(file)
                if body["attachments"][0]["filename"] == file.filename.as_str()
                    && (file.content_type != "image/png" || file.bytes.starts_with(b"\x89PNG")) =>
            {
                recorded.files.push(file);
                recorded.next_id += 1;
                let mut message = body.clone();
                message["id"] = json!(format!("9{:017}", recorded.next_id));
                (StatusCode::OK, message)
            }
            _ => (
                StatusCode::BAD_REQUEST,
                json!({ "message": "Invalid Form Body", "code": 50035 }),
            ),
        },
        (
            "PUT",
            [
                "applications",
                APPLICATION_ID,
                "guilds",
                GUILD_ID,
                "commands",
            ],
        ) => (StatusCode::OK, body.clone()),
        _ => (
            StatusCode::NOT_FOUND,
            json!({ "message": "404: Not Found", "code": 0 }),
        ),
    };
    (status, Json(answer)).into_response()
}

/// A new message; with an enforced nonce already used in the channel, that earlier message.
fn create(recorded: &mut Recorded, channel: &str, body: &Value) -> (StatusCode, Value) {
    let messages = recorded.channels.entry(channel.to_string()).or_default();
    if body["enforce_nonce"] == true
        && let Some(earlier) = messages.iter().find(|m| m["nonce"] == body["nonce"])
    {
        return (StatusCode::OK, earlier.clone());
    }
    recorded.next_id += 1;
    let mut message = body.clone();
    message["id"] = json!(format!("9{:017}", recorded.next_id));
    message["channel_id"] = json!(channel);
    recorded
        .channels
        .entry(channel.to_string())
        .or_default()
        .push(message.clone());
    (StatusCode::OK, message)
}

fn edit(recorded: &mut Recorded, channel: &str, id: &str, body: &Value) -> (StatusCode, Value) {
    let found = recorded
        .channels
        .get_mut(channel)
        .and_then(|messages| messages.iter_mut().find(|m| m["id"] == id));
    let Some(message) = found else {
        return (
            StatusCode::NOT_FOUND,
            json!({ "message": "Unknown Message", "code": 10008 }),
        );
    };
    for key in ["content", "embeds", "components"] {
        message[key] = body[key].clone();
    }
    (StatusCode::OK, message.clone())
}

/// The headers Discord sends with `body` at `timestamp` (seconds), signed with `seed`.
pub fn signed_headers(body: &[u8], timestamp: i64, seed: &[u8; 32]) -> Vec<(&'static str, String)> {
    let ts = timestamp.to_string();
    vec![
        (
            "x-signature-ed25519",
            keel::chat::discord::signature::sign(seed, &ts, body),
        ),
        ("x-signature-timestamp", ts),
    ]
}

/// A multipart/form-data body as Discord reads a follow-up: the `payload_json` part as the
/// message, and the `files[0]` part.
fn multipart(body: &[u8], boundary: &str) -> (Value, Option<UploadedFile>) {
    let delimiter = format!("--{}", boundary.trim_matches('"'));
    let mut message = Value::Null;
    let mut file = None;
    for part in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        let Some(part) = part.strip_prefix(b"\r\n") else {
            continue; // the closing "--"
        };
        let Some(at) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..at]).to_string();
        let content = part[at + 4..]
            .strip_suffix(b"\r\n")
            .unwrap_or(&part[at + 4..]);
        let header = |name: &str| {
            head.lines()
                .find(|l| l.to_ascii_lowercase().starts_with(name))
                .map(|l| l.split_once(':').map_or("", |(_, v)| v).trim().to_string())
                .unwrap_or_default()
        };
        let disposition = header("content-disposition");
        if disposition.contains("name=\"payload_json\"") {
            message = serde_json::from_slice(content).unwrap_or(Value::Null);
        } else if disposition.contains("name=\"files[0]\"") {
            let filename = disposition
                .split("filename=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_string();
            file = Some(UploadedFile {
                filename,
                content_type: header("content-type"),
                bytes: content.to_vec(),
            });
        }
    }
    (message, file)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}
