//! Load on `keel serve`'s `POST /hooks/{source}`: signed Standard Webhooks, each carrying a
//! whole vendor record (no fetch-back: the figure is keel's, not a stand-in's), verified,
//! deduplicated and queued durably before the 200, then mapped and upserted by the applier.
//! Figures are printed, never asserted.
//!
//! `cargo bench --bench hooks_load` starts the real binary on a fresh SQLite database and sends
//! webhooks at a fixed rate (`KEEL_LOAD_RATE`, default 2,000/s) for `KEEL_LOAD_SECONDS`
//! (default 10), latency counted from when each was due (no coordinated omission); then it
//! waits until every one is applied and reports how fast the applier went.

#[expect(dead_code, reason = "the bench signs webhooks only")]
#[path = "../tests/it/common/pm_tool.rs"]
mod pm_tool;

#[path = "../tests/it/common/serve.rs"]
mod serve;

#[path = "common/open_loop.rs"]
mod open_loop;

#[path = "common/served.rs"]
mod served;

use open_loop::{open_loop, percentile};
use serde_json::json;
use served::{Server, ready_client, setting};
use sqlx::Connection as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SOURCE: &str = r#"
[[source]]
name = "bench"
verifier = "standard_webhooks"
keys_from = ["KEEL_BENCH_HOOK_KEY"]
record_type = "vendor"
delivery_id = { header = "webhook-id" }
[source.fields]
vendor_id = "$.data.id"
name = "$.data.name"
category = "$.data.category"
payment_terms_days = "$.data.terms"
preferred = "$.data.preferred"
"#;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rate = setting("KEEL_LOAD_RATE", 2_000);
    let seconds = setting("KEEL_LOAD_SECONDS", 10);
    let scratch = tempfile::tempdir()?;
    let config = scratch.path().join("config");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("config"),
        &config,
    )?;
    std::fs::create_dir_all(config.join("integrations"))?;
    std::fs::write(config.join("integrations/bench.toml"), SOURCE)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("sqlite://{}", scratch.path().join("load.db").display());
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_keel"))
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env("KEEL_DATABASE_URL", &url)
            .env("KEEL_SERVER_BIND", format!("127.0.0.1:{port}"))
            .env("KEEL_BENCH_HOOK_KEY", pm_tool::KEY)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = ready_client(&base).await?;
    println!(
        "machine: {} cores; keel serve on SQLite; generator in this process",
        std::thread::available_parallelism()?.get()
    );

    let total = (rate * seconds) as usize;
    let start = Instant::now();
    let outcome = open_loop(&client, &base, rate, total, |client, base, n| async move {
        send(&client, &base, n).await
    })
    .await;
    let (mut latencies, failed) = (outcome.latencies, outcome.failed);
    latencies.sort();
    let at = |q: f64| percentile(&latencies, q);
    println!(
        "open loop at {rate}/s for {seconds} s: {} acknowledged, {failed} failed; ack p50 {}, p90 {}, p99 {}, max {}",
        latencies.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );

    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&url).await?;
    let applied = "select count(*) from inbound_events where status = 'applied'";
    loop {
        let done: i64 = sqlx::query_scalar(applied).fetch_one(&mut db).await?;
        if done as usize >= latencies.len() {
            break;
        }
        anyhow::ensure!(
            start.elapsed() < Duration::from_secs(600),
            "not applied after 10 minutes ({done})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let vendors: i64 =
        sqlx::query_scalar("select count(*) from records where type = 'vendor' and key like 'BV%'")
            .fetch_one(&mut db)
            .await?;
    println!(
        "applied: {vendors} vendor records upserted, the last {:.2} s after the first webhook ({:.0}/s over the whole run)",
        elapsed,
        vendors as f64 / elapsed
    );
    Ok(())
}

/// Webhook `n`: a new vendor, signed now.
async fn send(client: &reqwest::Client, base: &str, n: usize) -> bool {
    let body = json!({
        "type": "vendor.updated",
        "data": {"id": format!("BV{n}"), "name": format!("Bench vendor {n}"), "category": "steel",
                 "terms": 30, "preferred": n.is_multiple_of(2)},
    })
    .to_string();
    let headers = pm_tool::signed_headers(
        &format!("msg_{n}"),
        chrono::Utc::now().timestamp(),
        &body,
        &[pm_tool::KEY],
    );
    let mut request = client.post(format!("{base}/hooks/bench")).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    matches!(request.send().await, Ok(response) if response.status().is_success())
}

fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            copy(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}
