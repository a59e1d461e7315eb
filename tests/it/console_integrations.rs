//! The dashboard's integrations panel over HTTP against the real server (its applier and
//! webhook deliverer running): an admin sees each source's queue and dead letters and each
//! target's state, with the `keel sync` commands that act on them; anyone else sees no panel.
//! `/metrics` counts the inbound queue beside the targets.

use crate::common::accounting::{Accounting, Answer};
use crate::common::console::{Mode, TestServer};
use crate::common::pm_tool::{KEY, PmTool, post_hook, project, signed_headers, thin_event};
use crate::common::sources::{config_with_sources, pm_to_accounting};
use crate::common::test_databases;
use keel::sync::targets::ownership::Writer;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const ADMIN: &str = "S003"; // the COO: an admin role
const GUS: &str = "S020"; // a superintendent

const PROJECT_RULE: &str = r#"
[[rule]]
name = "project_changes"
target = "accounting"
when_changed = "project"
condition = "record.percent_complete == 61"
payload = { project = "{record.key}" }
"#;

/// The dashboard as `person` sees it, once `ready` holds of its integrations (the server's own
/// tasks apply and deliver in the background).
async fn dashboard_when(
    person: &crate::common::console::Session,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..600 {
        let (status, dashboard) = person.get("/console/api/dashboard").await;
        assert_eq!(status, StatusCode::OK);
        if ready(&dashboard["integrations"]) {
            return dashboard;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the dashboard never showed the integrations expected");
}

/// A page or script of the console, as a browser fetches it.
async fn text_of(base: &str, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{base}{path}")).await.expect("GET");
    (response.status(), response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn admins_see_sources_and_targets_with_the_commands_to_act_and_others_see_none() {
    for db in test_databases().await {
        let label = db.label;
        let pm = PmTool::start().await;
        let accounting = Accounting::start().await;
        let (toml, env) = pm_to_accounting(&pm, &accounting.url, PROJECT_RULE);
        let config = config_with_sources(&toml);
        let server = TestServer::start_in(&db, Mode::Demo, config.path(), &env).await;
        let admin = server.sign_in(ADMIN).await;
        let gus = server.sign_in(GUS).await;

        // A project the mapping cannot read: a dead letter of `pm`.
        pm.put(project(
            "P901",
            "Dockside Depot",
            json!("lots"),
            "2026-11-23T14:00:00Z",
        ));
        let body = thin_event("P901");
        let at = server.app.clock.now().timestamp();
        let headers = signed_headers("evt_odd", at, &body, &[KEY]);
        let (status, answer) = post_hook(&server.base, "pm", &headers, &body).await;
        assert_eq!(status, 200, "[{label}] {answer}");
        // Accounting is gone: the change's webhook disables the target.
        accounting.answer(Answer::Gone);
        let keel = &server.app.keel;
        let record = keel
            .store()
            .get_record("project", "P002")
            .await
            .unwrap()
            .unwrap();
        let mut fields: serde_json::Map<String, Value> = record.fields.into_iter().collect();
        fields.insert("percent_complete".into(), json!(61));
        let writer = Writer::Api {
            person: ADMIN.into(),
        };
        keel.write_record("project", "P002", &fields, writer)
            .await
            .unwrap();

        let dashboard = dashboard_when(&admin, |i| {
            i["sources"][0]["dead_letters"] == 1 && i["targets"][0]["disabled"].is_object()
        })
        .await;
        let source = &dashboard["integrations"]["sources"][0];
        assert_eq!(
            (&source["name"], &source["record_type"], &source["queued"]),
            (&json!("pm"), &json!("project"), &json!(0)),
            "[{label}] {source}"
        );
        assert_eq!(
            source["commands"],
            json!(["keel sync failures", "keel sync retry --all"]),
            "[{label}]"
        );
        assert!(source["last_success"].is_null(), "[{label}] {source}");
        let target = &dashboard["integrations"]["targets"][0];
        assert_eq!(target["name"], "accounting", "[{label}]");
        assert!(target["last_success"].is_null(), "[{label}] {target}");
        assert_eq!(
            target["pending"], 1,
            "[{label}] held while disabled: {target}"
        );
        assert_eq!(
            target["commands"],
            json!(["keel sync enable accounting"]),
            "[{label}]"
        );
        assert!(
            target["disabled"]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("410")),
            "[{label}] {target}"
        );

        // /metrics counts the same, beside the targets' gauges.
        let (_, metrics) = text_of(&server.base, "/metrics").await;
        for line in [
            "keel_inbound_queued{source=\"pm\"} 0\n",
            "keel_inbound_dead{source=\"pm\"} 1\n",
            "keel_webhook_target_disabled{target=\"accounting\"} 1\n",
        ] {
            assert!(metrics.contains(line), "[{label}] {line} in {metrics}");
        }

        // The page loads the panel's script; a non-admin gets no panel.
        let (status, page) = text_of(&server.base, "/console/dashboard").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("integrations-panel"), "[{label}]");
        let (status, script) =
            text_of(&server.base, "/console/assets/dashboard_integrations.js").await;
        assert_eq!(status, StatusCode::OK);
        assert!(script.contains("keel sync"), "[{label}]");
        let (_, theirs) = gus.get("/console/api/dashboard").await;
        assert!(
            theirs["integrations"].is_null(),
            "[{label}] {}",
            theirs["integrations"]
        );
        server.stop().await;
    }
}
