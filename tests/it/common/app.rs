//! The real keel application on a test database, with a clock the test moves and a recording
//! notification sink.

use super::TestDb;
use chrono::{DateTime, TimeZone, Utc};
use keel::clock::Clock;
use keel::config::{self, Config};
use keel::domain::Request;
use keel::service::{Keel, NewRequest, Sink};
use std::path::{Path, PathBuf};

/// Monday 2026-11-23, 09:00 in Chicago: the start of a working week for the demo company.
pub fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0)
        .single()
        .expect("valid time")
}

pub fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

pub fn demo_data() -> PathBuf {
    config_dir().join("demo-data")
}

/// Copies a folder (a config directory to edit in a test) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The demo config pointed at a test database, with more environment variables (secrets,
/// overrides).
pub fn config_with_env(db: &TestDb, dir: &Path, extra: &[(&str, &str)]) -> Config {
    let mut env = vec![("KEEL_DATABASE_URL".to_string(), db.url.clone())];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    config::load_with_env(dir, &env).unwrap_or_else(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        panic!(
            "config in {} does not load:\n{}",
            dir.display(),
            list.join("\n")
        )
    })
}

pub struct TestApp {
    pub keel: Keel,
    pub clock: Clock,
    pub sink: Sink,
    pub label: &'static str,
}

/// The record types every scenario needs (the directory and what requests refer to).
const CORE_TYPES: [(&str, &str); 4] = [
    ("staff", "staff.csv"),
    ("client", "clients.csv"),
    ("vendor", "vendors.csv"),
    ("project", "projects.csv"),
];

/// The demo company's purchase orders and invoices, in that order (invoices refer to orders).
pub async fn import_invoices(app: &TestApp) {
    for (record_type, file) in [
        ("purchase_order", "purchase_orders.csv"),
        ("invoice", "invoices.csv"),
    ] {
        app.keel
            .import_file(record_type, &demo_data().join(file))
            .await
            .expect("import");
    }
}

impl TestApp {
    /// keel on `db` with the demo config, the directory, clients, vendors and projects imported.
    pub async fn start(db: &TestDb) -> TestApp {
        TestApp::start_with_config(db, &config_dir()).await
    }

    pub async fn start_with_config(db: &TestDb, dir: &Path) -> TestApp {
        TestApp::start_with_env(db, dir, &[]).await
    }

    /// keel on `db` with the config in `dir` and extra environment variables.
    pub async fn start_with_env(db: &TestDb, dir: &Path, env: &[(&str, &str)]) -> TestApp {
        let clock = Clock::manual(monday_morning());
        let keel = Keel::open(config_with_env(db, dir, env), clock.clone())
            .await
            .expect("keel opens");
        for (record_type, file) in CORE_TYPES {
            keel.import_file(record_type, &demo_data().join(file))
                .await
                .expect("core records import");
        }
        TestApp {
            keel,
            clock,
            sink: Sink::recording(),
            label: db.label,
        }
    }

    pub async fn submit(
        &self,
        workflow: &str,
        requester: &str,
        fields: &[(&str, &str)],
    ) -> Request {
        self.try_submit(workflow, requester, fields)
            .await
            .unwrap_or_else(|e| panic!("[{}] submit: {e}", self.label))
    }

    pub async fn try_submit(
        &self,
        workflow: &str,
        requester: &str,
        fields: &[(&str, &str)],
    ) -> Result<Request, keel::service::ServiceError> {
        let fields = fields
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
            .collect();
        self.keel
            .submit(NewRequest {
                workflow: workflow.into(),
                requester: requester.into(),
                fields,
                idempotency_key: None,
            })
            .await
    }

    /// Who the request's current step waits for.
    pub fn waiting_for(request: &Request) -> Vec<String> {
        request
            .current()
            .map(|s| s.waiting_for().into_iter().map(String::from).collect())
            .unwrap_or_default()
    }

    pub async fn actions(&self, request_id: &str) -> Vec<String> {
        let (_, events) = self
            .keel
            .request_with_history(request_id)
            .await
            .expect("history");
        events.into_iter().map(|e| e.draft.action).collect()
    }
}
