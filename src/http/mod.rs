//! The HTTP surface of `keel serve`: a health check and the REST API (bearer token), for
//! scripts and other systems. Chat platform endpoints join it in later work.

mod api;
mod error;

use crate::service::Keel;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

pub fn router(keel: Keel) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/requests", post(api::submit))
        .route("/api/v1/requests/{id}", get(api::show))
        .route("/api/v1/requests/{id}/actions", post(api::act))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(keel)
}
