//! What the outbound sync tests share: a config with integrations for a stand-in accounting
//! system, its secrets, and purchase orders approved to feed it.

use super::TestDb;
use super::accounting::{Accounting, SECRET};
use super::app::{TestApp, config_dir, config_with_env, copy_dir};
use keel::clock::Clock;
use keel::engine::lifecycle::Action;
use keel::service::Keel;
use keel::sync::targets::client::TargetClient;
use std::path::Path;
use tempfile::TempDir;

/// The environment every test config needs: the signing secret and the tenant header.
pub const ENV: &[(&str, &str)] = &[
    ("KEEL_ACCOUNTING_WHSEC", SECRET),
    ("KEEL_ACCOUNTING_TENANT", "harbor-ridge"),
];

/// A target named `name` posting to `url`, retrying after `schedule` (milliseconds, so the
/// manual clock moves past them), giving up on a call after `timeout` seconds.
pub fn target(name: &str, url: &str, schedule: &str, timeout: &str) -> String {
    format!(
        r#"
[[target]]
name = "{name}"
url = "{url}"
signing_env = ["KEEL_ACCOUNTING_WHSEC"]
headers_env = {{ "X-Tenant" = "KEEL_ACCOUNTING_TENANT" }}
timeout_seconds = {timeout}
retry_schedule = [{schedule}]
"#
    )
}

/// A rule sending approved purchase orders to `target`.
pub fn po_rule(name: &str, target: &str) -> String {
    format!(
        r#"
[[rule]]
name = "{name}"
target = "{target}"
when_decided = "purchase_order"
outcomes = ["approved", "auto_approved"]
payload = {{ po = "{{request.id}}", vendor = "{{request.fields.vendor}}", amount = "{{request.fields.amount}}", memo = "PO {{request.id}} for {{request.fields.project}}" }}
"#
    )
}

/// The demo config with `integrations` as config/integrations/outbound.toml.
pub fn config_with(integrations: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&config_dir(), dir.path());
    std::fs::create_dir_all(dir.path().join("integrations")).unwrap();
    std::fs::write(dir.path().join("integrations/outbound.toml"), integrations).unwrap();
    dir
}

/// A client for the configured target `name`.
pub fn client(keel: &Keel, name: &str) -> TargetClient {
    TargetClient::new(&keel.config.outbound.targets[name]).unwrap()
}

/// A purchase order of `amount` from S010, approved by the procurement manager (S005).
pub async fn approved_po(app: &TestApp, amount: &str) -> String {
    let fields = [("vendor", "V001"), ("project", "P001"), ("amount", amount)];
    let id = app.submit("purchase_order", "S010", &fields).await.id;
    app.keel
        .act(&id, "S005", Action::Approve, None)
        .await
        .unwrap();
    id
}

/// keel with one target, `name`, at a new stand-in, fed approved purchase orders.
pub async fn one_target(
    db: &TestDb,
    name: &str,
    schedule: &str,
    timeout: &str,
) -> (Accounting, TempDir, TestApp) {
    let accounting = Accounting::start().await;
    let integrations =
        target(name, &accounting.url, schedule, timeout) + &po_rule("approved_pos", name);
    let dir = config_with(&integrations);
    let app = TestApp::start_with_env(db, dir.path(), ENV).await;
    (accounting, dir, app)
}

pub async fn reopen(db: &TestDb, dir: &Path, clock: &Clock) -> Keel {
    Keel::open(config_with_env(db, dir, ENV), clock.clone())
        .await
        .expect("keel opens again")
}
