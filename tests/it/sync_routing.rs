//! A status change in the PM tool changes keel's decisions, on both backends: the stand-in PM
//! tool's signed thin webhook reaches keel's `POST /hooks/pm`, the applier fetches the project
//! back, and the demo's change order rules read the new record (a completed project rejects
//! change orders; a new manager approves them). The change feeds a sync-out rule once, and a
//! source that does not own projects is refused or files a change request.

use crate::common::TestDb;
use crate::common::accounting::Accounting;
use crate::common::app::{TestApp, config_with_env};
use crate::common::outbound::client;
use crate::common::pm_tool::{KEY, PmTool, post_hook, project, signed_headers, thin_event};
use crate::common::sources::{
    Harness, PM_FIELDS, config_with_sources, pm_and_accounting_env, pm_source, pm_to_accounting,
};
use crate::common::test_databases;
use crate::sync_owners::RECORD_CHANGE;
use keel::domain::Status;
use keel::engine::lifecycle::Action;
use keel::service::Keel;
use serde_json::{Value, json};

/// Project `id` as the PM tool shows it: P001's demo values, in `state`, managed by `manager`.
fn pm_project(id: &str, state: &str, manager: &str) -> Value {
    let mut project = project(
        id,
        "Bayview Medical Office",
        json!(52),
        "2026-11-23T14:00:00Z",
    );
    project["state"] = json!(state);
    project["people"]["manager"] = json!(manager);
    project
}

/// Sends the signed thin event saying `project` changed, as delivery `id`; keel acknowledges.
async fn notify(h: &Harness, id: &str, project: &str) {
    let body = thin_event(project);
    let at = h.app.clock.now().timestamp();
    let (status, answer) =
        post_hook(&h.base, "pm", &signed_headers(id, at, &body, &[KEY]), &body).await;
    assert_eq!(status, 200, "[{}] {answer}", h.app.label);
}

async fn change_order(h: &Harness, project: &str) -> keel::domain::Request {
    let fields = [
        ("project", project),
        ("amount", "9000"),
        ("reason", "Extra rebar"),
    ];
    h.app.submit("change_order", "S020", &fields).await
}

fn approvers(request: &keel::domain::Request) -> Vec<String> {
    request.steps[0]
        .approvers
        .iter()
        .map(|a| a.person.clone())
        .collect()
}

/// The sync-out rule sending projects that became completed.
const COMPLETED_RULE: &str = r#"
[[rule]]
name = "completed_projects"
target = "accounting"
when_changed = "project"
condition = "record.status == 'completed' && before.status != 'completed'"
payload = { project = "{record.key}", status = "{record.fields.status}" }
"#;

#[tokio::test]
async fn a_status_change_in_the_pm_tool_changes_a_decision_and_reaches_accounting_once() {
    for db in test_databases().await {
        let label = db.label;
        let pm = PmTool::start().await;
        let accounting = Accounting::start().await;
        let (toml, _) = pm_to_accounting(&pm, &accounting.url, COMPLETED_RULE);
        let h = started(&db, pm, &toml, "").await;

        // Before: P001 is active, a change order goes to its manager S016.
        let before = change_order(&h, "P001").await;
        assert_eq!(before.status, Status::Pending, "[{label}]");
        assert_eq!(approvers(&before), ["S016"], "[{label}]");

        h.pm.put(pm_project("P001", "completed", "S016"));
        notify(&h, "evt_completed", "P001").await;
        let report = h.app.keel.apply_inbound().await.unwrap();
        assert_eq!(report.applied, 1, "[{label}] {report:?}");
        let after = change_order(&h, "P001").await;
        assert_eq!(after.status, Status::AutoRejected, "[{label}]");
        assert_eq!(
            after.rule.as_deref(),
            Some("completed_project"),
            "[{label}]"
        );

        // A new manager on P002: its change orders go to them.
        let mut p002 = pm_project("P002", "active", "S017");
        p002["title"] = json!("Riverside Lofts Retrofit");
        p002["client"]["id"] = json!("C024");
        h.pm.put(p002);
        notify(&h, "evt_manager", "P002").await;
        // The same delivery again is acknowledged and applied once.
        notify(&h, "evt_completed", "P001").await;
        assert_eq!(
            h.app.keel.apply_inbound().await.unwrap().applied,
            1,
            "[{label}]"
        );
        let routed = change_order(&h, "P002").await;
        assert_eq!(approvers(&routed), ["S017"], "[{label}]");

        // The completion (only it) reaches accounting, once.
        let keel = &h.app.keel;
        assert_eq!(
            keel.deliver_webhooks(&client(keel, "accounting"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            keel.deliver_webhooks(&client(keel, "accounting"))
                .await
                .unwrap(),
            0
        );
        let sent: Vec<Value> = accounting
            .accepted()
            .into_iter()
            .map(|r| r.body["data"].clone())
            .collect();
        assert_eq!(
            sent,
            [json!({ "project": "P001", "status": "completed" })],
            "[{label}]"
        );
    }
}

/// keel with the `pm` source and `toml`'s other tables, the record change workflow, and the
/// environment of both stand-ins; `owner` (an `[[owner]]` table) is added once the demo
/// records are imported (an owner refuses the import).
async fn started(db: &TestDb, pm: PmTool, toml: &str, owner: &str) -> Harness {
    let config = config_with_sources(toml);
    std::fs::write(
        config.path().join("workflows/record_change.toml"),
        RECORD_CHANGE,
    )
    .unwrap();
    let env = pm_and_accounting_env();
    let mut app = TestApp::start_with_env(db, config.path(), &env).await;
    if !owner.is_empty() {
        let sources = config.path().join("integrations/sources.toml");
        std::fs::write(&sources, format!("{toml}{owner}")).unwrap();
        let reopened = Keel::open(config_with_env(db, config.path(), &env), app.clock.clone());
        app.keel = reopened.await.expect("keel opens with the owner");
    }
    Harness::serving(app, pm, config).await
}

/// P001 as stored now.
async fn p001(keel: &Keel) -> keel::domain::Record {
    let record = keel.store().get_record("project", "P001").await.unwrap();
    record.expect("P001 is stored")
}

/// The PM tool completes P001 and says so; keel applies what it received.
async fn completed_in_the_pm_tool(h: &Harness) -> keel::service::ApplyReport {
    h.pm.put(pm_project("P001", "completed", "S016"));
    notify(h, "evt_1", "P001").await;
    h.app.keel.apply_inbound().await.unwrap()
}

const NOT_THE_OWNER: &str = "\n[[owner]]\nrecord_type = \"project\"\nsource = \"procore\"\n";

#[tokio::test]
async fn a_pm_tool_that_does_not_own_projects_is_refused_naming_the_owner() {
    for db in test_databases().await {
        let label = db.label;
        let pm = PmTool::start().await;
        let toml = pm_source(&pm, &["KEEL_TEST_PM_KEY"], "", PM_FIELDS);
        let h = started(&db, pm, &toml, NOT_THE_OWNER).await;
        let report = completed_in_the_pm_tool(&h).await;
        assert_eq!(report.dead, 1, "[{label}] {report:?}");
        let dead = h.app.keel.sync_failures().await.unwrap();
        let why = dead[0].last_error.clone().unwrap_or_default();
        assert!(why.contains("procore"), "[{label}] {why}");
        let stored = p001(&h.app.keel).await;
        assert_eq!(
            (stored.version, &stored.fields["status"]),
            (1, &json!("active")),
            "[{label}]"
        );
    }
}

#[tokio::test]
async fn a_pm_tool_that_does_not_own_projects_files_a_change_request() {
    for db in test_databases().await {
        let label = db.label;
        let pm = PmTool::start().await;
        let owner = NOT_THE_OWNER.to_string()
            + "others = \"change_request\"\nworkflow = \"record_change\"\nrequester = \"S010\"\n";
        let toml = pm_source(&pm, &["KEEL_TEST_PM_KEY"], "", PM_FIELDS);
        let h = started(&db, pm, &toml, &owner).await;
        let report = completed_in_the_pm_tool(&h).await;
        assert_eq!(report.applied, 1, "[{label}] {report:?}");
        let keel = &h.app.keel;
        let filed = keel.store().get_request("RC-1").await.unwrap();
        let filed = filed.unwrap_or_else(|| panic!("[{label}] a change request is filed"));
        assert_eq!(filed.status, Status::Pending, "[{label}]");
        let stored = p001(keel).await;
        assert_eq!(
            stored.fields["status"],
            json!("active"),
            "[{label}] not before approval"
        );
        keel.act("RC-1", "S002", Action::Approve, None)
            .await
            .unwrap();
        let stored = p001(keel).await;
        assert_eq!(
            (stored.version, &stored.fields["status"]),
            (2, &json!("completed")),
            "[{label}]"
        );
    }
}
