//! Durable throughput of keel's core on the real store, printed as figures (not asserted):
//!
//! - submit + approve: change orders submitted and approved by concurrent clients, each a
//!   committed transaction with its audit events, outbox entries and timers;
//! - CSV import: a generated invoices file (200,000 rows) imported through `import_file`.
//!
//! `cargo bench --bench throughput` runs on SQLite; set `KEEL_BENCH_POSTGRES_URL` (a server
//! keel may create databases on: each run gets a fresh one, dropped after) to measure PostgreSQL
//! too; `KEEL_BENCH_ONLY=decisions|import` runs one part.

use chrono::{Duration, NaiveDate};
use keel::clock::Clock;
use keel::config;
use keel::engine::lifecycle::Action;
use keel::service::{Keel, NewRequest};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The allocator the `keel` binary uses (src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Concurrent clients (`KEEL_BENCH_CLIENTS` overrides) and the requests decided in all.
const CLIENTS: usize = 32;
const REQUESTS: usize = 4_000;
const INVOICES: usize = 200_000;

#[path = "common/fresh_postgres.rs"]
mod fresh_postgres;

use fresh_postgres::FreshPostgres;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scratch = tempfile::tempdir()?;
    let mut targets = vec![(
        "sqlite",
        format!("sqlite://{}", scratch.path().join("bench.db").display()),
    )];
    let postgres = match std::env::var("KEEL_BENCH_POSTGRES_URL") {
        Ok(admin_url) => Some(FreshPostgres::create(admin_url).await?),
        Err(_) => None,
    };
    if let Some(fresh) = &postgres {
        targets.push(("postgres", fresh.url.clone()));
    }
    for (label, url) in targets {
        let keel = open(&url).await?;
        import_core(&keel).await?;
        let only = std::env::var("KEEL_BENCH_ONLY").unwrap_or_default();
        if only.is_empty() || only == "decisions" {
            decisions(label, &keel).await?;
        }
        if only.is_empty() || only == "import" {
            import_invoices(label, &keel, scratch.path()).await?;
        }
    }
    if let Some(fresh) = postgres {
        fresh.drop_database().await?;
    }
    Ok(())
}

fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

async fn open(url: &str) -> anyhow::Result<Keel> {
    let env = vec![("KEEL_DATABASE_URL".to_string(), url.to_string())];
    let config = config::load_with_env(&config_dir(), &env).map_err(|p| {
        anyhow::anyhow!(
            "config: {}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    Keel::open(config, Clock::System).await
}

async fn import_core(keel: &Keel) -> anyhow::Result<()> {
    let data = config_dir().join("demo-data");
    for (record_type, file) in [
        ("staff", "staff.csv"),
        ("client", "clients.csv"),
        ("vendor", "vendors.csv"),
        ("project", "projects.csv"),
        ("purchase_order", "purchase_orders.csv"),
    ] {
        keel.import_file(record_type, &data.join(file)).await?;
    }
    Ok(())
}

/// Change orders of 3,000–14,000 on the active projects, each approved by its project manager.
async fn decisions(label: &str, keel: &Keel) -> anyhow::Result<()> {
    let projects: Vec<(String, String)> = keel
        .store()
        .list_records("project")
        .await?
        .into_iter()
        .filter(|p| p.fields.get("status").and_then(|s| s.as_str()) == Some("active"))
        .map(|p| {
            let manager = p.fields["manager_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let superintendent = p.fields["superintendent_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (p.key, format!("{manager}|{superintendent}"))
        })
        .collect();
    let clients_count: usize = std::env::var("KEEL_BENCH_CLIENTS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(CLIENTS);
    let per_client = REQUESTS / clients_count.max(1);
    let started = Instant::now();
    let mut clients = Vec::new();
    for client in 0..clients_count {
        let (keel, projects) = (keel.clone(), projects.clone());
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for n in 0..per_client {
                let (project, people) = &projects[(client * per_client + n) % projects.len()];
                let (manager, superintendent) = people.split_once('|').unwrap_or_default();
                let amount = format!("{}.00", 3_000 + (n * 37 % 11_000));
                let begun = Instant::now();
                let request = keel
                    .submit(NewRequest {
                        workflow: "change_order".into(),
                        requester: superintendent.into(),
                        fields: vec![
                            ("project".into(), project.clone().into()),
                            ("amount".into(), amount.into()),
                            ("reason".into(), "Unforeseen site condition".into()),
                        ],
                        idempotency_key: None,
                    })
                    .await?;
                let approver = request
                    .current()
                    .and_then(|s| s.waiting_for().first().map(|p| p.to_string()));
                keel.act(
                    &request.id,
                    &approver.unwrap_or_else(|| manager.to_string()),
                    Action::Approve,
                    None,
                )
                .await?;
                latencies.push(begun.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pairs = latencies.len();
    let percentile = |p: f64| latencies[((pairs as f64 * p) as usize).min(pairs - 1)];
    println!(
        "[{label}] submit+approve, {clients_count} clients: {pairs} requests decided in {:.2}s = {:.0} decisions/s ({:.0} transactions/s); per pair p50 {:?}, p99 {:?}",
        elapsed.as_secs_f64(),
        pairs as f64 / elapsed.as_secs_f64(),
        2.0 * pairs as f64 / elapsed.as_secs_f64(),
        percentile(0.50),
        percentile(0.99),
    );
    Ok(())
}

async fn import_invoices(label: &str, keel: &Keel, scratch: &Path) -> anyhow::Result<()> {
    let file = scratch.join(format!("invoices-{label}.csv"));
    write_invoices(&file, keel).await?;
    let started = Instant::now();
    let report = keel.import_file("invoice", &file).await?;
    let elapsed = started.elapsed();
    println!(
        "[{label}] CSV import: {} invoices in {:.2}s = {:.0} records/s",
        report.inserted,
        elapsed.as_secs_f64(),
        report.inserted as f64 / elapsed.as_secs_f64()
    );
    let started = Instant::now();
    let again = keel.import_file("invoice", &file).await?;
    println!(
        "[{label}] CSV re-import: {} unchanged in {:.2}s = {:.0} records/s",
        again.unchanged,
        started.elapsed().as_secs_f64(),
        again.unchanged as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Invoices against the demo company's purchase orders, with realistic dates and amounts.
async fn write_invoices(path: &Path, keel: &Keel) -> anyhow::Result<()> {
    let orders = keel.store().list_records("purchase_order").await?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "invoice_id,vendor_id,project_id,po_id,amount,issued_date,due_date,paid_date,status"
    )?;
    let start = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    for n in 0..INVOICES {
        let po = &orders[n % orders.len()];
        let text = |f: &str| {
            po.fields
                .get(f)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let issued = start + Duration::days((n % 900) as i64);
        let due = issued + Duration::days(30);
        let (paid, status) = if n % 5 == 0 {
            (String::new(), "open")
        } else {
            ((due - Duration::days(3)).to_string(), "paid")
        };
        writeln!(
            out,
            "INV-{:07},{},{},{},{}.{:02},{issued},{due},{paid},{status}",
            n + 1,
            text("vendor_id"),
            text("project_id"),
            po.key,
            1_000 + n % 90_000,
            n % 100
        )?;
    }
    out.flush()?;
    Ok(())
}
