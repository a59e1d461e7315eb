//! `PUT /api/v1/records/{type}/{key}`: another system (or a script) writes a record through the
//! REST API, as a person of the directory. A record type owned by another system refuses it
//! (409, naming the owner) or files it as a change request (202 with the request's id). With
//! `If-Match: "<version>"` the write happens only while the record is at that version (else 412
//! naming the current one); without it, the write is unconditional.

use super::acting::actor;
use super::auth::{Caller, Scope};
use super::error::json_body as body;
use super::error::{ApiError, ErrorBody};
use super::records_read::with_etag;
use crate::service::{Keel, RecordWrite};
use crate::sync::targets::ownership::Writer;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "as": "S001", "fields": {
    "project_id": "P001", "name": "Bayview Medical Office", "client_id": "C001",
    "manager_id": "S016", "superintendent_id": "S020", "status": "active",
    "start_date": "2025-10-06", "planned_end": "2027-03-31", "budget": "2400000.00",
    "contract_value": "2820000.00", "percent_complete": 52 } }))]
pub struct RecordBody {
    /// Who writes: a staff id or email (the requester of a change request); the token's
    /// person when left out.
    #[serde(rename = "as")]
    person: Option<String>,
    /// Every field of the record.
    #[schema(value_type = Object)]
    fields: serde_json::Map<String, Value>,
}

/// The record was written (or already held these values).
#[derive(Serialize, ToSchema)]
pub struct Written {
    #[serde(rename = "type")]
    pub record_type: String,
    pub key: String,
    /// False when the record already had these values.
    pub changed: bool,
    /// The record's version now (also the `ETag`).
    pub version: i64,
}

/// The record type is owned by another system: the write became a change request.
#[derive(Serialize, ToSchema)]
pub struct Proposed {
    pub change_request: String,
    pub status: String,
}

#[utoipa::path(put, path = "/records/{type}/{key}", operation_id = "put_record", tag = "records",
    summary = "Write a record",
    description = "Every field of the record. A type owned by another system refuses the write         (409) or files it as a change request (202). Scope `records:write:{type}`.",
    params(("type" = String, Path, example = "project"), ("key" = String, Path, example = "P001"),
        ("If-Match" = Option<String>, Header, description = "The version read (its ETag): write only while the record is still at it")),
    request_body = RecordBody,
    responses(
        (status = 200, body = Written, headers(("ETag" = String, description = "The record's version, quoted"))),
        (status = 202, body = Proposed),
        (status = 404, body = ErrorBody, description = "No such record type"),
        (status = 409, body = ErrorBody, description = "Another system owns the type"),
        (status = 412, body = ErrorBody, description = "The record is no longer at the If-Match version; `current_version` says which it is at"),
    ))]
pub async fn put(
    State(keel): State<Keel>,
    Path((record_type, key)): Path<(String, String)>,
    caller: Caller,
    headers: HeaderMap,
    payload: Result<Json<RecordBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    caller.require(Scope::RecordsWrite(record_type.clone()))?;
    let expected = if_match(&headers)?;
    let b = body(payload)?;
    let person = actor(&keel, &caller, b.person.as_deref()).await?;
    let writer = Writer::Api { person };
    let written = keel
        .write_record_at(&record_type, &key, &b.fields, writer, expected)
        .await?;
    Ok(match written {
        RecordWrite::Written { changed } => {
            let record = keel.record(&record_type, &key).await?;
            let version = record.version;
            let written = Written {
                record_type: record.record_type,
                key: record.key,
                changed,
                version,
            };
            with_etag(version, Json(written))
        }
        RecordWrite::Proposed { request } => {
            let proposed = Proposed {
                change_request: request.id,
                status: request.status.to_string(),
            };
            (StatusCode::ACCEPTED, Json(proposed)).into_response()
        }
    })
}

/// The version `If-Match` names (`"3"`, `3` or `W/"3"`), when the header is there.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let unquoted = text.trim_start_matches("W/").trim_matches('"');
    unquoted.parse::<i64>().map(Some).map_err(|_| {
        ApiError::BadRequest(format!(
            "If-Match must be the record's version as its ETag gave it, such as \"3\", not `{}`",
            crate::engine::form::truncate(text, 40)
        ))
    })
}
