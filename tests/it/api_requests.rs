//! The REST API's requests on SQLite and PostgreSQL: listed with filters a page at a time, read
//! with their history, and `Idempotency-Key` on POSTs: a repeated action gets the first answer
//! without acting again, the same key with another request is refused, and a submission takes
//! the key from the header as from the body.

use crate::common::api::{get, post, serve};
use crate::common::test_databases;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn requests_are_listed_by_workflow_status_requester_and_time_a_page_at_a_time() {
    for db in test_databases().await {
        let server = serve(&db).await;
        let (app, label) = (&server.app, db.label);
        let mut change_orders = Vec::new();
        for amount in ["9000", "9100", "9200", "9300", "9400"] {
            let fields = [("project", "P001"), ("amount", amount), ("reason", "Rock")];
            change_orders.push(app.submit("change_order", "S020", &fields).await.id);
            app.clock.advance(chrono::Duration::minutes(5));
        }
        let expense = [
            ("category", "fuel"),
            ("amount", "40"),
            ("spent_on", "2026-11-20"),
        ];
        let fuel = app.submit("expense", "S016", &expense).await.id;

        let (items, pages) =
            crate::common::api::every_page(&server, "/api/v1/requests?workflow=change_order", 2)
                .await;
        assert_eq!(
            ids(&items),
            change_orders,
            "[{label}] oldest first, each once"
        );
        assert_eq!(pages, 3, "[{label}]");
        let (items, _) =
            crate::common::api::every_page(&server, "/api/v1/requests?requester=S016", 10).await;
        assert_eq!(ids(&items), vec![fuel.clone()], "[{label}]");
        let (pending, _) =
            crate::common::api::every_page(&server, "/api/v1/requests?status=pending", 500).await;
        assert!(
            pending.iter().all(|r| r["status"] == "pending"),
            "[{label}]"
        );
        assert!(ids(&pending).contains(&change_orders[0]), "[{label}]");
        let third = &items_at(&server, &change_orders[2]).await;
        let since = third["submitted_at"].as_str().unwrap().replace('+', "%2B");
        let (items, _) = crate::common::api::every_page(
            &server,
            &format!("/api/v1/requests?workflow=change_order&since={since}"),
            500,
        )
        .await;
        assert_eq!(ids(&items), change_orders[2..].to_vec(), "[{label}]");

        for (path, says) in [
            ("/api/v1/requests?status=maybe", "status must be pending"),
            ("/api/v1/requests?since=soon", "is not a time"),
            ("/api/v1/requests?limit=0", "1 to 500"),
            ("/api/v1/requests?limit=many", "limit"),
        ] {
            let answer = get(&server, path).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "[{label}] {path}");
            assert_eq!(answer.code(), "bad_request", "[{label}] {path}");
            assert!(
                answer.message().contains(says),
                "[{label}] {path}: {}",
                answer.message()
            );
        }
        server.stop().await;
    }
}

/// A request as `GET /requests/{id}` shows it.
async fn items_at(server: &crate::common::console::TestServer, id: &str) -> Value {
    let answer = get(server, &format!("/api/v1/requests/{id}")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

#[tokio::test]
async fn an_action_repeated_with_its_idempotency_key_gets_the_first_answer_and_acts_once() {
    for db in test_databases().await {
        let server = serve(&db).await;
        let (app, label) = (&server.app, db.label);
        let fields = [("project", "P001"), ("amount", "9000"), ("reason", "Rock")];
        let id = app.submit("change_order", "S020", &fields).await.id;
        let path = format!("/api/v1/requests/{id}/actions");
        let approve = json!({ "as": "S016", "action": "approve" });
        let key = [("idempotency-key", "approve-once-1")];

        let first = post(&server, &path, &key, &approve).await;
        assert_eq!(first.status, StatusCode::OK, "[{label}] {}", first.body);
        assert_eq!(first.body["status"], "approved", "[{label}]");
        let acted = app.actions(&id).await;
        let again = post(&server, &path, &key, &approve).await;
        assert_eq!(
            (again.status, &again.body),
            (StatusCode::OK, &first.body),
            "[{label}]"
        );
        assert_eq!(again.header("idempotent-replayed"), "true", "[{label}]");
        assert_eq!(app.actions(&id).await, acted, "[{label}] acted once");

        let other = json!({ "as": "S016", "action": "comment", "reason": "noted" });
        let reused = post(&server, &path, &key, &other).await;
        assert_eq!(
            reused.status,
            StatusCode::CONFLICT,
            "[{label}] {}",
            reused.body
        );
        assert!(
            reused.message().contains("another request"),
            "[{label}] {}",
            reused.message()
        );
        assert_eq!(app.actions(&id).await, acted, "[{label}] nothing changed");
        // Without the key, approving again is refused: the request is closed.
        let unkeyed = post(&server, &path, &[], &approve).await;
        assert_eq!(unkeyed.status, StatusCode::CONFLICT, "[{label}]");
        let bad_key = post(
            &server,
            &path,
            &[("idempotency-key", "two words")],
            &approve,
        )
        .await;
        assert_eq!(bad_key.status, StatusCode::BAD_REQUEST, "[{label}]");

        let shown = items_at(&server, &id).await;
        assert_eq!(shown["status"], "approved", "[{label}]");
        let events: Vec<&str> = shown["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(
            events,
            acted.iter().map(String::as_str).collect::<Vec<_>>(),
            "[{label}]"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_submission_takes_its_idempotency_key_from_the_header() {
    for db in test_databases().await {
        let server = serve(&db).await;
        let label = db.label;
        let body = json!({ "workflow": "expense", "as": "S020",
            "fields": { "category": "fuel", "amount": "40", "spent_on": "2026-11-20" } });
        let key = [("idempotency-key", "fuel-2026-11-20")];
        let first = post(&server, "/api/v1/requests", &key, &body).await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "[{label}] {}",
            first.body
        );
        let again = post(&server, "/api/v1/requests", &key, &body).await;
        assert_eq!(again.body["id"], first.body["id"], "[{label}]");
        let mut with_body_key = body.clone();
        with_body_key["idempotency_key"] = json!("fuel-2026-11-20");
        let both = post(
            &server,
            "/api/v1/requests",
            &[("idempotency-key", "other")],
            &with_body_key,
        )
        .await;
        assert_eq!(
            both.status,
            StatusCode::BAD_REQUEST,
            "[{label}] {}",
            both.body
        );
        let stored = server
            .app
            .keel
            .list_requests(&Default::default())
            .await
            .unwrap();
        assert_eq!(stored.len(), 1, "[{label}]");
        server.stop().await;
    }
}
