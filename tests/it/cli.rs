//! The command line as a newcomer and a script use it, on SQLite and PostgreSQL.

use crate::common::app::{config_dir, copy_dir, demo_data};
use crate::common::cli::{LARGE_CHANGE_ORDER, keel, keel_ok, stderr, stdout};

#[test]
fn the_demo_config_checks_clean() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["check", config_dir().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("OK"));
}

#[test]
fn a_broken_workflow_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&config_dir(), dir.path());
    let workflow = dir.path().join("workflows/change_order.toml");
    let mut text = std::fs::read_to_string(&workflow).unwrap();
    text.push_str("\n[[rules]]\nname = \"broken\"\noutcome = \"approve\"\nwhen = \"request.amountt > 5\"\nreason = \"x\"\n");
    let broken_line = 1 + text.lines().position(|l| l.contains("amountt")).unwrap();
    std::fs::write(&workflow, text).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = stderr(&output);
    assert!(
        report.contains(&format!("change_order.toml:{broken_line}")),
        "{report}"
    );
    assert!(
        report.contains("amount"),
        "the hint names the field: {report}"
    );
}

#[tokio::test]
async fn the_whole_company_imports_once_and_again_changes_nothing() {
    for db in crate::common::test_databases().await {
        let config = config_dir();
        let data = demo_data();
        let first = keel_ok(&db, &config, &["import-all", data.to_str().unwrap()]);
        assert!(
            first.contains("Pending approvals: 4"),
            "[{}] {first}",
            db.label
        );
        let again = keel_ok(&db, &config, &["import-all", data.to_str().unwrap()]);
        assert!(
            again.contains("\n0 change(s) in all"),
            "[{}] {again}",
            db.label
        );
        let history = keel_ok(
            &db,
            &config,
            &["request", "show", "CO-1001", "--format", "json"],
        );
        let json: serde_json::Value = serde_json::from_str(&history).unwrap();
        assert_eq!(json["status"], "approved");
        let pending = keel_ok(&db, &config, &["requests", "--pending-for", "S002"]);
        assert!(pending.contains("CO-1461"), "[{}] {pending}", db.label);
        assert!(keel_ok(&db, &config, &["audit", "verify"]).contains("intact"));
    }
}

#[tokio::test]
async fn a_request_goes_through_its_life_cycle_from_the_command_line() {
    for db in crate::common::test_databases().await {
        let config = config_dir();
        for (record_type, file) in [
            ("staff", "staff.csv"),
            ("client", "clients.csv"),
            ("vendor", "vendors.csv"),
            ("project", "projects.csv"),
        ] {
            keel_ok(
                &db,
                &config,
                &[
                    "import",
                    record_type,
                    demo_data().join(file).to_str().unwrap(),
                ],
            );
        }
        let submit = [
            "request",
            "submit",
            "change_order",
            "--as",
            "gus.usman@harborridge.example",
        ];
        let id = keel_ok(
            &db,
            &config,
            &[&submit[..], &LARGE_CHANGE_ORDER[..]].concat(),
        )
        .trim()
        .to_string();
        assert!(id.starts_with("CO-"), "{id}");
        let waiting = keel_ok(&db, &config, &["requests", "--pending-for", "S004"]);
        assert!(waiting.contains(&id), "[{}] {waiting}", db.label);

        let no_reason = keel(
            &db,
            &config,
            &["request", "act", &id, "reject", "--as", "S004"],
        );
        assert_eq!(no_reason.status.code(), Some(1));
        assert!(
            stderr(&no_reason).contains("reason is required"),
            "{}",
            stderr(&no_reason)
        );
        let own = keel(
            &db,
            &config,
            &["request", "act", &id, "approve", "--as", "S020"],
        );
        assert!(
            stderr(&own).contains("your own request"),
            "{}",
            stderr(&own)
        );
        keel_ok(
            &db,
            &config,
            &["request", "act", &id, "approve", "--as", "S004"],
        );
        let shown = keel_ok(&db, &config, &["request", "show", &id]);
        assert!(shown.contains("approved"), "{shown}");

        let bad = keel(
            &db,
            &config,
            &[
                "request",
                "submit",
                "change_order",
                "--as",
                "S020",
                "--field",
                "amount=lots",
            ],
        );
        assert_eq!(bad.status.code(), Some(1));
        assert!(stderr(&bad).contains("amount"), "{}", stderr(&bad));
        let unknown = keel(
            &db,
            &config,
            &["request", "submit", "holiday", "--as", "S020"],
        );
        assert!(
            stderr(&unknown).contains("no workflow"),
            "{}",
            stderr(&unknown)
        );

        let csv = keel_ok(&db, &config, &["audit", "export", "--format", "csv"]);
        assert!(csv.starts_with("seq,at,request_id"), "{csv}");
        let jsonl = keel_ok(&db, &config, &["audit", "export", "--format", "jsonl"]);
        assert_eq!(jsonl.lines().count(), csv.lines().count() - 1);
    }
}

#[tokio::test]
async fn a_tampered_audit_row_is_detected_and_named() {
    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    for db in crate::common::test_databases().await {
        let config = config_dir();
        keel_ok(
            &db,
            &config,
            &[
                "import",
                "staff",
                demo_data().join("staff.csv").to_str().unwrap(),
            ],
        );
        keel_ok(
            &db,
            &config,
            &[
                "delegate", "--as", "S004", "--to", "S003", "--until", &until,
            ],
        );
        keel_ok(
            &db,
            &config,
            &[
                "delegate", "--as", "S009", "--to", "S004", "--until", &until,
            ],
        );
        keel_ok(
            &db,
            &config,
            &[
                "delegate", "--as", "S010", "--to", "S004", "--until", &until,
            ],
        );
        assert!(keel_ok(&db, &config, &["audit", "verify"]).contains("3 events"));

        db.execute("update events set reason = 'nothing to see' where seq = 2")
            .await;
        let edited = keel(&db, &config, &["audit", "verify"]);
        assert_eq!(edited.status.code(), Some(1));
        assert!(
            stderr(&edited).contains("event 2"),
            "[{}] {}",
            db.label,
            stderr(&edited)
        );
    }
}

#[tokio::test]
async fn the_slack_manifest_is_yaml_with_every_command_and_the_urls_of_the_chosen_mode() {
    let databases = crate::common::test_databases().await;
    let db = &databases[0];
    let run = |mode: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
            .args(["--config"])
            .arg(config_dir())
            .args(["slack", "manifest", "--url", "https://keel.example.com/"])
            .env("KEEL_DATABASE_URL", &db.url)
            .env("KEEL_SLACK_MODE", mode)
            .output()
            .expect("keel runs");
        assert!(output.status.success(), "{}", stderr(&output));
        let yaml: serde_yaml::Value =
            serde_yaml::from_slice(&output.stdout).expect("the manifest is YAML");
        serde_json::to_value(yaml).expect("as JSON")
    };
    let http = run("http");
    let commands: Vec<&str> = http["features"]["slash_commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    for command in ["/changeorder", "/expense", "/po", "/keel"] {
        assert!(commands.contains(&command), "{command} in {commands:?}");
    }
    assert_eq!(
        http["settings"]["interactivity"]["request_url"],
        "https://keel.example.com/slack/interactions"
    );
    assert_eq!(http["settings"]["socket_mode_enabled"], false);
    let scopes = http["oauth_config"]["scopes"]["bot"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Posting, and reading back a post whose answer was lost (DMs, public and private channels).
    for scope in [
        "chat:write",
        "im:write",
        "im:history",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
    ] {
        assert!(scopes.contains(&scope.into()), "{scope} in {scopes:?}");
    }
    let socket = run("socket");
    assert_eq!(socket["settings"]["socket_mode_enabled"], true);
    assert!(
        socket["settings"]["interactivity"]
            .get("request_url")
            .is_none()
    );
}
