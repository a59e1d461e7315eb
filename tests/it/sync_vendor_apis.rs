//! What other companies' APIs ask of keel's sources and targets, against stand-ins on both
//! backends: several sources behind one webhook URL (QuickBooks and HubSpot post every kind of
//! record to one), each taking its kind, a replay queued for none; a fetch-back whose URL and
//! headers are filled from the event (Procore's project id and company header); and a target
//! that wants the bare payload with the delivery's id in its URL as an idempotency key
//! (QuickBooks' `?requestid=`), the same on a retry.

use crate::common::TestDb;
use crate::common::accounting::{Accounting, Answer};
use crate::common::app::TestApp;
use crate::common::outbound::{ENV, approved_po, client, config_with, po_rule, target};
use crate::common::pm_tool::{KEY, PmTool, post_hook, project, signed_headers};
use crate::common::sources::{
    Harness, PM_FIELDS, config_with_sources, pm_env, pm_fetch, signed_source,
};
use crate::common::test_databases;
use chrono::Duration;
use serde_json::{Value, json};

/// When the PM tool's project last changed.
const CHANGED_AT: &str = "2026-12-01T09:00:00Z";

/// The environment variable of the PM tool's signing key.
const KEYS: &[&str] = &["KEEL_TEST_PM_KEY"];

/// Two sources on the hook `pm`: projects read back from the PM tool, and vendors carried
/// whole in the event, each taking its kind of a delivery's events.
async fn two_sources_on_one_hook(db: &TestDb) -> Harness {
    let pm = PmTool::start().await;
    let on_hook = |kind: &str| {
        format!(
            "hook = \"pm\"\nevents = \"$.events\"\nonly = {{ path = \"$.type\", values = [\"{kind}\"] }}"
        )
    };
    let vendor_fields = r#"
[source.fields]
vendor_id = "$.data.id"
name = "$.data.name"
category = "$.data.trade"
payment_terms_days = "$.data.terms"
preferred = "$.data.preferred"
"#;
    let toml = signed_source("pm_projects", "project", KEYS, &on_hook("project.updated"))
        + &pm_fetch(&pm, "", "")
        + PM_FIELDS
        + &signed_source("pm_vendors", "vendor", KEYS, &on_hook("vendor.updated"))
        + vendor_fields;
    let config = config_with_sources(&toml);
    let app = TestApp::start_with_env(db, config.path(), &pm_env()).await;
    Harness::serving(app, pm, config).await
}

/// Posts `body`, signed, as delivery `id` to `/hooks/{hook}`; the status.
async fn deliver(h: &Harness, hook: &str, id: &str, body: &Value) -> u16 {
    let body = body.to_string();
    let at = h.app.clock.now().timestamp();
    let headers = signed_headers(id, at, &body, &[KEY]);
    post_hook(&h.base, hook, &headers, &body).await.0
}

#[tokio::test]
async fn two_sources_on_one_hook_each_take_their_kind_and_a_replay_is_queued_for_neither() {
    for db in test_databases().await {
        let label = db.label;
        let h = two_sources_on_one_hook(&db).await;
        h.pm.put(project("P900", "Harbor Pavilion", json!(35), CHANGED_AT));
        let body = json!({"events": [
            {"type": "vendor.updated", "data": {"id": "V900", "name": "Tidewater Steel",
                "trade": "steel", "terms": 45, "preferred": true}},
            {"type": "project.updated", "data": {"id": "P900"}},
        ]});
        assert_eq!(deliver(&h, "pm", "evt_1", &body).await, 200, "[{label}]");
        let status = h.app.keel.sync_status().await.unwrap();
        let queued: Vec<(&str, i64)> = status.iter().map(|s| (s.name.as_str(), s.queued)).collect();
        assert_eq!(queued, [("pm_projects", 1), ("pm_vendors", 1)], "[{label}]");

        let report = h.app.keel.apply_inbound().await.unwrap();
        assert_eq!(
            (report.applied, report.dead),
            (2, 0),
            "[{label}] {report:?}"
        );
        assert_eq!(h.pm.fetched(), 1, "[{label}] only the project is read back");
        let store = h.app.keel.store();
        let project = store.get_record("project", "P900").await.unwrap();
        assert_eq!(
            project.expect("P900").fields["name"],
            json!("Harbor Pavilion")
        );
        let vendor = store.get_record("vendor", "V900").await.unwrap();
        let vendor = vendor.expect("V900 is stored");
        assert_eq!(vendor.fields["payment_terms_days"], json!(45), "[{label}]");

        // The same delivery again: acknowledged, queued for neither source.
        assert_eq!(deliver(&h, "pm", "evt_1", &body).await, 200, "[{label}]");
        let status = h.app.keel.sync_status().await.unwrap();
        assert!(status.iter().all(|s| s.queued == 0), "[{label}] {status:?}");
        let again = h.app.keel.apply_inbound().await.unwrap();
        assert_eq!(again.applied, 0, "[{label}]");

        // A source on a shared hook has no URL of its own.
        assert_eq!(deliver(&h, "pm_vendors", "evt_2", &body).await, 404);
    }
}

/// The `pm` source reading projects back with `{$.data.region}` in the URL, a header filled
/// from the event and one from the environment.
async fn templated_fetch(db: &TestDb) -> Harness {
    let pm = PmTool::start().await;
    let headers = r#"headers = { "PM-Company-Id" = "{$.data.company_id}" }
headers_from = { "X-PM-Client" = "KEEL_TEST_PM_CLIENT" }"#;
    let toml = signed_source("pm", "project", KEYS, "")
        + &pm_fetch(&pm, "?region={$.data.region}", headers)
        + PM_FIELDS;
    let config = config_with_sources(&toml);
    let mut env = pm_env();
    env.push(("KEEL_TEST_PM_CLIENT", "keel-harbor-ridge"));
    let app = TestApp::start_with_env(db, config.path(), &env).await;
    Harness::serving(app, pm, config).await
}

#[tokio::test]
async fn a_fetch_fills_its_url_and_header_from_the_event_and_names_a_missing_value() {
    for db in test_databases().await {
        let label = db.label;
        let h = templated_fetch(&db).await;
        h.pm.put(project("P900", "Harbor Pavilion", json!(35), CHANGED_AT));
        let event = json!({"type": "project.updated",
            "data": {"id": "P900", "region": "north/east", "company_id": 4264}});
        assert_eq!(deliver(&h, "pm", "evt_1", &event).await, 200, "[{label}]");
        let report = h.app.keel.apply_inbound().await.unwrap();
        assert_eq!(report.applied, 1, "[{label}] {report:?}");
        let calls = h.pm.fetch_calls();
        assert_eq!(calls.len(), 1, "[{label}] {calls:?}");
        assert_eq!(calls[0].id, "P900");
        assert_eq!(calls[0].query.as_deref(), Some("region=north%2Feast"));
        assert_eq!(calls[0].headers["pm-company-id"], "4264", "[{label}]");
        assert_eq!(calls[0].headers["x-pm-client"], "keel-harbor-ridge");
        let record = h.app.keel.store().get_record("project", "P900").await;
        assert!(record.unwrap().is_some(), "[{label}]");

        let no_company = json!({"type": "project.updated",
            "data": {"id": "P900", "region": "north"}});
        assert_eq!(deliver(&h, "pm", "evt_2", &no_company).await, 200);
        let report = h.app.keel.apply_inbound().await.unwrap();
        assert_eq!(report.dead, 1, "[{label}] {report:?}");
        assert_eq!(h.pm.fetch_calls().len(), 1, "[{label}] nothing was fetched");
        let dead = h.app.keel.sync_failures().await.unwrap();
        let reason = dead[0].last_error.as_deref().unwrap_or_default();
        assert!(
            reason.contains("pm-company-id") && reason.contains("$.data.company_id"),
            "[{label}] {reason}"
        );
    }
}

#[tokio::test]
async fn a_target_wanting_the_payload_gets_it_bare_with_one_request_id_across_a_retry() {
    for db in test_databases().await {
        let label = db.label;
        let accounting = Accounting::start().await;
        let url = format!("{}?requestid={{webhook_id}}", accounting.url);
        let integrations = target("quickbooks", &url, r#""100ms""#, "5")
            + "body = \"payload\"\n"
            + &po_rule("approved_pos", "quickbooks");
        let dir = config_with(&integrations);
        let app = TestApp::start_with_env(&db, dir.path(), ENV).await;
        let id = approved_po(&app, "1250.50").await;

        accounting.answer(Answer::Fail);
        let quickbooks = client(&app.keel, "quickbooks");
        assert_eq!(app.keel.deliver_webhooks(&quickbooks).await.unwrap(), 0);
        accounting.answer(Answer::Accept);
        app.clock.advance(Duration::milliseconds(150));
        assert_eq!(app.keel.deliver_webhooks(&quickbooks).await.unwrap(), 1);
        assert_eq!(app.keel.deliver_webhooks(&quickbooks).await.unwrap(), 0);

        let received = accounting.received();
        assert_eq!(received.len(), 2, "[{label}] {received:?}");
        for attempt in &received {
            assert!(attempt.verified, "[{label}] signed as before");
            let query = format!("requestid={}", attempt.id);
            assert_eq!(attempt.query.as_deref(), Some(query.as_str()), "[{label}]");
        }
        assert_eq!(received[0].id, received[1].id, "[{label}] one webhook id");
        let accepted = accounting.accepted();
        assert_eq!(accepted.len(), 1, "[{label}]");
        let memo = format!("PO {id} for P001");
        assert_eq!(
            accepted[0].body,
            json!({"po": id, "vendor": "V001", "amount": "1250.50", "memo": memo}),
            "[{label}] the payload alone"
        );
    }
}
