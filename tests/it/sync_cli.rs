//! `keel sync …` run as the real binary beside a keel with the `pm` source: the status line,
//! the dead letters with their reasons, retry and replay.

use crate::common::cli::{keel_with_env, stderr, stdout};
use crate::common::pm_tool::{KEY, post_hook, project, signed_headers, thin_event};
use crate::common::sources::{PM_FIELDS, harness, pm_env};
use crate::common::test_databases;
use serde_json::json;

#[tokio::test]
async fn keel_sync_shows_status_and_dead_letters_and_retries_and_replays() {
    for db in test_databases().await {
        let h = harness(&db, &["KEEL_TEST_PM_KEY"], PM_FIELDS).await;
        h.pm.put(project(
            "P905",
            "Odd One",
            json!("lots"),
            "2026-11-23T14:00:00Z",
        ));
        let body = thin_event("P905");
        let at = h.app.clock.now().timestamp();
        let headers = signed_headers("evt_cli", at, &body, &[KEY]);
        assert_eq!(post_hook(&h.base, "pm", &headers, &body).await.0, 200);
        assert_eq!(h.app.keel.apply_inbound().await.unwrap().dead, 1);
        let env = pm_env();
        let run = |args: &[&str]| keel_with_env(&db, h.config.path(), &env, args);

        let status = stdout(&run(&["sync", "status"]));
        let line = status
            .lines()
            .find(|l| l.starts_with("pm\t"))
            .unwrap_or_default();
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            columns.get(1..7).map(<[&str]>::to_vec),
            Some(vec!["project", "never", "0", "0", "0", "1"]),
            "[{}] {status}",
            db.label
        );

        let failures = run(&["sync", "failures"]);
        let listed = stdout(&failures);
        assert!(listed.contains("evt_cli"), "[{}] {listed}", db.label);
        assert!(
            listed.contains("field percent_complete, `lots`: expected a number"),
            "{listed}"
        );
        let id = listed.split('\t').next().unwrap_or_default().to_string();

        assert!(
            id.starts_with('E'),
            "[{}] an event's id: {listed}",
            db.label
        );
        let unknown = run(&["sync", "retry", "E99999"]);
        assert!(!unknown.status.success());
        assert!(
            stderr(&unknown).contains("There is no dead letter 99999"),
            "{}",
            stderr(&unknown)
        );
        let bare = run(&["sync", "retry", "99999"]);
        assert!(
            stderr(&bare).contains("write E12 for an event that came in or W7"),
            "{}",
            stderr(&bare)
        );
        let retried = stdout(&run(&["sync", "retry", &id]));
        assert!(
            retried.starts_with("1 event(s) queued again"),
            "[{}] {retried}",
            db.label
        );
        assert!(stdout(&run(&["sync", "failures"])).starts_with("No dead letters"));

        let replayed = run(&["sync", "replay", "pm", "--since", "2026-11-01"]);
        assert!(
            stdout(&replayed).starts_with("0 event(s) of pm"),
            "[{}] {}",
            db.label,
            stderr(&replayed)
        );
        let bad = run(&["sync", "replay", "pm", "--since", "last week"]);
        assert!(
            stderr(&bad).contains("is not a date or time"),
            "{}",
            stderr(&bad)
        );
    }
}
