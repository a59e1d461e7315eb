//! A stand-in for Slack's Web API on a random port: it answers the methods keel calls the way
//! Slack does (`ok: false` errors, 429 with `Retry-After`, 500 when told to fail, for everyone or
//! for one member; or no answer at all), checks the bot token, and records every call. It also speaks Socket Mode: `apps.connections.open` (with the
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
    /// 429 with `Retry-After: 1` on every call.
    RateLimited,
    /// 500 on every call.
    Down,
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
}

#[derive(Clone)]
struct Shared {
    recorded: Arc<Mutex<Recorded>>,
    weather: Arc<Mutex<Weather>>,
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
    let mut recorded = shared.recorded.lock().expect("calls");
    let accepted = weather == Weather::Fine && authorized;
    recorded.calls.push(Call {
        method: method.clone(),
        body: body.clone(),
        accepted,
    });
    match weather {
        Weather::RateLimited => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "1")],
                Json(json!({ "ok": false, "error": "ratelimited" })),
            )
                .into_response();
        }
        Weather::Down => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "upstream connect error").into_response();
        }
        Weather::Fine => {}
    }
    if !authorized {
        return Json(json!({ "ok": false, "error": "invalid_auth" })).into_response();
    }
    recorded.next_ts += 1;
    let ts = format!("1764000000.{:06}", recorded.next_ts);
    let answer = match method.as_str() {
        "chat.postMessage" => {
            let target = body["channel"].as_str().unwrap_or_default();
            let channel = match target.strip_prefix('U') {
                Some(member) => format!("D{member}"),
                None => format!("C{}", target.trim_start_matches('#')),
            };
            json!({ "ok": true, "channel": channel, "ts": ts, "message": { "ts": ts } })
        }
        "apps.connections.open" => {
            json!({ "ok": true, "url": *shared.socket_url.lock().expect("url") })
        }
        "chat.update" => json!({ "ok": true, "channel": body["channel"], "ts": body["ts"] }),
        // One member the directory does not map, whose Slack email is Gus Usman's.
        "users.info" if body["user"] == "U0UNMAPPED" => {
            json!({ "ok": true, "user": { "id": "U0UNMAPPED",
                "profile": { "email": "gus.usman@harborridge.example" } } })
        }
        "users.info" => json!({ "ok": false, "error": "user_not_found" }),
        "chat.postEphemeral" => json!({ "ok": true, "message_ts": ts }),
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
    };
    Json(answer).into_response()
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
