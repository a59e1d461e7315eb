//! The load benches' open loop: requests sent at a fixed rate, latency counted from when each
//! was due, so a slow server cannot hide its queue (no coordinated omission); and the
//! percentiles they report.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// What a run of requests came to.
pub struct Outcome {
    pub latencies: Vec<Duration>,
    pub failed: usize,
    /// Every request's latency in the order sent (failures as zero).
    pub in_order: Vec<Duration>,
}

/// Sends `total` requests at `rate` per second, request `n` by `send(client, base, n)`, at most
/// 1,024 in flight.
pub async fn open_loop<F, Sent>(
    client: &reqwest::Client,
    base: &str,
    rate: u64,
    total: usize,
    send: F,
) -> Outcome
where
    F: Fn(reqwest::Client, String, usize) -> Sent + Copy + Send + 'static,
    Sent: Future<Output = bool> + Send,
{
    let start = Instant::now();
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let limit = Arc::new(Semaphore::new(1_024));
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        let due = start + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let permit = limit.clone().acquire_owned().await.expect("semaphore");
        let (client, base) = (client.clone(), base.to_string());
        tasks.push(tokio::spawn(async move {
            let ok = send(client, base, n).await;
            drop(permit);
            (ok, due.elapsed())
        }));
    }
    let mut outcome = Outcome {
        latencies: Vec::new(),
        failed: 0,
        in_order: Vec::new(),
    };
    for task in tasks {
        match task.await {
            Ok((true, latency)) => {
                outcome.latencies.push(latency);
                outcome.in_order.push(latency);
            }
            _ => {
                outcome.failed += 1;
                outcome.in_order.push(Duration::ZERO);
            }
        }
    }
    outcome
}

/// The `q` quantile of `sorted` latencies in milliseconds (`-` when there are none).
pub fn percentile(sorted: &[Duration], q: f64) -> String {
    let at = ((q * sorted.len() as f64).ceil() as usize).saturating_sub(1);
    sorted
        .get(at)
        .map_or("-".into(), |d| format!("{:.1} ms", d.as_secs_f64() * 1e3))
}
