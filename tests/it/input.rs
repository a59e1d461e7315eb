//! Input from outside that must be refused before anything is stored, on every surface, on
//! SQLite and PostgreSQL: an idempotency key reused with another submission, amounts outside
//! their field's bounds, NUL characters, a step that does not exist; and stored text that must
//! not steer a terminal.

use crate::common::app::{TestApp, config_dir, copy_dir};
use crate::common::cli::{keel, stderr, stdout};
use crate::common::console::{Mode, TestServer, form_errors, reply, submitted_id};
use crate::common::test_databases;
use keel::domain::Request;
use keel::service::{NewRequest, ServiceError, UserError};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A REST API token as strong as an operator would set.
const TOKEN: &str = "input-tests-api-token-0123456789abcdef";

/// keel serving the REST API (and, in the demo mode, the console to anyone).
async fn start(db: &crate::common::TestDb, mode: Mode) -> TestServer {
    TestServer::start_with_env(db, mode, &[("KEEL_API_TOKEN", TOKEN)]).await
}

/// `POST path` with the API token; the status and the JSON answer.
async fn post(server: &TestServer, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", server.base))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .expect("POST to keel");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `GET path` with the API token.
async fn get(server: &TestServer, path: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("GET from keel");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn change_order(amount: &str, reason: &str) -> Value {
    json!({ "project": "P001", "amount": amount, "reason": reason })
}

fn expense(amount: &str) -> Value {
    json!({ "category": "fuel", "amount": amount, "spent_on": "2026-11-20" })
}

async fn stored_requests(app: &TestApp) -> usize {
    app.keel
        .list_requests(&Default::default())
        .await
        .expect("listing requests")
        .len()
}

/// A change order of S020 on P001 at 9,000: one step, waiting for Diana Brooks (S016).
async fn pending_change_order(app: &TestApp, reason: &str) -> Request {
    let fields = [("project", "P001"), ("amount", "9000"), ("reason", reason)];
    app.submit("change_order", "S020", &fields).await
}

fn error_of(body: &Value) -> String {
    body["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn an_idempotency_key_reused_with_another_submission_is_refused_over_rest() {
    for db in test_databases().await {
        let server = start(&db, Mode::Closed).await;
        let label = db.label;
        let submit = |workflow: &str, requester: &str, fields: Value| {
            json!({ "workflow": workflow, "as": requester, "fields": fields,
                "idempotency_key": "client-42" })
        };
        let first = submit("change_order", "S020", change_order("9000", "Rock"));
        let (status, body) = post(&server, "/api/v1/requests", &first).await;
        assert_eq!(status, StatusCode::CREATED, "[{label}] {body}");
        let id = body["id"].as_str().expect("an id").to_string();

        // A retry, even with the same values written differently, is the same request.
        for again in [
            first.clone(),
            submit(
                "change_order",
                "gus.usman@harborridge.example",
                change_order("9,000.00", " Rock "),
            ),
        ] {
            let (status, body) = post(&server, "/api/v1/requests", &again).await;
            assert_eq!(status, StatusCode::CREATED, "[{label}] {body}");
            assert_eq!(body["id"], id.as_str(), "[{label}]");
        }

        // Anything else under the same key is refused, naming the request it gave.
        let other_values = submit("change_order", "S020", change_order("9500", "Rock"));
        let other_workflow = submit("expense", "S020", expense("40"));
        for (attempt, says) in [
            (other_values, "with other values"),
            (other_workflow, "a request of another workflow"),
        ] {
            let (status, body) = post(&server, "/api/v1/requests", &attempt).await;
            assert_eq!(status, StatusCode::CONFLICT, "[{label}] {body}");
            let error = error_of(&body);
            assert!(
                error.contains(&format!("already used for {id}")) && error.contains(says),
                "[{label}] {error}"
            );
        }
        // Another person learns nothing of whose request it was.
        let theirs = submit("change_order", "S016", change_order("9000", "Rock"));
        let (status, body) = post(&server, "/api/v1/requests", &theirs).await;
        assert_eq!(status, StatusCode::CONFLICT, "[{label}] {body}");
        let error = error_of(&body);
        assert!(
            error.contains("another person's request") && !error.contains(&id),
            "[{label}] {error}"
        );

        assert_eq!(stored_requests(&server.app).await, 1, "[{label}]");
        let (_, shown) = get(&server, &format!("/api/v1/requests/{id}")).await;
        assert_eq!(shown["fields"]["amount"], "9000.00", "[{label}] {shown}");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_reused_form_nonce_or_key_with_other_values_is_refused_in_the_console_and_the_service() {
    for db in test_databases().await {
        let server = start(&db, Mode::Demo).await;
        let label = db.label;
        let gus = server.sign_in("S020").await;
        let values = change_order("9000", "Rock at footing 4");
        let effects = gus
            .submit_form("submit:change_order", "n-1", values.clone())
            .await;
        let id = submitted_id(&reply(&effects));
        let effects = gus.submit_form("submit:change_order", "n-1", values).await;
        assert_eq!(
            submitted_id(&reply(&effects)),
            id,
            "[{label}] a double click"
        );

        let effects = gus
            .submit_form("submit:change_order", "n-1", change_order("9500", "Rock"))
            .await;
        let errors = form_errors(&effects);
        assert!(
            errors.iter().any(|(_, message)| message
                .contains(&format!("already used for {id}, with other values"))),
            "[{label}] {errors:?}"
        );

        // The service the command line uses answers the same way.
        let new = |amount: &str| NewRequest {
            workflow: "change_order".into(),
            requester: "S020".into(),
            fields: vec![
                ("project".into(), "P001".into()),
                ("amount".into(), amount.into()),
                ("reason".into(), "Rock".into()),
            ],
            idempotency_key: Some("cli-7".into()),
        };
        let first = server
            .app
            .keel
            .submit(new("3000"))
            .await
            .expect("submitted");
        let again = server
            .app
            .keel
            .submit(new("3000.00"))
            .await
            .expect("a retry");
        assert_eq!(again.id, first.id, "[{label}]");
        let refused = server.app.keel.submit(new("3100")).await.unwrap_err();
        assert!(
            matches!(&refused, ServiceError::User(UserError::KeyReused(m)) if m.contains(&first.id)),
            "[{label}] {refused}"
        );
        assert_eq!(stored_requests(&server.app).await, 2, "[{label}]");
        server.stop().await;
    }
}

#[tokio::test]
async fn amounts_of_zero_or_less_are_refused_next_to_the_field_and_nothing_is_stored() {
    for db in test_databases().await {
        let server = start(&db, Mode::Demo).await;
        let label = db.label;
        for amount in ["-5", "0", "-0.01"] {
            let body = json!({ "workflow": "change_order", "as": "S020",
                "fields": change_order(amount, "Credit") });
            let (status, body) = post(&server, "/api/v1/requests", &body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}] {body}");
            assert!(
                error_of(&body).contains("amount: must be at least 0.01"),
                "[{label}] {body}"
            );
        }
        let refused = server
            .app
            .try_submit(
                "expense",
                "S020",
                &[
                    ("category", "fuel"),
                    ("amount", "-50"),
                    ("spent_on", "2026-11-20"),
                ],
            )
            .await
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("amount: must be at least 0.01"),
            "[{label}] {refused}"
        );

        let gus = server.sign_in("S020").await;
        let effects = gus
            .submit_form("submit:expense", "n-2", expense("-50"))
            .await;
        assert_eq!(
            form_errors(&effects),
            [("amount".to_string(), "must be at least 0.01".to_string())],
            "[{label}]"
        );
        assert_eq!(stored_requests(&server.app).await, 0, "[{label}]");

        // The smallest amount allowed goes through as before.
        let effects = gus
            .submit_form("submit:expense", "n-3", expense("0.01"))
            .await;
        assert!(
            reply(&effects).contains("submitted"),
            "[{label}] {effects:?}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_nul_character_is_refused_on_every_surface_and_nothing_is_stored() {
    for db in test_databases().await {
        let server = start(&db, Mode::Demo).await;
        let label = db.label;
        let with_nul = json!({ "workflow": "change_order", "as": "S020",
            "fields": change_order("9000", "a\u{0}b") });
        let (status, body) = post(&server, "/api/v1/requests", &with_nul).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}] {body}");
        assert!(
            error_of(&body).contains("reason: contains a NUL character"),
            "[{label}] {body}"
        );
        let bad_key = json!({ "workflow": "change_order", "as": "S020",
            "fields": change_order("9000", "Rock"), "idempotency_key": "k\u{0}" });
        let (status, body) = post(&server, "/api/v1/requests", &bad_key).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}] {body}");
        assert_eq!(stored_requests(&server.app).await, 0, "[{label}]");

        let request = pending_change_order(&server.app, "Rock").await;
        let path = format!("/api/v1/requests/{}/actions", request.id);
        for action in ["comment", "reject", "cancel"] {
            let actor = if action == "cancel" { "S020" } else { "S016" };
            let body = json!({ "as": actor, "action": action, "reason": "a\u{0}b" });
            let (status, body) = post(&server, &path, &body).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "[{label}] {action}: {body}"
            );
            assert!(
                error_of(&body).contains("The reason contains a NUL character"),
                "[{label}] {body}"
            );
        }
        let (status, body) = get(&server, "/api/v1/requests/CO-1001%00").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "[{label}] {body}");

        let gus = server.sign_in("S020").await;
        let (status, body) = gus
            .post(
                "/console/api/messages",
                &json!({ "conversation": "#change-orders", "text": "hi\u{0}" }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}] {body}");
        let effects = gus
            .submit_form(
                &format!("comment:{}:0", request.id),
                "n-4",
                json!({ "reason": "a\u{0}b" }),
            )
            .await;
        assert_eq!(form_errors(&effects).len(), 1, "[{label}] {effects:?}");
        assert_eq!(form_errors(&effects)[0].0, "reason", "[{label}]");

        assert_eq!(
            server.app.actions(&request.id).await,
            ["submitted", "routed"],
            "[{label}] nothing was recorded"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_step_that_does_not_exist_is_named_as_such_over_rest() {
    for db in test_databases().await {
        let server = start(&db, Mode::Closed).await;
        let label = db.label;
        let request = pending_change_order(&server.app, "Rock").await;
        let path = format!("/api/v1/requests/{}/actions", request.id);
        let body = json!({ "as": "S016", "action": "approve", "step": 5 });
        let (status, body) = post(&server, &path, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}] {body}");
        assert_eq!(
            error_of(&body),
            format!(
                "{} has no step 6 (\"step\": 5, counted from 0): its approval chain has 1 step, \
                 and it waits at step 1 (\"step\": 0). Nothing was changed.",
                request.id
            ),
            "[{label}]"
        );
        let body = json!({ "as": "S016", "action": "approve", "step": 0 });
        let (status, body) = post(&server, &path, &body).await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");
        assert_eq!(body["status"], "approved", "[{label}]");
        server.stop().await;
    }
}

#[tokio::test]
async fn request_show_prints_control_characters_and_bidi_overrides_as_visible_escapes() {
    for db in test_databases().await {
        let app = TestApp::start(&db).await;
        let label = db.label;
        let reason = "Rock\u{202e}gnp.exe\u{1b}[2J\rforged\nline";
        let request = pending_change_order(&app, reason).await;
        let output = keel(&db, &config_dir(), &["request", "show", &request.id]);
        assert!(output.status.success(), "[{label}] {}", stderr(&output));
        let text = stdout(&output);
        assert!(
            text.contains("reason: Rock\\u{202e}gnp.exe\\u{1b}[2J\\rforged\\nline"),
            "[{label}] {text}"
        );
        assert!(
            !text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "[{label}] {text:?}"
        );
        let output = keel(
            &db,
            &config_dir(),
            &["request", "show", &request.id, "--format", "json"],
        );
        let json = stdout(&output);
        assert!(!json.contains('\u{202e}'), "[{label}] {json}");
        let value: Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(value["fields"]["reason"], reason, "[{label}]");
    }
}

#[test]
fn keel_check_warns_about_a_money_field_without_a_min_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&config_dir(), dir.path());
    let workflow = dir.path().join("workflows/expense.toml");
    let text = std::fs::read_to_string(&workflow).unwrap();
    let text: String = text
        .lines()
        .filter(|line| !line.starts_with("min = "))
        .map(|line| format!("{line}\n"))
        .collect();
    let amount_line = 1 + text.lines().position(|l| l == "name = \"amount\"").unwrap();
    std::fs::write(&workflow, text).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_keel"))
        .args(["check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "a warning is not a failure: {}",
        stderr(&output)
    );
    let report = stderr(&output);
    assert!(
        report.contains(&format!(
            "warning: {}:{amount_line}: money field `amount` has no `min`",
            workflow.display()
        )),
        "{report}"
    );
    assert!(report.contains("hint: add min = 0.01"), "{report}");
    assert!(stdout(&output).contains("OK"), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("1 warning(s)"),
        "{}",
        stdout(&output)
    );
}
