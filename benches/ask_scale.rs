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
use keel::domain::plan::Plan;
use keel::service::Keel;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Morgan Hale, who may see everything.
const CEO: &str = "S001";

/// One question per kind of plan, worded as people ask: (kind, asker, question). The CEO asks
/// all but one; what waits for a decision is asked by a director who has some waiting.
const QUESTIONS: [(&str, &str, &str); 18] = [
    (
        "sum, one vendor, one month",
        CEO,
        "How much did Apex Concrete invoice us in March?",
    ),
    (
        "count by status",
        CEO,
        "how many overdue invoices are there?",
    ),
    (
        "top group in a window",
        CEO,
        "Which vendor did we spend the most with last quarter?",
    ),
    (
        "count per month",
        CEO,
        "how many invoices per month this year",
    ),
    (
        "largest in a window",
        CEO,
        "what was the largest invoice this year?",
    ),
    (
        "average per group, all",
        CEO,
        "average invoice amount per vendor",
    ),
    ("median, all", CEO, "median invoice amount"),
    (
        "list, vendor and threshold",
        CEO,
        "invoices from Apex Concrete over 200k",
    ),
    (
        "sum, last 90 days",
        CEO,
        "how much were we invoiced in the last 90 days?",
    ),
    (
        "top group, last 90 days",
        CEO,
        "Which vendor did we spend the most with in the last 90 days?",
    ),
    (
        "median per group, all",
        CEO,
        "median invoice amount per vendor",
    ),
    (
        "insight: budget burn",
        CEO,
        "which projects are likely to go over budget?",
    ),
    (
        "insight: vendor reliability",
        CEO,
        "which vendors keep missing delivery dates?",
    ),
    (
        "insight: client engagement",
        CEO,
        "which clients are going quiet?",
    ),
    (
        "insight: approval latency",
        CEO,
        "who are the slowest approvers?",
    ),
    ("insight: capacity", CEO, "who is overloaded?"),
    ("insight: anomalies", CEO, "any unusual requests?"),
    (
        "insight: my approvals",
        "S004",
        "what is waiting for my approval?",
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
    // The demo company without its invoices, which are generated apart.
    let company = scratch.path().join("company");
    std::fs::create_dir(&company)?;
    for entry in std::fs::read_dir(config_dir().join("demo-data"))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default();
        if path.extension().is_some_and(|e| e == "csv") && name != "invoices.csv" {
            std::fs::copy(&path, company.join(name))?;
        }
    }
    let file = scratch.path().join("invoices.csv");
    keel::sync::scale::write_invoices(&company.join("purchase_orders.csv"), invoices, &file)?;
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
        // The demo company and its history of requests, then the generated invoices.
        keel.import_all(&company).await?;
        let started = Instant::now();
        keel.import_file("invoice", &file).await?;
        println!(
            "[{label}] imported {invoices} invoices in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        for (kind, asker, question) in QUESTIONS {
            // A question keel did not understand is an error; one it took for a query that
            // matches nothing (no rows, or one row of 0) would be timed answering nothing. An
            // insight may find nothing to report (the demo's history has no unusual requests).
            let answer = keel.ask(asker, question).await?;
            let nothing = |row: &Vec<serde_json::Value>| {
                row.last()
                    .is_none_or(|v| v.is_null() || v.as_f64() == Some(0.0))
            };
            let matched = match answer.rows.as_slice() {
                [] => false,
                [row] => !nothing(row),
                _ => true,
            };
            anyhow::ensure!(
                matched || matches!(answer.plan, Some(Plan::Insight { .. })),
                "[{label}] {kind}: no table for {question:?}: {}",
                answer.answer
            );
            let mut times = Vec::with_capacity(repeat);
            for _ in 0..repeat {
                let started = Instant::now();
                keel.ask(asker, question).await?;
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
