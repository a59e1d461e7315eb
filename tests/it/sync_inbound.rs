//! Inbound sources end to end, on both backends: a stand-in PM tool signs thin webhooks that
//! keel verifies and queues at `POST /hooks/pm`, then applies by fetching each project back
//! and upserting it as a versioned record. Replays, forged, stale and rotated signatures,
//! dead letters retried after a mapping fix, and a source that fails for a while.

use crate::common::pm_tool::{
    KEY, OLD_KEY, PmTool, post_hook, project, signed_headers, thin_event,
};
use crate::common::sources::{Harness, PM_FIELDS, harness, harness_with, pm_source};
use crate::common::test_databases;
use chrono::Duration;
use keel::service::{ApplyReport, DeadLetters};
use serde_json::json;

impl Harness {
    /// Sends the thin event about `project` as delivery `id`, signed with `keys`, timestamped
    /// `age` before keel's clock; the status and body.
    async fn send(&self, id: &str, project: &str, keys: &[&str], age: Duration) -> (u16, String) {
        let body = thin_event(project);
        let at = (self.app.clock.now() - age).timestamp();
        post_hook(
            &self.base,
            "pm",
            &signed_headers(id, at, &body, keys),
            &body,
        )
        .await
    }

    async fn send_ok(&self, id: &str, project: &str) {
        let (status, body) = self.send(id, project, &[KEY], Duration::zero()).await;
        assert_eq!(status, 200, "[{}] {body}", self.app.label);
    }

    /// Gives the PM tool project `id` (changed at 14:00 on the test's Monday).
    fn put(&self, id: &str, title: &str, progress: serde_json::Value) {
        self.pm
            .put(project(id, title, progress, "2026-11-23T14:00:00Z"));
    }

    async fn apply(&self) -> ApplyReport {
        self.app.keel.apply_inbound().await.expect("applying")
    }

    async fn version_of(&self, key: &str) -> Option<i64> {
        let record = self
            .app
            .keel
            .store()
            .get_record("project", key)
            .await
            .unwrap();
        record.map(|r| r.version)
    }
}

fn both_keys() -> [&'static str; 2] {
    ["KEEL_TEST_PM_KEY", "KEEL_TEST_PM_KEY_OLD"]
}

#[tokio::test]
async fn a_thin_webhook_is_fetched_back_and_upserted() {
    for db in test_databases().await {
        let h = harness(&db, &both_keys(), PM_FIELDS).await;
        h.put("P900", "Harbor Pavilion", json!(10));
        h.send_ok("evt_1", "P900").await;
        // Queued, not applied on the request path.
        assert_eq!(h.version_of("P900").await, None, "[{}]", db.label);
        let report = h.apply().await;
        assert_eq!(report.applied, 1, "[{}] {report:?}", db.label);
        let record = h
            .app
            .keel
            .store()
            .get_record("project", "P900")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.version, 1);
        assert_eq!(record.fields["name"], json!("Harbor Pavilion"));
        assert_eq!(record.fields["client_id"], json!("C001"));
        assert_eq!(record.fields["contract_value"], json!("1750000.00"));
        assert_eq!(record.fields["percent_complete"], json!(10));
        assert_eq!(h.pm.fetched(), 1, "[{}]", db.label);
    }
}

#[tokio::test]
async fn a_replayed_webhook_is_applied_once() {
    for db in test_databases().await {
        let h = harness(&db, &both_keys(), PM_FIELDS).await;
        h.put("P900", "Harbor Pavilion", json!(10));
        h.send_ok("evt_1", "P900").await;
        h.send_ok("evt_1", "P900").await;
        assert_eq!(h.apply().await.applied, 1, "[{}]", db.label);
        h.send_ok("evt_1", "P900").await;
        assert_eq!(h.apply().await, ApplyReport::default(), "[{}]", db.label);
        assert_eq!(db.count("select count(*) from inbound_events").await, 1);
        // Another delivery about the unchanged project changes nothing either.
        h.send_ok("evt_2", "P900").await;
        assert_eq!(h.apply().await.applied, 1, "[{}]", db.label);
        let history = h
            .app
            .keel
            .store()
            .record_history("project", "P900")
            .await
            .unwrap();
        assert_eq!(history.len(), 1, "[{}] one version", db.label);
        assert_eq!(h.pm.fetched(), 2, "[{}]", db.label);
    }
}

#[tokio::test]
async fn forged_stale_and_rotated_signatures() {
    for db in test_databases().await {
        let h = harness(&db, &both_keys(), PM_FIELDS).await;
        h.put("P900", "Harbor Pavilion", json!(10));
        let forger = "whsec_Zm9yZ2VyLWtleS1ub3QtdGhlLXJlYWwtb25l";
        let (status, body) = h
            .send("evt_forged", "P900", &[forger], Duration::zero())
            .await;
        assert_eq!(status, 401, "[{}] forged: {body}", db.label);
        assert!(body.contains("does not match"), "{body}");
        assert!(!body.contains(KEY) && !body.contains("MfKQ9r8G"), "{body}");
        let (status, body) = h
            .send("evt_stale", "P900", &[KEY], Duration::minutes(10))
            .await;
        assert_eq!(status, 401, "[{}] stale: {body}", db.label);
        assert!(body.contains("more than 5 minutes"), "{body}");
        let (status, _) = post_hook(&h.base, "pm", &[], &thin_event("P900")).await;
        assert_eq!(status, 401, "[{}] unsigned", db.label);
        assert_eq!(
            db.count("select count(*) from inbound_events").await,
            0,
            "[{}] refusals queue nothing",
            db.label
        );

        // While both keys are configured, either signs.
        let (status, _) = h
            .send("evt_old", "P900", &[OLD_KEY], Duration::zero())
            .await;
        assert_eq!(status, 200, "[{}] the old key during rotation", db.label);
        let (status, _) = h.send("evt_new", "P900", &[KEY], Duration::zero()).await;
        assert_eq!(status, 200, "[{}] the new key", db.label);
        drop(h);

        // The old key removed from the config: what only it signs is refused.
        let h = harness(&db, &["KEEL_TEST_PM_KEY"], PM_FIELDS).await;
        let (status, _) = h
            .send("evt_old_2", "P900", &[OLD_KEY], Duration::zero())
            .await;
        assert_eq!(status, 401, "[{}] a removed key", db.label);
        let (status, _) = h.send("evt_new_2", "P900", &[KEY], Duration::zero()).await;
        assert_eq!(status, 200, "[{}]", db.label);
        assert_eq!(db.count("select count(*) from inbound_events").await, 3);
    }
}

#[tokio::test]
async fn a_malformed_payload_is_a_dead_letter_and_retried_after_a_mapping_fix() {
    for db in test_databases().await {
        let h = harness(&db, &both_keys(), PM_FIELDS).await;
        let mut odd = project(
            "P901",
            "Dockside Depot",
            json!("lots"),
            "2026-11-23T14:00:00Z",
        );
        odd["progress_pct"] = json!(40);
        h.pm.put(odd);
        h.send_ok("evt_odd", "P901").await;
        assert_eq!(h.apply().await.dead, 1, "[{}]", db.label);
        let dead = h.app.keel.sync_failures().await.unwrap();
        assert_eq!(dead.len(), 1, "[{}]", db.label);
        let reason = dead[0].last_error.clone().unwrap_or_default();
        // The CSV importer's words for the same value.
        assert!(
            reason.contains("field percent_complete, `lots`: expected a number such as 42 or 3.5"),
            "[{}] {reason}",
            db.label
        );
        assert_eq!(h.version_of("P901").await, None);
        let status = h.app.keel.sync_status().await.unwrap();
        assert_eq!((status[0].name.as_str(), status[0].dead_letters), ("pm", 1));

        // Retried with the old mapping, it is a dead letter again.
        h.app.keel.sync_retry(DeadLetters::All).await.unwrap();
        assert_eq!(h.apply().await.dead, 1, "[{}]", db.label);
        let id = h.app.keel.sync_failures().await.unwrap()[0].id;
        drop(h);

        // The mapping fixed (the progress is in `progress_pct`), a retry applies it.
        let fixed = PM_FIELDS.replace("\"$.progress\"", "\"$.progress_pct\"");
        let pm = PmTool::start().await;
        let toml = pm_source(&pm, &both_keys(), "", &fixed);
        let h = harness_with(&db, pm, &toml).await;
        h.pm.put({
            let mut odd = project(
                "P901",
                "Dockside Depot",
                json!("lots"),
                "2026-11-23T14:00:00Z",
            );
            odd["progress_pct"] = json!(40);
            odd
        });
        assert_eq!(
            h.app.keel.sync_retry(DeadLetters::One(id)).await.unwrap(),
            1
        );
        assert_eq!(h.apply().await.applied, 1, "[{}]", db.label);
        let record = h
            .app
            .keel
            .store()
            .get_record("project", "P901")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.fields["percent_complete"], json!(40));
        assert!(h.app.keel.sync_failures().await.unwrap().is_empty());
        assert!(
            h.app.keel.sync_retry(DeadLetters::One(id)).await.is_err(),
            "no longer dead"
        );
    }
}

#[tokio::test]
async fn a_fetch_back_failing_with_429_and_500_for_a_while_then_succeeding_applies_once() {
    for db in test_databases().await {
        let h = harness(&db, &both_keys(), PM_FIELDS).await;
        h.put("P902", "Quarry Lane", json!(5));
        h.pm.fail_next(&[429, 500, 503]);
        h.send_ok("evt_busy", "P902").await;
        assert_eq!(h.apply().await.retrying, 1, "[{}] 429", db.label);
        // Not due again before its backoff (the 429 asked for 30 s).
        assert_eq!(h.apply().await, ApplyReport::default(), "[{}]", db.label);
        let status = h.app.keel.sync_status().await.unwrap();
        assert_eq!(
            (status[0].queued, status[0].failures),
            (1, 1),
            "[{}]",
            db.label
        );
        let mut rounds = 0;
        while h.version_of("P902").await.is_none() {
            rounds += 1;
            assert!(rounds <= 4, "[{}] still not applied", db.label);
            h.app.clock.advance(Duration::hours(1));
            h.apply().await;
        }
        assert_eq!(rounds, 3, "[{}] 500, 503, then the record", db.label);
        assert_eq!(h.version_of("P902").await, Some(1));
        assert_eq!(h.pm.fetched(), 1);
        let status = h.app.keel.sync_status().await.unwrap();
        assert_eq!(
            (status[0].queued, status[0].failures, status[0].dead_letters),
            (0, 0, 0)
        );
        assert!(status[0].last_success.is_some());

        // A project the source does not have is a dead letter at once.
        h.send_ok("evt_gone", "P999").await;
        assert_eq!(h.apply().await.dead, 1, "[{}]", db.label);
        // A source that keeps failing runs out of tries (max_attempts = 5).
        h.put("P903", "Mill Street", json!(5));
        h.pm.fail_next(&[500; 5]);
        h.send_ok("evt_down", "P903").await;
        for _ in 0..5 {
            h.apply().await;
            h.app.clock.advance(Duration::hours(2));
        }
        let dead = h.app.keel.sync_failures().await.unwrap();
        let reasons: Vec<String> = dead.iter().filter_map(|d| d.last_error.clone()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("404")),
            "[{}] {reasons:?}",
            db.label
        );
        assert!(
            reasons.iter().any(|r| r.contains("gave up after 5 tries")),
            "[{}] {reasons:?}",
            db.label
        );
    }
}

#[tokio::test]
async fn a_replay_applies_received_events_again() {
    for db in test_databases().await {
        let h = harness(&db, &both_keys(), PM_FIELDS).await;
        let since = h.app.clock.now();
        h.put("P904", "Old Name", json!(5));
        h.send_ok("evt_1", "P904").await;
        h.apply().await;
        h.pm.put(project(
            "P904",
            "New Name",
            json!(5),
            "2026-11-23T15:00:00Z",
        ));
        assert_eq!(h.app.keel.sync_replay("pm", since).await.unwrap(), 1);
        assert_eq!(h.apply().await.applied, 1, "[{}]", db.label);
        let record = h
            .app
            .keel
            .store()
            .get_record("project", "P904")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (record.version, record.fields["name"].clone()),
            (2, json!("New Name"))
        );
        assert!(h.app.keel.sync_replay("nope", since).await.is_err());
    }
}
