//! The shape of `keel.toml` as written, with the defaults a missing key takes.

use super::LlmMode;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct KeelFile {
    pub company: CompanyFile,
    #[serde(default)]
    pub database: DatabaseFile,
    #[serde(default)]
    pub server: ServerFile,
    #[serde(default)]
    pub scheduler: SchedulerFile,
    #[serde(default)]
    pub slack: SlackFile,
    #[serde(default)]
    pub discord: DiscordFile,
    #[serde(default)]
    pub llm: LlmFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CompanyFile {
    pub name: String,
    pub time_zone: String,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub working_hours: HoursFile,
    #[serde(default)]
    pub holidays: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct HoursFile {
    pub start: String,
    pub end: String,
    pub days: Vec<String>,
}

impl Default for HoursFile {
    fn default() -> Self {
        HoursFile {
            start: "09:00".into(),
            end: "17:00".into(),
            days: ["mon", "tue", "wed", "thu", "fri"]
                .map(String::from)
                .to_vec(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct DatabaseFile {
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseFile {
    fn default() -> Self {
        DatabaseFile {
            url: "sqlite://keel.db".into(),
            max_connections: 5,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct ServerFile {
    pub bind: String,
    pub public_url: Option<String>,
    pub ready_outbox_lag_seconds: u64,
}

impl Default for ServerFile {
    fn default() -> Self {
        ServerFile {
            bind: "127.0.0.1:8080".into(),
            public_url: None,
            ready_outbox_lag_seconds: 600,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct SchedulerFile {
    pub tick_seconds: u64,
    pub outbox_max_attempts: u32,
}

impl Default for SchedulerFile {
    fn default() -> Self {
        SchedulerFile {
            tick_seconds: 15,
            outbox_max_attempts: 8,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct SlackFile {
    pub enabled: bool,
    pub mode: super::SlackMode,
    pub api_url: String,
    pub timeout_seconds: u64,
}

impl Default for SlackFile {
    fn default() -> Self {
        SlackFile {
            enabled: false,
            mode: super::SlackMode::Socket,
            api_url: "https://slack.com/api".into(),
            timeout_seconds: 10,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct DiscordFile {
    pub enabled: bool,
    pub mode: super::DiscordMode,
    pub api_url: String,
    pub application_id: Option<String>,
    pub guild_id: Option<String>,
    pub timeout_seconds: u64,
}

impl Default for DiscordFile {
    fn default() -> Self {
        DiscordFile {
            enabled: false,
            mode: super::DiscordMode::Gateway,
            api_url: "https://discord.com/api/v10".into(),
            application_id: None,
            guild_id: None,
            timeout_seconds: 10,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct LlmFile {
    pub mode: LlmMode,
    pub base_url: String,
    pub model: String,
    pub timeout_seconds: u64,
    pub max_tokens: u32,
    pub output: super::LlmOutput,
    pub phrase: bool,
}

impl Default for LlmFile {
    fn default() -> Self {
        LlmFile {
            mode: LlmMode::Offline,
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            timeout_seconds: 30,
            max_tokens: 600,
            output: super::LlmOutput::JsonSchema,
            phrase: false,
        }
    }
}
