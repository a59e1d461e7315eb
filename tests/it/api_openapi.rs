//! The OpenAPI document: served at /api/v1/openapi.json without a token, the same as the code
//! builds, naming every route of the API with its bearer scheme and error answers, and valid
//! OpenAPI 3.1 as openapi-spec-validator checks it (.ci/validate-openapi.sh, run when Python is
//! available, and always under .ci/run).

use crate::common::api::serve;
use crate::common::test_databases;
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Every route of the REST API, as (method, path).
const ROUTES: [(&str, &str); 12] = [
    ("get", "/api/v1/records/{type}"),
    ("get", "/api/v1/records/{type}/{key}"),
    ("put", "/api/v1/records/{type}/{key}"),
    ("get", "/api/v1/records/{type}/{key}/history"),
    ("get", "/api/v1/requests"),
    ("post", "/api/v1/requests"),
    ("get", "/api/v1/requests/{id}"),
    ("post", "/api/v1/requests/{id}/actions"),
    ("get", "/api/v1/audit/events"),
    ("get", "/api/v1/audit/verify"),
    ("get", "/api/v1/people"),
    ("post", "/api/v1/ask"),
];

#[tokio::test]
async fn the_document_describes_every_route_and_validates_as_openapi_3_1() {
    let db = test_databases().await.remove(0);
    let server = serve(&db).await;
    let response = reqwest::get(format!("{}/api/v1/openapi.json", server.base))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let served: Value = response.json().await.unwrap();
    let built = serde_json::to_value(keel::http::v1::document()).unwrap();
    assert_eq!(
        served, built,
        "the served document is the one the code builds"
    );

    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(
        served["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (method, path) in ROUTES {
        let operation = &served["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not described");
        for status in ["200", "401", "403", "500"] {
            let answers = &operation["responses"];
            let has =
                answers[status].is_object() || (status == "200" && answers["201"].is_object());
            assert!(has, "{method} {path} does not describe {status}");
        }
        if method == "post" {
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                parameters.iter().any(|p| p["name"] == "Idempotency-Key"),
                "{method} {path} does not take Idempotency-Key"
            );
        }
    }
    let described: usize = served["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(
        described,
        ROUTES.len() + 1,
        "every route and the document itself"
    );
    server.stop().await;

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec_pretty(&served).unwrap()).unwrap();
    validate(file.path());
}

/// Runs .ci/validate-openapi.sh on `document`; without Python it is skipped, unless
/// `KEEL_E2E_REQUIRED` (set by .ci/run) makes that a failure.
fn validate(document: &Path) {
    let has_python = Command::new("python3").arg("--version").output().is_ok();
    if !has_python && std::env::var_os("KEEL_E2E_REQUIRED").is_none() {
        eprintln!("python3 is missing: the OpenAPI document was not validated");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/validate-openapi.sh");
    let output = Command::new(script)
        .arg(document)
        .output()
        .expect("running .ci/validate-openapi.sh");
    assert!(
        output.status.success(),
        "the OpenAPI document does not validate:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
