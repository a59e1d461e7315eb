//! The shape of a `[[source]]` table in `config/integrations/*.toml`, as written. Tables other
//! than `source` (`target`, `rule`) belong to sync-out and are not read here; inside a source,
//! an unknown key is a problem with its line.

use super::inbound_field::FieldFile;
use super::ordered::Ordered;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// One integrations file: its sources (other tables are left to their own loaders).
#[derive(Debug, Deserialize)]
pub(super) struct IntegrationsFile {
    #[serde(default)]
    pub source: Vec<SourceFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SourceFile {
    /// What `POST /hooks/{name}` and `keel sync` call it.
    pub name: Spanned<String>,
    /// The hook it shares with other sources (`POST /hooks/{hook}` serves them all): a sender
    /// that posts every kind of record to one URL.
    pub hook: Option<Spanned<String>>,
    /// One of [`crate::sync::sources::verify::Scheme::NAMES`].
    pub verifier: Spanned<String>,
    /// Environment variables holding the signing keys (several while one is rotated).
    pub keys_from: Spanned<Vec<String>>,
    /// The header a `static_header` source sets.
    pub header: Option<Spanned<String>>,
    /// The record type every event of the source writes.
    pub record_type: Spanned<String>,
    /// Where a delivery's id is; else the body's SHA-256 identifies it.
    pub delivery_id: Option<Spanned<DeliveryIdFile>>,
    /// The path of the list of events in a payload that carries several.
    pub events: Option<Spanned<String>>,
    /// Only the events whose value at `path` is one of `values` (the rest are skipped).
    pub only: Option<Spanned<OnlyFile>>,
    /// Field of the record type → path in the source's record, or how to translate it.
    pub fields: Spanned<Ordered<Spanned<FieldFile>>>,
    pub fetch: Option<FetchFile>,
    pub poll: Option<PollFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeliveryIdFile {
    pub header: Option<String>,
    pub path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OnlyFile {
    pub path: String,
    pub values: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FetchFile {
    /// `https://api.example.com/v1/projects/{id}`, perhaps with `{$.path}` placeholders.
    pub url: Spanned<String>,
    /// Where the record's id is in the event.
    pub id: Spanned<String>,
    /// The environment variable holding the auth header's whole value (`Bearer …`).
    pub auth_from: Option<Spanned<String>>,
    #[serde(default = "authorization")]
    pub auth_header: String,
    /// Header name → value, a template like the URL (`"{$.company_id}"`).
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<String>>,
    /// Header name → the environment variable holding its value (a secret).
    #[serde(default)]
    pub headers_from: BTreeMap<String, Spanned<String>>,
    #[serde(default = "fetch_timeout")]
    pub timeout_seconds: u64,
    /// Tries (429, 5xx, no answer) before the event becomes a dead letter.
    #[serde(default = "max_attempts")]
    pub max_attempts: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PollFile {
    /// The list URL; keel adds the `since` parameter and the page or cursor.
    pub url: Spanned<String>,
    /// Where the records are in a page (`$.results`).
    pub items: Spanned<String>,
    /// Where a record's last-change time is (`$.updated_at`): the watermark.
    pub updated: Spanned<String>,
    #[serde(default = "since_param")]
    pub since_param: String,
    /// Page-numbered lists: the page parameter (pages from 1 until one comes back empty).
    pub page_param: Option<String>,
    /// Cursor lists: where the next cursor is in a page, and the parameter that takes it.
    pub cursor_path: Option<Spanned<String>>,
    pub cursor_param: Option<String>,
    #[serde(default = "interval")]
    pub interval_seconds: u64,
    pub auth_from: Option<Spanned<String>>,
    #[serde(default = "authorization")]
    pub auth_header: String,
    #[serde(default = "fetch_timeout")]
    pub timeout_seconds: u64,
    /// The watermark of the first poll (RFC 3339); the beginning of time without it.
    pub start: Option<Spanned<String>>,
}

fn authorization() -> String {
    "authorization".into()
}

fn fetch_timeout() -> u64 {
    15
}

fn max_attempts() -> u32 {
    8
}

fn since_param() -> String {
    "updated_since".into()
}

fn interval() -> u64 {
    300
}
