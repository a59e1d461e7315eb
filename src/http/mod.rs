//! The HTTP surface of `keel serve`: a health check, counts for monitoring (`/metrics`) and the
//! REST API (bearer token), for scripts and other systems. With a console, its pages and API.

mod acting;
mod api;
pub mod auth;
pub(crate) mod error;
mod health;
pub mod hooks;
pub mod local_host;
mod metrics;
mod metrics_operations;
mod observe;
mod records_api;
pub mod scopes;

use crate::chat::console::Console;
use crate::chat::discord::Discord;
use crate::chat::slack::Slack;
use crate::service::Keel;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Redirect;
use axum::routing::{get, post, put};
use std::sync::Arc;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// The routes of `keel serve`; with a console, its pages and API too (and `/` leads to it), and
/// Slack's and Discord's endpoints when they are on.
pub fn router(
    keel: Keel,
    console: Option<&Arc<Console>>,
    slack: Option<&Arc<Slack>>,
    discord: Option<&Arc<Discord>>,
) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/requests", post(api::submit))
        .route("/api/v1/requests/{id}", get(api::show))
        .route("/api/v1/requests/{id}/actions", post(api::act))
        .route("/api/v1/records/{record_type}/{key}", put(records_api::put))
        .route("/hooks/{source}", post(hooks::receive))
        .with_state(keel.clone());
    if let Some(console) = console {
        router = router
            .merge(console.router())
            .route("/", get(|| async { Redirect::to("/console") }));
    }
    if let Some(slack) = slack {
        router = router.merge(slack.router());
    }
    if let Some(discord) = discord {
        router = router.merge(discord.router());
    }
    router
        .layer(axum::middleware::from_fn_with_state(keel, observe::observe))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}
