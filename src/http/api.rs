//! The REST API: submit a request, act on one, read one. Every call carries
//! `Authorization: Bearer $KEEL_API_TOKEN`; without a configured token the API is closed.

use super::error::ApiError;
use super::error::json_body as body;
use crate::engine::lifecycle::Action;
use crate::service::{Keel, NewRequest};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    workflow: String,
    /// The requester: staff id or email.
    #[serde(rename = "as")]
    requester: String,
    fields: serde_json::Map<String, Value>,
    idempotency_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    #[serde(rename = "as")]
    actor: String,
    action: String,
    reason: Option<String>,
    /// The step the caller saw (0-based), to refuse acting on a step that moved on.
    step: Option<usize>,
}

pub(super) fn authorize(keel: &Keel, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = &keel.config.secrets.api_token else {
        return Err(ApiError::Unauthorized(
            "the API is closed: set KEEL_API_TOKEN to open it".into(),
        ));
    };
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if constant_time_eq(given.as_bytes(), expected.expose_secret().as_bytes()) {
        Ok(())
    } else {
        Err(ApiError::Unauthorized(
            "missing or wrong bearer token".into(),
        ))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn submit(
    State(keel): State<Keel>,
    headers: HeaderMap,
    payload: Result<Json<SubmitBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    authorize(&keel, &headers)?;
    let b = body(payload)?;
    let new = NewRequest {
        workflow: b.workflow,
        requester: b.requester,
        fields: b.fields.into_iter().collect(),
        idempotency_key: b.idempotency_key,
    };
    let request = keel.submit(new).await?;
    let view =
        serde_json::json!({ "id": request.id, "status": request.status, "rule": request.rule });
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn act(
    State(keel): State<Keel>,
    Path(id): Path<String>,
    headers: HeaderMap,
    payload: Result<Json<ActBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    authorize(&keel, &headers)?;
    let b = body(payload)?;
    let action = match b.action.as_str() {
        "approve" => Action::Approve,
        "reject" => Action::Reject {
            reason: b.reason.unwrap_or_default(),
        },
        "cancel" => Action::Cancel { reason: b.reason },
        "comment" => Action::Comment {
            text: b.reason.unwrap_or_default(),
        },
        other => {
            return Err(ApiError::BadRequest(format!(
                "unknown action `{other}`: use approve, reject, cancel or comment"
            )));
        }
    };
    let request = keel.act(&id, &b.actor, action, b.step).await?;
    Ok(Json(
        serde_json::json!({ "id": request.id, "status": request.status, "current_step": request.current_step }),
    ))
}

pub async fn show(
    State(keel): State<Keel>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    authorize(&keel, &headers)?;
    let (request, events) = keel.request_with_history(&id).await?;
    let text = crate::cli::request_json_value(&request, &events);
    Ok(Json(text))
}
