//! The environment: `KEEL_<SECTION>_<KEY>` overrides of `keel.toml`, and the secrets.

use super::{Problem, Secrets};
use secrecy::SecretString;
use std::path::Path;

/// The secrets keel reads, all from the environment; these names are never overrides.
pub const SECRET_VARS: &[&str] = &[
    "KEEL_API_TOKEN",
    "KEEL_CONSOLE_SECRET",
    "KEEL_SLACK_BOT_TOKEN",
    "KEEL_SLACK_SIGNING_SECRET",
    "KEEL_SLACK_APP_TOKEN",
    "KEEL_DISCORD_BOT_TOKEN",
    "KEEL_DISCORD_PUBLIC_KEY",
    "KEEL_LLM_API_KEY",
];

/// The sections of `keel.toml` and their keys (dotted for nested tables), as overrides see them.
pub(super) const SECTIONS: &[(&str, &[&str])] = &[
    (
        "company",
        &[
            "name",
            "time_zone",
            "holidays",
            "working_hours.start",
            "working_hours.end",
            "working_hours.days",
        ],
    ),
    ("database", &["url", "max_connections"]),
    (
        "server",
        &["bind", "public_url", "ready_outbox_lag_seconds"],
    ),
    ("scheduler", &["tick_seconds", "outbox_max_attempts"]),
    ("slack", &["enabled", "mode", "api_url", "timeout_seconds"]),
    (
        "discord",
        &[
            "enabled",
            "mode",
            "api_url",
            "application_id",
            "guild_id",
            "timeout_seconds",
        ],
    ),
    (
        "llm",
        &[
            "mode",
            "base_url",
            "model",
            "timeout_seconds",
            "max_tokens",
            "output",
            "phrase",
        ],
    ),
];

/// One environment variable overriding one key of `keel.toml`.
#[derive(Debug, Clone)]
pub(super) struct Override {
    pub var: String,
    /// Section, then the key's parts (`["company", "working_hours", "start"]`).
    pub path: Vec<String>,
    pub value: toml::Value,
    /// The variable's value as it was set.
    pub raw: String,
}

/// The overrides in `env`; a variable naming a known section but an unknown key is a problem.
/// Variables of other prefixes (`KEEL_LOG`, `KEEL_TEST_POSTGRES_URL`…) are not overrides.
pub(super) fn overrides(
    env: &[(String, String)],
    file: &Path,
    problems: &mut Vec<Problem>,
) -> Vec<Override> {
    let mut found = Vec::new();
    for (var, raw) in env {
        let Some(rest) = var.strip_prefix("KEEL_") else {
            continue;
        };
        if SECRET_VARS.contains(&var.as_str()) {
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        let Some((section, keys)) = SECTIONS
            .iter()
            .find(|(section, _)| lower.starts_with(&format!("{section}_")))
        else {
            continue;
        };
        let key = &lower[section.len() + 1..];
        match keys.iter().find(|k| k.replace('.', "_") == key) {
            Some(known) => {
                let mut path = vec![(*section).to_string()];
                path.extend(known.split('.').map(str::to_string));
                found.push(Override {
                    var: var.clone(),
                    path,
                    value: scalar(raw),
                    raw: raw.clone(),
                });
            }
            None => problems.push(Problem {
                file: file.to_path_buf(),
                line: None,
                message: format!("environment variable {var} overrides `[{section}] {key}`, which is not a setting"),
                hint: format!(
                    "the keys of [{section}] are: {}; unset {var} or fix its name",
                    keys.iter().map(|k| k.replace('.', "_")).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }
    found
}

/// A value as TOML when it reads as one (`5`, `true`, `["mon", "tue"]`), else as text.
fn scalar(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

/// The overrides with a value that reads as TOML (`100000000000000001`, `true`) taken as the
/// text it was typed as wherever the setting is text (a Discord id, a name): the variable's
/// value only is guessed at, and the shape `F` of the file decides. Each override is tried on
/// the file (already valid) alone, so another override's mistake does not change the guess.
pub(super) fn as_text_where_expected<F: serde::de::DeserializeOwned>(
    file: &toml::Table,
    overrides: Vec<Override>,
) -> Vec<Override> {
    let fits = |value: &toml::Value, path: &[String]| {
        let mut table = file.clone();
        set(&mut table, path, value.clone());
        F::deserialize(toml::Value::Table(table)).is_ok()
    };
    overrides
        .into_iter()
        .map(|o| match &o.value {
            toml::Value::String(_) => o,
            typed => {
                let text = toml::Value::String(o.raw.clone());
                if !fits(typed, &o.path) && fits(&text, &o.path) {
                    Override { value: text, ..o }
                } else {
                    o
                }
            }
        })
        .collect()
}

/// Writes the overrides into the parsed file.
pub(super) fn apply(table: &mut toml::Table, overrides: &[Override]) {
    for o in overrides {
        set(table, &o.path, o.value.clone());
    }
}

fn set(table: &mut toml::Table, path: &[String], value: toml::Value) {
    match path {
        [] => {}
        [last] => {
            table.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if !entry.is_table() {
                *entry = toml::Value::Table(toml::Table::new());
            }
            if let toml::Value::Table(inner) = entry {
                set(inner, rest, value);
            }
        }
    }
}

/// Shortest `KEEL_CONSOLE_SECRET` accepted: it signs every console session, and a short one can
/// be guessed from a single session cookie.
pub const MIN_CONSOLE_SECRET: usize = 32;
/// Shortest `KEEL_API_TOKEN` accepted: it lets its holder act as anyone, so it must be as hard
/// to guess as the console secret.
pub const MIN_API_TOKEN: usize = 32;

/// Problems with secrets that are set but unusable.
pub(super) fn check_secrets(secrets: &Secrets, problems: &mut Vec<Problem>) {
    let short = [
        (
            "KEEL_CONSOLE_SECRET",
            &secrets.console_secret,
            MIN_CONSOLE_SECRET,
            "it signs console sessions",
        ),
        (
            "KEEL_API_TOKEN",
            &secrets.api_token,
            MIN_API_TOKEN,
            "it lets its holder act as anyone through the REST API",
        ),
    ];
    for (var, secret, min, why) in short {
        use secrecy::ExposeSecret;
        let Some(secret) = secret else { continue };
        let len = secret.expose_secret().chars().count();
        if len < min {
            problems.push(Problem {
                file: var.into(),
                line: None,
                message: format!("is {len} characters long; {why} and needs at least {min}"),
                hint: "set it to a long random string, e.g. the output of `openssl rand -hex 32`"
                    .into(),
            });
        }
    }
}

/// The secrets present in `env` (an empty value counts as absent).
pub(super) fn secrets(env: &[(String, String)]) -> Secrets {
    let get = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| SecretString::from(v.trim().to_string()))
    };
    Secrets {
        api_token: get("KEEL_API_TOKEN"),
        console_secret: get("KEEL_CONSOLE_SECRET"),
        slack_bot_token: get("KEEL_SLACK_BOT_TOKEN"),
        slack_signing_secret: get("KEEL_SLACK_SIGNING_SECRET"),
        slack_app_token: get("KEEL_SLACK_APP_TOKEN"),
        discord_bot_token: get("KEEL_DISCORD_BOT_TOKEN"),
        discord_public_key: get("KEEL_DISCORD_PUBLIC_KEY"),
        llm_api_key: get("KEEL_LLM_API_KEY"),
    }
}
