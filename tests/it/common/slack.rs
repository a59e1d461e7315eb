//! A stand-in for Slack's Web API on a random port: it answers the methods keel calls the way
//! Slack does (`ok: false` errors, 429 with `Retry-After`, 500 when told to fail, for everyone or
//! for one member; or no answer at all), checks the bot token, and records every call. Posted
//! messages are kept per conversation with their metadata (a member's DMs are `D…`, a channel
//! `#name` is `Cname`), for `conversations.history`, `conversations.open` and
//! `conversations.list` to answer from, and for tests to count what each recipient sees. It also
//! speaks Socket Mode: `apps.connections.open` (with the
//! app token) hands out its WebSocket, which says `hello`, sends envelopes and collects acks.
//! And it signs requests to keel the way Slack signs them.

use axum::Json;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub const BOT_TOKEN: &str = "xoxb-test-token";
pub const APP_TOKEN: &str = "xapp-test-token";
pub const SIGNING_SECRET: &str = "slack-signing-secret-for-tests";

/// How the stand-in answers for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weather {
    Fine,
    /// 429 with `Retry-After` (1 s unless [`SlackStandIn::set_retry_after`]) on every call.
    RateLimited,
    /// 500 on every call.
    Down,
    /// chat.postMessage posts, then answers 500 (as if the answer were lost); other calls are
    /// answered.
    PostedThen500,
    /// chat.postMessage posts, then never answers while this weather lasts (keel is killed
    /// between the post and hearing of it).
    PostedThenSilent,
}

/// How the stand-in answers calls addressed to one member or channel (`channel` in the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500.
    Down,
    /// No answer for five minutes (then 500): a hung call.
    Hang,
    /// `ok: false` with `channel_not_found`: refused for good.
    NotFound,
}

/// One call keel made, and whether it was accepted.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub body: Value,
    pub accepted: bool,
}

#[derive(Default)]
struct Recorded {
    calls: Vec<Call>,
    next_ts: u64,
    /// The last message ts handed out, in microseconds (each is later than the one before).
    last_ts: i64,
    /// Messages by conversation id, oldest first.
    conversations: HashMap<String, Vec<Value>>,
}

impl Recorded {
    /// A new message ts: the wall clock, as Slack's are, never the same twice.
    fn ts(&mut self) -> String {
        let now = chrono::Utc::now().timestamp_micros().max(self.last_ts + 1);
        self.last_ts = now;
        format!("{}.{:06}", now / 1_000_000, now % 1_000_000)
    }
}

/// The conversation Slack posts in for a `channel` argument: a member's DMs with the app, a
/// channel by name, or the id itself.
pub fn conversation_of(target: &str) -> String {
    if let Some(member) = target.strip_prefix('U') {
        format!("D{member}")
    } else if let Some(name) = target.strip_prefix('#') {
        format!("C{name}")
    } else {
        target.to_string()
    }
}

#[derive(Clone)]
struct Shared {
    recorded: Arc<Mutex<Recorded>>,
    weather: Arc<Mutex<Weather>>,
    retry_after: Arc<Mutex<u64>>,
    /// Faults by the member or channel a call is addressed to.
    faults: Arc<Mutex<HashMap<String, Fault>>>,
    socket_url: Arc<Mutex<String>>,
    /// Where files.getUploadURLExternal sends uploads.
    upload_url: Arc<Mutex<String>>,
    /// Frames for the connected keel, and the acks it sent back by envelope id.
    to_keel: Arc<Mutex<Option<mpsc::UnboundedSender<String>>>>,
    acks: Arc<Mutex<HashMap<String, Value>>>,
}

pub struct SlackStandIn {
    /// The Web API base keel is pointed at.
    pub api_url: String,
    shared: Shared,
}

impl SlackStandIn {
    pub async fn start() -> SlackStandIn {
        let shared = Shared {
            recorded: Arc::default(),
            weather: Arc::new(Mutex::new(Weather::Fine)),
            retry_after: Arc::new(Mutex::new(1)),
            faults: Arc::default(),
            socket_url: Arc::default(),
            upload_url: Arc::default(),
            to_keel: Arc::default(),
            acks: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/api/{method}", axum::routing::get(answer).post(answer))
            .route("/upload/{file}", axum::routing::post(upload))
            .route("/socket", axum::routing::get(socket))
            .with_state(shared.clone());
        let address = super::serve::on_random_port(app).await;
        *shared.socket_url.lock().expect("url") = format!("ws://{address}/socket");
        *shared.upload_url.lock().expect("url") = format!("http://{address}/upload");
        SlackStandIn {
            api_url: format!("http://{address}/api"),
            shared,
        }
    }

    pub fn set_weather(&self, weather: Weather) {
        *self.shared.weather.lock().expect("weather") = weather;
    }

    /// The `Retry-After` (seconds) of a rate-limited answer.
    pub fn set_retry_after(&self, seconds: u64) {
        *self.shared.retry_after.lock().expect("retry after") = seconds;
    }

    /// The messages a conversation holds (by keel's target: a member id, `#name`), oldest first.
    pub fn messages_of(&self, target: &str) -> Vec<Value> {
        let recorded = self.shared.recorded.lock().expect("calls");
        let conversation = conversation_of(target);
        recorded
            .conversations
            .get(&conversation)
            .cloned()
            .unwrap_or_default()
    }

    /// Every message posted, in any conversation.
    pub fn all_messages(&self) -> Vec<Value> {
        let recorded = self.shared.recorded.lock().expect("calls");
        recorded.conversations.values().flatten().cloned().collect()
    }

    /// Calls addressed to `target` fail with `fault` (or are answered again, with `None`).
    pub fn set_fault(&self, target: &str, fault: Option<Fault>) {
        let mut faults = self.shared.faults.lock().expect("faults");
        match fault {
            Some(fault) => faults.insert(target.to_string(), fault),
            None => faults.remove(target),
        };
    }

    /// Calls addressed to `target` that were not accepted (hung ones from their start).
    pub fn refused_to(&self, target: &str) -> usize {
        let recorded = self.shared.recorded.lock().expect("calls");
        recorded
            .calls
            .iter()
            .filter(|c| c.body["channel"] == target && !c.accepted)
            .count()
    }

    /// Accepted calls of `method`.
    pub fn calls(&self, method: &str) -> Vec<Value> {
        let recorded = self.shared.recorded.lock().expect("calls");
        recorded
            .calls
            .iter()
            .filter(|c| c.method == method && c.accepted)
            .map(|c| c.body.clone())
            .collect()
    }

    /// How many calls of `method` were accepted (without copying them).
    pub fn accepted(&self, method: &str) -> usize {
        let recorded = self.shared.recorded.lock().expect("calls");
        recorded
            .calls
            .iter()
            .filter(|c| c.method == method && c.accepted)
            .count()
    }

    /// Sends keel an envelope over Socket Mode and waits for its ack.
    pub async fn envelope(&self, kind: &str, payload: Value, accepts_payload: bool) -> Value {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let frame = json!({ "envelope_id": id, "type": kind, "payload": payload,
            "accepts_response_payload": accepts_payload });
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let sender = self.shared.to_keel.lock().expect("socket").clone();
            if let Some(sender) = sender
                && sender.send(frame.to_string()).is_ok()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "keel never connected over Socket Mode"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        loop {
            if let Some(ack) = self.shared.acks.lock().expect("acks").remove(&id) {
                return ack;
            }
            assert!(
                Instant::now() < deadline,
                "keel never acknowledged envelope {frame}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every call, refused ones too.
    pub fn all_calls(&self) -> Vec<Call> {
        self.shared.recorded.lock().expect("calls").calls.clone()
    }
}

async fn answer(
    State(shared): State<Shared>,
    Path(method): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // Methods called with GET carry their arguments in the query string.
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(_) => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_str(query.as_deref().unwrap_or_default())
                    .unwrap_or_default();
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            )
        }
    };
    if let Some(answer) = faulty(&shared, &method, &body).await {
        return answer;
    }
    let weather = *shared.weather.lock().expect("weather");
    let token = if method == "apps.connections.open" {
        APP_TOKEN
    } else {
        BOT_TOKEN
    };
    let authorized = headers
        .get("authorization")
        .is_some_and(|v| v.as_bytes() == format!("Bearer {token}").as_bytes());
    let answers = !matches!(weather, Weather::RateLimited | Weather::Down);
    let answer = {
        let mut recorded = shared.recorded.lock().expect("calls");
        recorded.calls.push(Call {
            method: method.clone(),
            body: body.clone(),
            accepted: answers && authorized,
        });
        match weather {
            Weather::RateLimited => {
                let retry_after = shared.retry_after.lock().expect("retry after").to_string();
                return (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", retry_after)],
                    Json(json!({ "ok": false, "error": "ratelimited" })),
                )
                    .into_response();
            }
            Weather::Down => {
                return (StatusCode::INTERNAL_SERVER_ERROR, "upstream connect error")
                    .into_response();
            }
            _ => {}
        }
        if !authorized {
            return Json(json!({ "ok": false, "error": "invalid_auth" })).into_response();
        }
        respond(&shared, &mut recorded, &method, &body)
    };
    if method == "chat.postMessage" && weather != Weather::Fine {
        // Posted, but keel does not hear so.
        while *shared.weather.lock().expect("weather") == Weather::PostedThenSilent {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        return (StatusCode::INTERNAL_SERVER_ERROR, "upstream connect error").into_response();
    }
    Json(answer).into_response()
}

/// Slack's answer to an authorized call of `method`.
fn respond(shared: &Shared, recorded: &mut Recorded, method: &str, body: &Value) -> Value {
    recorded.next_ts += 1;
    match method {
        "chat.postMessage" => post(recorded, body),
        "chat.update" => update(recorded, body),
        "conversations.open" => {
            let member = body["users"].as_str().unwrap_or_default();
            json!({ "ok": true, "channel": { "id": conversation_of(member) } })
        }
        "conversations.history" => history(recorded, body),
        "conversations.list" => {
            let channels: Vec<Value> = recorded
                .conversations
                .keys()
                .filter_map(|id| id.strip_prefix('C').map(|name| (id, name)))
                .map(|(id, name)| json!({ "id": id, "name": name }))
                .collect();
            json!({ "ok": true, "channels": channels, "response_metadata": { "next_cursor": "" } })
        }
        "apps.connections.open" => {
            json!({ "ok": true, "url": *shared.socket_url.lock().expect("url") })
        }
        // One member the directory does not map, whose Slack email is Gus Usman's.
        "users.info" if body["user"] == "U0UNMAPPED" => {
            json!({ "ok": true, "user": { "id": "U0UNMAPPED",
                "profile": { "email": "gus.usman@harborridge.example" } } })
        }
        "users.info" => json!({ "ok": false, "error": "user_not_found" }),
        "chat.postEphemeral" => json!({ "ok": true, "message_ts": recorded.ts() }),
        "views.open" | "views.publish" if body["trigger_id"] == "expired" => {
            json!({ "ok": false, "error": "expired_trigger_id" })
        }
        "views.open" | "views.publish" => json!({ "ok": true, "view": body["view"] }),
        "files.getUploadURLExternal" => {
            let file = format!("F{}", recorded.next_ts);
            let url = format!("{}/{file}", shared.upload_url.lock().expect("url"));
            json!({ "ok": true, "upload_url": url, "file_id": file })
        }
        "files.completeUploadExternal" => {
            json!({ "ok": true, "files": [{ "id": body["files"][0]["id"] }] })
        }
        _ => json!({ "ok": false, "error": "unknown_method" }),
    }
}

/// chat.postMessage: the message joins its conversation, metadata and all.
fn post(recorded: &mut Recorded, body: &Value) -> Value {
    let channel = conversation_of(body["channel"].as_str().unwrap_or_default());
    let ts = recorded.ts();
    let mut message = json!({ "type": "message", "ts": ts, "text": body["text"],
        "blocks": body["blocks"] });
    if body.get("metadata").is_some() {
        message["metadata"] = body["metadata"].clone();
    }
    recorded
        .conversations
        .entry(channel.clone())
        .or_default()
        .push(message);
    json!({ "ok": true, "channel": channel, "ts": ts, "message": { "ts": ts } })
}

/// chat.update: the message's text and blocks are replaced.
fn update(recorded: &mut Recorded, body: &Value) -> Value {
    let channel = body["channel"].as_str().unwrap_or_default();
    let found = recorded
        .conversations
        .get_mut(channel)
        .and_then(|messages| messages.iter_mut().find(|m| m["ts"] == body["ts"]));
    let Some(message) = found else {
        return json!({ "ok": false, "error": "message_not_found" });
    };
    message["text"] = body["text"].clone();
    message["blocks"] = body["blocks"].clone();
    json!({ "ok": true, "channel": channel, "ts": body["ts"] })
}

/// A ts (`1764000000.000123`) in microseconds, to compare.
fn micros(ts: &str) -> i64 {
    let (seconds, fraction) = ts.split_once('.').unwrap_or((ts, "0"));
    let fraction = format!("{fraction:0<6}");
    seconds.parse::<i64>().unwrap_or(0) * 1_000_000 + fraction[..6].parse::<i64>().unwrap_or(0)
}

/// conversations.history: newest first, after `oldest`, `limit` a page from `cursor`, metadata
/// only with `include_all_metadata`.
fn history(recorded: &Recorded, body: &Value) -> Value {
    let argument = |name: &str| body[name].as_str().map(str::to_string);
    let channel = argument("channel").unwrap_or_default();
    let Some(messages) = recorded.conversations.get(&channel) else {
        if channel.starts_with('D') {
            return json!({ "ok": true, "messages": [], "has_more": false });
        }
        return json!({ "ok": false, "error": "channel_not_found" });
    };
    let oldest = argument("oldest").map_or(0, |ts| micros(&ts));
    let with_metadata = argument("include_all_metadata").as_deref() == Some("true");
    let limit: usize = argument("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100);
    let from: usize = argument("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let newest_first: Vec<Value> = messages
        .iter()
        .rev()
        .filter(|m| micros(m["ts"].as_str().unwrap_or_default()) > oldest)
        .map(|m| {
            let mut m = m.clone();
            if !with_metadata && let Some(fields) = m.as_object_mut() {
                fields.remove("metadata");
            }
            m
        })
        .collect();
    let page: Vec<Value> = newest_first
        .iter()
        .skip(from)
        .take(limit)
        .cloned()
        .collect();
    let more = from + limit < newest_first.len();
    let next = if more {
        (from + limit).to_string()
    } else {
        String::new()
    };
    json!({ "ok": true, "messages": page, "has_more": more,
        "response_metadata": { "next_cursor": next } })
}

/// The answer to a call addressed to a member or channel with a fault (recorded as refused).
async fn faulty(shared: &Shared, method: &str, body: &Value) -> Option<Response> {
    let target = body["channel"].as_str()?;
    let fault = *shared.faults.lock().expect("faults").get(target)?;
    shared.recorded.lock().expect("calls").calls.push(Call {
        method: method.to_string(),
        body: body.clone(),
        accepted: false,
    });
    Some(match fault {
        Fault::Down => {
            (StatusCode::INTERNAL_SERVER_ERROR, "upstream connect error").into_response()
        }
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(300)).await;
            (StatusCode::INTERNAL_SERVER_ERROR, "upstream timed out").into_response()
        }
        Fault::NotFound => {
            Json(json!({ "ok": false, "error": "channel_not_found" })).into_response()
        }
    })
}

/// The upload URL files.getUploadURLExternal hands out: takes the bytes, answers as Slack does
/// (plain text), and records them as a call of `upload`.
async fn upload(
    State(shared): State<Shared>,
    Path(file): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let png = body.starts_with(b"\x89PNG");
    shared.recorded.lock().expect("calls").calls.push(Call {
        method: "upload".into(),
        body: json!({ "file": file, "bytes": body.len(), "png": png }),
        accepted: true,
    });
    (
        [("content-type", "text/plain")],
        format!("OK - {}", body.len()),
    )
        .into_response()
}

/// The Socket Mode WebSocket: `hello`, then envelopes from the test and acks from keel.
async fn socket(State(shared): State<Shared>, upgrade: WebSocketUpgrade) -> Response {
    upgrade.on_upgrade(move |mut socket: WebSocket| async move {
        let (sender, mut frames) = mpsc::unbounded_channel::<String>();
        *shared.to_keel.lock().expect("socket") = Some(sender);
        let hello = json!({ "type": "hello", "num_connections": 1,
            "connection_info": { "app_id": "A0KEEL" } });
        if socket
            .send(WsMessage::Text(hello.to_string().into()))
            .await
            .is_err()
        {
            return;
        }
        loop {
            tokio::select! {
                Some(frame) = frames.recv() => {
                    if socket.send(WsMessage::Text(frame.into())).await.is_err() {
                        return;
                    }
                }
                received = socket.recv() => match received {
                    Some(Ok(WsMessage::Text(text))) => {
                        let ack: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        if let Some(id) = ack["envelope_id"].as_str() {
                            shared.acks.lock().expect("acks").insert(id.to_string(), ack.clone());
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => return,
                }
            }
        }
    })
}

/// The headers Slack sends with `body` at `timestamp` (seconds).
pub fn signed_headers(body: &[u8], timestamp: i64, secret: &str) -> Vec<(&'static str, String)> {
    let ts = timestamp.to_string();
    vec![
        ("x-slack-request-timestamp", ts.clone()),
        (
            "x-slack-signature",
            keel::chat::slack::signature::sign(secret.as_bytes(), &ts, body),
        ),
    ]
}

impl SlackStandIn {
    /// The environment that turns Slack on over HTTP, pointed at this stand-in.
    pub fn keel_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KEEL_SLACK_ENABLED", "true".into()),
            ("KEEL_SLACK_MODE", "http".into()),
            ("KEEL_SLACK_API_URL", self.api_url.clone()),
            ("KEEL_SLACK_BOT_TOKEN", BOT_TOKEN.into()),
            ("KEEL_SLACK_SIGNING_SECRET", SIGNING_SECRET.into()),
        ]
    }

    /// How many messages in `target`'s conversation have `needle` in their text.
    pub fn posted(&self, target: &str, needle: &str) -> usize {
        self.messages_of(target)
            .iter()
            .filter(|m| m["text"].as_str().is_some_and(|t| t.contains(needle)))
            .count()
    }
}

/// Asserts, per recipient, what a person sees in Slack: each expected message (`target` as keel
/// names it, a member id or `#name`, and a text it carries) is there exactly once; and no
/// notification of keel's (by its message metadata) was posted twice anywhere.
pub fn assert_each_posted_once(stand_in: &SlackStandIn, expected: &[(&str, &str)], label: &str) {
    for (target, needle) in expected {
        let count = stand_in.posted(target, needle);
        assert_eq!(
            count,
            1,
            "[{label}] {target} sees {count} messages with {needle:?}: {:#?}",
            stand_in.messages_of(target)
        );
    }
    let mut seen = std::collections::HashSet::new();
    for message in stand_in.all_messages() {
        let payload = &message["metadata"]["event_payload"];
        if payload.is_null() {
            continue;
        }
        let target = payload["target"].as_str().unwrap_or_default().to_string();
        // A channel's card is posted once per request, whichever notification posted it.
        let of = if target.starts_with('#') {
            payload["request_id"].to_string()
        } else {
            payload["outbox_id"].to_string()
        };
        assert!(
            seen.insert((target, of)),
            "[{label}] posted twice: {message}"
        );
    }
}
