//! What `keel check` says of the chat platforms' settings beyond their syntax: how each will
//! reach keel and what is missing for that way. Printed after the configuration is found sound;
//! nothing for a platform that is off.

use super::{Config, DiscordMode};

/// What `keel check` says of Discord: how interactions will reach keel (one way, never both),
/// and what is missing for that way; nothing when Discord is off.
pub fn platform_notes(config: &Config) -> Vec<String> {
    let settings = &config.settings.discord;
    if !settings.enabled {
        return Vec::new();
    }
    let secrets = &config.secrets;
    let mut said = vec![match settings.mode {
        DiscordMode::Gateway => "discord: gateway mode (keel connects out to Discord; no public URL or public key needed, the portal's Interactions Endpoint URL must be empty)".to_string(),
        DiscordMode::Http => "discord: http mode (Discord posts to <public URL>/discord/interactions; the gateway is not opened)".to_string(),
    }];
    if secrets.discord_bot_token.is_none() {
        said.push("warning: discord.enabled is set but KEEL_DISCORD_BOT_TOKEN is not".into());
    }
    match (settings.mode, &secrets.discord_public_key) {
        (DiscordMode::Http, None) => said.push(
            "warning: discord.mode is http but KEEL_DISCORD_PUBLIC_KEY is not set (or use discord.mode = \"gateway\")".into(),
        ),
        (DiscordMode::Gateway, Some(_)) => said.push(
            "note: KEEL_DISCORD_PUBLIC_KEY is not used in gateway mode".into(),
        ),
        _ => {}
    }
    said
}
