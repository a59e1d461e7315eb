//! `keel slack-manifest`: the Slack app to create, as a manifest (YAML) with every workflow's
//! slash command, `/keel`, the bot scopes keel needs, the App Home, interactivity, and either
//! Socket Mode or the request URLs of keel's HTTP endpoints.

use crate::config::{Config, SlackMode};
use serde_json::{Value, json};

/// Scopes of the bot token: post and update messages (also in public channels it was not
/// invited to), slash commands, open DMs, read members (with their email, to map people), and
/// find channels and read the recent history of DMs and channels (a post whose answer was lost
/// is looked for there before posting again).
const BOT_SCOPES: &[&str] = &[
    "chat:write",
    "chat:write.public",
    "files:write",
    "commands",
    "im:write",
    "users:read",
    "users:read.email",
    "im:history",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
];

/// The manifest for this config; `public_url` (https://keel.example.com) is where Slack reaches
/// keel in HTTP mode.
pub fn manifest(config: &Config, public_url: &str) -> Value {
    let http = config.settings.slack.mode == SlackMode::Http;
    let base = public_url.trim_end_matches('/');
    let url = |path: &str| format!("{base}{path}");
    let mut commands: Vec<Value> = config
        .workflows
        .values()
        .map(|w| json!({ "command": format!("/{}", w.command), "description": format!("New {}", w.title.to_lowercase()), "should_escape": false }))
        .collect();
    commands.push(json!({
        "command": "/keel",
        "description": "What waits for you, your requests, help",
        "usage_hint": "approvals | requests | help",
        "should_escape": false,
    }));
    commands.push(json!({
        "command": "/ask",
        "description": "Ask a question about the company's records",
        "usage_hint": "which vendors did we spend the most with last quarter?",
        "should_escape": false,
    }));
    if http {
        for command in &mut commands {
            command["url"] = json!(url("/slack/commands"));
        }
    }
    let mut interactivity = json!({ "is_enabled": true });
    let mut events = json!({ "bot_events": ["app_home_opened"] });
    if http {
        interactivity["request_url"] = json!(url("/slack/interactions"));
        interactivity["message_menu_options_url"] = json!(url("/slack/options"));
        events["request_url"] = json!(url("/slack/events"));
    }
    let name = &config.settings.company.name;
    json!({
        "display_information": {
            "name": "keel",
            "description": format!("Requests and approvals for {name}"),
        },
        "features": {
            "app_home": { "home_tab_enabled": true, "messages_tab_enabled": true, "messages_tab_read_only_enabled": true },
            "bot_user": { "display_name": "keel", "always_online": true },
            "slash_commands": commands,
        },
        "oauth_config": { "scopes": { "bot": BOT_SCOPES } },
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": false,
            "socket_mode_enabled": !http,
            "token_rotation_enabled": false,
        },
    })
}

/// `value` as YAML: block style, every string double-quoted (JSON's escapes are YAML's).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(value, 0, &mut out);
    out
}

fn write_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match item {
                    Value::Object(inner) if !inner.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(item, indent + 2, out);
                    }
                    Value::Array(items) if !items.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_yaml(item, indent, out);
                    }
                    scalar => out.push_str(&format!("{pad}{key}: {}\n", scalar_yaml(scalar))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) => {
                        let mut inner = String::new();
                        write_yaml(item, indent + 2, &mut inner);
                        let first = inner.trim_start().to_string();
                        out.push_str(&format!("{pad}- {first}"));
                    }
                    scalar => out.push_str(&format!("{pad}- {}\n", scalar_yaml(scalar))),
                }
            }
        }
        scalar => out.push_str(&format!("{pad}{}\n", scalar_yaml(scalar))),
    }
}

fn scalar_yaml(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}
