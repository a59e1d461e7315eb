//! `GET /healthz`: whether keel can do its work, which is writing to its database. A check that
//! answered "ok" while every write failed (a full disk) would keep a broken keel in service.

use crate::service::Keel;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::time::Duration;

/// How long the check's write may take; longer is reported as a failure (SQLite waits up to
/// five seconds for another process's lock, PostgreSQL for a connection).
const PROBE_SECONDS: u64 = 3;

/// 200 `ok` when a write commits within [`PROBE_SECONDS`]; otherwise 503 with the reason as
/// JSON (`{"status": "unavailable", "error": "…"}`), the cause logged at most once a minute.
pub async fn healthz(State(keel): State<Keel>) -> Response {
    let probe = tokio::time::timeout(
        Duration::from_secs(PROBE_SECONDS),
        keel.store().probe_write(),
    )
    .await;
    let error = match probe {
        Ok(Ok(())) => return "ok".into_response(),
        Ok(Err(error)) => {
            crate::log_limit::error("the health check's write failed", &error);
            format!("keel cannot write to its database: {}", error.root_cause())
        }
        Err(_) => format!(
            "keel cannot write to its database: no write finished within {PROBE_SECONDS} \
             seconds (another process holds the lock, or the disk or the server does not answer)"
        ),
    };
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "error": error })),
    )
        .into_response()
}
