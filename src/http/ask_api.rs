//! `POST /api/v1/ask`: a question in plain language, answered as `keel ask --json` answers it
//! (the plan, the answer sentence, the table behind it and how it was computed), with what the
//! asker may see.

use super::acting::actor;
use super::auth::{Caller, Scope};
use super::error::json_body as body;
use super::error::{ApiError, ErrorBody};
use crate::service::Keel;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "question": "how many change orders are pending?", "as": "S001" }))]
pub struct AskBody {
    /// The question, 1 to 500 characters.
    question: String,
    /// Who asks (a staff id or email): their role decides what they may see. Optional when the
    /// token belongs to a person; asking as someone else needs `act-as`.
    #[serde(rename = "as")]
    asker: Option<String>,
}

#[utoipa::path(post, path = "/ask", operation_id = "ask", tag = "ask",
    summary = "Ask a question",
    description = "The same plan and answer as `keel ask --json`: `answer`, `columns`, `headers`, \
        `rows`, `plan`, `how`, `planner`, and for a declined question what was and was not \
        understood. Scope `ask`.",
    request_body = AskBody,
    responses((status = 200, description = "The answer", body = Object),
        (status = 422, body = ErrorBody, description = "The question is empty or too long")))]
pub async fn ask(
    State(keel): State<Keel>,
    caller: Caller,
    payload: Result<Json<AskBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Scope::Ask)?;
    let b = body(payload)?;
    let asker = actor(&keel, &caller, b.asker.as_deref()).await?;
    let answer = keel.ask(&asker, &b.question).await?;
    let answer = serde_json::to_value(&answer).map_err(anyhow::Error::from)?;
    Ok(Json(answer))
}
