//! The REST API: submit a request, act on one, read one. Every call carries a bearer token
//! ([`Caller`]) holding the scope the route asks for.

use super::acting::actor;
use super::auth::{Caller, Scope};
use super::error::json_body as body;
use super::error::{ApiError, ErrorBody};
use super::replay::IDEMPOTENCY_KEY;
use super::requests_list::{RequestDetail, RequestView};
use crate::engine::lifecycle::Action;
use crate::service::{Keel, NewRequest};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "workflow": "expense", "as": "S020",
    "fields": { "category": "fuel", "amount": "40.00", "spent_on": "2026-11-20" } }))]
pub struct SubmitBody {
    workflow: String,
    /// The requester: staff id or email; the token's person when left out.
    #[serde(rename = "as")]
    requester: Option<String>,
    /// The workflow form's fields.
    #[schema(value_type = Object)]
    fields: serde_json::Map<String, Value>,
    /// The same as the `Idempotency-Key` header (give one or the other, or both alike).
    idempotency_key: Option<String>,
}

/// The request submitted (or the one an earlier submission with the same key gave).
#[derive(Serialize, ToSchema)]
pub struct Submitted {
    pub id: String,
    #[schema(value_type = String)]
    pub status: crate::domain::Status,
    /// The decision-table row that decided or routed it.
    pub rule: Option<String>,
}

/// Where the request stands after the action.
#[derive(Serialize, ToSchema)]
pub struct Acted {
    pub id: String,
    #[schema(value_type = String)]
    pub status: crate::domain::Status,
    pub current_step: usize,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "as": "S016", "action": "comment", "reason": "Checked on site." }))]
pub struct ActBody {
    /// Who acts: staff id or email; the token's person when left out.
    #[serde(rename = "as")]
    actor: Option<String>,
    /// `approve`, `reject`, `cancel` or `comment`.
    action: String,
    reason: Option<String>,
    /// The step the caller saw (0-based), to refuse acting on a step that moved on.
    step: Option<usize>,
}

#[utoipa::path(post, path = "/requests", operation_id = "submit_request", tag = "requests",
    summary = "Submit a request",
    description = "Scope `requests:submit:{workflow}`. A retry with the same idempotency key gives         the same request.",
    request_body = SubmitBody,
    responses((status = 201, body = Submitted),
        (status = 404, body = ErrorBody, description = "No such workflow"),
        (status = 409, body = ErrorBody, description = "The idempotency key was used with another submission")))]
pub async fn submit(
    State(keel): State<Keel>,
    caller: Caller,
    headers: HeaderMap,
    payload: Result<Json<SubmitBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let b = body(payload)?;
    caller.require(Scope::RequestsSubmit(b.workflow.clone()))?;
    let requester = actor(&keel, &caller, b.requester.as_deref()).await?;
    let header_key = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let idempotency_key = match (header_key, b.idempotency_key) {
        (Some(header), Some(body)) if header != body => {
            return Err(ApiError::BadRequest(
                "the Idempotency-Key header and the body's idempotency_key differ: give one, or \
                 the same in both"
                    .into(),
            ));
        }
        (header, body) => header.or(body),
    };
    let new = NewRequest {
        workflow: b.workflow,
        requester,
        fields: b.fields.into_iter().collect(),
        idempotency_key,
    };
    let request = keel.submit(new).await?;
    let view = Submitted {
        id: request.id,
        status: request.status,
        rule: request.rule,
    };
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(post, path = "/requests/{id}/actions", operation_id = "act_on_request", tag = "requests",
    summary = "Act on a request",
    description = "approve, reject, cancel or comment, as a person of the directory. Scope         `requests:act`.",
    params(("id" = String, Path, description = "The request, such as CO-1042", example = "CO-1001")),
    request_body = ActBody,
    responses((status = 200, body = Acted),
        (status = 404, body = ErrorBody, description = "No such request"),
        (status = 409, body = ErrorBody, description = "The request is closed or its step moved on")))]
pub async fn act(
    State(keel): State<Keel>,
    Path(id): Path<String>,
    caller: Caller,
    payload: Result<Json<ActBody>, JsonRejection>,
) -> Result<Json<Acted>, ApiError> {
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
    Ok(Json(Acted {
        id: request.id,
        status: request.status,
        current_step: request.current_step,
    }))
}

#[utoipa::path(get, path = "/requests/{id}", operation_id = "show_request", tag = "requests",
    summary = "Read a request with its history",
    description = "Scope `requests:read`.",
    params(("id" = String, Path, description = "The request, such as CO-1042", example = "CO-1001")),
    responses((status = 200, body = RequestDetail),
        (status = 404, body = ErrorBody, description = "No such request")))]
pub async fn show(
    State(keel): State<Keel>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Json<RequestDetail>, ApiError> {
    caller.require(Scope::RequestsRead)?;
    let (request, events) = keel.request_with_history(&id).await?;
    Ok(Json(RequestDetail {
        request: RequestView::from(&request),
        events,
    }))
}
