//! The gateway half of the Discord stand-in: a WebSocket (`/gateway`, and `/resume` as READY's
//! `resume_gateway_url`) that speaks as Discord's does. It sends HELLO, checks IDENTIFY (the bot
//! token, intents given) or RESUME (the session's id), answers READY or replays what was
//! dispatched after the resumed sequence number then RESUMED, acknowledges heartbeats, and
//! dispatches `INTERACTION_CREATE`s with growing sequence numbers. Told to, it asks keel to
//! reconnect (op 7), drops the connection without a word, stops acknowledging heartbeats, or
//! refuses the next RESUME (op 9):
//! what is dispatched while keel is away waits for keel's RESUME, as Discord's replay does.

use super::discord::BOT_TOKEN;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// The heartbeat interval the stand-in asks for (ms).
pub const HEARTBEAT_MS: u64 = 1_000;

enum Command {
    Send(Value),
    /// Op 7: keel should close and resume.
    Reconnect,
    /// Gone without a close frame.
    Drop,
}

#[derive(Default)]
pub struct GatewayLog {
    /// Every dispatch of the current session, for replay on RESUME.
    events: Vec<Value>,
    seq: u64,
    sessions: u64,
    session_id: String,
    current: Option<mpsc::UnboundedSender<Command>>,
    /// Refuse the next RESUME with op 9 (not resumable).
    refuse_resume: bool,
    /// Heartbeats go unacknowledged (a zombied connection).
    silent: bool,
    pub identifies: Vec<Value>,
    /// `(path, seq)` of every RESUME.
    pub resumes: Vec<(String, Option<u64>)>,
    pub heartbeats: usize,
}

#[derive(Clone, Default)]
pub struct Gateway(pub Arc<Mutex<GatewayLog>>);

impl Gateway {
    pub fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/gateway", get(upgrade))
            .route("/resume", get(upgrade))
            .with_state(self.clone())
    }

    fn log(&self) -> std::sync::MutexGuard<'_, GatewayLog> {
        self.0.lock().expect("gateway log")
    }

    /// Dispatches an interaction: at once when keel is connected, else on its RESUME.
    pub fn dispatch(&self, interaction: Value) {
        let mut log = self.log();
        let event = push(&mut log, "INTERACTION_CREATE", interaction);
        if let Some(current) = &log.current {
            let _ = current.send(Command::Send(event));
        }
    }

    /// Sends op 7 (RECONNECT); until keel is back, dispatches wait.
    pub fn ask_to_reconnect(&self) {
        if let Some(current) = self.log().current.take() {
            let _ = current.send(Command::Reconnect);
        }
    }

    /// Drops the connection without a close frame.
    pub fn drop_connection(&self) {
        if let Some(current) = self.log().current.take() {
            let _ = current.send(Command::Drop);
        }
    }

    /// Heartbeats go unacknowledged (`true`) or are acknowledged again.
    pub fn set_silent(&self, silent: bool) {
        self.log().silent = silent;
    }

    /// The next RESUME is answered with op 9, `d: false`.
    pub fn refuse_next_resume(&self) {
        self.log().refuse_resume = true;
    }

    pub fn connected(&self) -> bool {
        self.log().current.is_some()
    }

    pub fn identifies(&self) -> usize {
        self.log().identifies.len()
    }

    pub fn resumes(&self) -> Vec<(String, Option<u64>)> {
        self.log().resumes.clone()
    }
}

fn push(log: &mut GatewayLog, kind: &str, d: Value) -> Value {
    log.seq += 1;
    let event = json!({ "op": 0, "s": log.seq, "t": kind, "d": d });
    log.events.push(event.clone());
    event
}

async fn upgrade(
    ws: WebSocketUpgrade,
    State(gateway): State<Gateway>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let path = uri.path().to_string();
    ws.on_upgrade(move |socket| serve(socket, gateway, host, path))
}

fn text(value: &Value) -> Message {
    Message::Text(value.to_string().into())
}

async fn next_json(socket: &mut WebSocket) -> Option<Value> {
    loop {
        match socket.recv().await? {
            Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

async fn close(socket: &mut WebSocket, code: u16) {
    let frame = CloseFrame {
        code,
        reason: "".into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn serve(mut socket: WebSocket, gateway: Gateway, host: String, path: String) {
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": HEARTBEAT_MS } });
    if socket.send(text(&hello)).await.is_err() {
        return;
    }
    let (sender, mut commands) = mpsc::unbounded_channel();
    // IDENTIFY or RESUME (a heartbeat may come first).
    loop {
        let Some(first) = next_json(&mut socket).await else {
            return;
        };
        let d = &first["d"];
        let token_ok = d["token"] == BOT_TOKEN;
        match first["op"].as_u64() {
            Some(1) => {
                gateway.log().heartbeats += 1;
                let _ = socket.send(text(&json!({ "op": 11 }))).await;
            }
            Some(2) => {
                if !token_ok || !d["intents"].is_u64() || !d["properties"].is_object() {
                    return close(&mut socket, 4004).await;
                }
                let ready = {
                    let mut log = gateway.log();
                    log.identifies.push(first.clone());
                    log.sessions += 1;
                    log.session_id = format!("session-{}", log.sessions);
                    log.events.clear();
                    let ready = json!({ "v": 10, "user": { "id": "bot", "bot": true }, "guilds": [],
                        "session_id": log.session_id, "resume_gateway_url": format!("ws://{host}/resume"),
                        "application": { "id": super::discord::APPLICATION_ID } });
                    let ready = push(&mut log, "READY", ready);
                    log.current = Some(sender.clone());
                    ready
                };
                let _ = socket.send(text(&ready)).await;
                break;
            }
            Some(6) => {
                let replay = {
                    let mut log = gateway.log();
                    let seq = d["seq"].as_u64();
                    log.resumes.push((path.clone(), seq));
                    let known = token_ok && d["session_id"] == log.session_id.as_str();
                    if !known || std::mem::take(&mut log.refuse_resume) {
                        None
                    } else {
                        let mut replay: Vec<Value> = log
                            .events
                            .iter()
                            .filter(|e| e["s"].as_u64() > seq)
                            .cloned()
                            .collect();
                        replay.push(push(&mut log, "RESUMED", Value::Null));
                        log.current = Some(sender.clone());
                        Some(replay)
                    }
                };
                let Some(replay) = replay else {
                    let _ = socket.send(text(&json!({ "op": 9, "d": false }))).await;
                    let _ = next_json(&mut socket).await;
                    return;
                };
                for event in replay {
                    let _ = socket.send(text(&event)).await;
                }
                break;
            }
            _ => return close(&mut socket, 4003).await,
        }
    }
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Send(event)) => { let _ = socket.send(text(&event)).await; }
                Some(Command::Reconnect) => { let _ = socket.send(text(&json!({ "op": 7, "d": null }))).await; }
                Some(Command::Drop) | None => return,
            },
            frame = next_json(&mut socket) => match frame {
                Some(frame) if frame["op"] == 1 => {
                    let silent = {
                        let mut log = gateway.log();
                        log.heartbeats += 1;
                        log.silent
                    };
                    if !silent {
                        let _ = socket.send(text(&json!({ "op": 11 }))).await;
                    }
                }
                Some(_) => {}
                None => {
                    let mut log = gateway.log();
                    if log.current.as_ref().is_some_and(|c| c.same_channel(&sender)) {
                        log.current = None;
                    }
                    return;
                }
            },
        }
    }
}
