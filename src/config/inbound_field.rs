//! One entry of a source's `[source.fields]`: a path (`name = "$.title"`) or a table that
//! translates the source's value (`status = { path = "$.POStatus", map = { Open = "open" } }`,
//! `category = { value = "materials" }`, `as = "date"`, `default`, `from = "event"`). Read as
//! written, then checked with its line: a table reads from a path or is a constant, never both
//! or neither, and every keel value it names (map, default, constant) must pass the field's CSV
//! check.

use super::inbound_check::Check;
use super::ordered::Ordered;
use crate::domain::RecordTypeField;
use crate::sync::csv::checked;
use crate::sync::sources::field::{Conversion, FieldSource, Origin};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor, value::MapAccessDeserializer};
use serde_json::Value;
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// A field's entry as written.
#[derive(Debug)]
pub(super) enum FieldFile {
    Path(String),
    Table(FieldTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FieldTable {
    pub path: Option<String>,
    pub value: Option<toml::Value>,
    pub map: Option<Ordered<toml::Value>>,
    pub default: Option<toml::Value>,
    #[serde(rename = "as")]
    pub convert: Option<String>,
    /// `"event"`: the path is read in the thin event, not in the record fetched back for it.
    pub from: Option<String>,
}

impl<'de> Deserialize<'de> for FieldFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;

        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = FieldFile;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a path such as \"$.title\", or a table such as { path = \"$.status\", map = { Open = \"open\" } }",
                )
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<FieldFile, E> {
                Ok(FieldFile::Path(text.to_string()))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldFile, A::Error> {
                FieldTable::deserialize(MapAccessDeserializer::new(map)).map(FieldFile::Table)
            }
        }

        deserializer.deserialize_any(FieldVisitor)
    }
}

impl Check<'_> {
    /// How the field `name` is filled, checked against its type when the record type has it.
    pub(super) fn field(
        &mut self,
        name: &str,
        typed: Option<&RecordTypeField>,
        raw: &Spanned<FieldFile>,
    ) -> Option<FieldSource> {
        let span = raw.span();
        let table = match raw.get_ref() {
            FieldFile::Path(path) => return self.path(path, span).map(FieldSource::path),
            FieldFile::Table(table) => table,
        };
        let before = self.problems.len();
        let origin = match (&table.path, &table.value) {
            (Some(path), None) => {
                let path = self.path(path, span.clone());
                match table.from.as_deref() {
                    None | Some("record") => path.map(Origin::Path),
                    Some("event") => path.map(Origin::EventPath),
                    Some(other) => {
                        self.report(
                            span.clone(),
                            format!("`from = \"{other}\"` of the field {name} is neither `record` nor `event`"),
                            "leave it out to read the record, or write from = \"event\" to read the webhook's event",
                        );
                        None
                    }
                }
            }
            (None, Some(value)) => {
                if table.map.is_some()
                    || table.default.is_some()
                    || table.convert.is_some()
                    || table.from.is_some()
                {
                    self.report(
                        span.clone(),
                        format!("the field {name} is a constant `value`, which takes no `map`, `default`, `as` or `from`"),
                        "write the keel value itself as `value`",
                    );
                }
                self.keel_value(name, typed, value, "the value", &span)
                    .map(Origin::Constant)
            }
            (path, _) => {
                let which = match path {
                    Some(_) => "both `path` and `value`",
                    None => "neither `path` nor `value`",
                };
                self.report(
                    span.clone(),
                    format!("the field {name} has {which}"),
                    "read it with path = \"$…\", or give a constant with value = \"…\"",
                );
                None
            }
        };
        let convert = table.convert.as_ref().and_then(|convert| {
            let named = Conversion::named(convert);
            if named.is_none() {
                self.report(
                    span.clone(),
                    format!("`as = \"{convert}\"` of the field {name} is not a conversion"),
                    format!("use one of: {}", Conversion::NAMES),
                );
            }
            named
        });
        let mut map = Vec::new();
        for (from, to) in table.map.iter().flat_map(|m| &m.0) {
            let what = format!("the map's value for `{from}`");
            if let Some(to) = self.keel_value(name, typed, to, &what, &span) {
                map.push((from.clone(), to));
            }
        }
        if table.map.as_ref().is_some_and(|m| m.0.is_empty()) {
            self.report(
                span.clone(),
                format!("the map of the field {name} is empty: every value found would be refused"),
                "list the source's values and keel's, e.g. map = { Open = \"open\" }",
            );
        }
        let default = table
            .default
            .as_ref()
            .and_then(|d| self.keel_value(name, typed, d, "the default", &span));
        let origin = origin?;
        (self.problems.len() == before).then_some(FieldSource {
            origin,
            convert,
            map,
            default,
        })
    }

    /// A keel value written in the config, as JSON, when it fits the field (as a CSV cell would).
    fn keel_value(
        &mut self,
        name: &str,
        typed: Option<&RecordTypeField>,
        value: &toml::Value,
        what: &str,
        span: &Range<usize>,
    ) -> Option<Value> {
        let json = match value {
            toml::Value::String(text) => Value::String(text.clone()),
            toml::Value::Integer(number) => Value::from(*number),
            toml::Value::Float(number) => Value::from(*number),
            toml::Value::Boolean(flag) => Value::Bool(*flag),
            toml::Value::Datetime(at) => Value::String(at.to_string()),
            toml::Value::Array(_) | toml::Value::Table(_) => {
                self.report(
                    span.clone(),
                    format!("{what} of the field {name} is a list or a table"),
                    "a keel value is text, a number or true/false",
                );
                return None;
            }
        };
        let field = typed?;
        let shown = json
            .as_str()
            .map_or_else(|| json.to_string(), str::to_string);
        match checked(field, field.field_type.canonicalize(&json)) {
            Ok(_) => Some(json),
            Err(message) => {
                self.report(
                    span.clone(),
                    format!("{what} of the field {name}, `{shown}`, does not fit: {message}"),
                    format!(
                        "write a keel value of the field's type ({})",
                        field.field_type
                    ),
                );
                None
            }
        }
    }
}
