//! Load on `keel serve` through Slack's HTTP endpoints: signed modal submissions that each
//! capture a change order (validated, decided, written with its audit events and the approver's
//! notification, which the outbox then delivers to a Slack stand-in). Figures are printed, never
//! asserted.
//!
//! `cargo bench --bench slack_load` starts the real binary on a fresh SQLite database with the
//! demo company, then:
//! - open loop: requests sent at a fixed rate (`KEEL_LOAD_RATE`, default 500/s) for
//!   `KEEL_LOAD_SECONDS` (default 20); latency counts from when each request was due, so a slow
//!   server cannot hide its queue (no coordinated omission);
//! - closed loop: `KEEL_LOAD_CONCURRENCY` (default 16) connections sending back to back for 10 s.
//!
//! The load generator and the stand-in run in this process, on the same machine as keel.

#[expect(
    dead_code,
    reason = "the bench uses only part of the tests' Slack stand-in"
)]
#[path = "../tests/it/common/slack.rs"]
mod stand_in;

#[path = "../tests/it/common/serve.rs"]
mod serve;

#[path = "common/open_loop.rs"]
mod open_loop;

#[path = "common/served.rs"]
mod served;

use open_loop::{Outcome, open_loop, percentile};
use serde_json::json;
use served::{Server, ready_client, setting};
use stand_in::{BOT_TOKEN, SIGNING_SECRET, SlackStandIn, signed_headers};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rate = setting("KEEL_LOAD_RATE", 500);
    let seconds = setting("KEEL_LOAD_SECONDS", 20);
    let concurrency = setting("KEEL_LOAD_CONCURRENCY", 16) as usize;
    let stand_in = SlackStandIn::start().await;
    let scratch = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let env = [
        (
            "KEEL_DATABASE_URL",
            format!("sqlite://{}", scratch.path().join("load.db").display()),
        ),
        ("KEEL_SERVER_BIND", format!("127.0.0.1:{port}")),
        ("KEEL_SLACK_ENABLED", "true".into()),
        ("KEEL_SLACK_MODE", "http".into()),
        ("KEEL_SLACK_API_URL", stand_in.api_url.clone()),
        ("KEEL_SLACK_BOT_TOKEN", BOT_TOKEN.into()),
        ("KEEL_SLACK_SIGNING_SECRET", SIGNING_SECRET.into()),
        ("RUST_LOG", "warn".into()),
    ];
    let keel = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_keel"));
        command
            .arg("--config")
            .arg(&config)
            .args(args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        command
    };
    let imported = keel(&["import-all"]).stdout(Stdio::null()).status()?;
    anyhow::ensure!(imported.success(), "importing the demo company failed");
    let _server = Server(keel(&["serve"]).stdout(Stdio::null()).spawn()?);
    let base = format!("http://127.0.0.1:{port}");
    let client = ready_client(&base).await?;
    println!(
        "machine: {} cores; keel serve (release) on SQLite; generator and Slack stand-in in this process",
        std::thread::available_parallelism()?.get()
    );

    let total = (rate * seconds) as usize;
    let open = open_loop(&client, &base, rate, total, |client, base, n| async move {
        send(&client, &base, n).await
    })
    .await;
    if std::env::var_os("KEEL_LOAD_TIMELINE").is_some() {
        timeline(&open, rate);
    }
    report(
        &format!("open loop at {rate}/s for {seconds} s"),
        &open,
        seconds as f64,
    );
    let (posted, lag) = drained(&stand_in).await;
    println!(
        "  delivery: {posted} messages posted to the stand-in; the last {:.2} s after the last capture",
        lag.as_secs_f64()
    );
    let started = Instant::now();
    let closed = closed_loop(&client, &base, concurrency, Duration::from_secs(10), total).await;
    report(
        &format!("closed loop, {concurrency} connections"),
        &closed,
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// Waits until the outbox stops posting (nothing new for a second): how many messages were
/// posted in all, and how long after the call the last one arrived (how far delivery lagged
/// behind capture).
async fn drained(stand_in: &SlackStandIn) -> (usize, Duration) {
    let start = Instant::now();
    let mut seen = stand_in.accepted("chat.postMessage");
    let mut last_change = start;
    while last_change.elapsed() < Duration::from_secs(1) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = stand_in.accepted("chat.postMessage");
        if now != seen {
            seen = now;
            last_change = Instant::now();
        }
    }
    (seen, last_change - start)
}

/// Latencies of the requests that got 200, and how many did not.
/// A signed modal submission capturing one change order; `n` makes each one a new request.
fn submission(n: usize) -> (String, Vec<(&'static str, String)>) {
    let values = json!({
        "project": { "value": { "type": "external_select", "selected_option": { "value": "P001" } } },
        "amount": { "value": { "type": "number_input", "value": format!("{}", 3_000 + n % 9_000) } },
        "reason": { "value": { "type": "plain_text_input", "value": format!("Load test {n}") } },
    });
    let payload = json!({
        "type": "view_submission", "user": { "id": "UD0E08E68" },
        "view": { "callback_id": "submit:change_order", "private_metadata": format!("load-{n}"),
            "blocks": [{ "block_id": "project" }], "state": { "values": values } },
    });
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form");
    let headers = signed_headers(
        body.as_bytes(),
        chrono::Utc::now().timestamp(),
        SIGNING_SECRET,
    );
    (body, headers)
}

async fn send(client: &reqwest::Client, base: &str, n: usize) -> bool {
    let (body, headers) = submission(n);
    let mut request = client
        .post(format!("{base}/slack/interactions"))
        .header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    // Captured means the modal closes: 200 with an empty body (errors would come back as JSON).
    match request.body(body).send().await {
        Ok(response) if response.status().is_success() => {
            response.bytes().await.is_ok_and(|body| body.is_empty())
        }
        _ => false,
    }
}

/// Per second of the open loop: requests over 20 ms and the slowest, to tell a steady tail
/// from stalls.
fn timeline(outcome: &Outcome, rate: u64) {
    for (second, chunk) in outcome.in_order.chunks(rate as usize).enumerate() {
        let slow = chunk.iter().filter(|d| d.as_millis() >= 20).count();
        let max = chunk.iter().max().copied().unwrap_or_default();
        println!(
            "  second {second:>3}: {slow:>4} over 20 ms, max {:.1} ms",
            max.as_secs_f64() * 1e3
        );
    }
}

async fn closed_loop(
    client: &reqwest::Client,
    base: &str,
    connections: usize,
    length: Duration,
    offset: usize,
) -> Outcome {
    let until = Instant::now() + length;
    let mut tasks = Vec::new();
    for connection in 0..connections {
        let client = client.clone();
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let mut results = Vec::new();
            let mut n = offset + connection * 1_000_000;
            while Instant::now() < until {
                let sent = Instant::now();
                let ok = send(&client, &base, n).await;
                results.push((ok, sent.elapsed()));
                n += 1;
            }
            results
        }));
    }
    let mut outcome = Outcome {
        latencies: Vec::new(),
        failed: 0,
        in_order: Vec::new(),
    };
    for task in tasks {
        for (ok, latency) in task.await.expect("a connection") {
            if ok {
                outcome.latencies.push(latency)
            } else {
                outcome.failed += 1
            }
        }
    }
    outcome
}

fn report(what: &str, outcome: &Outcome, seconds: f64) {
    let mut latencies = outcome.latencies.clone();
    latencies.sort();
    let at = |q: f64| percentile(&latencies, q);
    println!(
        "{what}: {} captured ({:.0}/s), {} failed; latency p50 {}, p90 {}, p99 {}, max {}",
        latencies.len(),
        latencies.len() as f64 / seconds,
        outcome.failed,
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0),
    );
}
