//! `keel serve` started by a load bench: stopped when dropped, its settings from the
//! environment, and a wait until it answers.

use std::process::Child;
use std::time::{Duration, Instant};

/// The running binary, killed when the bench ends.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A whole-number setting of the bench from the environment.
pub fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A client with room for many connections, once `base` answers its health check (within
/// 30 seconds).
pub async fn ready_client(base: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        anyhow::ensure!(Instant::now() < deadline, "keel serve did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(client)
}
