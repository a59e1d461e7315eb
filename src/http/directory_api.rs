//! The audit trail and the directory for other systems: `GET /api/v1/audit/events` (the
//! hash-chained events a page at a time), `GET /api/v1/audit/verify` (what `keel audit verify`
//! finds) and `GET /api/v1/people` (who is who, without approval limits or chat identities).

use super::auth::{Caller, Scope};
use super::error::ApiError;
use super::paging;
use crate::domain::Event;
use crate::service::{DirectoryEntry, Keel};
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A page of audit events, in chain order.
#[derive(Serialize, ToSchema)]
pub struct EventList {
    /// Each event: `seq`, `request_id`, `at`, `actor`, `action`, `rule`, `reason`, `data`,
    /// `prev_hash`, `hash`.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Event>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Where to start and how many.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Events per page, 1 to 500 (100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The outcome of recomputing the whole chain.
#[derive(Serialize, ToSchema)]
pub struct Verification {
    /// True when every event is intact and the head matches the last one.
    pub intact: bool,
    /// How many events were verified (when intact).
    pub events: Option<usize>,
    /// Every break found: the event and what is wrong with it.
    pub problems: Vec<Problem>,
}

/// One break in the chain.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    pub seq: i64,
    pub problem: String,
}

/// A person of the directory as other systems see them.
#[derive(Serialize, ToSchema)]
pub struct PersonView {
    /// The staff id.
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub role: String,
    /// The manager's staff id.
    pub manager: Option<String>,
    pub active: bool,
}

/// The directory, by staff id.
#[derive(Serialize, ToSchema)]
pub struct PeopleList {
    pub items: Vec<PersonView>,
}

#[utoipa::path(get, path = "/audit/events", operation_id = "list_audit_events", tag = "audit",
    summary = "Read the audit trail",
    description = "The hash-chained events in order, a page at a time. Scope `audit:read`.",
    params(EventQuery),
    responses((status = 200, body = EventList)))]
pub async fn events(
    State(keel): State<Keel>,
    caller: Caller,
    Query(query): Query<EventQuery>,
) -> Result<Json<EventList>, ApiError> {
    caller.require(Scope::AuditRead)?;
    let limit = paging::limit(query.limit)?;
    let after = match query.cursor.as_deref() {
        Some(cursor) => paging::decode_as("events", cursor, |seq| seq.parse().ok())?,
        None => 0,
    };
    let events = keel.audit_page(after, limit + 1).await?;
    let (items, next_cursor) = paging::page(events, limit, "events", |e| e.seq.to_string());
    Ok(Json(EventList { items, next_cursor }))
}

#[utoipa::path(get, path = "/audit/verify", operation_id = "verify_audit", tag = "audit",
    summary = "Verify the audit trail",
    description = "Recomputes the hash chain, as `keel audit verify` does. Scope `audit:read`.",
    responses((status = 200, body = Verification)))]
pub async fn verify(
    State(keel): State<Keel>,
    caller: Caller,
) -> Result<Json<Verification>, ApiError> {
    caller.require(Scope::AuditRead)?;
    Ok(Json(match keel.verify_audit().await? {
        Ok(count) => Verification {
            intact: true,
            events: Some(count),
            problems: Vec::new(),
        },
        Err(breaks) => Verification {
            intact: false,
            events: None,
            problems: breaks
                .into_iter()
                .map(|t| Problem {
                    seq: t.seq,
                    problem: t.problem,
                })
                .collect(),
        },
    }))
}

#[utoipa::path(get, path = "/people", operation_id = "list_people", tag = "people",
    summary = "The directory",
    description = "Everyone keel knows, by staff id. Scope `people:read`.",
    responses((status = 200, body = PeopleList)))]
pub async fn people(
    State(keel): State<Keel>,
    caller: Caller,
) -> Result<Json<PeopleList>, ApiError> {
    caller.require(Scope::PeopleRead)?;
    let items = keel
        .directory_entries()
        .await?
        .into_iter()
        .map(|DirectoryEntry { person, department }| PersonView {
            id: person.id,
            name: person.name,
            email: person.email,
            title: person.title,
            department,
            role: person.role,
            manager: person.manager_id,
            active: person.active,
        })
        .collect();
    Ok(Json(PeopleList { items }))
}
