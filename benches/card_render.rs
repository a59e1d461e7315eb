//! How long a change order's card takes to render with its context facts (the project's budget
//! burn, its change orders so far, how similar ones were decided) against the demo company's
//! data on SQLite: what every delivery and every update of a card pays. Issue 19 asks for under
//! 20 ms per card at the demo's size.

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use keel::clock::Clock;
use keel::config;
use keel::domain::Request;
use keel::service::{Keel, NewRequest};
use std::hint::black_box;
use std::path::PathBuf;

fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// keel on a fresh SQLite file with the whole demo company imported (its history included),
/// and one change order on P001 waiting for its project manager.
async fn demo(dir: &std::path::Path) -> anyhow::Result<(Keel, Request)> {
    let url = format!("sqlite://{}", dir.join("cards.db").display());
    let env = vec![("KEEL_DATABASE_URL".to_string(), url)];
    let config = config::load_with_env(&config_dir(), &env)
        .map_err(|p| anyhow::anyhow!("config: {} problems", p.len()))?;
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap();
    let keel = Keel::open(config, Clock::manual(now)).await?;
    keel.import_all(&config_dir().join("demo-data")).await?;
    let fields = [
        ("project", "P001"),
        ("amount", "6400.00"),
        ("reason", "Rock"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
    .collect();
    let request = keel
        .submit(NewRequest {
            workflow: "change_order".into(),
            requester: "S020".into(),
            fields,
            idempotency_key: None,
        })
        .await?;
    Ok((keel, request))
}

fn card_render(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let (keel, request) = runtime
        .block_on(demo(scratch.path()))
        .expect("the demo company opens");
    let approver = runtime
        .block_on(keel.person("S016"))
        .expect("the project manager");
    c.bench_function("change order card with context (SQLite, demo data)", |b| {
        b.to_async(&runtime).iter(|| async {
            let card = keel
                .card_for_reader(black_box(&request), &approver)
                .await
                .expect("the card renders");
            assert_eq!(card.facts.len(), 3, "budget, so far, similar decisions");
            card
        })
    });
}

criterion_group! {
    name = benches;
    // No plots: this machine has no fonts for criterion's plotting backend.
    config = Criterion::default().without_plots();
    targets = card_render
}
criterion_main!(benches);
