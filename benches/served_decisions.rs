//! Submit + approve through the REST API of TWO `keel serve` processes on one fresh PostgreSQL
//! database, printed as figures (not asserted): what a scale-out deployment decides per second
//! when its replicas share the audit trail.
//!
//! Needs `KEEL_BENCH_POSTGRES_URL` (a server keel may create databases on; the run's database is
//! dropped after). `KEEL_BENCH_CLIENTS` (default 64) clients, split between the two processes,
//! each submit a change order (`POST /api/v1/requests`) and approve it as the project's manager
//! (`POST /api/v1/requests/{id}/actions`) for `KEEL_LOAD_SECONDS` (default 10). The load
//! generator shares the machine with both processes and the database.

#[path = "common/fresh_postgres.rs"]
mod fresh_postgres;
#[path = "common/served.rs"]
mod served;

use fresh_postgres::FreshPostgres;
use serde_json::json;
use served::{Server, ready_client, setting};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The bootstrap bearer token both processes accept (`KEEL_API_TOKEN`, 32+ characters).
const TOKEN: &str = "bench-token-0123456789abcdef0123456789";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url = std::env::var("KEEL_BENCH_POSTGRES_URL")
        .map_err(|_| anyhow::anyhow!("set KEEL_BENCH_POSTGRES_URL to a PostgreSQL server"))?;
    let clients = setting("KEEL_BENCH_CLIENTS", 64) as usize;
    let seconds = setting("KEEL_LOAD_SECONDS", 10);
    let fresh = FreshPostgres::create(admin_url).await?;
    let outcome = run(&fresh.url, clients, Duration::from_secs(seconds)).await;
    fresh.drop_database().await?;
    outcome
}

fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// `keel` with the bench's database and token.
fn keel(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keel"));
    command
        .arg("--config")
        .arg(config_dir())
        .env("KEEL_DATABASE_URL", url)
        .env("KEEL_API_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null());
    command
}

async fn run(url: &str, clients: usize, load: Duration) -> anyhow::Result<()> {
    let imported = keel(url).arg("import-all").status()?;
    anyhow::ensure!(imported.success(), "keel import-all failed");
    let mut servers = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = keel(url)
            .arg("serve")
            .env("KEEL_SERVER_BIND", format!("127.0.0.1:{port}"))
            .spawn()?;
        servers.push(Server(child));
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    let http = ready_client(&bases[0]).await?;
    ready_client(&bases[1]).await?;
    let projects = active_projects()?;
    println!(
        "machine: {} cores; two keel serve on one PostgreSQL database; {clients} clients in this process",
        std::thread::available_parallelism()?.get()
    );
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (http, base) = (http.clone(), bases[client % 2].clone());
        let projects = projects.clone();
        tasks.push(tokio::spawn(async move {
            decide_until(&http, &base, &projects, client, started + load).await
        }));
    }
    let (mut latencies, mut failed) = (Vec::new(), 0);
    for task in tasks {
        let (done, failures) = task.await??;
        latencies.extend(done);
        failed += failures;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pairs = latencies.len().max(1);
    let at = |q: f64| latencies[((pairs as f64 * q) as usize).min(pairs - 1)];
    println!(
        "[postgres, 2 processes] submit+approve over REST: {} requests decided in {:.2}s = {:.0} decisions/s ({failed} failed); per pair p50 {:?}, p99 {:?}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.99),
    );
    drop(servers);
    Ok(())
}

/// One client's loop: a change order submitted and approved, again and again until `until`.
/// Returns each pair's latency and how many pairs failed.
async fn decide_until(
    http: &reqwest::Client,
    base: &str,
    projects: &[Project],
    client: usize,
    until: Instant,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let (mut latencies, mut failed) = (Vec::new(), 0);
    let mut n = 0;
    while Instant::now() < until {
        let project = &projects[(client * 7 + n) % projects.len()];
        let amount = format!("{}.00", 3_000 + (n * 37 % 11_000));
        n += 1;
        let begun = Instant::now();
        match decide(http, base, project, &amount).await {
            Ok(()) => latencies.push(begun.elapsed()),
            Err(error) => {
                failed += 1;
                if failed <= 3 {
                    eprintln!("a pair failed: {error:#}");
                }
            }
        }
    }
    Ok((latencies, failed))
}

async fn decide(
    http: &reqwest::Client,
    base: &str,
    project: &Project,
    amount: &str,
) -> anyhow::Result<()> {
    let submitted = http
        .post(format!("{base}/api/v1/requests"))
        .bearer_auth(TOKEN)
        .json(&json!({
            "workflow": "change_order",
            "as": project.superintendent,
            "fields": {"project": project.id, "amount": amount, "reason": "Unforeseen site condition"},
        }))
        .send()
        .await?;
    anyhow::ensure!(
        submitted.status().is_success(),
        "submit: {}",
        submitted.status()
    );
    let body: serde_json::Value = submitted.json().await?;
    let id = body["id"].as_str().unwrap_or_default();
    let approved = http
        .post(format!("{base}/api/v1/requests/{id}/actions"))
        .bearer_auth(TOKEN)
        .json(&json!({"as": project.manager, "action": "approve"}))
        .send()
        .await?;
    anyhow::ensure!(
        approved.status().is_success(),
        "approve {id}: {} {}",
        approved.status(),
        approved.text().await.unwrap_or_default()
    );
    Ok(())
}

/// An active project of the demo company: who submits its change orders and who approves them.
#[derive(Clone)]
struct Project {
    id: String,
    manager: String,
    superintendent: String,
}

fn active_projects() -> anyhow::Result<Vec<Project>> {
    let mut reader = csv::Reader::from_path(config_dir().join("demo-data/projects.csv"))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (id, manager, superintendent, status) = (
        column("project_id"),
        column("manager_id"),
        column("superintendent_id"),
        column("status"),
    );
    let mut projects = Vec::new();
    for row in reader.records() {
        let row = row?;
        let field = |at: Option<usize>| at.and_then(|i| row.get(i)).unwrap_or_default();
        if field(status) == "active" {
            projects.push(Project {
                id: field(id).to_string(),
                manager: field(manager).to_string(),
                superintendent: field(superintendent).to_string(),
            });
        }
    }
    anyhow::ensure!(!projects.is_empty(), "no active project in the demo data");
    Ok(projects)
}
