//! `GET /api/v1/records/{type}` (filtered, a page at a time), `GET …/{key}` (with its version
//! as `ETag`, for `If-Match` on a later PUT) and `GET …/{key}/history` (every version).

use super::auth::{Caller, Scope};
use super::error::{ApiError, ErrorBody};
use super::paging;
use crate::domain::Record;
use crate::service::{Keel, RecordQuery};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A record at one version.
#[derive(Serialize, ToSchema)]
pub struct RecordView {
    #[serde(rename = "type")]
    pub record_type: String,
    pub key: String,
    /// 1 for a new record, +1 per change; the `ETag` of `GET …/{key}`.
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// The record's fields, as its type declares them.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, Value>,
}

impl From<Record> for RecordView {
    fn from(record: Record) -> Self {
        RecordView {
            record_type: record.record_type,
            key: record.key,
            version: record.version,
            updated_at: record.updated_at,
            fields: record.fields.into_iter().collect(),
        }
    }
}

/// A page of records, by key.
#[derive(Serialize, ToSchema)]
pub struct RecordList {
    pub items: Vec<RecordView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Every version of a record, oldest first.
#[derive(Serialize, ToSchema)]
pub struct RecordHistory {
    pub versions: Vec<RecordView>,
}

/// The query parameters the list reads itself; every other one is a field filter.
const RESERVED: [&str; 3] = ["limit", "cursor", "updated_since"];

#[utoipa::path(get, path = "/records/{type}", operation_id = "list_records", tag = "records",
    summary = "List records of a type",
    description = "Records by key, a page at a time. Any other query parameter `field=value` keeps \
        the records whose field has that value. Scope `records:read:{type}`.",
    params(
        ("type" = String, Path, description = "A record type of records.toml", example = "project"),
        ("limit" = Option<usize>, Query, description = "Records per page, 1 to 500 (100)", minimum = 1, maximum = 500),
        ("cursor" = Option<String>, Query, description = "The `next_cursor` of the previous page"),
        ("updated_since" = Option<String>, Query, description = "Only records changed at or after this RFC 3339 time or YYYY-MM-DD day (UTC)"),
    ),
    responses((status = 200, body = RecordList), (status = 404, body = ErrorBody, description = "No such record type")))]
pub async fn list(
    State(keel): State<Keel>,
    Path(record_type): Path<String>,
    caller: Caller,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Json<RecordList>, ApiError> {
    caller.require(Scope::RecordsRead(record_type.clone()))?;
    let value_of = |name: &str| query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let limit = match value_of("limit") {
        Some(text) => Some(text.parse().map_err(|_| {
            ApiError::BadRequest(format!("limit must be a whole number, not `{text}`"))
        })?),
        None => None,
    };
    let limit = paging::limit(limit)?;
    let after_key = value_of("cursor")
        .map(|c| paging::decode("records", c))
        .transpose()?;
    let updated_since = value_of("updated_since").map(|t| instant(t)).transpose()?;
    let equal = query
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .cloned()
        .collect();
    let asked = RecordQuery {
        record_type,
        equal,
        updated_since,
        after_key,
        limit: limit + 1,
    };
    let records = keel.page_records(&asked).await?;
    let (records, next_cursor) = paging::page(records, limit, "records", |r| r.key.clone());
    let items = records.into_iter().map(RecordView::from).collect();
    Ok(Json(RecordList { items, next_cursor }))
}

#[utoipa::path(get, path = "/records/{type}/{key}", operation_id = "get_record", tag = "records",
    summary = "Read a record",
    description = "The record at its current version; `ETag` is the version, to send back as \
        `If-Match` with a PUT. Scope `records:read:{type}`.",
    params(("type" = String, Path, example = "project"), ("key" = String, Path, example = "P001")),
    responses((status = 200, body = RecordView,
        headers(("ETag" = String, description = "The record's version, quoted"))),
        (status = 404, body = ErrorBody, description = "No such record type or record")))]
pub async fn get(
    State(keel): State<Keel>,
    Path((record_type, key)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require(Scope::RecordsRead(record_type.clone()))?;
    let record = keel.record(&record_type, &key).await?;
    Ok(with_etag(record.version, Json(RecordView::from(record))))
}

#[utoipa::path(get, path = "/records/{type}/{key}/history", operation_id = "record_history", tag = "records",
    summary = "Every version of a record",
    description = "Oldest first, the current one last. Scope `records:read:{type}`.",
    params(("type" = String, Path, example = "project"), ("key" = String, Path, example = "P001")),
    responses((status = 200, body = RecordHistory),
        (status = 404, body = ErrorBody, description = "No such record type or record")))]
pub async fn history(
    State(keel): State<Keel>,
    Path((record_type, key)): Path<(String, String)>,
    caller: Caller,
) -> Result<Json<RecordHistory>, ApiError> {
    caller.require(Scope::RecordsRead(record_type.clone()))?;
    let versions = keel.record_versions(&record_type, &key).await?;
    let versions = versions.into_iter().map(RecordView::from).collect();
    Ok(Json(RecordHistory { versions }))
}

/// `answer` with the record version as its `ETag`.
pub fn with_etag(version: i64, answer: impl IntoResponse) -> Response {
    let mut response = answer.into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// A time given as RFC 3339 or as a day (its start, UTC).
pub fn instant(text: &str) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`{}` is not a time: write 2026-11-20 or 2026-11-20T09:00:00Z",
                crate::engine::form::truncate(text, 40)
            ))
        })
}
