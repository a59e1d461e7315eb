//! The dashboard's JSON, and one request with its whole history, for any signed-in person.

use super::Console;
use super::signin::signed_in;
use crate::http::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<Console>>;

/// `GET /console/api/dashboard`.
pub async fn dashboard(
    State(console): Shared,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let viewer = signed_in(&console, &headers).await?;
    let dashboard = console.keel.dashboard(&viewer).await?;
    Ok(Json(
        serde_json::to_value(dashboard).map_err(anyhow::Error::from)?,
    ))
}

/// `GET /console/api/requests/{id}`: the request, its steps and its audit history.
pub async fn request(
    State(console): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let viewer = signed_in(&console, &headers).await?;
    if id.len() > 64 {
        return Err(ApiError::BadRequest(
            "A request id has at most 64 characters.".into(),
        ));
    }
    let keel = &console.keel;
    let (request, events) = keel.request_history_for(&viewer, &id).await?;
    let workflow = keel
        .config
        .workflows
        .get(&request.workflow)
        .ok_or_else(|| anyhow::anyhow!("request {} has unknown workflow", request.id))?;
    let people = keel.directory_now().await?;
    let name = |id: &str| {
        people
            .get(id)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let card = keel.card_for_reader(&request, &viewer).await?;
    let steps: Vec<Value> = request
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            json!({
                "name": step.name,
                "approvers": step.approvers.iter().map(|a| name(&a.person)).collect::<Vec<_>>(),
                "approvals": step.approvals.iter().map(|d| json!({ "name": name(&d.person), "at": d.at })).collect::<Vec<_>>(),
                "current": request.current().is_some() && index == request.current_step,
            })
        })
        .collect();
    let history: Vec<Value> = events
        .iter()
        .map(|e| {
            let d = &e.draft;
            json!({
                "seq": e.seq, "at": d.at, "actor": d.actor, "actor_name": name(&d.actor),
                "action": d.action, "rule": d.rule, "reason": d.reason,
            })
        })
        .collect();
    Ok(Json(json!({
        "id": request.id,
        "workflow": request.workflow,
        "title": workflow.title,
        "status": request.status,
        "requester": request.requester.as_deref().map(|id| json!({ "id": id, "name": name(id) })),
        "submitted_at": request.submitted_at,
        "decided_at": request.decided_at,
        "rule": request.rule,
        "fields": card.fields,
        "steps": steps,
        "history": history,
    })))
}
