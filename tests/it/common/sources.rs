//! Config directories with inbound sources: the demo config copied, with an
//! `integrations/*.toml` pointing its sources at a stand-in, and the environment they read
//! their keys and tokens from.

use super::TestDb;
use super::app::{TestApp, config_dir, copy_dir};
use super::pm_tool::{API_TOKEN, KEY, OLD_KEY, PmTool};
use super::serve::on_random_port;
use tempfile::TempDir;

/// The `pm` source's mapping from the PM tool's projects to keel's project records.
pub const PM_FIELDS: &str = r#"
[source.fields]
project_id = "$.id"
name = "$.title"
client_id = "$.client.id"
manager_id = "$.people.manager"
superintendent_id = "$.people.superintendent"
status = "$.state"
start_date = "$.dates.start"
planned_end = "$.dates.end"
budget = "$.money.budget"
contract_value = "$.money.contract"
percent_complete = "$.progress"
"#;

/// The `pm` source: Standard Webhooks signed with the keys of `keys_from`, thin events fetched
/// back from `pm`, `poll` (a `[source.poll]` table) when given; a sync-out table beside it,
/// which this loader leaves alone.
pub fn pm_source(pm: &PmTool, keys_from: &[&str], poll: &str, fields: &str) -> String {
    signed_source("pm", "project", keys_from, "")
        + &pm_fetch(pm, "", "max_attempts = 5")
        + poll
        + "\n"
        + fields
}

/// A `[[source]]` table's keys: `name` writing `record_type`, verified as the PM tool signs
/// (Standard Webhooks, with the keys of `keys_from`), delivery ids in `webhook-id`; `extra`
/// keys after them.
pub fn signed_source(name: &str, record_type: &str, keys_from: &[&str], extra: &str) -> String {
    let keys: Vec<String> = keys_from.iter().map(|k| format!("\"{k}\"")).collect();
    format!(
        r#"
[[source]]
name = "{name}"
verifier = "standard_webhooks"
keys_from = [{keys}]
record_type = "{record_type}"
delivery_id = {{ header = "webhook-id" }}
{extra}
"#,
        keys = keys.join(", "),
    )
}

/// A `[source.fetch]` table reading projects back from `pm` (`url_tail` after the id, the
/// event's `$.data.id`), with its token; `extra` keys after them.
pub fn pm_fetch(pm: &PmTool, url_tail: &str, extra: &str) -> String {
    format!(
        r#"
[source.fetch]
url = "{base}/projects/{{id}}{url_tail}"
id = "$.data.id"
auth_from = "KEEL_TEST_PM_AUTH"
timeout_seconds = 5
{extra}
"#,
        base = pm.base_url,
    )
}

/// The environment every `pm` source reads.
pub fn pm_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("KEEL_TEST_PM_KEY", KEY),
        ("KEEL_TEST_PM_KEY_OLD", OLD_KEY),
        ("KEEL_TEST_PM_AUTH", API_TOKEN),
    ]
}

/// The `pm` source (the current key only) and the `accounting` target (retried after 100 ms) with
/// `rules`; the environment both read.
pub fn pm_to_accounting(
    pm: &PmTool,
    accounting_url: &str,
    rules: &str,
) -> (String, Vec<(&'static str, &'static str)>) {
    let toml = pm_source(pm, &["KEEL_TEST_PM_KEY"], "", PM_FIELDS)
        + &super::outbound::target("accounting", accounting_url, r#""100ms""#, "5")
        + rules;
    (toml, pm_and_accounting_env())
}

/// The environment of the `pm` source and the `accounting` target.
pub fn pm_and_accounting_env() -> Vec<(&'static str, &'static str)> {
    pm_env()
        .into_iter()
        .chain(super::outbound::ENV.iter().copied())
        .collect()
}

/// The demo config with `integrations/sources.toml` holding `toml`.
pub fn config_with_sources(toml: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary config directory");
    copy_dir(&config_dir(), dir.path());
    std::fs::create_dir_all(dir.path().join("integrations")).unwrap();
    std::fs::write(dir.path().join("integrations/sources.toml"), toml).unwrap();
    dir
}

/// keel with the `pm` source, its HTTP routes on a random port (no applier task: the test
/// applies when it chooses, with its clock).
pub struct Harness {
    pub app: TestApp,
    pub pm: PmTool,
    pub base: String,
    /// The config directory, removed with the harness.
    pub config: TempDir,
}

pub async fn harness_with(db: &TestDb, pm: PmTool, toml: &str) -> Harness {
    let config = config_with_sources(toml);
    let app = TestApp::start_with_env(db, config.path(), &pm_env()).await;
    Harness::serving(app, pm, config).await
}

impl Harness {
    /// `app`'s HTTP routes on a random port.
    pub async fn serving(app: TestApp, pm: PmTool, config: TempDir) -> Harness {
        let router = keel::http::router(app.keel.clone(), None, None, None);
        let address = on_random_port(router).await;
        Harness {
            app,
            pm,
            base: format!("http://{address}"),
            config,
        }
    }
}

pub async fn harness(db: &TestDb, keys_from: &[&str], fields: &str) -> Harness {
    let pm = PmTool::start().await;
    let toml = pm_source(&pm, keys_from, "", fields);
    harness_with(db, pm, &toml).await
}
