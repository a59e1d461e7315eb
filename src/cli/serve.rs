//! `keel serve`: the HTTP API, the scheduler loop and outbox delivery, until Ctrl-C or SIGTERM.

use super::{Outcome, load_config};
use crate::clock::Clock;
use crate::service::{Keel, Sink};
use anyhow::Context as _;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::watch;

pub async fn serve(dir: &Path) -> Outcome {
    let config = load_config(dir)?;
    let keel = Keel::open(config, Clock::System).await?;
    let bind = keel.config.settings.server.bind.clone();
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .with_context(|| format!("listening on {bind} (set server.bind or KEEL_SERVER_BIND)"))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheduler = tokio::spawn(run_scheduler(keel.clone(), stop_rx.clone()));
    tracing::info!(%address, "keel is serving");
    println!("keel listening on http://{address}");
    let mut stop = stop_rx;
    axum::serve(listener, crate::http::router(keel))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop_tx.send(true);
            let _ = stop.changed().await;
        })
        .await
        .context("serving HTTP")?;
    let _ = scheduler.await;
    tracing::info!("keel stopped");
    Ok(ExitCode::SUCCESS)
}

/// Fires due timers and delivers the outbox every `scheduler.tick_seconds`.
async fn run_scheduler(keel: Keel, mut stop: watch::Receiver<bool>) {
    let period = Duration::from_secs(keel.config.settings.scheduler.tick_seconds.max(1));
    let sink = Sink::Log;
    loop {
        if let Err(error) = keel.tick().await {
            tracing::error!("firing timers failed: {error:#}");
        }
        if let Err(error) = keel.deliver_outbox(&sink).await {
            tracing::error!("delivering notifications failed: {error:#}");
        }
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
