//! `Idempotency-Key` on every POST of the REST API: the first answer (2xx) a caller got for a
//! key is kept, and the same request sent again with that key gets it again, marked
//! `Idempotent-Replayed: true`, without acting twice. The same key with another request is
//! refused (409). Keys are per token. An answer that was an error is not kept: an error changes
//! nothing, so a retry may act.

use super::auth::Caller;
use super::error::ApiError;
use crate::service::Keel;
use crate::store::KeptAnswer;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The header clients send.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The longest key accepted.
const MAX_KEY: usize = 255;

/// Replays the kept answer of a POST's `Idempotency-Key`, or runs it and keeps its answer.
pub async fn replay_or_run(State(keel): State<Keel>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(IDEMPOTENCY_KEY) {
        return next.run(request).await;
    }
    match replayed(&keel, request, next).await {
        Ok(response) | Err(response) => response,
    }
}

async fn replayed(keel: &Keel, request: Request, next: Next) -> Result<Response, Response> {
    let key = idempotency_key(request.headers()).map_err(IntoResponse::into_response)?;
    let (mut parts, body) = request.into_parts();
    // Without a valid token the route refuses it; nothing to keep.
    let Ok(caller) = Caller::from_request_parts(&mut parts, keel).await else {
        return Ok(next.run(Request::from_parts(parts, body)).await);
    };
    let bytes = to_bytes(body, super::MAX_BODY).await.map_err(|_| {
        ApiError::TooLarge(format!(
            "The request is larger than {} KB; shorten it and try again. Nothing was changed.",
            super::MAX_BODY / 1024
        ))
        .into_response()
    })?;
    let fingerprint = fingerprint(parts.method.as_str(), parts.uri.path(), &bytes);
    let kept = keel
        .kept_answer(&caller.token, &key)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    if let Some(kept) = kept {
        if kept.fingerprint != fingerprint {
            return Err(ApiError::KeyReused(format!(
                "the Idempotency-Key `{key}` was used before with another request; use a new \
                 key for a new request. Nothing was changed."
            ))
            .into_response());
        }
        return Ok(answer(kept.status, kept.body, true));
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| ApiError::from(anyhow::anyhow!("reading an answer: {e}")).into_response())?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let kept = KeptAnswer {
        fingerprint,
        status,
        body,
    };
    keel.keep_answer(&caller.token, &key, &kept)
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok(answer(kept.status, kept.body, false))
}

/// The key a request carries, checked: 1 to 255 visible ASCII characters.
fn idempotency_key(headers: &axum::http::HeaderMap) -> Result<String, ApiError> {
    let refused = || {
        ApiError::BadRequest(format!(
            "Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters, such as a UUID"
        ))
    };
    let key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refused)?;
    let visible = key.bytes().all(|b| b.is_ascii_graphic());
    if key.is_empty() || key.len() > MAX_KEY || !visible {
        return Err(refused());
    }
    Ok(key.to_string())
}

/// What a request hashes to: the same method, path and body give the same fingerprint.
fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), body] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hex::encode(hash.finalize())
}

fn answer(status: u16, body: String, replayed: bool) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    #[test]
    fn a_fingerprint_changes_with_the_method_the_path_or_the_body() {
        let first = fingerprint("POST", "/api/v1/ask", b"{}");
        assert_eq!(first, fingerprint("POST", "/api/v1/ask", b"{}"));
        assert_ne!(first, fingerprint("POST", "/api/v1/ask", b"{ }"));
        assert_ne!(first, fingerprint("POST", "/api/v1/requests", b"{}"));
        assert_ne!(
            fingerprint("POST", "/a", b"b"),
            fingerprint("POST", "/ab", b"")
        );
    }

    #[test]
    fn a_key_is_visible_ascii_of_at_most_255_characters() {
        let with = |key: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                IDEMPOTENCY_KEY,
                HeaderValue::from_str(key).expect("a header"),
            );
            idempotency_key(&headers).ok()
        };
        assert_eq!(with("retry-1").as_deref(), Some("retry-1"));
        assert_eq!(with(""), None);
        assert_eq!(with("with space"), None);
        assert_eq!(with(&"k".repeat(256)), None);
    }
}
