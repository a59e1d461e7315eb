//! Polling a source on both backends: the PM tool's list read page by page from the stored
//! watermark, one poller per source across processes (a lease), a 429 backed off, and a
//! `keel serve` killed with SIGKILL in the middle of a listing resuming from its watermark
//! without losing or doubling a record.

use crate::common::app::TestApp;
use crate::common::pm_tool::{PmTool, project};
use crate::common::sources::{PM_FIELDS, config_with_sources, harness_with, pm_env, pm_source};
use crate::common::{TestDb, test_databases};
use crate::crash::start_server_in;
use chrono::Duration;
use serde_json::json;
use std::time::Duration as Wait;

fn poll_table(pm: &PmTool) -> String {
    format!(
        r#"
[source.poll]
url = "{}/projects"
items = "$.results"
updated = "$.updated_at"
page_param = "page"
interval_seconds = 1
timeout_seconds = 2
auth_from = "KEEL_TEST_PM_AUTH"
"#,
        pm.base_url
    )
}

fn polled_source(pm: &PmTool) -> String {
    pm_source(pm, &["KEEL_TEST_PM_KEY"], &poll_table(pm), PM_FIELDS)
}

/// The PM tool's projects PL1…PL`n`, changed a second apart.
fn put_projects(pm: &PmTool, n: usize) {
    for i in 1..=n {
        let at = format!("2026-11-20T10:00:0{i}Z");
        pm.put(project(
            &format!("PL{i}"),
            &format!("Polled {i}"),
            json!(i * 10),
            &at,
        ));
    }
}

async fn watermark(keel: &keel::service::Keel) -> Option<String> {
    let status = keel.sync_status().await.unwrap();
    status
        .into_iter()
        .find(|s| s.name == "pm")
        .and_then(|s| s.watermark)
}

#[tokio::test]
async fn one_process_polls_a_source_at_a_time_from_its_watermark_and_backs_off_on_429() {
    for db in test_databases().await {
        let pm = PmTool::start().await;
        put_projects(&pm, 3);
        let h = harness_with(&db, pm.clone(), &polled_source(&pm)).await;
        let keel = &h.app.keel;
        let report = keel.poll_source("pm", "process-a").await.unwrap();
        assert_eq!(
            (report.pages, report.queued),
            (3, 3),
            "[{}] {report:?}",
            db.label
        );
        let other = harness_with(&db, pm.clone(), &polled_source(&pm)).await;
        let report = other.app.keel.poll_source("pm", "process-b").await.unwrap();
        assert!(report.not_leader, "[{}] the lease is held", db.label);
        assert_eq!(
            keel.apply_inbound().await.unwrap().applied,
            3,
            "[{}]",
            db.label
        );
        assert_eq!(
            watermark(keel).await.as_deref(),
            Some("2026-11-20T10:00:03.000000Z")
        );

        // The next poll asks from the watermark; the last record, read again, is not queued again.
        let report = keel.poll_source("pm", "process-a").await.unwrap();
        assert_eq!(report.queued, 0, "[{}]", db.label);
        assert_eq!(pm.listed().last().unwrap().0, "2026-11-20T10:00:03.000000Z");

        pm.fail_next(&[429]);
        let report = keel.poll_source("pm", "process-a").await.unwrap();
        let failure = report.failure.expect("a failure");
        assert!(
            failure.transient && failure.reason.contains("429"),
            "{failure:?}"
        );
        assert_eq!(failure.retry_after, Some(Wait::from_secs(30)));
        let status = keel.sync_status().await.unwrap();
        assert_eq!(status[0].failures, 1, "[{}]", db.label);
        assert!(
            status[0]
                .last_error
                .as_deref()
                .unwrap_or("")
                .contains("429")
        );
        assert!(
            keel.poll_source("pm", "process-a")
                .await
                .unwrap()
                .failure
                .is_none()
        );
        assert_eq!(keel.sync_status().await.unwrap()[0].failures, 0);

        // Once process a's lease lapses, process b takes over.
        other.app.clock.advance(Duration::minutes(10));
        let report = other.app.keel.poll_source("pm", "process-b").await.unwrap();
        assert!(!report.not_leader, "[{}]", db.label);
        assert_eq!(
            db.count("select count(*) from records where key like 'PL%'")
                .await,
            3
        );
    }
}

async fn wait_for(what: &str, done: impl AsyncFnMut() -> bool) {
    assert!(wait_until(done).await, "gave up waiting: {what}");
}

/// Whether `done` came true within a minute.
async fn wait_until(mut done: impl AsyncFnMut() -> bool) -> bool {
    for _ in 0..1200 {
        if done().await {
            return true;
        }
        tokio::time::sleep(Wait::from_millis(50)).await;
    }
    false
}

/// What the PM tool was asked and what keel holds of the poll: the story of a failed wait.
async fn poll_state(db: &TestDb, pm: &PmTool) -> String {
    let polls = db
        .texts(
            "select source || ' watermark ' || watermark || ' lease ' || coalesce(lease_owner, '-') \
             || ' until ' || coalesce(lease_until, '-') || ' failures ' || failures || ' error ' \
             || coalesce(last_error, '-') from source_polls",
        )
        .await;
    let events = db
        .texts(
            "select delivery_id || ' ' || status || ' ' || coalesce(last_error, '-') \
             from inbound_events order by id",
        )
        .await;
    format!(
        "listed {:?}; polls {polls:?}; inbound events {events:?}",
        pm.listed()
    )
}

async fn count(db: &TestDb, sql: &str) -> i64 {
    db.count(sql).await
}

#[tokio::test]
async fn a_poller_killed_mid_listing_resumes_from_its_watermark() {
    for db in test_databases().await {
        let pm = PmTool::start().await;
        put_projects(&pm, 5);
        let config = config_with_sources(&polled_source(&pm));
        // Imports the people and clients the projects refer to.
        drop(TestApp::start_with_env(&db, config.path(), &pm_env()).await);
        let mut env: Vec<(&str, String)> = pm_env()
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        env.push(("KEEL_SCHEDULER_TICK_SECONDS", "1".into()));

        // The second page is held: the first page's records are queued and the watermark moved.
        pm.hold_page(Some(2));
        let (mut server, _) = start_server_in(config.path(), &db, &env).await;
        let first = "2026-11-20T10:00:02.000000Z";
        let moved = format!("select count(*) from source_polls where watermark = '{first}'");
        wait_for("the first page", async || {
            count(&db, &moved).await == 1 && pm.listed().iter().any(|(_, page)| *page == 2)
        })
        .await;
        server.start_kill().expect("SIGKILL");
        server.wait().await.expect("keel exits");
        let before = pm.listed().len();

        pm.hold_page(None);
        let (mut server, _) = start_server_in(config.path(), &db, &env).await;
        let applied = "select count(*) from records where type = 'project' and key like 'PL%'";
        let resumed = wait_until(async || count(&db, applied).await == 5).await;
        assert!(
            resumed,
            "[{}] not every record: {}",
            db.label,
            poll_state(&db, &pm).await
        );
        server.start_kill().expect("SIGKILL");
        server.wait().await.expect("keel exits");

        let listed = pm.listed();
        assert_eq!(
            listed[before],
            (first.to_string(), 1),
            "[{}] resumed from the watermark",
            db.label
        );
        let versions = "select count(*) from records where key like 'PL%' and version = 1";
        assert_eq!(
            count(&db, versions).await,
            5,
            "[{}] each record once",
            db.label
        );
        assert_eq!(
            count(&db, "select count(*) from inbound_events").await,
            5,
            "[{}]",
            db.label
        );
        let last =
            "select count(*) from source_polls where watermark = '2026-11-20T10:00:05.000000Z'";
        assert_eq!(count(&db, last).await, 1, "[{}]", db.label);
    }
}
