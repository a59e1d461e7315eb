//! `PUT /api/v1/records/{type}/{key}`: another system (or a script) writes a record through the
//! REST API, as a person of the directory. A record type owned by another system refuses it
//! (409, naming the owner) or files it as a change request (202 with the request's id).

use super::acting::actor;
use super::auth::{Caller, Scope};
use super::error::ApiError;
use super::error::json_body as body;
use crate::service::{Keel, RecordWrite};
use crate::sync::targets::ownership::Writer;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// Who writes: a staff id or email (the requester of a change request); the token's
    /// person when left out.
    #[serde(rename = "as")]
    person: Option<String>,
    /// Every field of the record.
    fields: serde_json::Map<String, Value>,
}

pub async fn put(
    State(keel): State<Keel>,
    Path((record_type, key)): Path<(String, String)>,
    caller: Caller,
    payload: Result<Json<RecordBody>, JsonRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require(Scope::RecordsWrite(record_type.clone()))?;
    let b = body(payload)?;
    let person = actor(&keel, &caller, b.person.as_deref()).await?;
    let writer = Writer::Api { person };
    let written = keel
        .write_record(&record_type, &key, &b.fields, writer)
        .await?;
    Ok(match written {
        RecordWrite::Written { changed } => (
            StatusCode::OK,
            Json(json!({ "type": record_type, "key": key, "changed": changed })),
        ),
        RecordWrite::Proposed { request } => (
            StatusCode::ACCEPTED,
            Json(json!({ "change_request": request.id, "status": request.status })),
        ),
    })
}
