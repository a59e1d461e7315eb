//! Tokens with scopes over HTTP against the real server, on SQLite and PostgreSQL: every scope
//! refuses the routes it does not grant, a revoked or expired token is refused and says since
//! when, a token is stored only as its hash, and a token acts only as its person unless it
//! holds `act-as`.

use crate::common::TestDb;
use crate::common::console::{Mode, TestServer};
use crate::common::test_databases;
use crate::sync_owners::record_with;
use chrono::Duration;
use keel::domain::Request;
use keel::service::NewToken;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BOOTSTRAP: &str = "tokens-tests-bootstrap-token-0123456789";

async fn start(db: &TestDb) -> TestServer {
    TestServer::start_with_env(db, Mode::Closed, &[("KEEL_API_TOKEN", BOOTSTRAP)]).await
}

/// A token named `name` for `person` with `scopes`, as `keel token create` makes it.
pub async fn token(server: &TestServer, name: &str, person: &str, scopes: &[&str]) -> String {
    let new = NewToken {
        name: name.into(),
        person: person.into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        expires_at: None,
    };
    let (_, secret) = server.app.keel.create_token(new).await.expect("a token");
    secret
}

/// `METHOD path` with `token` (and `body`); the status and the JSON answer.
pub async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("a call to keel");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The message of an API error (`{"error": {"code", "message"}}`).
fn error_of(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

/// A change order of S020 on P001 at 9,000: one step, waiting for Diana Brooks (S016).
async fn pending_change_order(server: &TestServer) -> Request {
    let fields = [("project", "P001"), ("amount", "9000"), ("reason", "Rock")];
    server.app.submit("change_order", "S020", &fields).await
}

fn expense() -> Value {
    json!({ "workflow": "expense",
        "fields": { "category": "fuel", "amount": "40", "spent_on": "2026-11-20" } })
}

/// One route of today's API and the scope it needs.
struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    needs: &'static str,
}

#[tokio::test]
async fn every_scope_refuses_the_routes_it_does_not_grant() {
    for db in test_databases().await {
        let label = db.label;
        let server = start(&db).await;
        let id = pending_change_order(&server).await.id;
        let project = record_with(&server.app.keel, "project", "P001", json!({})).await;
        let routes = [
            Route {
                method: Method::POST,
                path: "/api/v1/requests".into(),
                body: Some(expense()),
                needs: "requests:submit:expense",
            },
            Route {
                method: Method::POST,
                path: format!("/api/v1/requests/{id}/actions"),
                body: Some(json!({ "action": "comment", "reason": "on site Tuesday" })),
                needs: "requests:act",
            },
            Route {
                method: Method::GET,
                path: format!("/api/v1/requests/{id}"),
                body: None,
                needs: "requests:read",
            },
            Route {
                method: Method::PUT,
                path: "/api/v1/records/project/P001".into(),
                body: Some(json!({ "fields": project })),
                needs: "records:write:project",
            },
        ];
        // Each token holds one scope; which of the routes' scopes it grants.
        let table: [(&str, &[&str]); 14] = [
            ("records:read:project", &[]),
            ("records:read:*", &[]),
            ("records:write:project", &["records:write:project"]),
            ("records:write:vendor", &[]),
            ("records:write:*", &["records:write:project"]),
            ("requests:read", &["requests:read"]),
            ("requests:submit:expense", &["requests:submit:expense"]),
            ("requests:submit:change_order", &[]),
            ("requests:submit:*", &["requests:submit:expense"]),
            ("requests:act", &["requests:act"]),
            ("act-as", &[]),
            ("audit:read", &[]),
            ("people:read", &[]),
            ("ask", &[]),
        ];
        for (n, (scope, grants)) in table.iter().enumerate() {
            let secret = token(&server, &format!("t{n}"), "S016", &[scope]).await;
            for route in &routes {
                let (status, body) = call(
                    &server,
                    route.method.clone(),
                    &route.path,
                    &secret,
                    route.body.as_ref(),
                )
                .await;
                let what = format!("[{label}] `{scope}` on {} {}", route.method, route.path);
                if grants.contains(&route.needs) {
                    assert!(status.is_success(), "{what}: {status} {body}");
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
                    let told = format!("does not grant `{}`", route.needs);
                    assert!(error_of(&body).contains(&told), "{what}: {body}");
                }
            }
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn a_revoked_or_expired_token_is_refused_and_says_since_when() {
    for db in test_databases().await {
        let label = db.label;
        let server = start(&db).await;
        let keel = &server.app.keel;
        let path = format!(
            "/api/v1/requests/{}",
            pending_change_order(&server).await.id
        );
        let show = |secret: String| {
            let path = path.clone();
            let server = &server;
            async move { call(server, Method::GET, &path, &secret, None).await }
        };

        let revoked = token(&server, "revoked", "S016", &["requests:read"]).await;
        assert_eq!(show(revoked.clone()).await.0, StatusCode::OK, "[{label}]");
        keel.revoke_token("revoked").await.expect("revoked");
        let (status, body) = show(revoked).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] {body}");
        let told = "the token revoked was revoked on 2026-11-23 15:00 UTC";
        assert!(error_of(&body).contains(told), "[{label}] {body}");

        let new = NewToken {
            name: "short-lived".into(),
            person: "diana.brooks@harborridge.example".into(),
            scopes: vec!["requests:read".into()],
            expires_at: Some(server.app.clock.now() + Duration::days(1)),
        };
        let (made, expiring) = keel.create_token(new).await.expect("a token");
        assert_eq!(made.person, "S016", "[{label}] the email resolved");
        assert_eq!(show(expiring.clone()).await.0, StatusCode::OK, "[{label}]");
        server.app.clock.advance(Duration::days(2));
        let (status, body) = show(expiring).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] {body}");
        let told = "the token short-lived expired on 2026-11-24 15:00 UTC";
        assert!(error_of(&body).contains(told), "[{label}] {body}");

        let unknown = format!("keel_{}", "A".repeat(43));
        let (status, body) = show(unknown).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] {body}");
        assert!(error_of(&body).contains("not one keel made"), "{body}");
        let (status, body) = show(String::new()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] {body}");
        assert!(error_of(&body).contains("keel token create"), "{body}");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_token_is_stored_only_as_its_hash() {
    for db in test_databases().await {
        let label = db.label;
        let server = start(&db).await;
        let secret = token(&server, "hashed", "S016", &["requests:read", "ask"]).await;
        let random = secret.trim_start_matches("keel_");
        let mut stored = Vec::new();
        for column in [
            "name",
            "person",
            "scopes",
            "secret_hash",
            "created_at",
            "coalesce(expires_at, '')",
            "coalesce(revoked_at, '')",
            "coalesce(last_used_at, '')",
        ] {
            stored.extend(db.texts(&format!("select {column} from api_tokens")).await);
        }
        assert_eq!(stored.len(), 8, "[{label}] one row: {stored:?}");
        for value in &stored {
            assert!(
                !value.contains(random),
                "[{label}] {value} holds the secret"
            );
        }
        let hash = hex::encode(Sha256::digest(secret.as_bytes()));
        assert!(stored.contains(&hash), "[{label}] {stored:?}");
        assert!(
            stored.contains(&"requests:read ask".to_string()),
            "{stored:?}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_token_acts_only_as_its_person_unless_it_holds_act_as() {
    for db in test_databases().await {
        let label = db.label;
        let server = start(&db).await;
        let scopes = [
            "requests:act",
            "requests:read",
            "requests:submit:change_order",
            "records:write:project",
        ];
        let diana = token(&server, "diana", "S016", &scopes).await;
        let first = pending_change_order(&server).await.id;
        let actions = format!("/api/v1/requests/{first}/actions");
        let change_order = |who: Option<&str>| {
            let mut body = json!({ "workflow": "change_order",
                "fields": { "project": "P002", "amount": "400", "reason": "Gravel" } });
            if let Some(who) = who {
                body["as"] = who.into();
            }
            body
        };
        let project = record_with(&server.app.keel, "project", "P001", json!({})).await;

        // Anyone else, known or not, is refused for the missing `act-as`.
        for other in [
            "S020",
            "morgan.hale@harborridge.example",
            "nobody@example.com",
        ] {
            let approve = json!({ "as": other, "action": "approve" });
            let put = json!({ "as": other, "fields": project });
            for (method, path, body) in [
                (Method::POST, actions.as_str(), approve),
                (Method::POST, "/api/v1/requests", change_order(Some(other))),
                (Method::PUT, "/api/v1/records/project/P001", put),
            ] {
                let (status, body) = call(&server, method, path, &diana, Some(&body)).await;
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "[{label}] {other} {path}: {body}"
                );
                assert!(error_of(&body).contains("`act-as`"), "[{label}] {body}");
            }
        }

        // As itself: by email, by staff id, or saying nothing.
        let approve = json!({ "as": "diana.brooks@harborridge.example", "action": "approve" });
        let (status, body) = call(&server, Method::POST, &actions, &diana, Some(&approve)).await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");
        assert_eq!(body["status"], "approved", "[{label}] {body}");
        for who in [Some("S016"), None] {
            let body = change_order(who);
            let (status, made) = call(
                &server,
                Method::POST,
                "/api/v1/requests",
                &diana,
                Some(&body),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "[{label}] {made}");
            let path = format!("/api/v1/requests/{}", made["id"].as_str().unwrap_or("?"));
            let (_, shown) = call(&server, Method::GET, &path, &diana, None).await;
            assert_eq!(shown["requester"], "S016", "[{label}] {shown}");
        }
        let put = json!({ "fields": project });
        let path = "/api/v1/records/project/P001";
        let (status, body) = call(&server, Method::PUT, path, &diana, Some(&put)).await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");

        // `act-as` lets a token act as anyone; the bootstrap token must say who.
        let scopes = ["act-as", "requests:act", "requests:submit:change_order"];
        let ops = token(&server, "ops", "S001", &scopes).await;
        let path = "/api/v1/requests";
        let body = change_order(Some("gus.usman@harborridge.example"));
        let (status, made) = call(&server, Method::POST, path, &ops, Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "[{label}] {made}");
        let made = made["id"].as_str().unwrap_or("?").to_string();
        let submitted = server.app.keel.request_with_history(&made).await;
        let requester = submitted.ok().and_then(|(request, _)| request.requester);
        assert_eq!(requester.as_deref(), Some("S020"), "[{label}]");
        let second = pending_change_order(&server).await.id;
        let approve = json!({ "as": "S016", "action": "approve" });
        let path = format!("/api/v1/requests/{second}/actions");
        let (status, body) = call(&server, Method::POST, &path, &ops, Some(&approve)).await;
        assert_eq!(status, StatusCode::OK, "[{label}] {body}");
        let unknown = json!({ "as": "nobody@example.com", "action": "approve" });
        let (status, body) = call(&server, Method::POST, &path, &ops, Some(&unknown)).await;
        assert!(
            error_of(&body).contains("keel does not know"),
            "[{label}] {status} {body}"
        );
        let (status, body) = call(
            &server,
            Method::POST,
            "/api/v1/requests",
            BOOTSTRAP,
            Some(&change_order(None)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "[{label}] {body}");
        assert!(error_of(&body).contains("\"as\""), "[{label}] {body}");
        server.stop().await;
    }
}
