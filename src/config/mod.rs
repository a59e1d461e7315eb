//! Configuration: `keel.toml` (settings), `records.toml` (record types and the directory
//! mapping), `workflows/*.toml` and `digests.toml` (digests and alerts), loaded, validated and
//! overridden from the environment in this one module. Secrets come only from the environment.
//!
//! Loading never stops at the first mistake: every problem is collected as a [`Problem`] with the
//! file, the line and a hint, so `keel check` can show a deployer everything to fix in one pass.

mod ask;
mod database_url;
mod digests;
mod env;
mod inbound;
mod inbound_check;
mod inbound_fetch;
mod inbound_field;
mod inbound_file;
mod inbound_hooks;
mod ordered;
mod outbound;
mod outbound_check;
mod outbound_owner;
mod platform_notes;
mod records;
mod settings;
mod settings_file;
mod source;
mod workflow_bounds;
mod workflow_check;
mod workflow_context;
mod workflow_file;
mod workflow_parts;
mod workflows;

#[cfg(test)]
mod hook_fetch_tests;
#[cfg(test)]
mod inbound_tests;
#[cfg(test)]
mod outbound_tests;
#[cfg(test)]
mod tests;

use crate::domain::{RecordSchema, Workflow};
use crate::engine::calendar::BusinessCalendar;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use database_url::redact_url;
pub use env::{MIN_CONSOLE_SECRET, SECRET_VARS};
pub use inbound::{DeliveryId, FetchBack, InboundSource, Paging, Poll};
pub use outbound::{
    OtherWriters, Outbound, OutboundRule, Owner, TargetBody, Trigger, WebhookTarget,
};
pub use platform_notes::platform_notes;

/// Everything keel is configured with.
#[derive(Debug, Clone)]
pub struct Config {
    pub dir: PathBuf,
    pub settings: Settings,
    pub schema: RecordSchema,
    /// How questions name record types (`ask.toml`).
    pub vocabulary: crate::domain::vocabulary::Vocabulary,
    pub directory: DirectoryMapping,
    pub workflows: BTreeMap<String, Workflow>,
    pub secrets: Secrets,
    /// Outbound integrations (`integrations/*.toml`): webhook targets, the rules that feed
    /// them, and the owners of record types.
    pub outbound: Outbound,
    /// The inbound sources of `integrations/*.toml` (`[[source]]` tables).
    pub sources: Vec<InboundSource>,
    /// The digests and alert rules of `digests.toml` (none without it).
    pub digests: crate::domain::digest::Digests,
    /// What `keel check` points out without refusing the config (a money field without a lower
    /// bound), with file, line and hint.
    pub warnings: Vec<Problem>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub company: Company,
    pub database: Database,
    pub server: Server,
    pub scheduler: Scheduler,
    pub slack: Slack,
    pub discord: Discord,
    pub llm: Llm,
}

#[derive(Debug, Clone)]
pub struct Company {
    pub name: String,
    pub calendar: BusinessCalendar,
    /// How money is written in answers: a symbol before the figure ("$", "€") or a code
    /// ("CHF"); `$` unless keel.toml says otherwise.
    pub currency: String,
}

#[derive(Debug, Clone)]
pub struct Database {
    /// `sqlite://keel.db` (relative to the working directory) or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub bind: String,
    /// The address people open keel at (`https://keel.example.com`), when a proxy in front of
    /// keel gives it one: sign-in links point there, and an `https://` one marks the console's
    /// cookie `Secure`.
    pub public_url: Option<String>,
    /// `/readyz` fails while a pending notification has waited longer than this: keel is far
    /// behind on its outbox (a platform down, deliverers stuck).
    pub ready_outbox_lag_seconds: u64,
}

#[derive(Debug, Clone)]
pub struct Scheduler {
    /// How often the scheduler looks for due timers and undelivered notifications.
    pub tick_seconds: u64,
    /// Delivery attempts before a notification is parked (listed, its requester and the admins
    /// told); it is still retried after that, at most an hour apart.
    pub outbox_max_attempts: u32,
}

/// Slack, without its tokens (those are in [`Secrets`]).
#[derive(Debug, Clone)]
pub struct Slack {
    pub enabled: bool,
    /// How Slack reaches keel.
    pub mode: SlackMode,
    /// Web API base, `https://slack.com/api`; tests point it at a local stand-in.
    pub api_url: String,
    /// The longest keel waits for one Web API call; one that takes longer is retried later.
    pub timeout_seconds: u64,
}

/// Discord, without its token and public key (those are in [`Secrets`]).
#[derive(Debug, Clone)]
pub struct Discord {
    pub enabled: bool,
    /// How Discord's interactions reach keel: one way only, never both (Discord's rule).
    pub mode: DiscordMode,
    /// REST API base, `https://discord.com/api/v10`; tests point it at a local stand-in.
    pub api_url: String,
    /// The application id, needed to register slash commands (not a secret).
    pub application_id: Option<String>,
    /// The server (guild) whose channels the workflows' `#channel`s name, and where
    /// `keel discord register` registers the commands (globally without it).
    pub guild_id: Option<String>,
    /// The longest keel waits for one REST call; one that takes longer is retried later.
    pub timeout_seconds: u64,
}

/// How Slack reaches keel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlackMode {
    /// keel opens a WebSocket to Slack (needs `KEEL_SLACK_APP_TOKEN`); no public URL needed.
    Socket,
    /// Slack sends HTTP requests to keel's `/slack/…` endpoints (needs a public URL).
    Http,
}

/// How Discord's interactions reach keel. Discord sends an app's interactions either over
/// the gateway or to its HTTP endpoint, never both; keel does the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscordMode {
    /// keel opens the gateway's WebSocket with the bot token (the default): no public URL, no
    /// public key; works behind a firewall.
    Gateway,
    /// Discord posts to keel's `/discord/interactions` (needs a public URL and
    /// `KEEL_DISCORD_PUBLIC_KEY`, and the portal's Interactions Endpoint URL set to it).
    Http,
}

/// How questions in plain language are planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmMode {
    /// The built-in planner answers the common questions; nothing leaves the machine.
    Offline,
    /// An OpenAI-compatible endpoint at `base_url` turns questions into plans.
    Remote,
}

/// The LLM endpoint (any OpenAI-compatible server), without its key.
#[derive(Debug, Clone)]
pub struct Llm {
    pub mode: LlmMode,
    pub base_url: String,
    pub model: String,
    /// One deadline per question, for planning and wording together.
    pub timeout_seconds: u64,
    /// The most tokens the model may write for a plan (its wording of an answer gets at most
    /// [`crate::ask::llm::MAX_WORDING_TOKENS`], or this if smaller): a server that would
    /// otherwise generate until its context is full stops in time.
    pub max_tokens: u32,
    /// Let the model word the answer's sentence (every number in it checked against the
    /// computed answer).
    pub phrase: bool,
    /// How the model is asked for a plan first; keel falls back through the others when the
    /// server refuses it.
    pub output: LlmOutput,
}

/// How a model is asked to return a plan as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LlmOutput {
    /// `response_format: json_schema` (structured output: OpenAI, vLLM, recent Ollama).
    JsonSchema,
    /// A forced tool call whose arguments are the plan (servers that ignore unforced tools).
    Tool,
    /// `response_format: json_object` (JSON mode), the schema given in the prompt.
    JsonObject,
}

/// Which record type holds people and which of its fields mean what.
#[derive(Debug, Clone)]
pub struct DirectoryMapping {
    pub record: String,
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub title: String,
    pub manager: String,
    pub approval_limit: String,
    /// Platform (`slack`, `discord`, …) → the field holding a person's identity there.
    pub chat: std::collections::BTreeMap<String, String>,
    pub active: String,
    /// The field naming a person's department, when `[directory]` maps one.
    pub department: Option<String>,
    pub admin_roles: Vec<String>,
}

/// Secrets, read only from the environment; their `Debug` is redacted.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `KEEL_API_TOKEN`: bearer token for the REST API.
    pub api_token: Option<SecretString>,
    /// `KEEL_CONSOLE_SECRET`: signs the web console's sign-in links and sessions; without it,
    /// `keel serve` keeps the console closed (`keel demo` makes one up).
    pub console_secret: Option<SecretString>,
    /// `KEEL_SLACK_BOT_TOKEN`: the `xoxb-` token keel posts with.
    pub slack_bot_token: Option<SecretString>,
    /// `KEEL_SLACK_SIGNING_SECRET`: verifies that requests come from Slack.
    pub slack_signing_secret: Option<SecretString>,
    /// `KEEL_SLACK_APP_TOKEN`: the `xapp-` token for Socket Mode.
    pub slack_app_token: Option<SecretString>,
    /// `KEEL_DISCORD_BOT_TOKEN`.
    pub discord_bot_token: Option<SecretString>,
    /// `KEEL_DISCORD_PUBLIC_KEY`: verifies the Ed25519 signature of interactions.
    pub discord_public_key: Option<SecretString>,
    /// `KEEL_LLM_API_KEY`.
    pub llm_api_key: Option<SecretString>,
}

/// One problem found while loading config: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message)?,
            None => write!(f, "{}: {}", self.file.display(), self.message)?,
        }
        if !self.hint.is_empty() {
            write!(f, "\n  hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Loads and validates the config directory, with `KEEL_*` overrides from the process
/// environment. Every problem is reported, not just the first.
pub fn load(dir: &Path) -> Result<Config, Vec<Problem>> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    load_with_env(dir, &env)
}

/// As [`load`], with the environment given explicitly (tests).
pub fn load_with_env(dir: &Path, env: &[(String, String)]) -> Result<Config, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let settings = settings::load(&dir.join("keel.toml"), env, &mut problems);
    let records = records::load(&dir.join("records.toml"), &mut problems);
    let context = records
        .as_ref()
        .map(|(schema, directory)| (schema, directory));
    let workflows = workflows::load_all(
        &dir.join("workflows"),
        context,
        &mut problems,
        &mut warnings,
    );
    let vocabulary = match &records {
        Some((schema, directory)) => ask::load(
            &dir.join("ask.toml"),
            schema,
            &directory.record,
            &directory.role,
            &mut problems,
        ),
        None => Default::default(),
    };
    let outbound = outbound::load(
        &dir.join("integrations"),
        env,
        records.as_ref().map(|(schema, _)| schema),
        &workflows,
        &mut problems,
    );
    let sources = match &records {
        Some((schema, _)) => inbound::load(&dir.join("integrations"), schema, env, &mut problems),
        None => Vec::new(),
    };
    let digests = match &records {
        Some((schema, _)) => digests::load(&dir.join("digests.toml"), schema, &mut problems),
        None => Default::default(),
    };
    unsourced_owners(dir, &outbound, &sources, &mut warnings);
    let secrets = env::secrets(env);
    env::check_secrets(&secrets, &mut problems);
    match (settings, records) {
        (Some(settings), Some((schema, directory))) if problems.is_empty() => Ok(Config {
            dir: dir.to_path_buf(),
            settings,
            schema,
            vocabulary,
            directory,
            workflows,
            secrets,
            outbound,
            sources,
            digests,
            warnings,
        }),
        _ => Err(problems),
    }
}

/// A proposed policy's workflows, checked as `keel check` checks them (every problem with file
/// and line). `dir` is a whole config directory (it has a keel.toml: `cp -r config proposal`)
/// or holds only `workflows/*.toml`, read against `base`'s record types and directory.
pub fn load_proposal(
    dir: &Path,
    base: &Config,
) -> Result<BTreeMap<String, Workflow>, Vec<Problem>> {
    if dir.join("keel.toml").is_file() {
        return load(dir).map(|config| config.workflows);
    }
    let folder = dir.join("workflows");
    if !folder.is_dir() {
        return Err(vec![Problem {
            file: dir.to_path_buf(),
            line: None,
            message: "there is no workflows/ folder here".into(),
            hint: "a proposal is a config folder (a copy of config/, edited) or a folder holding \
                   workflows/*.toml"
                .into(),
        }]);
    }
    let (mut problems, mut warnings) = (Vec::new(), Vec::new());
    let workflows = workflows::load_all(
        &folder,
        Some((&base.schema, &base.directory)),
        &mut problems,
        &mut warnings,
    );
    if problems.is_empty() {
        Ok(workflows)
    } else {
        Err(problems)
    }
}

/// An owner that names no declared `[[source]]`: nothing keel receives can write its records, so
/// every write is refused or filed as a change request. Allowed (the owning system may not send
/// to keel yet), but said.
fn unsourced_owners(
    dir: &Path,
    outbound: &Outbound,
    sources: &[InboundSource],
    warnings: &mut Vec<Problem>,
) {
    for owner in outbound.owners.values() {
        if sources.iter().any(|source| source.name == owner.source) {
            continue;
        }
        warnings.push(Problem {
            file: dir.join("integrations"),
            line: None,
            message: format!(
                "the owner of {} is `{}`, which is not a [[source]]: every write to {} will be refused or filed as a change request",
                owner.record_type, owner.source, owner.record_type
            ),
            hint: format!("declare a [[source]] named `{}`, or name the source that sends these records", owner.source),
        });
    }
}

/// The demo company's configuration (`config/` of this repository), for unit tests that need a
/// real schema, vocabulary or workflows; panics with every problem when it does not load.
#[cfg(test)]
pub fn demo() -> Config {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    load_with_env(&dir, &[]).unwrap_or_else(|problems| panic!("the demo config: {problems:?}"))
}

/// Every problem with the config directory (empty when it loads), for `keel check`.
pub fn check(dir: &Path) -> Vec<Problem> {
    load(dir).err().unwrap_or_default()
}
