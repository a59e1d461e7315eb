//! The checks of one `[[source]]` table: against the record schema (the type, its fields, the
//! required ones mapped) and the environment (every key and auth variable set), each problem
//! with its line. What passes becomes an [`InboundSource`].

use super::Problem;
use super::inbound::{DeliveryId, InboundSource, Paging, Poll};
use super::inbound_file::{PollFile, SourceFile};
use super::source::Source;
use crate::domain::RecordSchema;
use crate::sync::sources::path::JsonPath;
use crate::sync::sources::verify::{Scheme, Verifier};
use secrecy::SecretString;
use std::ops::Range;
use std::time::Duration;

/// Checks one source against the schema and the environment, reporting with its file's lines.
pub(super) struct Check<'a> {
    pub(super) text: &'a Source,
    pub(super) schema: &'a RecordSchema,
    pub(super) env: &'a [(String, String)],
    pub(super) problems: &'a mut Vec<Problem>,
}

impl Check<'_> {
    pub(super) fn source(&mut self, raw: SourceFile) -> Option<InboundSource> {
        let before = self.problems.len();
        let name = raw.name.get_ref().clone();
        self.url_name(&raw.name, "source");
        let hook = match &raw.hook {
            Some(hook) => {
                self.url_name(hook, "hook");
                hook.get_ref().clone()
            }
            None => name.clone(),
        };
        let scheme =
            serde::Deserialize::deserialize(toml::Value::String(raw.verifier.get_ref().clone()))
                .map_err(|_: toml::de::Error| {
                    let message = format!("`{}` is not a verifier", raw.verifier.get_ref());
                    self.report(
                        raw.verifier.span(),
                        message,
                        format!("use one of: {}", Scheme::NAMES),
                    );
                })
                .ok();
        let keys: Vec<SecretString> = raw
            .keys_from
            .get_ref()
            .iter()
            .filter_map(|var| self.secret(var, raw.keys_from.span()))
            .collect();
        if raw.keys_from.get_ref().is_empty() {
            self.report(
                raw.keys_from.span(),
                "keys_from names no variable",
                "name the environment variable(s) holding the source's signing key",
            );
        }
        if scheme == Some(Scheme::StaticHeader) && raw.header.is_none() {
            self.report(
                raw.verifier.span(),
                "a static_header source needs `header`",
                "add header = \"X-…\", the header the sender sets",
            );
        }
        let record_type = raw.record_type.get_ref().clone();
        let typed = self.schema.get(&record_type);
        if typed.is_none() {
            let known: Vec<&str> = self.schema.types.keys().map(String::as_str).collect();
            self.report(
                raw.record_type.span(),
                format!("there is no record type `{record_type}`"),
                format!("the types are: {}", known.join(", ")),
            );
        }
        let mut fields = Vec::new();
        for (field, entry) in &raw.fields.get_ref().0 {
            let typed_field = typed.and_then(|t| t.field(field));
            if typed.is_some() && typed_field.is_none() {
                self.report(
                    entry.span(),
                    format!("{record_type} has no field `{field}`"),
                    "map the record type's fields only (records.toml lists them)",
                );
            }
            if let Some(source) = self.field(field, typed_field, entry) {
                fields.push((field.clone(), source));
            }
        }
        for required in typed.iter().flat_map(|t| &t.fields).filter(|f| f.required) {
            if !raw
                .fields
                .get_ref()
                .0
                .iter()
                .any(|(name, _)| *name == required.name)
            {
                self.report(
                    raw.fields.span(),
                    format!(
                        "the required field {} of {record_type} is not mapped",
                        required.name
                    ),
                    "add `name = \"$.path\"` for it under [source.fields], or `name = { value = \"…\" }` when the source lacks it",
                );
            }
        }
        let delivery_id = match raw.delivery_id {
            None => DeliveryId::ContentHash,
            Some(spanned) => {
                let span = spanned.span();
                match spanned.into_inner() {
                    super::inbound_file::DeliveryIdFile {
                        header: Some(h),
                        path: None,
                    } => DeliveryId::Header(h.to_ascii_lowercase()),
                    super::inbound_file::DeliveryIdFile {
                        header: None,
                        path: Some(p),
                    } => self
                        .path(&p, span.clone())
                        .map_or(DeliveryId::ContentHash, DeliveryId::Path),
                    _ => {
                        self.report(
                            span,
                            "delivery_id needs one of `header` or `path`",
                            "e.g. delivery_id = { header = \"webhook-id\" }",
                        );
                        DeliveryId::ContentHash
                    }
                }
            }
        };
        let events = raw
            .events
            .as_ref()
            .and_then(|e| self.path(e.get_ref(), e.span()));
        let only = raw.only.and_then(|only| {
            let span = only.span();
            let only = only.into_inner();
            if only.values.is_empty() {
                self.report(
                    span.clone(),
                    "`only` lists no values: the source would take no event",
                    "e.g. only = { path = \"$.name\", values = [\"Vendor\"] }",
                );
            }
            let path = self.path(&only.path, span)?;
            Some(super::inbound::EventFilter {
                path,
                values: only.values,
            })
        });
        let fetch = raw.fetch.and_then(|f| self.fetch(f));
        let poll = raw.poll.and_then(|p| self.poll(p));
        (self.problems.len() == before).then(|| InboundSource {
            name,
            hook,
            file: self.text.path.clone(),
            verifier: Verifier {
                scheme: scheme.unwrap_or(Scheme::StaticHeader),
                keys,
                header: raw.header.map(|h| h.into_inner().to_ascii_lowercase()),
            },
            record_type,
            delivery_id,
            events,
            only,
            fields,
            fetch,
            poll,
        })
    }

    /// Reports a source or hook name that cannot be the `{name}` of `/hooks/{name}`.
    fn url_name(&mut self, name: &toml::Spanned<String>, what: &str) {
        let text = name.get_ref();
        let valid = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !valid {
            self.report(
                name.span(),
                format!("`{text}` is not a {what} name"),
                "use lowercase letters, digits, `_` and `-` (it is part of the URL /hooks/{name})",
            );
        }
    }

    fn poll(&mut self, p: PollFile) -> Option<Poll> {
        let paging = match (p.page_param, p.cursor_path, p.cursor_param) {
            (None, None, None) => Paging::None,
            (Some(param), None, None) => Paging::Page { param },
            (None, Some(path), Some(param)) => Paging::Cursor {
                param,
                path: self.path(path.get_ref(), path.span())?,
            },
            _ => {
                self.report(
                    p.url.span(),
                    "[source.poll] takes page_param, or cursor_path with cursor_param",
                    "pick the one the list endpoint uses",
                );
                return None;
            }
        };
        let start = match p.start {
            Some(start) => match crate::domain::field::parse_timestamp(start.get_ref()) {
                Ok(at) => crate::domain::field::canonical_timestamp(&at),
                Err(message) => {
                    self.report(
                        start.span(),
                        message,
                        "the first watermark, e.g. 2026-01-01T00:00:00Z",
                    );
                    return None;
                }
            },
            None => "1970-01-01T00:00:00.000000Z".into(),
        };
        Some(Poll {
            url: p.url.get_ref().clone(),
            items: self.path(p.items.get_ref(), p.items.span())?,
            updated: self.path(p.updated.get_ref(), p.updated.span())?,
            since_param: p.since_param,
            paging,
            interval: Duration::from_secs(p.interval_seconds.max(1)),
            auth: self.auth(p.auth_from.as_ref(), &p.auth_header),
            timeout: Duration::from_secs(p.timeout_seconds.clamp(1, 120)),
            start,
        })
    }

    pub(super) fn auth(
        &mut self,
        var: Option<&toml::Spanned<String>>,
        header: &str,
    ) -> Option<(String, SecretString)> {
        let var = var?;
        let value = self.secret(var.get_ref(), var.span())?;
        Some((header.to_ascii_lowercase(), value))
    }

    /// The value of environment variable `var`; a problem at `span` when it is unset or empty.
    pub(super) fn secret(&mut self, var: &str, span: Range<usize>) -> Option<SecretString> {
        let value = self
            .env
            .iter()
            .rev()
            .find(|(name, value)| name == var && !value.trim().is_empty())
            .map(|(_, value)| SecretString::from(value.trim().to_string()));
        if value.is_none() {
            self.report(
                span,
                format!("the environment variable {var} is not set"),
                "set it to the secret the source gave you (secrets never go in config files)",
            );
        }
        value
    }

    pub(super) fn path(&mut self, text: &str, span: Range<usize>) -> Option<JsonPath> {
        JsonPath::parse(text)
            .map_err(|message| {
                self.report(
                    span,
                    message,
                    "paths are `$` then `.name`, `[\"name\"]`, `[n]` or `[?(@.key == 'text')]` steps",
                )
            })
            .ok()
    }

    pub(super) fn report(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problems
            .push(self.text.problem(Some(span), message, hint));
    }
}
