//! Operating sync out: a payload out of attempts is dead-lettered and `keel sync retry`
//! delivers it; `keel sync status|failures|enable|retry` show a disabled target and its
//! failures and set them going; `keel serve` answers the record API (409 for a write the owner
//! refuses) and posts decisions by its own deliverer.

use crate::common::accounting::{Accounting, Answer};
use crate::common::app::{TestApp, config_with_env};
use crate::common::cli::{stderr, stdout};
use crate::common::outbound::{ENV, approved_po, client, config_with, one_target, po_rule, target};
use crate::common::{TestDb, test_databases};
use crate::sync_owners::{record_with, vendor_owner};
use chrono::Duration;
use keel::clock::Clock;
use keel::service::{Keel, RetryTarget};
use serde_json::{Value, json};
use std::path::Path;

#[tokio::test]
async fn after_the_ceiling_a_dead_letter_which_sync_retry_delivers() {
    for db in test_databases().await {
        let label = db.label;
        let (accounting, _dir, app) = one_target(&db, "accounting", r#""10ms", "10ms""#, "5").await;
        let accounting_client = client(&app.keel, "accounting");
        accounting.answer(Answer::Fail);
        approved_po(&app, "650").await;
        for _ in 0..5 {
            app.keel.deliver_webhooks(&accounting_client).await.unwrap();
            app.clock.advance(Duration::milliseconds(20));
        }
        assert_eq!(
            accounting.received().len(),
            3,
            "[{label}] the first try and two retries"
        );
        let failures = app.keel.webhook_failures().await.unwrap();
        assert_eq!(failures.len(), 1, "[{label}]");
        assert!(failures[0].dead_at.is_some(), "[{label}] {failures:?}");
        assert_eq!(failures[0].last_status, Some(500));
        let status = app.keel.target_status().await.unwrap();
        assert_eq!((status[0].1.pending, status[0].1.dead), (0, 1), "[{label}]");

        accounting.answer(Answer::Accept);
        let none = app
            .keel
            .retry_webhooks(RetryTarget::One(failures[0].item.id + 100))
            .await;
        assert!(
            none.is_err(),
            "[{label}] an id that failed nothing is refused"
        );
        let retried = app.keel.retry_webhooks(RetryTarget::All).await.unwrap();
        assert_eq!(retried, [failures[0].item.id], "[{label}]");
        assert_eq!(
            app.keel.deliver_webhooks(&accounting_client).await.unwrap(),
            1
        );
        let received = accounting.received();
        assert_eq!(received.len(), 4, "[{label}]");
        assert!(
            received
                .iter()
                .all(|r| r.id == failures[0].item.id.to_string())
        );
        assert!(
            app.keel.webhook_failures().await.unwrap().is_empty(),
            "[{label}]"
        );
    }
}

/// `keel sync ARGS…` with the test config and its secrets; its standard output.
fn sync_cli(db: &TestDb, dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("--config")
        .arg(dir)
        .arg("sync")
        .args(args)
        .env("KEEL_DATABASE_URL", &db.url)
        .envs(ENV.iter().copied())
        .output()
        .expect("keel runs");
    let (out, err) = (stdout(&output), stderr(&output));
    assert!(
        output.status.success(),
        "[{}] keel sync {args:?}: {out}\n{err}",
        db.label
    );
    out
}

#[tokio::test]
async fn the_sync_commands_show_a_disabled_target_and_its_failures_and_set_them_going() {
    for db in test_databases().await {
        let label = db.label;
        let (accounting, dir, app) = one_target(&db, "accounting", r#""10ms""#, "5").await;
        accounting.answer(Answer::Gone);
        approved_po(&app, "640").await;
        let accounting_client = client(&app.keel, "accounting");
        app.keel.deliver_webhooks(&accounting_client).await.unwrap();

        let status = sync_cli(&db, dir.path(), &["status"]);
        let row = status
            .lines()
            .find(|l| l.starts_with("accounting\t"))
            .unwrap_or_default();
        assert!(
            row.contains("\t1\t0\t0\tdisabled since"),
            "[{label}] {status}"
        );
        assert!(
            row.contains("keel sync enable accounting"),
            "[{label}] {row}"
        );
        let failures = sync_cli(&db, dir.path(), &["failures"]);
        assert!(
            failures.contains("\taccounting\tapproved_pos\tPO-"),
            "[{label}] {failures}"
        );
        assert!(failures.contains("410 Gone"), "[{label}] {failures}");

        let enabled = sync_cli(&db, dir.path(), &["enable", "accounting"]);
        assert!(
            enabled.contains("accounting is enabled"),
            "[{label}] {enabled}"
        );
        accounting.answer(Answer::Fail);
        app.keel.deliver_webhooks(&accounting_client).await.unwrap();
        app.clock.advance(Duration::milliseconds(20));
        app.keel.deliver_webhooks(&accounting_client).await.unwrap();
        let failures = sync_cli(&db, dir.path(), &["failures"]);
        assert!(
            failures.contains("dead letter since"),
            "[{label}] {failures}"
        );

        accounting.answer(Answer::Accept);
        let retried = sync_cli(&db, dir.path(), &["retry", "--all"]);
        assert!(retried.contains("is due again"), "[{label}] {retried}");
        assert_eq!(
            app.keel.deliver_webhooks(&accounting_client).await.unwrap(),
            1
        );
        let status = sync_cli(&db, dir.path(), &["status"]);
        let row = status
            .lines()
            .find(|l| l.starts_with("accounting\t"))
            .unwrap_or_default();
        assert!(row.ends_with("\t0 s\t0\t0\t0\tenabled"), "[{label}] {row}");
    }
}

/// `PUT /api/v1/records/{path}` with the API token.
async fn put(base: &str, path: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .put(format!("{base}/api/v1/records/{path}"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
}

const TOKEN: &str = "sync-tests-api-token-0123456789abcdef";

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited 30 s for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn over_http_a_refused_write_is_a_409_and_the_server_posts_a_decision_by_itself() {
    for db in test_databases().await {
        let label = db.label;
        let accounting = Accounting::start().await;
        accounting.answer(Answer::Accept);
        let integrations = target("accounting", &accounting.url, r#""100ms""#, "5")
            + &po_rule("approved_pos", "accounting")
            + &vendor_owner("");
        let dir = config_with(&integrations);
        let mut env = ENV.to_vec();
        env.push(("KEEL_API_TOKEN", TOKEN));
        // The vendors are loaded before their owner is declared.
        let loaded = TestApp::start(&db).await;
        drop(loaded);
        let keel = Keel::open(config_with_env(&db, dir.path(), &env), Clock::default())
            .await
            .unwrap();
        let server = keel::server::start(keel.clone(), false, "127.0.0.1:0")
            .await
            .unwrap();
        let base = format!("http://{}", server.address);

        let fields = record_with(&keel, "vendor", "V002", json!({ "preferred": true })).await;
        let response = put(
            &base,
            "vendor/V002",
            json!({ "as": "S001", "fields": fields }),
        )
        .await;
        assert_eq!(
            response.status(),
            reqwest::StatusCode::CONFLICT,
            "[{label}]"
        );
        let error = response.json::<Value>().await.unwrap()["error"].to_string();
        assert!(error.contains("owned by quickbooks"), "[{label}] {error}");
        let project =
            record_with(&keel, "project", "P002", json!({ "percent_complete": 70 })).await;
        let response = put(
            &base,
            "project/P002",
            json!({ "as": "S001", "fields": project }),
        )
        .await;
        assert_eq!(response.status(), reqwest::StatusCode::OK, "[{label}]");

        let app = TestApp {
            keel: keel.clone(),
            clock: Clock::default(),
            sink: keel::service::Sink::recording(),
            label,
        };
        let id = approved_po(&app, "1200").await;
        wait_for("the decision at accounting", || {
            !accounting.accepted().is_empty()
        })
        .await;
        assert_eq!(
            accounting.accepted()[0].body["data"]["po"],
            id.as_str(),
            "[{label}]"
        );
        assert!(accounting.accepted()[0].verified, "[{label}]");
        server.stop().await.unwrap();
    }
}
