//! keel's own chat console: channels, direct messages with keel, slash commands with the
//! workflows' forms, cards with buttons, live updates over server-sent events, and a dashboard.
//! It is a chat adapter like Slack's: it turns browser requests into
//! [`Interaction`](crate::domain::Interaction)s, renders the effects as JSON, and receives the
//! outbox's notifications through [`ChatPort`](super::ChatPort) ([`port`]).
//!
//! Who is acting comes from a signed session cookie ([`session`]), never from the request body.
//! In the demo anyone may be picked; under `keel serve` a session starts from a sign-in link
//! signed with `KEEL_CONSOLE_SECRET`, and without that secret the console is closed.

mod api;
mod asked;
mod assets;
mod dashboard;
mod policy;
mod port;
pub mod session;
mod signin;
mod stream;
mod view;

use crate::service::ConsoleMessage;
use crate::service::Keel;
use axum::Router;
use axum::routing::{get, post};
use session::SessionKey;
use std::sync::Arc;
use tokio::sync::{broadcast, watch};

/// Who may sign in to the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `keel demo`: anyone in the directory, picked from a list.
    Demo,
    /// `keel serve` with `KEEL_CONSOLE_SECRET`: holders of a signed sign-in link.
    Links,
    /// `keel serve` without the secret: nobody.
    Closed,
}

/// Messages kept for a slow live stream before it is told to reload.
const LIVE_BACKLOG: usize = 1_024;

/// The console adapter: shared by its HTTP handlers and the outbox deliverer.
pub struct Console {
    keel: Keel,
    access: Access,
    key: SessionKey,
    /// Every message posted or updated, for the live streams to filter.
    live: broadcast::Sender<ConsoleMessage>,
    /// Set when the server stops: live streams end so that shutdown does not wait on them.
    stop: watch::Receiver<bool>,
}

impl Console {
    /// The console of `keel`; `demo` lets anyone be picked, otherwise sessions need
    /// `KEEL_CONSOLE_SECRET`. Sessions are signed with that secret when there is one (`keel
    /// demo` keeps one in its folder, so that a restart keeps everyone signed in).
    pub fn new(keel: Keel, demo: bool, stop: watch::Receiver<bool>) -> Arc<Console> {
        let (access, key) = match (&keel.config.secrets.console_secret, demo) {
            (Some(secret), true) => (Access::Demo, SessionKey::from_secret(secret)),
            (None, true) => (Access::Demo, SessionKey::random()),
            (Some(secret), false) => (Access::Links, SessionKey::from_secret(secret)),
            (None, false) => (Access::Closed, SessionKey::random()),
        };
        Arc::new(Console {
            keel,
            access,
            key,
            live: broadcast::channel(LIVE_BACKLOG).0,
            stop,
        })
    }

    pub fn access(&self) -> Access {
        self.access
    }

    /// The key sign-in links are signed with.
    pub fn session_key(&self) -> &SessionKey {
        &self.key
    }

    /// The channels: each workflow's, in name order.
    fn channels(&self) -> Vec<String> {
        let mut channels: Vec<String> = self
            .keel
            .config
            .workflows
            .values()
            .filter_map(|w| w.channel.clone())
            .collect();
        channels.sort();
        channels.dedup();
        channels
    }

    fn publish(&self, message: ConsoleMessage) {
        // Nobody listening is fine: the message is stored and read on the next load.
        let _ = self.live.send(message);
    }

    /// The console's pages and API, under `/console`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/console", get(assets::console_page))
            .route("/console/dashboard", get(assets::dashboard_page))
            .route("/console/assets/{file}", get(assets::asset))
            .route("/console/login", get(signin::login))
            .route("/console/api/me", get(signin::me))
            .route("/console/api/session", post(signin::start_session))
            .route("/console/api/logout", post(signin::logout))
            .route("/console/api/people", get(api::people))
            .route("/console/api/options", get(api::options))
            .route(
                "/console/api/messages",
                get(api::messages).post(api::post_message),
            )
            .route("/console/api/messages/{id}/chart", get(asked::chart))
            .route("/console/api/forms", post(api::submit_form))
            .route("/console/api/buttons", post(api::click_button))
            .route("/console/api/stream", get(stream::stream))
            .route("/console/api/requests/{id}", get(dashboard::request))
            .route("/console/api/dashboard", get(dashboard::dashboard))
            .route("/console/dashboard/policy", get(assets::policy_page))
            .route("/console/api/policy/proposals", get(policy::proposals))
            .route("/console/api/policy/proposals/{name}", get(policy::compare))
            .layer(axum::middleware::from_fn(signin::same_origin))
            .with_state(self.clone())
    }
}
