//! Outbound webhook deliveries per second on the real store, printed as figures (not asserted):
//! payloads queued for one target, then posted (signed, each delivery recorded in its own
//! transaction) to a local receiver that answers 204 at once, by one deliverer as `keel serve`
//! runs it. What is measured is keel's side: claiming, signing, posting over loopback HTTP and
//! recording; a real receiver's latency adds to each call, eight calls at a time.
//!
//! `cargo bench --bench webhooks_out` runs on SQLite; `KEEL_BENCH_POSTGRES_URL` adds
//! PostgreSQL (a fresh database, dropped after); `KEEL_BENCH_WEBHOOKS` sets how many (5,000).

use keel::clock::Clock;
use keel::config;
use keel::service::Keel;
use keel::sync::targets::client::TargetClient;
use keel::sync::targets::queue::Queued;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/fresh_postgres.rs"]
mod fresh_postgres;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::var("KEEL_BENCH_WEBHOOKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let scratch = tempfile::tempdir()?;
    let config_dir = scratch.path().join("config");
    copy_config(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("config"),
        &config_dir,
    )?;
    std::fs::create_dir_all(config_dir.join("integrations"))?;
    let integrations = format!(
        "[[target]]\nname = \"accounting\"\nurl = \"{url}\"\nsigning_env = [\"KEEL_BENCH_WHSEC\"]\n"
    );
    std::fs::write(config_dir.join("integrations/bench.toml"), integrations)?;
    let mut targets = vec![(
        "sqlite",
        format!("sqlite://{}", scratch.path().join("bench.db").display()),
    )];
    let postgres = match std::env::var("KEEL_BENCH_POSTGRES_URL") {
        Ok(admin_url) => Some(fresh_postgres::FreshPostgres::create(admin_url).await?),
        Err(_) => None,
    };
    if let Some(fresh) = &postgres {
        targets.push(("postgres", fresh.url.clone()));
    }
    for (label, db_url) in targets {
        let env = vec![
            ("KEEL_DATABASE_URL".to_string(), db_url),
            ("KEEL_BENCH_WHSEC".to_string(), SECRET.to_string()),
        ];
        let config = config::load_with_env(&config_dir, &env)
            .map_err(|p| anyhow::anyhow!("config: {p:?}"))?;
        let keel = Keel::open(config, Clock::System).await?;
        let queued: Vec<Queued> = (0..count)
            .map(|n| Queued {
                target: "accounting".into(),
                rule: "bench".into(),
                event_type: "request.decided",
                subject: format!("PO-{n}"),
                body: format!(
                    r#"{{"type":"request.decided","data":{{"po":"PO-{n}","amount":"1250.50"}}}}"#
                ),
            })
            .collect();
        let mut tx = keel.store().begin().await?;
        tx.queue_webhooks(&queued, chrono::Utc::now()).await?;
        tx.commit().await?;
        let client = TargetClient::new(&keel.config.outbound.targets["accounting"])?;
        let before = received.load(Ordering::Relaxed);
        let started = Instant::now();
        let delivered = keel.deliver_webhooks(&client).await?;
        let seconds = started.elapsed().as_secs_f64();
        let arrived = received.load(Ordering::Relaxed) - before;
        println!(
            "{label:<8} outbound webhooks: {delivered} delivered ({arrived} received) in {seconds:.2} s = {:.0}/s",
            delivered as f64 / seconds
        );
    }
    if let Some(fresh) = postgres {
        fresh.drop_database().await?;
    }
    Ok(())
}

fn copy_config(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_config(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
