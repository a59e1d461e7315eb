//! The REST API: submit a request, act on one, read one. Every call carries a bearer token
//! ([`Caller`]) holding the scope the route asks for.

use super::acting::actor;
use super::auth::{Caller, Scope};
use super::error::ApiError;
use super::error::json_body as body;
use crate::engine::lifecycle::Action;
use crate::service::{Keel, NewRequest};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    workflow: String,
    /// The requester: staff id or email; the token's person when left out.
    #[serde(rename = "as")]
    requester: Option<String>,
    fields: serde_json::Map<String, Value>,
    idempotency_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActBody {
    /// Who acts: staff id or email; the token's person when left out.
    #[serde(rename = "as")]
    actor: Option<String>,
    action: String,
    reason: Option<String>,
    /// The step the caller saw (0-based), to refuse acting on a step that moved on.
    step: Option<usize>,
}

pub async fn submit(
    State(keel): State<Keel>,
    caller: Caller,
    payload: Result<Json<SubmitBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b = body(payload)?;
    caller.require(Scope::RequestsSubmit(b.workflow.clone()))?;
    let requester = actor(&keel, &caller, b.requester.as_deref()).await?;
    let new = NewRequest {
        workflow: b.workflow,
        requester,
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
    caller: Caller,
    payload: Result<Json<ActBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::RequestsAct)?;
    let b = body(payload)?;
    let person = actor(&keel, &caller, b.actor.as_deref()).await?;
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
    let request = keel.act(&id, &person, action, b.step).await?;
    Ok(Json(
        serde_json::json!({ "id": request.id, "status": request.status, "current_step": request.current_step }),
    ))
}

pub async fn show(
    State(keel): State<Keel>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::RequestsRead)?;
    let (request, events) = keel.request_with_history(&id).await?;
    let text = crate::cli::request_json_value(&request, &events);
    Ok(Json(text))
}
