//! Socket Mode (`slack.mode = "socket"`, the default): keel opens a WebSocket to Slack with the
//! app-level token, so no public URL is needed and it works behind a firewall. Slack sends each
//! slash command, interaction and event as an envelope; keel answers each with an
//! acknowledgement carrying what an HTTP response would (errors in a modal, options, a private
//! message). Envelopes are handled concurrently; a dropped connection is opened again, with a
//! growing pause while Slack cannot be reached.

use super::Slack;
use super::client::SlackApi;
use super::handle;
use super::payload::{SlackInteraction, SlashCommand};
use crate::chat::reconnect::{Backoff, stopped};
use anyhow::{Context as _, anyhow};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Longest pause between attempts to reach Slack.
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// The longest keel waits for the WebSocket to open.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a connection ended.
enum Ended {
    Stopped,
    /// Slack closed it or asked keel to reconnect (`disconnect`).
    Reconnect,
}

/// Asks Slack for a WebSocket URL and opens it.
async fn open_socket(
    app: &SlackApi,
) -> anyhow::Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
> {
    let opened = app
        .call("apps.connections.open", &json!({}))
        .await
        .map_err(|failure| anyhow!("opening a connection: {failure}"))?;
    let url = opened["url"]
        .as_str()
        .context("apps.connections.open gave no url")?;
    let (socket, _) = tokio::time::timeout(SOCKET_TIMEOUT, tokio_tungstenite::connect_async(url))
        .await
        .map_err(|_| anyhow!("Slack's WebSocket did not open within {SOCKET_TIMEOUT:?}"))?
        .context("connecting to Slack's WebSocket")?;
    Ok(socket)
}

impl Slack {
    /// Keeps a Socket Mode connection open until `stop`.
    pub fn start_socket(
        self: &Arc<Self>,
        app: SlackApi,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let slack = self.clone();
        tokio::spawn(async move { slack.run_socket(app, stop).await })
    }

    async fn run_socket(self: Arc<Self>, app: SlackApi, mut stop: watch::Receiver<bool>) {
        let mut backoff = Backoff::up_to(MAX_PAUSE);
        loop {
            match self.connect_once(&app, &mut stop).await {
                Ok(Ended::Stopped) => return,
                Ok(Ended::Reconnect) => backoff.reset(),
                Err(error) => {
                    let pause = backoff.pause();
                    tracing::warn!("Slack Socket Mode: {error:#}; trying again in {pause:?}");
                    if !backoff.wait(&mut stop).await {
                        return;
                    }
                }
            }
            if *stop.borrow() {
                return;
            }
        }
    }

    async fn connect_once(
        self: &Arc<Self>,
        app: &SlackApi,
        stop: &mut watch::Receiver<bool>,
    ) -> anyhow::Result<Ended> {
        // A Slack slow to open the connection does not hold up shutdown.
        let socket = tokio::select! {
            socket = open_socket(app) => socket?,
            _ = stopped(stop) => return Ok(Ended::Stopped),
        };
        tracing::info!("Slack Socket Mode connected");
        let (mut writer, mut reader) = socket.split();
        let (acks, mut to_send) = mpsc::unbounded_channel::<String>();
        loop {
            tokio::select! {
                _ = stopped(stop) => {
                    let goodbye = writer.send(Message::Close(None));
                    let _ = tokio::time::timeout(Duration::from_secs(1), goodbye).await;
                    return Ok(Ended::Stopped);
                }
                Some(ack) = to_send.recv() => {
                    writer.send(Message::text(ack)).await.context("acknowledging an envelope")?;
                }
                frame = reader.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        let Ok(envelope) = serde_json::from_str::<Value>(&text) else {
                            tracing::warn!("Slack sent a frame that is not JSON");
                            continue;
                        };
                        match envelope["type"].as_str() {
                            Some("hello") => {}
                            Some("disconnect") => return Ok(Ended::Reconnect),
                            _ => {
                                let slack = self.clone();
                                let acks = acks.clone();
                                tokio::spawn(async move {
                                    if let Some(ack) = slack.answer_envelope(&envelope).await {
                                        let _ = acks.send(ack.to_string());
                                    }
                                });
                            }
                        }
                    }
                    Some(Ok(Message::Ping(data))) => {
                        writer.send(Message::Pong(data)).await.context("answering a ping")?;
                    }
                    Some(Ok(Message::Close(_))) | None => return Ok(Ended::Reconnect),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(error).context("reading from Slack's WebSocket"),
                }
            }
        }
    }

    /// Handles one envelope; its acknowledgement (`None` for an envelope without an id).
    async fn answer_envelope(&self, envelope: &Value) -> Option<Value> {
        let id = envelope["envelope_id"].as_str()?;
        let payload = &envelope["payload"];
        let answer = match envelope["type"].as_str() {
            Some("slash_commands") => match SlashCommand::from_json(payload) {
                Ok(command) => handle::command(self, &command).await,
                Err(why) => Some(handle::ephemeral(&why)),
            },
            Some("interactive") => match SlackInteraction::from_json(payload) {
                Ok(interaction) => handle::interaction(self, interaction).await,
                Err(why) => {
                    tracing::warn!("a Slack interaction keel cannot read: {why}");
                    None
                }
            },
            Some("events_api") => handle::event(self, payload).await,
            other => {
                tracing::warn!("a Slack envelope of unknown type {other:?}");
                None
            }
        };
        let accepts_payload = envelope["accepts_response_payload"]
            .as_bool()
            .unwrap_or(false);
        Some(match answer {
            Some(answer) if accepts_payload => json!({ "envelope_id": id, "payload": answer }),
            _ => json!({ "envelope_id": id }),
        })
    }
}
