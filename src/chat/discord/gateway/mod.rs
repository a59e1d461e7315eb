//! The gateway (`discord.mode = "gateway"`, the default): keel opens a WebSocket to Discord with
//! the bot token, so no public URL or public key is needed and it works behind a firewall.
//! Discord sends HELLO with the heartbeat interval; keel heartbeats (the first after a random
//! part of the interval, so that many clients reconnecting at once do not beat together),
//! IDENTIFYs (intents 0: interactions come to every app whatever its intents, and keel wants
//! nothing else), and keeps READY's session id and resume URL. An `INTERACTION_CREATE` is
//! answered as the HTTP endpoint answers it ([`within_deadline`]), the answer sent by
//! `POST /interactions/{id}/{token}/callback` instead of as an HTTP response (tried again on a
//! passing failure while Discord's three seconds last).
//!
//! Nothing lost: a connection that ends (Discord's RECONNECT, a close that allows it, a
//! heartbeat Discord did not acknowledge, a broken socket) is opened again at the resume URL
//! with RESUME and the last sequence number, and Discord replays what was sent meanwhile; an
//! INVALID SESSION that cannot be resumed IDENTIFYs anew. Nothing doubled: an interaction is
//! answered only the first time keel sees its id (the events-seen table), so a replay of one
//! already answered changes nothing. Failures to connect wait longer each time (up to a
//! minute); a close that says the token or intents are refused stops the gateway with an error
//! in the log, since reconnecting cannot mend it. Shutdown closes the socket with 1000.

mod protocol;

use super::handle::{Response, within_deadline};
use super::payload::{DiscordInteraction, PING};
use super::{DISCORD, Discord};
use crate::chat::reconnect::{Backoff, stopped};
use anyhow::{Context as _, anyhow};
use futures_util::{SinkExt as _, StreamExt as _};
use protocol::{
    DISPATCH, Ended, HEARTBEAT, HEARTBEAT_ACK, HELLO, INVALID_SESSION, KEEP_SESSION, RECONNECT,
    RESUME, Session, after_close, identify, jitter, with_query,
};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The longest pause after failed connections.
const MAX_PAUSE: Duration = Duration::from_secs(60);

/// The longest keel waits for the socket to open and for HELLO.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long Discord waits for an interaction's first answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// Keeps the gateway connection open until `stop`.
pub fn start(discord: Arc<Discord>, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(run(discord, stop))
}

async fn run(discord: Arc<Discord>, mut stop: watch::Receiver<bool>) {
    let mut gateway: Option<String> = None;
    let mut session = Session::default();
    let mut backoff = Backoff::up_to(MAX_PAUSE);
    while !*stop.borrow() {
        let url = match (&session.id, &session.resume_url, &gateway) {
            (Some(_), Some(resume), _) => resume.clone(),
            (_, _, Some(url)) => url.clone(),
            _ => {
                // Cached for every later IDENTIFY, as Discord asks.
                let asked = tokio::select! {
                    asked = discord.api.gateway_url() => asked,
                    _ = stopped(&mut stop) => return,
                };
                match asked {
                    Ok(url) => gateway.insert(url).clone(),
                    Err(failure) => {
                        let pause = backoff.pause();
                        tracing::warn!("Discord gateway: {failure}; trying again in {pause:?}");
                        if !backoff.wait(&mut stop).await {
                            return;
                        }
                        continue;
                    }
                }
            }
        };
        let mut ready = false;
        let ended = connect_once(&discord, &url, &mut session, &mut ready, &mut stop).await;
        match ended {
            Ok(Ended::Stopped) => return,
            Ok(Ended::Refused(why)) => {
                tracing::error!(
                    "Discord refused keel's gateway connection: {why}; Discord stays off until keel restarts"
                );
                return;
            }
            Ok(Ended::Resume) => tracing::info!("Discord gateway: reconnecting to resume"),
            Ok(Ended::Identify) => {
                tracing::info!("Discord gateway: the session cannot be resumed; identifying anew");
                session = Session::default();
            }
            Err(error) => {
                tracing::warn!("Discord gateway: {error:#}");
                if !ready {
                    // The resume URL may be what fails: RESUME at the cached URL next time.
                    session.resume_url = None;
                }
            }
        }
        if ready {
            backoff.reset();
        } else if !backoff.wait(&mut stop).await {
            return;
        }
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Sends a close frame within a second, or not at all: the connection is ending anyway.
async fn close(writer: &mut futures_util::stream::SplitSink<Socket, Message>, code: u16) {
    let code = CloseCode::from(code);
    let frame = Message::Close(Some(CloseFrame {
        code,
        reason: "".into(),
    }));
    let _ = tokio::time::timeout(Duration::from_secs(1), writer.send(frame)).await;
}

async fn connect_once(
    discord: &Arc<Discord>,
    url: &str,
    session: &mut Session,
    ready: &mut bool,
    stop: &mut watch::Receiver<bool>,
) -> anyhow::Result<Ended> {
    let opened = tokio::select! {
        opened = tokio::time::timeout(OPEN_TIMEOUT, tokio_tungstenite::connect_async(with_query(url))) => opened,
        _ = stopped(stop) => return Ok(Ended::Stopped),
    };
    let (socket, _): (Socket, _) = opened
        .map_err(|_| anyhow!("the gateway did not open within {OPEN_TIMEOUT:?}"))?
        .context("connecting to Discord's gateway")?;
    let (mut writer, mut reader) = socket.split();
    let hello = tokio::select! {
        hello = tokio::time::timeout(OPEN_TIMEOUT, reader.next()) => hello,
        _ = stopped(stop) => return Ok(Ended::Stopped),
    };
    let hello = match hello {
        Ok(Some(Ok(Message::Text(text)))) => serde_json::from_str::<Value>(&text)?,
        Ok(Some(Ok(Message::Close(frame)))) => {
            return Ok(after_close(frame.map(|f| f.code.into())));
        }
        Err(_) => return Err(anyhow!("no HELLO within {OPEN_TIMEOUT:?}")),
        other => return Err(anyhow!("the gateway opened with {other:?}, not HELLO")),
    };
    let interval = match (
        hello["op"].as_u64(),
        hello["d"]["heartbeat_interval"].as_u64(),
    ) {
        (Some(HELLO), Some(ms)) => Duration::from_millis(ms.max(1)),
        _ => return Err(anyhow!("the gateway opened with {hello}, not HELLO")),
    };
    let token = discord.api.token().expose_secret().to_string();
    let greeting = match &session.id {
        Some(id) => {
            json!({ "op": RESUME, "d": { "token": token, "session_id": id, "seq": session.seq } })
        }
        None => identify(&token),
    };
    writer
        .send(Message::text(greeting.to_string()))
        .await
        .context("identifying")?;
    let mut next_beat = Instant::now() + interval.mul_f64(jitter());
    let mut acked = true;
    loop {
        let beat =
            |seq: Option<u64>| Message::text(json!({ "op": HEARTBEAT, "d": seq }).to_string());
        let read = tokio::select! {
            _ = stopped(stop) => {
                close(&mut writer, 1000).await;
                return Ok(Ended::Stopped);
            }
            _ = tokio::time::sleep_until(next_beat) => {
                if !acked {
                    // A zombied connection: Discord did not acknowledge the last heartbeat.
                    close(&mut writer, KEEP_SESSION).await;
                    tracing::warn!("Discord did not acknowledge a heartbeat");
                    return Ok(Ended::Resume);
                }
                writer.send(beat(session.seq)).await.context("sending a heartbeat")?;
                acked = false;
                next_beat += interval;
                continue;
            }
            read = reader.next() => read,
        };
        let text = match read {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                return Ok(after_close(frame.map(|f| f.code.into())));
            }
            Some(Ok(Message::Ping(data))) => {
                writer
                    .send(Message::Pong(data))
                    .await
                    .context("answering a ping")?;
                continue;
            }
            Some(Ok(_)) => continue,
            None => return Ok(Ended::Resume),
            Some(Err(error)) => return Err(error).context("reading from Discord's gateway"),
        };
        let Ok(mut payload) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!("Discord's gateway sent a frame that is not JSON");
            continue;
        };
        if let Some(seq) = payload["s"].as_u64() {
            session.seq = Some(session.seq.map_or(seq, |last| last.max(seq)));
        }
        match payload["op"].as_u64() {
            Some(DISPATCH) => match payload["t"].as_str() {
                Some("READY") => {
                    let d = &payload["d"];
                    session.id = d["session_id"].as_str().map(str::to_string);
                    session.resume_url = d["resume_gateway_url"].as_str().map(str::to_string);
                    *ready = true;
                    tracing::info!("Discord gateway ready");
                }
                Some("RESUMED") => {
                    *ready = true;
                    tracing::info!("Discord gateway resumed");
                }
                Some("INTERACTION_CREATE") => {
                    tokio::spawn(answer(discord.clone(), payload["d"].take()));
                }
                _ => {}
            },
            Some(HEARTBEAT) => {
                writer
                    .send(beat(session.seq))
                    .await
                    .context("sending a heartbeat")?;
            }
            Some(HEARTBEAT_ACK) => acked = true,
            Some(RECONNECT) => {
                close(&mut writer, KEEP_SESSION).await;
                return Ok(Ended::Resume);
            }
            Some(INVALID_SESSION) => {
                close(&mut writer, KEEP_SESSION).await;
                return Ok(if payload["d"] == true {
                    Ended::Resume
                } else {
                    Ended::Identify
                });
            }
            _ => {}
        }
    }
}

/// Answers one interaction from the gateway, once however often Discord sends it.
async fn answer(discord: Arc<Discord>, data: Value) {
    let payload: DiscordInteraction = match serde_json::from_value(data) {
        Ok(payload) => payload,
        Err(error) => {
            tracing::warn!("an interaction keel cannot read: {error}");
            return;
        }
    };
    match discord
        .keel
        .first_sight_of_event(DISCORD, &payload.id)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!(
                id = payload.id,
                "an interaction delivered again is answered once"
            );
            return;
        }
        Err(error) => {
            crate::log_limit::error("recording a Discord interaction failed", &error);
            return;
        }
    }
    let received = Instant::now();
    let response = if payload.kind == PING {
        Response::Pong
    } else {
        within_deadline(discord.clone(), payload.clone()).await
    };
    let response = response.to_json();
    loop {
        let sent = discord
            .api
            .callback(&payload.id, &payload.token, &response)
            .await;
        let Err(failure) = sent else { return };
        // Tried again while Discord's three seconds allow (a 429, a 5xx, a lost answer).
        let wait = failure.retry_after.unwrap_or(Duration::from_millis(200));
        if failure.permanent || received.elapsed() + wait > ANSWER_WITHIN {
            tracing::warn!("an answer to a Discord interaction was not delivered: {failure}");
            return;
        }
        tokio::time::sleep(wait).await;
    }
}
