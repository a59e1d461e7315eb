//! Nothing acknowledged is lost: `keel serve` killed with SIGKILL in the middle of a burst of
//! submissions and restarted keeps every request it acknowledged, duplicates none, and its
//! audit trail verifies.

use crate::common::app::{TestApp, config_dir};
use crate::common::cli::keel_ok;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const TOKEN: &str = "crash-test-token-0123456789abcdef0123";

async fn start_server(db: &crate::common::TestDb) -> (Child, String) {
    start_server_with(db, &[]).await
}

/// `keel serve` on `db` with more environment variables (Slack's, say); the process and its
/// base URL. Its REST API takes [`TOKEN`].
pub async fn start_server_with(
    db: &crate::common::TestDb,
    env: &[(&str, String)],
) -> (Child, String) {
    start_server_in(&config_dir(), db, env).await
}

/// As [`start_server_with`], with the config in `dir`.
pub async fn start_server_in(
    dir: &std::path::Path,
    db: &crate::common::TestDb,
    env: &[(&str, String)],
) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("--config")
        .arg(dir)
        .arg("serve")
        .env("KEEL_DATABASE_URL", &db.url)
        .env("KEEL_SERVER_BIND", "127.0.0.1:0")
        .env("KEEL_API_TOKEN", TOKEN)
        .envs(env.iter().map(|(name, value)| (*name, value)))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("keel serve starts");
    let address = printed_address(&mut child).await;
    (child, address)
}

/// The base URL `keel serve` prints on its standard output (piped) once it listens.
pub async fn printed_address(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("keel serve prints its address")
        .expect("readable stdout")
        .expect("a line");
    line.trim()
        .rsplit(' ')
        .next()
        .expect("an address")
        .to_string()
}

/// Submits Gus's change order of `amount` on P001 through the REST API with idempotency key
/// `key`: its id, or why it was not acknowledged.
pub async fn submit_change_order(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    amount: &str,
) -> Result<String, String> {
    let body = serde_json::json!({
        "workflow": "change_order",
        "as": "S020",
        "fields": { "project": "P001", "amount": amount, "reason": "burst" },
        "idempotency_key": key,
    });
    let response = client
        .post(format!("{base}/api/v1/requests"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != reqwest::StatusCode::CREATED {
        return Err(format!("status {}", response.status()));
    }
    let json: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    Ok(json["id"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn a_killed_server_loses_no_acknowledged_request() {
    for db in crate::common::test_databases().await {
        drop(TestApp::start(&db).await); // imports the directory and projects
        let (mut server, base) = start_server(&db).await;
        let client = reqwest::Client::new();
        let acknowledged: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
        let mut workers = Vec::new();
        for worker in 0..8 {
            let (client, base, acknowledged) = (client.clone(), base.clone(), acknowledged.clone());
            workers.push(tokio::spawn(async move {
                for n in 0.. {
                    let key = format!("w{worker}-{n}");
                    match submit_change_order(&client, &base, &key, "9000.00").await {
                        Ok(id) => {
                            acknowledged.lock().unwrap().insert(key, id);
                        }
                        Err(_) => return n,
                    }
                }
                unreachable!()
            }));
        }
        // Let the burst run, then kill the server mid-flight.
        while acknowledged.lock().unwrap().len() < 150 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.start_kill().expect("SIGKILL");
        server.wait().await.expect("server exits");
        let mut attempted = 0;
        for worker in workers {
            attempted += worker.await.unwrap() + 1;
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        assert!(acknowledged.len() >= 150, "[{}]", db.label);

        let (mut server, base) = start_server(&db).await;
        for (key, id) in &acknowledged {
            let again = submit_change_order(&client, &base, key, "9000.00")
                .await
                .expect("resubmission");
            assert_eq!(
                &again, id,
                "[{}] an acknowledged request keeps its id",
                db.label
            );
            let shown = client
                .get(format!("{base}/api/v1/requests/{id}"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(
                shown.status(),
                reqwest::StatusCode::OK,
                "[{}] {id} survived",
                db.label
            );
        }
        server.start_kill().expect("SIGKILL");
        server.wait().await.expect("server exits");

        let keel = TestApp::start(&db).await.keel;
        let stored = keel.list_requests(&Default::default()).await.unwrap();
        assert!(stored.len() >= acknowledged.len(), "[{}]", db.label);
        assert!(
            stored.len() <= attempted,
            "[{}] no duplicates: {} for {attempted} keys",
            db.label,
            stored.len()
        );
        let verified = keel_ok(&db, &config_dir(), &["audit", "verify"]);
        assert!(verified.contains("intact"), "[{}] {verified}", db.label);
    }
}
