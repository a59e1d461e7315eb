//! The HTTP surface of `keel serve`: a health check, counts for monitoring (`/metrics`) and the
//! REST API (bearer token, [`v1`]), for scripts and other systems. With a console, its pages and API.

mod acting;
mod api;
mod ask_api;
pub mod auth;
mod directory_api;
pub(crate) mod error;
mod health;
pub mod hooks;
pub mod local_host;
mod metrics;
mod metrics_operations;
mod observe;
mod openapi;
mod paging;
mod records_api;
mod records_read;
mod replay;
mod requests_list;
pub mod scopes;
pub mod v1;

use crate::chat::console::Console;
use crate::chat::discord::Discord;
use crate::chat::slack::Slack;
use crate::service::Keel;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::response::Redirect;
use axum::routing::{get, post};
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
        .merge(v1::router(&keel))
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
