//! `POST /hooks/{source}`: other systems' webhooks, for one source or for the sources sharing
//! that hook. The body is bounded (413 past [`MAX_HOOK_BODY`]), an unknown source is 404, a delivery that does not verify is 401 with
//! a reason that names no key, and 200 comes only once the delivery is durably queued (a
//! replay of one is 200 too, and changes nothing). Xero wants empty bodies: its answers have
//! none.

use crate::service::{HookDelivery, HookError, Keel};
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Largest webhook body accepted, in bytes (QuickBooks and Xero batch events; 1 MiB is far
/// above what they send).
pub const MAX_HOOK_BODY: usize = 1024 * 1024;

pub async fn receive(
    State(keel): State<Keel>,
    Path(source): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let empty = keel.hook_answers_empty(&source);
    let answer = |status: StatusCode, message: String| {
        if empty {
            status.into_response()
        } else {
            (status, Json(json!({ "error": message }))).into_response()
        }
    };
    let Ok(body) = to_bytes(body, MAX_HOOK_BODY).await else {
        let message = format!(
            "The delivery is larger than {} KiB; nothing was queued.",
            MAX_HOOK_BODY / 1024
        );
        return answer(StatusCode::PAYLOAD_TOO_LARGE, message);
    };
    let url = full_url(&keel, &headers, &uri);
    let delivery = HookDelivery {
        method: method.as_str(),
        uri: &url,
        headers: &headers,
        body: &body,
    };
    match keel.receive_hook(&source, delivery).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(HookError::UnknownSource(name)) => answer(
            StatusCode::NOT_FOUND,
            format!("There is no source `{name}`."),
        ),
        Err(HookError::Unverified(reason)) => answer(StatusCode::UNAUTHORIZED, reason),
        Err(HookError::Malformed(reason)) => answer(StatusCode::BAD_REQUEST, reason),
        Err(HookError::Internal(error)) => {
            let reference = crate::log_limit::error("queueing a webhook", &error);
            let message = format!("Something went wrong (ref {reference}); send it again.");
            answer(StatusCode::INTERNAL_SERVER_ERROR, message)
        }
    }
}

/// The URL the sender posted to: keel's public URL when it has one (behind a proxy), else the
/// Host header's, with the path and query as received.
fn full_url(keel: &Keel, headers: &HeaderMap, uri: &Uri) -> String {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    match &keel.config.settings.server.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => {
            let host = headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}{path}")
        }
    }
}
