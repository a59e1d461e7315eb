//! keel's logs as an operator reads them: `KEEL_LOG_FORMAT=json` gives one JSON object a line,
//! an HTTP request's id (`X-Request-Id`) follows it into the log and to the delivery of the
//! notifications it queued, and text logs carry no colour codes when standard error is a pipe.

use crate::common::TestDb;
use crate::common::app::{TestApp, config_dir};
use crate::common::test_databases;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, Command};

const TOKEN: &str = "ops-logs-test-token-0123456789abcdef";

/// `keel serve` on `db` with `env`, its standard error piped: the process, its base URL and
/// its log lines.
async fn serve(
    db: &TestDb,
    env: &[(&str, &str)],
) -> (Child, String, Lines<BufReader<ChildStderr>>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("--config")
        .arg(config_dir())
        .arg("serve")
        .env("KEEL_DATABASE_URL", &db.url)
        .env("KEEL_SERVER_BIND", "127.0.0.1:0")
        .env("KEEL_API_TOKEN", TOKEN)
        .env("KEEL_SCHEDULER_TICK_SECONDS", "1")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("keel serve starts");
    let address = crate::crash::printed_address(&mut child).await;
    let stderr = child.stderr.take().expect("stderr is piped");
    (child, address, BufReader::new(stderr).lines())
}

/// Reads log lines until one satisfies `wanted` (a generous minute); every line read so far.
async fn read_until(
    lines: &mut Lines<BufReader<ChildStderr>>,
    seen: &mut Vec<String>,
    wanted: impl Fn(&str) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while let Ok(Ok(Some(line))) = tokio::time::timeout_at(deadline, lines.next_line()).await {
        let found = wanted(&line);
        seen.push(line);
        if found {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn json_logs_carry_the_request_id_from_http_to_the_delivery_it_caused() {
    for db in test_databases().await {
        let label = db.label;
        drop(TestApp::start(&db).await); // imports the directory and projects
        let env = [("KEEL_LOG_FORMAT", "json"), ("RUST_LOG", "keel=debug,warn")];
        let (mut child, base, mut lines) = serve(&db, &env).await;
        let response = reqwest::Client::new()
            .post(format!("{base}/api/v1/requests"))
            .bearer_auth(TOKEN)
            .header("x-request-id", "ops-trace-42")
            .json(&json!({
                "workflow": "change_order",
                "as": "S020",
                "fields": { "project": "P001", "amount": "14000", "reason": "traced" },
            }))
            .send()
            .await
            .expect("a submission");
        assert_eq!(response.status(), reqwest::StatusCode::CREATED, "[{label}]");
        assert_eq!(
            response.headers()["x-request-id"],
            "ops-trace-42",
            "[{label}]"
        );

        let mut seen = Vec::new();
        let delivered = read_until(&mut lines, &mut seen, |line| {
            line.contains("\"delivery\"") && line.contains("ops-trace-42")
        })
        .await;
        child.start_kill().expect("SIGKILL");
        assert!(
            delivered,
            "[{label}] the delivery logs the request id: {seen:#?}"
        );
        let logged: Vec<Value> = seen
            .iter()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|_| panic!("[{label}] not JSON: {line}"))
            })
            .collect();
        let answered = logged.iter().find(|entry| {
            entry["fields"]["message"] == "answered"
                && entry["span"]["request_id"] == "ops-trace-42"
        });
        let answered = answered.unwrap_or_else(|| panic!("[{label}] the HTTP span: {seen:#?}"));
        assert_eq!(answered["span"]["route"], "/api/v1/requests", "[{label}]");
        assert_eq!(answered["fields"]["status"], 201, "[{label}]");
        let delivery = logged.last().expect("the delivery's line");
        assert_eq!(delivery["span"]["name"], "delivery", "[{label}] {delivery}");
        assert_eq!(
            delivery["span"]["request_id"], "ops-trace-42",
            "[{label}] {delivery}"
        );
        assert!(
            seen.iter().all(|line| !line.contains(TOKEN)),
            "[{label}] the token is never logged"
        );
    }
}

#[tokio::test]
async fn text_logs_to_a_pipe_carry_no_colour_codes() {
    for db in test_databases().await {
        let label = db.label;
        let (mut child, _, mut lines) = serve(&db, &[]).await;
        let mut seen = Vec::new();
        let serving = read_until(&mut lines, &mut seen, |line| {
            line.contains("keel is serving")
        })
        .await;
        child.start_kill().expect("SIGKILL");
        assert!(serving, "[{label}] {seen:#?}");
        assert!(
            seen.iter().all(|line| !line.contains('\u{1b}')),
            "[{label}] no ANSI escapes: {seen:#?}"
        );
    }
}

#[test]
fn an_unknown_log_format_is_refused_with_what_to_write() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("--config")
        .arg(config_dir())
        .arg("check")
        .env("KEEL_LOG_FORMAT", "yaml")
        .output()
        .expect("keel runs");
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("KEEL_LOG_FORMAT is `yaml`"), "{said}");
    assert!(said.contains("`json`"), "{said}");
}
