//! Slack: slash commands open modals built from the workflows' forms, approval cards arrive as
//! Block Kit messages with buttons in the approver's DMs (and the workflow's channel), cards are
//! updated in place after every decision, and every Web API call that must not be lost goes
//! through the outbox ([`port`]). Requests from Slack come over HTTP with a verified signature
//! ([`http`]).
//!
//! The translation is pure: [`signature`], [`blocks`], [`modal`], [`payload`].

mod answer;
pub mod blocks;
pub mod client;
mod handle;
mod home;
mod http;
pub mod manifest;
pub mod modal;
pub mod payload;
mod port;
mod recover;
pub mod signature;
mod socket;
pub mod suggestions;

use crate::config::SlackMode;
use crate::domain::Person;
use crate::service::{Keel, ServiceError};
use anyhow::bail;
use axum::Router;
use axum::routing::post;
use client::SlackApi;
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The Slack adapter: shared by its HTTP handlers, its Socket Mode connection and the outbox
/// deliverer.
pub struct Slack {
    keel: Keel,
    api: SlackApi,
    signing_secret: SecretString,
    /// The app-level token's client, in Socket Mode.
    app: Option<SlackApi>,
    /// Emails Slack gave for members the directory does not map.
    emails: Mutex<HashMap<String, String>>,
}

impl Slack {
    /// The adapter when `slack.enabled` is set; an error names what is missing.
    pub fn new(keel: Keel) -> anyhow::Result<Option<Arc<Slack>>> {
        let config = &keel.config;
        if !config.settings.slack.enabled {
            return Ok(None);
        }
        let secrets = &config.secrets;
        let (Some(bot_token), Some(signing_secret)) =
            (&secrets.slack_bot_token, &secrets.slack_signing_secret)
        else {
            bail!(
                "slack.enabled is set but KEEL_SLACK_BOT_TOKEN and KEEL_SLACK_SIGNING_SECRET are not both set"
            );
        };
        let settings = &config.settings.slack;
        let timeout = std::time::Duration::from_secs(settings.timeout_seconds);
        let api = SlackApi::new(&settings.api_url, bot_token, timeout)?;
        let app = match (settings.mode, &secrets.slack_app_token) {
            (SlackMode::Http, _) => None,
            (SlackMode::Socket, Some(app_token)) => {
                Some(SlackApi::new(&settings.api_url, app_token, timeout)?)
            }
            (SlackMode::Socket, None) => bail!(
                "slack.mode is socket but KEEL_SLACK_APP_TOKEN (the xapp- app-level token) is not set; set it, or set slack.mode = \"http\""
            ),
        };
        Ok(Some(Arc::new(Slack {
            signing_secret: signing_secret.clone(),
            api,
            app,
            emails: Mutex::default(),
            keel,
        })))
    }

    /// The person a Slack member is (by their Slack identity in the directory, else by the
    /// email Slack has for them), or what to tell them (whom to ask): the one lookup of the
    /// commands, the interactions and the App Home.
    async fn person_of(&self, member: &str) -> Result<Person, ServiceError> {
        let known = self.keel.person_on(port::SLACK, member, None).await;
        if let Err(ServiceError::User(_)) = known
            && let Some(email) = self.email_of(member).await
        {
            return self.keel.person_on(port::SLACK, member, Some(&email)).await;
        }
        known
    }

    /// The email Slack has for a member (`users.info`, scope `users:read.email`), remembered
    /// for the life of the process: it fills in a directory that does not map the member.
    async fn email_of(&self, member: &str) -> Option<String> {
        if let Some(email) = self.emails.lock().ok()?.get(member) {
            return Some(email.clone());
        }
        let answer = self
            .api
            .call("users.info", &serde_json::json!({ "user": member }))
            .await;
        let email = match answer {
            Ok(answer) => answer["user"]["profile"]["email"].as_str()?.to_string(),
            Err(failure) => {
                tracing::info!(
                    member,
                    "Slack gave no email for an unmapped member: {failure}"
                );
                return None;
            }
        };
        self.emails
            .lock()
            .ok()?
            .insert(member.to_string(), email.clone());
        Some(email)
    }

    /// In Socket Mode, connects to Slack until `stop` (`None` over HTTP).
    pub fn connect(self: &Arc<Self>, stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
        let app = self.app.clone()?;
        Some(self.start_socket(app, stop))
    }

    /// `/slack/commands`, `/slack/interactions`, `/slack/options` and `/slack/events`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/slack/commands", post(http::command))
            .route("/slack/interactions", post(http::interaction))
            .route("/slack/options", post(http::interaction))
            .route("/slack/events", post(http::event))
            .with_state(self.clone())
    }
}
