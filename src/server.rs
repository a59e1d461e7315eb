//! keel running as a service: the HTTP routes (REST API, console), the scheduler that fires
//! timers, and the deliverer that empties the outbox into the console (or the log), until told
//! to stop. `keel serve`, `keel demo` and the integration tests all start it the same way.

use crate::chat::ChatPort;
use crate::chat::console::{Access, Console};
use crate::chat::slack::Slack;
use crate::service::{Keel, Sink};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A started server.
pub struct Server {
    pub address: SocketAddr,
    pub console: Arc<Console>,
    stop: watch::Sender<bool>,
    http: JoinHandle<anyhow::Result<()>>,
    scheduler: JoinHandle<()>,
    /// The Slack Socket Mode connection, when Slack is on in that mode.
    slack_socket: Option<JoinHandle<()>>,
}

/// Binds `bind` and serves `keel`; `demo` lets anyone use the console by picking a person.
pub async fn start(keel: Keel, demo: bool, bind: &str) -> anyhow::Result<Server> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening on {bind} (set server.bind or KEEL_SERVER_BIND)"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let (stop, stopped) = watch::channel(false);
    let console = Console::new(keel.clone(), demo, stopped.clone());
    let slack = Slack::new(keel.clone())?;
    let sink = sink_for(&console, slack.as_ref());
    let slack_socket = slack
        .as_ref()
        .and_then(|slack| slack.connect(stopped.clone()));
    let scheduler = tokio::spawn(run_scheduler(keel.clone(), sink, stopped.clone()));
    let mut router = crate::http::router(keel, Some(&console), slack.as_ref());
    if demo {
        router = crate::http::local_host::only_local(router, address);
    }
    let mut until = stopped;
    let http = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = until.wait_for(|stop| *stop).await;
            })
            .await
            .context("serving HTTP")
    });
    tracing::info!(%address, "keel is serving");
    Ok(Server {
        address,
        console,
        stop,
        http,
        scheduler,
        slack_socket,
    })
}

impl Server {
    /// Stops taking requests, lets the ones in flight and the scheduler's round finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let served = self.http.await.context("the HTTP server panicked")?;
        self.scheduler.await.context("the scheduler panicked")?;
        if let Some(socket) = self.slack_socket {
            socket.await.context("the Slack connection panicked")?;
        }
        tracing::info!("keel stopped");
        served
    }
}

/// Where notifications go: Slack when it is on, the console when people can sign in to it, else
/// the log.
pub fn sink_for(console: &Arc<Console>, slack: Option<&Arc<Slack>>) -> Sink {
    let mut ports: Vec<Arc<dyn ChatPort>> = Vec::new();
    if let Some(slack) = slack {
        ports.push(slack.clone());
    }
    if console.access() != Access::Closed {
        ports.push(console.clone());
    }
    if ports.is_empty() {
        Sink::Log
    } else {
        Sink::Chat(ports)
    }
}

/// Fires due timers and delivers the outbox every `scheduler.tick_seconds`; delivers the outbox
/// at once when an interaction rings the delivery bell (timers wait for their tick: a bell
/// rung by every submission must not cost a timer transaction each).
async fn run_scheduler(keel: Keel, sink: Sink, mut stop: watch::Receiver<bool>) {
    let period = Duration::from_secs(keel.config.settings.scheduler.tick_seconds.max(1));
    let bell = keel.delivery_bell();
    let mut next_tick = tokio::time::Instant::now() + period;
    let mut timers_due = true;
    loop {
        if timers_due && let Err(error) = keel.tick().await {
            crate::log_limit::error("firing timers failed", &error);
        }
        if let Err(error) = keel.deliver_outbox(&sink).await {
            crate::log_limit::error("delivering notifications failed", &error);
        }
        timers_due = tokio::select! {
            _ = tokio::time::sleep_until(next_tick) => true,
            _ = bell.rung() => false,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        if timers_due {
            next_tick = tokio::time::Instant::now() + period;
        }
    }
}
