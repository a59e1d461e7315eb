//! `keel demo` as a newcomer runs it: the real binary, from a folder with no config in it,
//! offline; it imports the demo company once, serves the console, stops cleanly at Ctrl-C even
//! with a live stream open, and reuses its database at the next start.

use reqwest::StatusCode;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Demo {
    child: Child,
    address: String,
    /// What it printed before it was ready.
    printed: Vec<String>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `keel demo` in `cwd` keeping its data in `home`, and waits for its address.
fn start_demo(cwd: &std::path::Path, home: &std::path::Path) -> Demo {
    let child = Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["demo", "--bind", "127.0.0.1:0", "--dir"])
        .arg(home)
        .current_dir(cwd)
        .env_remove("KEEL_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("keel demo starts");
    // Owned by `Demo` at once, so that a failed start still kills it.
    let mut demo = Demo {
        child,
        address: String::new(),
        printed: Vec::new(),
    };
    let stdout = demo.child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        // Reads to the end, so that keel never writes into a closed pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    loop {
        let line = received
            .recv_timeout(Duration::from_secs(240))
            .unwrap_or_else(|_| {
                panic!("keel demo did not say where it listens: {:?}", demo.printed)
            });
        if let Some(rest) = line.strip_prefix("keel demo is running: open http://") {
            demo.address = rest.trim_end_matches("/console").to_string();
            return demo;
        }
        demo.printed.push(line);
    }
}

/// Sends Ctrl-C (SIGINT) and waits for the exit status.
fn interrupt(demo: &mut Demo) -> std::process::ExitStatus {
    let pid = demo.child.id().to_string();
    let sent = Command::new("kill").args(["-INT", &pid]).status();
    assert!(sent.is_ok_and(|s| s.success()), "sending SIGINT");
    for _ in 0..200 {
        if let Some(status) = demo.child.try_wait().expect("waiting") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("keel demo did not stop within 10 s of Ctrl-C");
}

#[tokio::test]
async fn keel_demo_runs_from_any_folder_stops_at_ctrl_c_and_reuses_its_database() {
    let folder = tempfile::tempdir().expect("a folder with nothing in it");
    let home = folder.path().join("demo-home");
    let mut demo = start_demo(folder.path(), &home);
    assert!(
        demo.printed.iter().any(|l| l.starts_with("Imported ")),
        "the first start imports the company: {:?}",
        demo.printed
    );
    let base = format!("http://{}", demo.address);
    let page = reqwest::get(format!("{base}/")).await.expect("GET /");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap_or_default()
            .contains("keel console")
    );
    let script = reqwest::get(format!("{base}/console/assets/console.js"))
        .await
        .expect("GET console.js");
    assert_eq!(script.status(), StatusCode::OK);

    let client = reqwest::Client::new();
    let session = client
        .post(format!("{base}/console/api/session"))
        .json(&json!({ "person": "rachel.kim@harborridge.example" }))
        .send()
        .await
        .expect("pick a person");
    assert_eq!(session.status(), StatusCode::OK);
    let cookie = crate::common::console::cookie_of(&session);
    let approvals = client
        .post(format!("{base}/console/api/messages"))
        .header("cookie", &cookie)
        .json(&json!({ "conversation": "@S004", "text": "/keel approvals" }))
        .send()
        .await
        .expect("/keel approvals");
    let body: serde_json::Value = approvals.json().await.expect("json");
    let reply = body["effects"][0]["text"].as_str().unwrap_or_default();
    assert!(reply.contains("waiting for you"), "{reply}");
    // The history was moved by whole weeks to end in the current week: CO-1461, submitted
    // three days before the data's last day (2026-11-17T10:00Z), was submitted 3 to 10 days ago.
    let cfo = client
        .post(format!("{base}/console/api/session"))
        .json(&json!({ "person": "dana.whitfield@harborridge.example" }))
        .send()
        .await
        .expect("pick the CFO, who is to decide CO-1461");
    let request: serde_json::Value = client
        .get(format!("{base}/console/api/requests/CO-1461"))
        .header("cookie", crate::common::console::cookie_of(&cfo))
        .send()
        .await
        .expect("CO-1461")
        .json()
        .await
        .expect("json");
    let submitted: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(request["submitted_at"].clone()).expect("a time");
    let in_file: chrono::DateTime<chrono::Utc> = "2026-11-17T10:00:00Z".parse().unwrap();
    let moved = submitted - in_file;
    assert_eq!(moved.num_seconds() % (7 * 86_400), 0, "{submitted}");
    let ago = (chrono::Utc::now() - submitted).num_days();
    assert!(
        (3..=10).contains(&ago),
        "submitted {submitted}, {ago} days ago"
    );
    let stream = client
        .get(format!("{base}/console/api/stream"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("live stream");
    assert_eq!(stream.status(), StatusCode::OK);

    let status = interrupt(&mut demo);
    assert!(status.success(), "keel demo exited with {status}");
    drop(stream);
    assert!(home.join("keel.db").exists());
    assert!(
        std::fs::read_dir(folder.path())
            .expect("listing")
            .filter_map(Result::ok)
            .all(|entry| entry.file_name() == "demo-home"),
        "keel demo wrote outside its folder"
    );

    let mut again = start_demo(folder.path(), &home);
    assert!(
        !again.printed.iter().any(|l| l.starts_with("Imported ")),
        "the second start reuses the database: {:?}",
        again.printed
    );
    // The person picked before the restart is still signed in: the session key is kept in
    // the demo folder, readable by its owner only.
    let me = client
        .get(format!("http://{}/console/api/me", again.address))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("who am I after a restart");
    assert_eq!(
        me.status(),
        StatusCode::OK,
        "the session survives a restart"
    );
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(me["person"]["id"], "S004");
    let secret = std::fs::metadata(home.join("console-secret")).expect("the session key file");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&secret.permissions()) & 0o777,
        0o600
    );
    let status = interrupt(&mut again);
    assert!(status.success(), "the second start exited with {status}");
}
