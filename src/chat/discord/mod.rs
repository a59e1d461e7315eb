//! Discord: slash commands open modals built from the workflows' forms, approval cards arrive
//! as embeds with buttons in the approver's DMs (and the workflow's channel), cards are edited
//! in place after every decision, and everything that must not be lost goes through the outbox
//! ([`port`]). Interactions come one way only (`discord.mode`, Discord's rule too): over the
//! gateway, a WebSocket keel opens with the bot token and needing no public URL ([`gateway`],
//! the default), or to keel's HTTP endpoint (`POST /discord/interactions`), each with a
//! verified Ed25519 signature ([`http`]). Both answer through [`handle`].
//!
//! keel's own serde types, not serenity's: serenity 0.12 cannot build a modal's Label
//! components and loses a submitted Label's value. The translation is pure: [`signature`],
//! [`payload`], [`message`], [`modal`], [`text`]; [`client`] is plain reqwest.

pub mod autocomplete;
pub mod buttons;
pub mod client;
pub mod commands;
pub mod followup;
mod gateway;
mod handle;
mod http;
pub mod message;
pub mod modal;
pub mod payload;
mod port;
pub mod signature;
pub mod text;

pub use port::DISCORD;

use crate::config::DiscordMode;
use crate::domain::Person;
use crate::service::{Keel, ServiceError};
use anyhow::bail;
use axum::Router;
use axum::routing::post;
use client::DiscordApi;
use ed25519_dalek::VerifyingKey;
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The Discord adapter: shared by its HTTP endpoint and the outbox deliverer.
pub struct Discord {
    keel: Keel,
    api: DiscordApi,
    mode: DiscordMode,
    /// Verifies the HTTP endpoint's requests: set in http mode only (the gateway needs none).
    public_key: Option<VerifyingKey>,
    /// Conversations found (a user's DM channel, a `#name`'s channel id), remembered for the
    /// life of the process: each is looked up once, not on every post.
    conversations: Mutex<HashMap<String, String>>,
}

impl Discord {
    /// The adapter when `discord.enabled` is set; an error names what is missing.
    pub fn new(keel: Keel) -> anyhow::Result<Option<Arc<Discord>>> {
        let config = &keel.config;
        let settings = &config.settings.discord;
        if !settings.enabled {
            return Ok(None);
        }
        let api = DiscordApi::of(config)?;
        let secrets = &config.secrets;
        let public_key = match (settings.mode, &secrets.discord_public_key) {
            (DiscordMode::Gateway, _) => None,
            (DiscordMode::Http, Some(key)) => {
                Some(signature::public_key(key.expose_secret()).map_err(anyhow::Error::msg)?)
            }
            (DiscordMode::Http, None) => bail!(
                "discord.mode is http but KEEL_DISCORD_PUBLIC_KEY is not set; set it, or set discord.mode = \"gateway\" (no public URL needed)"
            ),
        };
        let mode = settings.mode;
        Ok(Some(Arc::new(Discord {
            keel,
            api,
            mode,
            public_key,
            conversations: Mutex::default(),
        })))
    }

    /// The person a Discord user is, by their Discord identity in the directory, or what to
    /// tell them (whom to ask).
    async fn person_of(&self, user: &str) -> Result<Person, ServiceError> {
        self.keel.person_on(DISCORD, user, None).await
    }

    /// `POST /discord/interactions` in http mode; nothing in gateway mode, where Discord sends
    /// interactions over the gateway only and a request to the endpoint would be a forgery.
    pub fn router(self: &Arc<Self>) -> Router {
        match self.mode {
            DiscordMode::Http => Router::new()
                .route("/discord/interactions", post(http::interactions))
                .with_state(self.clone()),
            DiscordMode::Gateway => Router::new(),
        }
    }

    /// In gateway mode, keeps the gateway connection open until `stop` (`None` in http mode).
    pub fn connect(self: &Arc<Self>, stop: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
        match self.mode {
            DiscordMode::Gateway => Some(gateway::start(self.clone(), stop)),
            DiscordMode::Http => None,
        }
    }
}
