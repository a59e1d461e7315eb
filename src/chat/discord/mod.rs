//! Discord: slash commands open modals built from the workflows' forms, approval cards arrive
//! as embeds with buttons in the approver's DMs (and the workflow's channel), cards are edited
//! in place after every decision, and everything that must not be lost goes through the outbox
//! ([`port`]). Interactions come to keel's HTTP endpoint (`POST /discord/interactions`), each
//! with a verified Ed25519 signature ([`http`]); the gateway (a websocket keel opens, needing no
//! public URL) is not built yet.
//!
//! keel's own serde types, not serenity's: serenity 0.12 cannot build a modal's Label
//! components and loses a submitted Label's value. The translation is pure: [`signature`],
//! [`payload`], [`message`], [`modal`], [`text`]; [`client`] is plain reqwest.

pub mod autocomplete;
pub mod client;
pub mod commands;
mod handle;
mod http;
pub mod message;
pub mod modal;
pub mod payload;
mod port;
pub mod signature;
pub mod text;

pub use port::DISCORD;

use crate::domain::Person;
use crate::service::{Keel, ServiceError};
use anyhow::{Context as _, bail};
use axum::Router;
use axum::routing::post;
use client::DiscordApi;
use ed25519_dalek::VerifyingKey;
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The Discord adapter: shared by its HTTP endpoint and the outbox deliverer.
pub struct Discord {
    keel: Keel,
    api: DiscordApi,
    public_key: VerifyingKey,
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
        let secrets = &config.secrets;
        let (Some(token), Some(public_key)) =
            (&secrets.discord_bot_token, &secrets.discord_public_key)
        else {
            bail!(
                "discord.enabled is set but KEEL_DISCORD_BOT_TOKEN and KEEL_DISCORD_PUBLIC_KEY are not both set"
            );
        };
        let public_key =
            signature::public_key(public_key.expose_secret()).map_err(anyhow::Error::msg)?;
        let timeout = std::time::Duration::from_secs(settings.timeout_seconds.max(1));
        let api = DiscordApi::new(&settings.api_url, token, timeout)
            .context("building Discord's HTTP client")?;
        Ok(Some(Arc::new(Discord {
            keel,
            api,
            public_key,
            conversations: Mutex::default(),
        })))
    }

    /// The person a Discord user is, by their Discord identity in the directory, or what to
    /// tell them (whom to ask).
    async fn person_of(&self, user: &str) -> Result<Person, ServiceError> {
        self.keel.person_on(DISCORD, user, None).await
    }

    /// `POST /discord/interactions`.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/discord/interactions", post(http::interactions))
            .with_state(self.clone())
    }
}
