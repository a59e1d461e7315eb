//! The REST API's records on SQLite and PostgreSQL: a filtered list a page at a time, one
//! record with its version as ETag, its history, a PUT guarded by If-Match (412 on a stale
//! version, changing nothing), and JSON errors for what the API does not have.

use crate::common::api::{call, every_page, get, serve};
use crate::common::demo_csv::csv;
use crate::common::test_databases;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// P001 as the demo data has it, with `status` and `percent_complete` as given.
fn p001(status: &str, percent: u32) -> Value {
    json!({ "as": "S001", "fields": {
        "project_id": "P001", "name": "Bayview Medical Office", "client_id": "C001",
        "manager_id": "S016", "superintendent_id": "S020", "status": status,
        "start_date": "2025-10-06", "planned_end": "2027-03-31", "budget": "2400000.00",
        "contract_value": "2820000.00", "percent_complete": percent } })
}

#[tokio::test]
async fn records_are_listed_by_key_a_page_at_a_time_and_filtered_on_their_fields() {
    let projects = csv("projects.csv");
    let active: Vec<&str> = projects
        .iter()
        .filter(|row| row["status"] == "active")
        .map(|row| row["project_id"].as_str())
        .collect();
    for db in test_databases().await {
        let server = serve(&db).await;
        let label = db.label;

        let (items, pages) = every_page(&server, "/api/v1/records/project", 7).await;
        let keys: Vec<&str> = items.iter().filter_map(|r| r["key"].as_str()).collect();
        let mut expected: Vec<&str> = projects.iter().map(|r| r["project_id"].as_str()).collect();
        expected.sort_unstable();
        assert_eq!(keys, expected, "[{label}] every project once, by key");
        assert_eq!(pages, expected.len().div_ceil(7), "[{label}]");
        assert_eq!(
            items[0]["fields"]["name"], "Bayview Medical Office",
            "[{label}]"
        );

        let (items, _) = every_page(&server, "/api/v1/records/project?status=active", 5).await;
        let keys: Vec<&str> = items.iter().filter_map(|r| r["key"].as_str()).collect();
        assert_eq!(keys, active, "[{label}] the active projects");
        let (items, _) = every_page(
            &server,
            "/api/v1/records/project?status=active&client_id=C001",
            500,
        )
        .await;
        assert!(
            items.iter().all(|r| r["fields"]["client_id"] == "C001") && !items.is_empty(),
            "[{label}] {items:?}"
        );

        // A change moves a record past `updated_since`; the others stay before it.
        server.app.clock.advance(chrono::Duration::days(3));
        let since = (server.app.clock.now() - chrono::Duration::hours(1)).to_rfc3339();
        let put = call(
            &server,
            Method::PUT,
            "/api/v1/records/project/P001",
            &[],
            Some(&p001("active", 60)),
        )
        .await;
        assert_eq!(put.status, StatusCode::OK, "[{label}] {}", put.body);
        let since = since.replace('+', "%2B");
        let recent = get(
            &server,
            &format!("/api/v1/records/project?updated_since={since}"),
        )
        .await;
        let keys: Vec<&Value> = recent.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["key"])
            .collect();
        assert_eq!(keys, vec!["P001"], "[{label}] {}", recent.body);

        for (path, status, code, says) in [
            (
                "/api/v1/records/project?colour=red",
                422,
                "unprocessable",
                "no field `colour`",
            ),
            (
                "/api/v1/records/project?percent_complete=lots",
                422,
                "unprocessable",
                "percent_complete",
            ),
            (
                "/api/v1/records/project?limit=501",
                400,
                "bad_request",
                "1 to 500",
            ),
            (
                "/api/v1/records/project?cursor=bogus",
                400,
                "bad_request",
                "start again",
            ),
            (
                "/api/v1/records/spaceship",
                404,
                "not_found",
                "There is no record type `spaceship`",
            ),
            (
                "/api/v1/records/project/P999",
                404,
                "not_found",
                "There is no project `P999`",
            ),
            ("/api/v1/nothing/here", 404, "not_found", "openapi.json"),
        ] {
            let answer = get(&server, path).await;
            assert_eq!(
                answer.status.as_u16(),
                status,
                "[{label}] {path}: {}",
                answer.body
            );
            assert_eq!(answer.code(), code, "[{label}] {path}");
            assert!(
                answer.message().contains(says),
                "[{label}] {path}: {}",
                answer.message()
            );
        }
        let wrong_method = call(
            &server,
            Method::DELETE,
            "/api/v1/records/project/P001",
            &[],
            None,
        )
        .await;
        assert_eq!(
            wrong_method.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "[{label}]"
        );
        assert_eq!(wrong_method.code(), "method_not_allowed", "[{label}]");
        assert!(
            wrong_method.message().contains("does not take DELETE"),
            "[{label}] {}",
            wrong_method.message()
        );
        assert!(wrong_method.header("allow").contains("GET"), "[{label}]");
        let no_token = reqwest::get(format!("{}/api/v1/records/project", server.base))
            .await
            .unwrap();
        assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED, "[{label}]");
        let body: Value = no_token.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized", "[{label}]");
        server.stop().await;
    }
}

#[tokio::test]
async fn a_put_with_a_stale_if_match_is_412_naming_the_current_version_and_changes_nothing() {
    for db in test_databases().await {
        let server = serve(&db).await;
        let label = db.label;
        let path = "/api/v1/records/project/P001";
        let read = get(&server, path).await;
        assert_eq!(read.status, StatusCode::OK, "[{label}] {}", read.body);
        assert_eq!(read.header("etag"), "\"1\"", "[{label}]");
        assert_eq!(read.body["version"], 1, "[{label}]");

        let put = |if_match: &'static str, percent: u32| {
            let server = &server;
            async move {
                let headers: Vec<(&str, &str)> = if if_match.is_empty() {
                    vec![]
                } else {
                    vec![("if-match", if_match)]
                };
                call(
                    server,
                    Method::PUT,
                    path,
                    &headers,
                    Some(&p001("active", percent)),
                )
                .await
            }
        };
        let first = put("\"1\"", 55).await;
        assert_eq!(first.status, StatusCode::OK, "[{label}] {}", first.body);
        assert_eq!(
            (first.body["version"].clone(), first.header("etag")),
            (json!(2), "\"2\""),
            "[{label}]"
        );

        // Someone who read version 1 too is refused, told the current version; nothing changes.
        let stale = put("\"1\"", 70).await;
        assert_eq!(
            stale.status,
            StatusCode::PRECONDITION_FAILED,
            "[{label}] {}",
            stale.body
        );
        assert_eq!(stale.code(), "precondition_failed", "[{label}]");
        assert_eq!(stale.body["error"]["current_version"], 2, "[{label}]");
        assert_eq!(stale.header("etag"), "\"2\"", "[{label}]");
        assert!(
            stale.message().contains("If-Match: \"2\""),
            "[{label}] {}",
            stale.message()
        );
        let now = get(&server, path).await;
        assert_eq!(
            now.body["fields"]["percent_complete"], 55,
            "[{label}] {}",
            now.body
        );

        let unreadable = put("yesterday", 70).await;
        assert_eq!(unreadable.status, StatusCode::BAD_REQUEST, "[{label}]");
        // Without If-Match the write is unconditional, as before.
        let blind = put("", 70).await;
        assert_eq!(
            (blind.status, blind.body["version"].clone()),
            (StatusCode::OK, json!(3)),
            "[{label}]"
        );

        let history = get(&server, &format!("{path}/history")).await;
        let versions: Vec<(i64, i64)> = history.body["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_i64().unwrap(),
                    v["fields"]["percent_complete"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            versions,
            vec![(1, 52), (2, 55), (3, 70)],
            "[{label}] {}",
            history.body
        );
        let missing = get(&server, "/api/v1/records/project/P999/history").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "[{label}]");
        server.stop().await;
    }
}
