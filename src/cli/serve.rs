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
    let stop = shutdown_signal();
    let server = crate::server::start(keel, false, &bind).await?;
    println!("keel listening on http://{}", server.address);
    stop.await;
    server.stop().await?;
    Ok(ExitCode::SUCCESS)
}

/// Listens for Ctrl-C and SIGTERM from now on, and returns what ends at the first of them.
///
/// Called before keel says where it listens: a Ctrl-C right after that line (a script, a test,
/// an impatient person) then stops keel cleanly instead of killing it, as SIGINT does while no
/// handler is installed.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            let received = |signal: Option<Signal>| async move {
                match signal {
                    Some(mut signal) => _ = signal.recv().await,
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = received(interrupt) => {}
                _ = received(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
