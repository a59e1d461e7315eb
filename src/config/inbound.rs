//! The inbound sources of `config/integrations/*.toml` (`[[source]]` tables): who may post to
//! `POST /hooks/{hook}` (the source's name unless it shares a hook) and how it is verified, how its records map onto a record type, how
//! thin events are fetched back and how the source is polled. Keys and auth values are named
//! by environment variable and read from the environment here, never from the file.

use super::Problem;
use super::inbound_file::IntegrationsFile;
use super::inbound_hooks::HookClaim;
use super::source::Source;
use crate::domain::RecordSchema;
use crate::sync::sources::field::FieldSource;
use crate::sync::sources::path::JsonPath;
use crate::sync::sources::template::Template;
use crate::sync::sources::verify::Verifier;
use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One source of inbound records.
#[derive(Debug, Clone)]
pub struct InboundSource {
    pub name: String,
    /// The `{hook}` of `POST /hooks/{hook}` that serves it: its name, or a hook it shares with
    /// the sources of a sender that posts every kind of record to one URL.
    pub hook: String,
    pub file: PathBuf,
    pub verifier: Verifier,
    pub record_type: String,
    pub delivery_id: DeliveryId,
    /// Where the events are in a payload that carries several; `None`: the payload is one.
    pub events: Option<JsonPath>,
    /// Which events the source takes, when its sender mixes kinds in one payload.
    pub only: Option<EventFilter>,
    /// Field → where its value is in the source's record and how it is translated.
    pub fields: Vec<(String, FieldSource)>,
    pub fetch: Option<FetchBack>,
    pub poll: Option<Poll>,
}

/// The events a source takes: those whose value at `path` (a string, or a number as written)
/// is one of `values`. A sender that puts several kinds of record in one delivery (QuickBooks'
/// entities, HubSpot's subscription types) would otherwise have each id read back from the one
/// fetch URL, as a record of the wrong kind; the others are skipped, not dead letters.
#[derive(Debug, Clone)]
pub struct EventFilter {
    pub path: JsonPath,
    pub values: Vec<String>,
}

impl EventFilter {
    pub fn admits(&self, event: &serde_json::Value) -> bool {
        let value = match self.path.find(event) {
            Some(serde_json::Value::String(text)) => text.clone(),
            Some(serde_json::Value::Number(number)) => number.to_string(),
            _ => return false,
        };
        self.values.contains(&value)
    }
}

/// How a delivery is told apart from a replay of it.
#[derive(Debug, Clone)]
pub enum DeliveryId {
    Header(String),
    Path(JsonPath),
    /// The SHA-256 of the body.
    ContentHash,
}

/// Reading the whole record for a thin event.
#[derive(Debug, Clone)]
pub struct FetchBack {
    /// The URL with `{id}` where the record's id goes, and `{$.path}` for other values of the
    /// event.
    pub url: Template,
    pub id: JsonPath,
    pub auth: Option<(String, SecretString)>,
    /// Headers filled from the event (`Procore-Company-Id = "{$.company_id}"`), lowercase names.
    pub headers: Vec<(String, Template)>,
    /// Headers whose values are secrets from the environment, lowercase names.
    pub secret_headers: Vec<(String, SecretString)>,
    pub timeout: Duration,
    pub max_attempts: u32,
}

/// Pulling changed records from a list endpoint.
#[derive(Debug, Clone)]
pub struct Poll {
    pub url: String,
    pub items: JsonPath,
    pub updated: JsonPath,
    pub since_param: String,
    pub paging: Paging,
    pub interval: Duration,
    pub auth: Option<(String, SecretString)>,
    pub timeout: Duration,
    /// The watermark before the first poll.
    pub start: String,
}

#[derive(Debug, Clone)]
pub enum Paging {
    /// One request returns everything changed.
    None,
    /// `?page=1`, `2`… until a page is empty.
    Page { param: String },
    /// The next cursor is at `path` in a page, passed back as `param`; none means the end.
    Cursor { param: String, path: JsonPath },
}

/// Reads every `*.toml` of `dir` (none when it does not exist), in name order.
pub(super) fn load(
    dir: &Path,
    schema: &RecordSchema,
    env: &[(String, String)],
    problems: &mut Vec<Problem>,
) -> Vec<InboundSource> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut sources: Vec<InboundSource> = Vec::new();
    let mut claims = Vec::new();
    for path in paths {
        let hint = "config/integrations/*.toml declares the sources and targets";
        let Some(text) = Source::read(&path, hint, problems) else {
            continue;
        };
        let Some(file) = text.parse::<IntegrationsFile>(problems) else {
            continue;
        };
        for raw in file.source {
            claims.push(HookClaim::of(&raw, &text));
            let mut check = super::inbound_check::Check {
                text: &text,
                schema,
                env,
                problems,
            };
            if let Some(source) = check.source(raw) {
                if sources.iter().any(|s| s.name == source.name) {
                    problems.push(text.problem(
                        None,
                        format!("the source `{}` is declared twice", source.name),
                        "give each [[source]] its own name",
                    ));
                }
                sources.push(source);
            }
        }
    }
    super::inbound_hooks::check(&claims, problems);
    sources
}
