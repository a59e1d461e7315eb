//! keel running as a service: the HTTP routes (REST API, console), the scheduler that fires
//! timers, and the deliverers that empty the outbox into the chat platforms (or the log), until
//! told to stop. Timers and delivery are separate tasks, and each platform has a deliverer of its
//! own, so a platform that does not answer never holds up a reminder, an expiry or another
//! platform's cards. `keel serve`, `keel demo` and the integration tests all
//! start it the same way.

use crate::chat::ChatPort;
use crate::chat::console::{Access, Console};
use crate::chat::discord::Discord;
use crate::chat::slack::Slack;
use crate::service::outbox_watch::run_outbox_watch;
use crate::service::{Keel, Sink};
use crate::sync::targets::client::TargetClient;
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
    trimmer: JoinHandle<()>,
    /// One per platform delivered on, one per webhook target, and the watch of the outbox that
    /// wakes them for notifications other processes queue.
    deliverers: Vec<JoinHandle<()>>,
    /// The inbound applier and a poller per polled source.
    inbound: Vec<JoinHandle<()>>,
    /// The audit sealer, on PostgreSQL.
    sealer: Option<JoinHandle<()>>,
    /// The Slack Socket Mode connection, when Slack is on in that mode.
    slack_socket: Option<JoinHandle<()>>,
    /// The Discord gateway connection, when Discord is on in that mode.
    discord_gateway: Option<JoinHandle<()>>,
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
    let discord = Discord::new(keel.clone())?;
    let sink = sink_for(&console, slack.as_ref(), discord.as_ref());
    let slack_socket = slack
        .as_ref()
        .and_then(|slack| slack.connect(stopped.clone()));
    let discord_gateway = discord
        .as_ref()
        .and_then(|discord| discord.connect(stopped.clone()));
    let scheduler = tokio::spawn(run_scheduler(keel.clone(), stopped.clone()));
    let trimmer = tokio::spawn(run_memory_trimmer(keel.clone(), stopped.clone()));
    // A deliverer per platform: one that does not answer holds only its own rounds.
    let mut deliverers: Vec<JoinHandle<()>> = sink
        .platforms()
        .into_iter()
        .map(|platform| {
            let run = run_deliverer(keel.clone(), sink.clone(), platform, stopped.clone());
            tokio::spawn(run)
        })
        .collect();
    // Notifications queued by another process (the CLI, another replica) go out at once too.
    let watch = run_outbox_watch(keel.clone(), stopped.clone());
    deliverers.push(tokio::spawn(watch));
    // And one per webhook target, so a target that hangs holds only its own payloads.
    for target in keel.config.outbound.targets.values() {
        let client = TargetClient::new(target)?;
        let run = run_webhook_deliverer(keel.clone(), client, stopped.clone());
        deliverers.push(tokio::spawn(run));
    }
    let inbound = inbound_tasks(&keel, &stopped);
    let sealer = (keel.store().backend == crate::store::Backend::Postgres)
        .then(|| tokio::spawn(run_sealer(keel.clone(), stopped.clone())));
    let mut router = crate::http::router(keel, Some(&console), slack.as_ref(), discord.as_ref());
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
        trimmer,
        deliverers,
        inbound,
        sealer,
        slack_socket,
        discord_gateway,
    })
}

/// The applier of inbound events and a poller per source with `[source.poll]`.
fn inbound_tasks(keel: &Keel, stopped: &watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    use crate::service::inbound_run::{run_applier, run_poller};
    let mut tasks = vec![tokio::spawn(run_applier(keel.clone(), stopped.clone()))];
    for source in keel.config.sources.iter().filter(|s| s.poll.is_some()) {
        let run = run_poller(keel.clone(), source.name.clone(), stopped.clone());
        tasks.push(tokio::spawn(run));
    }
    tasks
}

impl Server {
    /// Stops taking requests, lets the ones in flight and the scheduler's round finish, and
    /// abandons the deliveries in flight: their claims lapse and they are delivered later, so a
    /// platform that does not answer never delays shutdown.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        let served = self.http.await.context("the HTTP server panicked")?;
        self.scheduler.await.context("the scheduler panicked")?;
        self.trimmer.await.context("the memory trimmer panicked")?;
        for deliverer in self.deliverers {
            deliverer.await.context("a deliverer panicked")?;
        }
        for task in self.inbound {
            task.await.context("an inbound task panicked")?;
        }
        if let Some(sealer) = self.sealer {
            sealer.await.context("the audit sealer panicked")?;
        }
        if let Some(socket) = self.slack_socket {
            socket.await.context("the Slack connection panicked")?;
        }
        if let Some(gateway) = self.discord_gateway {
            gateway.await.context("the Discord gateway panicked")?;
        }
        tracing::info!("keel stopped");
        served
    }
}

/// Where notifications go: Slack and Discord when they are on, the console when people can sign
/// in to it, else the log.
pub fn sink_for(
    console: &Arc<Console>,
    slack: Option<&Arc<Slack>>,
    discord: Option<&Arc<Discord>>,
) -> Sink {
    let mut ports: Vec<Arc<dyn ChatPort>> = Vec::new();
    if let Some(slack) = slack {
        ports.push(slack.clone());
    }
    if let Some(discord) = discord {
        ports.push(discord.clone());
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

/// Fires due timers every `scheduler.tick_seconds`, and rings the delivery bell when some fired
/// (their notifications are due at once).
async fn run_scheduler(keel: Keel, mut stop: watch::Receiver<bool>) {
    let period = Duration::from_secs(keel.config.settings.scheduler.tick_seconds.max(1));
    let bell = keel.delivery_bell();
    loop {
        match keel.tick().await {
            Ok(report) if report.fired > 0 => bell.ring(),
            Ok(_) => {}
            Err(error) => {
                crate::log_limit::error("firing timers failed", &error);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

/// How often the memory trimmer looks at how busy the store was.
const TRIM_PERIOD: Duration = Duration::from_secs(10);

/// Store operations in a [`TRIM_PERIOD`] below which keel counts as idle: the scheduler's and
/// deliverers' rounds alone stay far under it.
const IDLE_OPERATIONS: u64 = 200;

/// Gives memory back after a busy spell: once a [`TRIM_PERIOD`] passes with the store nearly
/// idle after more than [`IDLE_OPERATIONS`] operations since the last trim, it empties SQLite's
/// page caches (mimalloc, keel's allocator, returns the freed pages to the operating system on
/// its own). At start-up the first trim follows keel's own opening work.
async fn run_memory_trimmer(keel: Keel, mut stop: watch::Receiver<bool>) {
    let store = keel.store();
    let (mut trimmed_at, mut seen) = (0, store.activity());
    loop {
        tokio::select! {
            _ = tokio::time::sleep(TRIM_PERIOD) => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let now = store.activity();
        let quiet = now - seen < IDLE_OPERATIONS;
        seen = now;
        if quiet && now - trimmed_at >= IDLE_OPERATIONS {
            if let Err(error) = store.release_memory().await {
                crate::log_limit::error("emptying the database caches failed", &error);
            }
            trimmed_at = store.activity();
            seen = trimmed_at;
        }
    }
}

/// Seals the audit events transitions left pending every [`crate::store::SEAL_PERIOD`] (on
/// PostgreSQL; see `store::audit_seal`), leaving a round to another process that is sealing;
/// told to stop, it seals what the last requests wrote and returns.
async fn run_sealer(keel: Keel, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(error) = keel.store().seal_events(false).await {
            crate::log_limit::error("sealing audit events failed", &error);
        }
        tokio::select! {
            _ = tokio::time::sleep(crate::store::SEAL_PERIOD) => {}
            _ = stop.wait_for(|stop| *stop) => break,
        }
    }
    if let Err(error) = keel.seal_audit().await {
        crate::log_limit::error("sealing audit events at shutdown failed", &error);
    }
}

/// Delivers the outbox's rows owed on `platform` every `scheduler.tick_seconds` (retries fall
/// due with time), and at once when the delivery bell rings. Told to stop, it drops the round in
/// flight: a call a platform has not answered is abandoned, and its notification is claimed again
/// once the claim lapses.
async fn run_deliverer(
    keel: Keel,
    sink: Sink,
    platform: &'static str,
    mut stop: watch::Receiver<bool>,
) {
    let period = Duration::from_secs(keel.config.settings.scheduler.tick_seconds.max(1));
    let mut bell = keel.delivery_bell().listen();
    let platforms = [platform];
    loop {
        tokio::select! {
            delivered = keel.deliver_outbox_on(&sink, &platforms) => if let Err(error) = delivered {
                crate::log_limit::error("delivering notifications failed", &error);
            },
            _ = stop.wait_for(|stop| *stop) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = bell.rung() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

/// Posts what is owed to one webhook target every `scheduler.tick_seconds` (retries fall due
/// with time), and at once when the delivery bell rings (a decision or record change may have
/// queued a payload). Told to stop, it drops the round in flight: the claims lapse and the same
/// payloads, with the same `webhook-id`, are posted again later.
async fn run_webhook_deliverer(keel: Keel, client: TargetClient, mut stop: watch::Receiver<bool>) {
    let period = Duration::from_secs(keel.config.settings.scheduler.tick_seconds.max(1));
    let mut bell = keel.delivery_bell().listen();
    loop {
        tokio::select! {
            delivered = keel.deliver_webhooks(&client) => if let Err(error) = delivered {
                crate::log_limit::error("delivering webhooks failed", &error);
            },
            _ = stop.wait_for(|stop| *stop) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = bell.rung() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}
