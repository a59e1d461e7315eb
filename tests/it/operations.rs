//! What an operator relies on: a readiness check that fails when keel cannot write (and a
//! liveness check that does not), database
//! failures named with their cause, and the demo console kept to this machine and to HTTPS
//! cookies where HTTPS is used.

use crate::common::TestDb;
use crate::common::app::config_dir;
use crate::common::cli::stderr;
use crate::common::console::{Mode, TestServer};
use crate::common::test_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Connection, Executor};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

/// `GET /readyz`: its status and body (JSON when it is not `ok`).
async fn readiness(server: &TestServer) -> (StatusCode, String) {
    probe(server, "/readyz").await
}

async fn probe(server: &TestServer, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{}{path}", server.base))
        .await
        .expect("GET a probe");
    (response.status(), response.text().await.unwrap_or_default())
}

/// Something that makes every write to `db` fail until it is undone.
enum WritesRefused {
    /// Another connection holds SQLite's write lock.
    Sqlite(sqlx::SqliteConnection),
    /// The PostgreSQL database is read-only for every new session, and the old ones are gone.
    Postgres { admin_url: String, name: String },
}

impl WritesRefused {
    async fn start(db: &TestDb) -> WritesRefused {
        if db.label == "sqlite" {
            let mut lock = sqlx::SqliteConnection::connect(&db.url)
                .await
                .expect("a second connection to the SQLite file");
            lock.execute("begin immediate")
                .await
                .expect("taking the write lock");
            return WritesRefused::Sqlite(lock);
        }
        let admin_url = std::env::var("KEEL_TEST_POSTGRES_URL").expect("the PostgreSQL server");
        let name = db
            .url
            .rsplit('/')
            .next()
            .and_then(|last| last.split('?').next())
            .expect("a database name")
            .to_string();
        set_read_only(&admin_url, &name, true).await;
        WritesRefused::Postgres { admin_url, name }
    }

    async fn stop(self) {
        match self {
            WritesRefused::Sqlite(mut lock) => {
                lock.execute("rollback").await.expect("releasing the lock");
                let _ = lock.close().await;
            }
            WritesRefused::Postgres { admin_url, name } => {
                set_read_only(&admin_url, &name, false).await;
            }
        }
    }
}

/// Makes database `name` read-only (or writable again) for new sessions and ends the open ones,
/// so that keel's pool reconnects under the new default.
async fn set_read_only(admin_url: &str, name: &str, read_only: bool) {
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("the PostgreSQL server");
    let setting = if read_only {
        "set default_transaction_read_only = on"
    } else {
        "reset default_transaction_read_only"
    };
    admin
        .execute(format!(r#"alter database "{name}" {setting}"#).as_str())
        .await
        .expect("changing the database's default");
    admin
        .execute(
            format!(
                "select pg_terminate_backend(pid) from pg_stat_activity \
                 where datname = '{name}' and pid <> pg_backend_pid()"
            )
            .as_str(),
        )
        .await
        .expect("ending the database's sessions");
    let _ = admin.close().await;
}

#[tokio::test]
async fn readiness_says_unavailable_with_a_reason_while_the_database_takes_no_writes() {
    for db in test_databases().await {
        let label = db.label;
        let server = TestServer::start(&db, Mode::Closed).await;
        assert_eq!(
            readiness(&server).await,
            (StatusCode::OK, "ok".to_string()),
            "[{label}]"
        );

        let refused = WritesRefused::start(&db).await;
        assert_eq!(
            probe(&server, "/healthz").await,
            (StatusCode::OK, "ok".to_string()),
            "[{label}] alive all the same: restarting keel would not help"
        );
        let (status, body) = readiness(&server).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "[{label}] {body}");
        let body: Value = serde_json::from_str(&body).expect("a JSON reason");
        assert_eq!(body["status"], "unavailable", "[{label}] {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(
            error.starts_with("keel cannot write to its database: "),
            "[{label}] {error}"
        );
        if label == "postgres" {
            assert!(error.contains("read-only"), "[{label}] {error}");
        }

        refused.stop().await;
        assert_eq!(
            readiness(&server).await,
            (StatusCode::OK, "ok".to_string()),
            "[{label}] ready again once writes are taken"
        );
        server.stop().await;
    }
}

#[test]
fn an_unreachable_postgres_is_named_at_once_with_the_cause() {
    for url in [
        "postgres://postgres@127.0.0.1:1/x",
        "postgres://postgres:hunter2@127.0.0.1:1/x",
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_keel"))
            .arg("--config")
            .arg(config_dir())
            .arg("migrate")
            .env("KEEL_DATABASE_URL", url)
            .output()
            .expect("keel runs");
        assert_eq!(output.status.code(), Some(1));
        let said = format!("{}{}", stderr(&output), crate::common::cli::stdout(&output));
        assert!(said.contains("127.0.0.1:1"), "names the server: {said}");
        assert!(
            said.contains("connection refused"),
            "says what failed: {said}"
        );
        assert!(!said.contains("Something went wrong"), "{said}");
        assert!(!said.contains("pool timed out"), "{said}");
        assert!(
            !said.contains("hunter2"),
            "never shows the password: {said}"
        );
    }
}

/// The numeric user id this test runs as.
fn user_id() -> Option<u32> {
    let output = Command::new("id").arg("-u").output().ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

/// `keel` run as a user chmod applies to: this one, or `nobody` when the test runs as root
/// (where chmod stops no write).
fn unprivileged_keel() -> Command {
    let mut command = if user_id() == Some(0) {
        let mut setpriv = Command::new("setpriv");
        setpriv.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        setpriv.arg(env!("CARGO_BIN_EXE_keel"));
        setpriv
    } else {
        Command::new(env!("CARGO_BIN_EXE_keel"))
    };
    command.arg("--config").arg(config_dir());
    command
}

/// `keel ARGS…` on `url` as [`unprivileged_keel`]; `None`, with the reason printed, when keel
/// cannot be run that way here (no setpriv, or a binary nobody may read).
fn keel_unprivileged(url: &str, args: &[&str]) -> Option<std::process::Output> {
    let check = unprivileged_keel().arg("check").output();
    if !check.as_ref().is_ok_and(|o| o.status.success()) {
        println!(
            "SKIPPED: running as root, and keel cannot be run as nobody here (setpriv missing, or \
             the binary or config not readable by nobody): {check:?}"
        );
        return None;
    }
    let output = unprivileged_keel()
        .args(args)
        .env("KEEL_DATABASE_URL", url)
        .output()
        .expect("keel runs");
    Some(output)
}

#[test]
fn a_read_only_sqlite_database_is_named_with_what_is_read_only_and_what_to_do() {
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("keel.db");
    let url = format!("sqlite://{}", file.display());
    let created = Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("--config")
        .arg(config_dir())
        .arg("migrate")
        .env("KEEL_DATABASE_URL", &url)
        .output()
        .expect("keel runs");
    assert!(created.status.success(), "{}", stderr(&created));
    let mode = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    };
    mode(&file, 0o444);
    mode(dir.path(), 0o555);
    let output = keel_unprivileged(&url, &["migrate"]);
    mode(dir.path(), 0o755);
    mode(&file, 0o644);
    let Some(output) = output else { return };
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        said.contains(&file.display().to_string()),
        "names the file: {said}"
    );
    assert!(
        said.contains("read-only"),
        "says the file is read-only: {said}"
    );
    assert!(
        said.contains("not writable"),
        "says the folder is not writable: {said}"
    );
    assert!(said.contains("writable by the user keel runs as"), "{said}");
    assert!(!said.contains("Something went wrong"), "{said}");
}

#[tokio::test]
async fn the_demo_console_answers_only_requests_addressed_to_this_machine() {
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let port = server.base.rsplit(':').next().expect("a port").to_string();
        let client = reqwest::Client::new();
        let with_host = |host: String| {
            client
                .get(format!("{}/console/api/people?q=rachel", server.base))
                .header("host", host)
                .send()
        };
        // A page on evil.example whose name was made to resolve to 127.0.0.1 (DNS rebinding).
        let rebound = with_host(format!("evil.example:{port}"))
            .await
            .expect("request");
        assert_eq!(
            rebound.status(),
            StatusCode::MISDIRECTED_REQUEST,
            "[{}]",
            db.label
        );
        let text = rebound.text().await.unwrap_or_default();
        assert!(text.contains("http://127.0.0.1:"), "{text}");
        let picked = client
            .post(format!("{}/console/api/session", server.base))
            .header("host", format!("evil.example:{port}"))
            .json(&json!({ "person": "S004" }))
            .send()
            .await
            .expect("request");
        assert_eq!(picked.status(), StatusCode::MISDIRECTED_REQUEST);
        assert!(picked.headers().get("set-cookie").is_none());

        for host in [
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ] {
            let response = with_host(host.clone()).await.expect("request");
            assert_ne!(
                response.status(),
                StatusCode::MISDIRECTED_REQUEST,
                "[{}] {host}",
                db.label
            );
        }
        server.stop().await;
    }
}

/// The Set-Cookie of picking a person in the demo, with these extra headers.
async fn session_cookie(server: &TestServer, headers: &[(&str, &str)]) -> String {
    let mut request = reqwest::Client::new()
        .post(format!("{}/console/api/session", server.base))
        .json(&json!({ "person": "S004" }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("picking a person");
    assert_eq!(response.status(), StatusCode::OK);
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_console_cookie_is_secure_when_the_console_is_served_over_https() {
    for db in test_databases().await {
        let label = db.label;
        let plain = TestServer::start(&db, Mode::Demo).await;
        let cookie = session_cookie(&plain, &[]).await;
        assert!(!cookie.contains("Secure"), "[{label}] plain HTTP: {cookie}");
        let cookie = session_cookie(&plain, &[("x-forwarded-proto", "https")]).await;
        assert!(
            cookie.contains("; Secure"),
            "[{label}] behind a TLS proxy: {cookie}"
        );
        plain.stop().await;

        let public = TestServer::start_with_env(
            &db,
            Mode::Demo,
            &[("KEEL_SERVER_PUBLIC_URL", "https://keel.example.com")],
        )
        .await;
        let cookie = session_cookie(&public, &[]).await;
        assert!(
            cookie.contains("; Secure"),
            "[{label}] an https public_url: {cookie}"
        );
        public.stop().await;
    }
}
