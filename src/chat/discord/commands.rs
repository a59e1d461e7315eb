//! Setting Discord up: the bot's invite link with the permissions keel needs
//! (`keel discord invite`), and the workflows' slash commands registered in the server, or
//! globally without `discord.guild_id` (`keel discord register`; global commands may take up to
//! an hour to appear, a server's at once).

use super::client::DiscordApi;
use crate::config::Config;
use anyhow::{Context as _, bail};
use serde_json::{Value, json};

/// The permissions keel's bot asks for: view channels (1 << 10), send messages (1 << 11),
/// embed links (1 << 14, cards are embeds), attach files (1 << 15, for charts) and read the
/// message history (1 << 16, to reply under a card).
pub const PERMISSIONS: u64 = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16);

/// The link that adds keel's bot (with its slash commands) to a server.
pub fn invite_url(config: &Config) -> anyhow::Result<String> {
    let settings = &config.settings.discord;
    let Some(application) = &settings.application_id else {
        bail!(
            "discord.application_id is not set (the Developer Portal's Application ID; or KEEL_DISCORD_APPLICATION_ID)"
        );
    };
    let mut url = format!(
        "https://discord.com/oauth2/authorize?client_id={application}&scope=bot+applications.commands&permissions={PERMISSIONS}"
    );
    if let Some(guild) = &settings.guild_id {
        url.push_str(&format!("&guild_id={guild}&disable_guild_select=true"));
    }
    Ok(url)
}

/// The slash commands: one per workflow (its record fields as autocompleted options), `/keel`
/// and `/ask`.
pub fn commands(config: &Config) -> Vec<Value> {
    let text = |name: &str, description: &str, required: bool| json!([{ "type": 3, "name": name, "description": description, "required": required }]);
    let mut commands: Vec<Value> = config
        .workflows
        .values()
        .map(|w| {
            json!({ "name": w.command, "type": 1,
                "description": super::text::fit(&format!("New {}", w.title.to_lowercase()), 100),
                "options": super::autocomplete::command_options(w) })
        })
        .collect();
    commands.push(json!({ "name": "keel", "type": 1,
        "description": "What waits for you, your requests, help",
        "options": text("what", "approvals | requests | help", false) }));
    commands.push(json!({ "name": "ask", "type": 1,
        "description": "Ask a question about the company's records",
        "options": text("question", "e.g. which vendors did we spend the most with last quarter?", true) }));
    commands
}

/// Registers the commands (replacing keel's earlier ones); where they were registered.
pub async fn register(config: &Config) -> anyhow::Result<String> {
    let settings = &config.settings.discord;
    let Some(application) = &settings.application_id else {
        bail!("discord.application_id is not set (or KEEL_DISCORD_APPLICATION_ID)");
    };
    let api = DiscordApi::of(config)?;
    let (path, place) = match &settings.guild_id {
        Some(guild) => (
            format!("/applications/{application}/guilds/{guild}/commands"),
            format!("in server {guild}"),
        ),
        None => (
            format!("/applications/{application}/commands"),
            "globally (they may take up to an hour to appear)".to_string(),
        ),
    };
    let commands = commands(config);
    api.call(http_client::Method::PUT, &path, Some(&commands))
        .await
        .map_err(anyhow::Error::msg)
        .context("registering the slash commands with Discord")?;
    let names: Vec<String> = commands
        .iter()
        .filter_map(|c| c["name"].as_str().map(|n| format!("/{n}")))
        .collect();
    Ok(format!("registered {} {place}", names.join(" ")))
}
