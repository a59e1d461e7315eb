//! A source's `only`: a sender that mixes kinds of record in one delivery (QuickBooks'
//! entities, HubSpot's subscription types) has only the events of the kinds the source names
//! read back and applied; the others are skipped, neither fetched from the source's one URL
//! (as a record of the wrong kind) nor dead letters.

use crate::common::TestDb;
use crate::common::pm_tool::{KEY, PmTool, post_hook, project, signed_headers};
use crate::common::sources::{Harness, PM_FIELDS, harness_with};
use crate::common::test_databases;
use keel::service::ApplyReport;
use serde_json::json;

/// The `pm` source reading a list of events of several kinds, taking `only`'s.
async fn mixed_source(db: &TestDb, only: &str) -> Harness {
    let pm = PmTool::start().await;
    let toml = format!(
        r#"
[[source]]
name = "pm"
verifier = "standard_webhooks"
keys_from = ["KEEL_TEST_PM_KEY"]
record_type = "project"
delivery_id = {{ header = "webhook-id" }}
events = "$.events"
{only}

[source.fetch]
url = "{base}/projects/{{id}}"
id = "$.data.id"
auth_from = "KEEL_TEST_PM_AUTH"
timeout_seconds = 5
max_attempts = 2
{PM_FIELDS}"#,
        base = pm.base_url,
    );
    harness_with(db, pm, &toml).await
}

/// With P900 in the PM tool, one delivery naming a task (which its projects endpoint does not
/// know) and the project, in that order; then an applier round.
async fn deliver_mixed(h: &Harness) -> ApplyReport {
    h.pm.put(project(
        "P900",
        "Harbor Pavilion",
        json!(35),
        "2026-12-01T09:00:00Z",
    ));
    let body = json!({"events": [
        {"type": "task.updated", "data": {"id": "T77"}},
        {"type": "project.updated", "data": {"id": "P900"}},
    ]})
    .to_string();
    let now = h.app.clock.now().timestamp();
    let headers = signed_headers("evt_mixed", now, &body, &[KEY]);
    let (status, answer) = post_hook(&h.base, "pm", &headers, &body).await;
    assert_eq!(status, 200, "[{}] {answer}", h.app.label);
    h.app.keel.apply_inbound().await.unwrap()
}

#[tokio::test]
async fn only_the_named_kinds_of_a_mixed_delivery_are_fetched_and_applied() {
    for db in test_databases().await {
        let only = r#"only = { path = "$.type", values = ["project.updated", "project.created"] }"#;
        let h = mixed_source(&db, only).await;
        let report = deliver_mixed(&h).await;
        assert_eq!(
            (report.applied, report.dead),
            (1, 0),
            "[{}] {report:?}",
            db.label
        );
        assert_eq!(
            h.pm.fetched(),
            1,
            "[{}] the task was not read back",
            db.label
        );
        let record = h.app.keel.store().get_record("project", "P900").await;
        let record = record.unwrap().expect("the project is stored");
        assert_eq!(record.fields["name"], json!("Harbor Pavilion"));
        assert_eq!(record.fields["percent_complete"], json!(35));
    }
}

#[tokio::test]
async fn without_only_the_other_kind_is_read_from_the_wrong_url_and_dead_letters() {
    for db in test_databases().await {
        let h = mixed_source(&db, "").await;
        let report = deliver_mixed(&h).await;
        assert_eq!(report.dead, 1, "[{}] {report:?}", db.label);
        let status = h.app.keel.sync_status().await.unwrap();
        assert_eq!(status[0].dead_letters, 1, "[{}]", db.label);
        assert_eq!(
            h.pm.fetched(),
            0,
            "[{}] the whole delivery is dead",
            db.label
        );
    }
}
