//! The dashboard's policy page for admins: the proposals under `config/proposals/`, and one of
//! them replayed over the history against today's policy (`keel policy simulate`'s numbers).

use super::Console;
use super::signin::signed_in;
use crate::http::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<Console>>;

fn admins_only() -> ApiError {
    ApiError::Forbidden("Only administrators may compare policies.".into())
}

/// `GET /console/api/policy/proposals`: the proposal folders an admin may compare.
pub async fn proposals(
    State(console): Shared,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let viewer = signed_in(&console, &headers).await?;
    let names = console
        .keel
        .policy_proposals(&viewer)
        .await?
        .ok_or_else(admins_only)?;
    Ok(Json(json!({ "proposals": names })))
}

/// `GET /console/api/policy/proposals/{name}`: that proposal against today's policy.
pub async fn compare(
    State(console): Shared,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let viewer = signed_in(&console, &headers).await?;
    if name.len() > 64 {
        return Err(ApiError::BadRequest(
            "A proposal's name has at most 64 characters.".into(),
        ));
    }
    let known = console
        .keel
        .policy_proposals(&viewer)
        .await?
        .ok_or_else(admins_only)?;
    if !known.contains(&name) {
        return Err(ApiError::NotFound(format!(
            "There is no proposal with that name under config/proposals/; the proposals are: {}.",
            if known.is_empty() {
                "none yet".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    let simulation = console
        .keel
        .simulate_proposal(&viewer, &name)
        .await?
        .ok_or_else(admins_only)?;
    Ok(Json(
        serde_json::to_value(simulation).map_err(anyhow::Error::from)?,
    ))
}
