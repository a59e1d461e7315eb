//! `GET /api/v1/requests`: requests filtered by workflow, status, requester and submission
//! time, oldest first, a page at a time; and the JSON shape of a request every request route
//! answers with.

use super::auth::{Caller, Scope};
use super::error::ApiError;
use super::paging;
use super::records_read::instant;
use crate::domain::{Event, Request, Status};
use crate::service::{Keel, RequestFilter};
use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// A request as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct RequestView {
    /// `CO-1042`.
    pub id: String,
    pub workflow: String,
    /// The requester's staff id (`null` only for history imported without one).
    pub requester: Option<String>,
    /// `pending`, `approved`, `auto_approved`, `rejected`, `auto_rejected`, `cancelled` or
    /// `expired`.
    #[schema(value_type = String)]
    pub status: Status,
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, Value>,
    /// The approval chain: each step, who it waits for and who decided.
    #[schema(value_type = Vec<Object>)]
    pub steps: Value,
    /// Index into `steps` of the step waiting for a decision (meaningful while pending).
    pub current_step: usize,
    /// The decision-table row that decided or routed it.
    pub rule: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub flags: Value,
    pub submitted_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<&Request> for RequestView {
    fn from(request: &Request) -> Self {
        RequestView {
            id: request.id.clone(),
            workflow: request.workflow.clone(),
            requester: request.requester.clone(),
            status: request.status,
            fields: request.fields.clone().into_iter().collect(),
            steps: serde_json::to_value(&request.steps).unwrap_or_default(),
            current_step: request.current_step,
            rule: request.rule.clone(),
            flags: serde_json::to_value(&request.flags).unwrap_or_default(),
            submitted_at: request.submitted_at,
            decided_at: request.decided_at,
        }
    }
}

/// A request with its history: the audit events that concern it, in order.
#[derive(Serialize, ToSchema)]
pub struct RequestDetail {
    #[serde(flatten)]
    pub request: RequestView,
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Event>,
}

/// A page of requests, oldest submission first.
#[derive(Serialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The filters of `GET /requests`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Only this workflow's requests.
    workflow: Option<String>,
    /// Only requests in this state (`pending`, `approved`, `auto_approved`, `rejected`,
    /// `auto_rejected`, `cancelled`, `expired`).
    status: Option<String>,
    /// Only requests by this staff id.
    requester: Option<String>,
    /// Only requests submitted at or after this RFC 3339 time or YYYY-MM-DD day (UTC).
    since: Option<String>,
    /// Requests per page, 1 to 500 (100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/requests", operation_id = "list_requests", tag = "requests",
    summary = "List requests",
    description = "Oldest submission first, a page at a time. Scope `requests:read`.",
    params(RequestQuery),
    responses((status = 200, body = RequestList)))]
pub async fn list(
    State(keel): State<Keel>,
    caller: Caller,
    Query(query): Query<RequestQuery>,
) -> Result<Json<RequestList>, ApiError> {
    caller.require(Scope::RequestsRead)?;
    let limit = paging::limit(query.limit)?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            s.parse::<Status>().map_err(|_| {
                ApiError::BadRequest(format!(
                    "status must be pending, approved, auto_approved, rejected, auto_rejected, \
                     cancelled or expired, not `{}`",
                    crate::engine::form::truncate(s, 40)
                ))
            })
        })
        .transpose()?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| paging::decode_as("requests", c, after_position))
        .transpose()?;
    let filter = RequestFilter {
        workflow: query.workflow,
        status,
        requester: query.requester,
        since: query.since.as_deref().map(instant).transpose()?,
        after,
        limit: Some(i64::try_from(limit + 1).unwrap_or(i64::MAX)),
    };
    let requests = keel.list_requests(&filter).await?;
    let (requests, next_cursor) = paging::page(requests, limit, "requests", |r| {
        format!("{} {}", r.submitted_at.to_rfc3339(), r.id)
    });
    let items = requests.iter().map(RequestView::from).collect();
    Ok(Json(RequestList { items, next_cursor }))
}

/// The (submission time, id) a requests cursor holds.
fn after_position(position: &str) -> Option<(DateTime<Utc>, String)> {
    let (at, id) = position.split_once(' ')?;
    let at = DateTime::parse_from_rfc3339(at).ok()?;
    Some((at.with_timezone(&Utc), id.to_string()))
}
