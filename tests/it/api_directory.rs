//! The REST API's audit trail, directory and questions on SQLite and PostgreSQL: every event
//! once in chain order through the cursor, verification as `keel audit verify` gives it, the
//! directory without limits or chat identities, and `POST /ask` answering as `keel ask --json`
//! (once per `Idempotency-Key`).

use crate::common::api::{every_page, get, post, serve};
use crate::common::demo_csv::csv;
use crate::common::test_databases;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_audit_trail_is_read_a_page_at_a_time_and_verified() {
    for db in test_databases().await {
        let server = serve(&db).await;
        let (app, label) = (&server.app, db.label);
        for amount in ["9000", "12000", "300"] {
            let fields = [("project", "P001"), ("amount", amount), ("reason", "Rock")];
            app.submit("change_order", "S020", &fields).await;
        }
        let stored = app.keel.store().all_events().await.unwrap();
        assert!(stored.len() >= 3, "[{label}]");
        let (items, _) = every_page(&server, "/api/v1/audit/events", 2).await;
        let seqs: Vec<i64> = items.iter().filter_map(|e| e["seq"].as_i64()).collect();
        let expected: Vec<i64> = stored.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, expected, "[{label}] every event once, in order");
        assert_eq!(items[0]["hash"], stored[0].hash.as_str(), "[{label}]");

        let verified = get(&server, "/api/v1/audit/verify").await;
        assert_eq!(verified.status, StatusCode::OK, "[{label}]");
        assert_eq!(
            verified.body,
            json!({ "intact": true, "events": stored.len(), "problems": [] }),
            "[{label}]"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_directory_shows_who_is_who_without_limits_or_chat_identities() {
    let staff = csv("staff.csv");
    for db in test_databases().await {
        let server = serve(&db).await;
        let label = db.label;
        let answer = get(&server, "/api/v1/people").await;
        assert_eq!(answer.status, StatusCode::OK, "[{label}] {}", answer.body);
        let people = answer.body["items"].as_array().unwrap();
        assert_eq!(people.len(), staff.len(), "[{label}]");
        let ceo = &people[0];
        assert_eq!(
            ceo,
            &json!({ "id": "S001", "name": "Morgan Hale",
                "email": "morgan.hale@harborridge.example", "title": "Chief Executive Officer",
                "department": "Executive", "role": "ceo", "manager": null, "active": true }),
            "[{label}]"
        );
        let text = answer.body.to_string();
        assert!(
            !text.contains("1000000") && !text.contains("U10E859302"),
            "[{label}]"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_question_is_answered_as_keel_ask_json_answers_it_once_per_key() {
    for db in test_databases().await {
        let server = serve(&db).await;
        let label = db.label;
        let question = "how many change orders are pending?";
        let expected = server.app.keel.ask("S001", question).await.unwrap();
        let expected = serde_json::to_value(&expected).unwrap();
        let body = json!({ "question": question, "as": "morgan.hale@harborridge.example" });
        let key = [("idempotency-key", "ask-1")];
        let answer = post(&server, "/api/v1/ask", &key, &body).await;
        assert_eq!(answer.status, StatusCode::OK, "[{label}] {}", answer.body);
        assert_eq!(answer.body, expected, "[{label}]");
        let again = post(&server, "/api/v1/ask", &key, &body).await;
        assert_eq!(
            (&again.body, again.header("idempotent-replayed")),
            (&expected, "true"),
            "[{label}]"
        );

        let nobody = post(
            &server,
            "/api/v1/ask",
            &[],
            &json!({ "question": question }),
        )
        .await;
        assert_eq!(
            nobody.status,
            StatusCode::BAD_REQUEST,
            "[{label}] {}",
            nobody.body
        );
        assert!(
            nobody.message().contains("\"as\""),
            "[{label}] {}",
            nobody.message()
        );
        let empty = post(
            &server,
            "/api/v1/ask",
            &[],
            &json!({ "question": " ", "as": "S001" }),
        )
        .await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "[{label}] {}",
            empty.body
        );
        let stranger = post(
            &server,
            "/api/v1/ask",
            &[],
            &json!({ "question": question, "as": "S999" }),
        )
        .await;
        assert_eq!(
            stranger.status,
            StatusCode::FORBIDDEN,
            "[{label}] {}",
            stranger.body
        );
        server.stop().await;
    }
}
