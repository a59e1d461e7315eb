//! Plan + execute latency of questions, per kind, on the demo company scaled up to a million
//! invoices (`keel generate-invoices`). Figures are printed, never asserted.
//!
//! `cargo bench --bench ask_scale` runs on SQLite; set `KEEL_BENCH_POSTGRES_URL` (a server
//! where a database may be created) to also run on PostgreSQL. `KEEL_ASK_INVOICES` sets the
//! number of invoices (default 1,000,000) and `KEEL_ASK_REPEAT` how often each question is
//! asked (default 10, after one warm-up).

#[path = "common/fresh_postgres.rs"]
mod fresh_postgres;

use fresh_postgres::FreshPostgres;
use keel::clock::Clock;
use keel::config;
use keel::service::Keel;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One question per kind of plan, worded as people ask.
const QUESTIONS: [(&str, &str); 12] = [
    (
        "sum, one vendor, one month",
        "How much did Apex Concrete invoice us in March?",
    ),
    ("count by status", "how many overdue invoices are there?"),
    (
        "top group in a window",
        "Which vendor did we spend the most with last quarter?",
    ),
    ("count per month", "how many invoices per month this year"),
    (
        "largest in a window",
        "what was the largest invoice this year?",
    ),
    (
        "average per group, all",
        "average invoice amount per vendor",
    ),
    ("median, all", "median invoice amount"),
    (
        "list, vendor and threshold",
        "invoices from Apex Concrete over 200k",
    ),
    (
        "sum, last 90 days",
        "how much were we invoiced in the last 90 days?",
    ),
    (
        "top group, last 90 days",
        "Which vendor did we spend the most with in the last 90 days?",
    ),
    ("median per group, all", "median invoice amount per vendor"),
    (
        "insight: budget burn",
        "which projects are likely to go over budget?",
    ),
];

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let invoices = setting("KEEL_ASK_INVOICES", 1_000_000);
    let repeat = setting("KEEL_ASK_REPEAT", 10).max(1);
    let scratch = tempfile::tempdir()?;
    let file = scratch.path().join("invoices.csv");
    keel::sync::scale::write_invoices(
        &config_dir().join("demo-data/purchase_orders.csv"),
        invoices,
        &file,
    )?;
    let mut targets = vec![(
        "sqlite",
        format!("sqlite://{}", scratch.path().join("ask.db").display()),
    )];
    let postgres = match std::env::var("KEEL_BENCH_POSTGRES_URL") {
        Ok(admin_url) => Some(FreshPostgres::create(admin_url).await?),
        Err(_) => None,
    };
    if let Some(fresh) = &postgres {
        targets.push(("postgres", fresh.url.clone()));
    }
    println!(
        "machine: {} cores; {invoices} invoices; each question asked {repeat} times after a warm-up (offline planner)",
        std::thread::available_parallelism()?.get()
    );
    for (label, url) in targets {
        let keel = open(&url).await?;
        for (record_type, name) in [
            ("staff", "staff.csv"),
            ("client", "clients.csv"),
            ("vendor", "vendors.csv"),
            ("project", "projects.csv"),
            ("purchase_order", "purchase_orders.csv"),
        ] {
            keel.import_file(record_type, &config_dir().join("demo-data").join(name))
                .await?;
        }
        let started = Instant::now();
        keel.import_file("invoice", &file).await?;
        println!(
            "[{label}] imported {invoices} invoices in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        for (kind, question) in QUESTIONS {
            // A question keel did not understand would be timed answering nothing.
            let answer = keel.ask("S001", question).await?;
            anyhow::ensure!(
                !answer.rows.is_empty(),
                "[{label}] {kind}: no table for {question:?}: {}",
                answer.answer
            );
            let mut times = Vec::with_capacity(repeat);
            for _ in 0..repeat {
                let started = Instant::now();
                keel.ask("S001", question).await?;
                times.push(started.elapsed());
            }
            times.sort();
            let at = |q: f64| {
                let rank = ((q * times.len() as f64).ceil() as usize).clamp(1, times.len());
                ms(times[rank - 1])
            };
            println!(
                "[{label}] {kind:<28} p50 {:>8} p95 {:>8}  ({question})",
                at(0.5),
                at(0.95)
            );
            let sentence: String = answer.answer.chars().take(110).collect();
            println!("{:>12}{sentence}", "");
        }
    }
    if let Some(fresh) = postgres {
        fresh.drop_database().await?;
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1_000.0)
}

async fn open(url: &str) -> anyhow::Result<Keel> {
    let env = vec![("KEEL_DATABASE_URL".to_string(), url.to_string())];
    let config = config::load_with_env(&config_dir(), &env)
        .map_err(|p| anyhow::anyhow!("config: {}", p.len()))?;
    Keel::open(config, Clock::System).await
}
