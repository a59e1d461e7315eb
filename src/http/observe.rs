//! Every HTTP request's span, request id and duration: the id (`X-Request-Id` when the caller
//! sent a usable one, else a new one) is on the span, so every log line the request causes
//! carries it, is kept while the request runs, so the notifications it queues carry it to their
//! delivery, and is echoed in the response. The duration is counted by route: the matched path
//! (`/api/v1/requests/{id}`), never the URL sent, which may name a person or hold a token.

use crate::service::Keel;
use crate::telemetry::request_id;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument as _;

/// The header a request id comes in and goes out with.
pub const REQUEST_ID: &str = "x-request-id";

/// The route label of a request no route matched: one label for every unknown URL.
const UNMATCHED: &str = "unmatched";

/// The middleware (see the module's doc).
pub async fn observe(State(keel): State<Keel>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let given = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok());
    let id = request_id::chosen(given);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let method = request.method().as_str().to_string();
    let span = tracing::info_span!("http", request_id = %id, %method, %route);
    let mut response = request_id::within(id.clone(), next.run(request))
        .instrument(span.clone())
        .await;
    let status = response.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    span.in_scope(|| tracing::debug!(status, seconds, "answered"));
    keel.telemetry()
        .http_request(&route, &method, status, seconds);
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}
