//! `keel serve`: the HTTP API, the console, the scheduler and outbox delivery, until Ctrl-C or
//! SIGTERM.

use super::{Outcome, load_config};
use crate::clock::Clock;
use crate::service::Keel;
use std::path::Path;
use std::process::ExitCode;

pub async fn serve(dir: &Path) -> Outcome {
    let config = load_config(dir)?;
    let keel = Keel::open(config, Clock::System).await?;
    let bind = keel.config.settings.server.bind.clone();
    let server = crate::server::start(keel, false, &bind).await?;
    println!("keel listening on http://{}", server.address);
    shutdown_signal().await;
    server.stop().await?;
    Ok(ExitCode::SUCCESS)
}

/// Returns at Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
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
