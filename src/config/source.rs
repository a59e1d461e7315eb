//! One config file's text, and the translation of TOML and serde errors, byte offsets and
//! secret-looking keys into [`Problem`]s with line numbers.

use super::Problem;
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Parts of a key that mark it as a secret, which belongs in the environment, not in a file.
const SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "api_key",
    "apikey",
    "private_key",
];
/// Unknown keys skipped in one file before giving up on reading it.
const MAX_SKIPPED_KEYS: usize = 20;
/// Prefixes of well-known credentials pasted as values.
const SECRET_VALUE_PREFIXES: &[&str] = &["xoxb-", "xoxp-", "xapp-", "xoxa-", "sk-"];

/// A config file's path and text.
pub(super) struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    /// Reads a file; a missing or unreadable file is a problem.
    pub fn read(path: &Path, hint: &str, problems: &mut Vec<Problem>) -> Option<Source> {
        match std::fs::read_to_string(path) {
            Ok(text) => Some(Source {
                path: path.to_path_buf(),
                text,
            }),
            Err(err) => {
                problems.push(Problem {
                    file: path.to_path_buf(),
                    line: None,
                    message: format!("cannot read the file: {err}"),
                    hint: hint.to_string(),
                });
                None
            }
        }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub fn problem(
        &self,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Problem {
        Problem {
            file: self.path.clone(),
            line: span.map(|s| self.line_of(s.start)),
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// A problem at the line of a spanned value.
    pub fn at<T>(
        &self,
        value: &Spanned<T>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Problem {
        self.problem(Some(value.span()), message, hint)
    }

    /// Parses the file: TOML syntax first, then secret-looking keys, then the typed shape (unknown
    /// keys, missing keys, wrong types). `None` when the shape could not be read.
    pub fn parse<T: DeserializeOwned>(&self, problems: &mut Vec<Problem>) -> Option<T> {
        self.parse_with_table(problems).map(|(value, _)| value)
    }

    /// As [`Source::parse`], with the file as a plain table (secrets and unknown keys removed).
    /// An unknown key on a line of its own is reported and skipped, so that one misspelling does
    /// not hide the rest of the file's problems.
    pub fn parse_with_table<T: DeserializeOwned>(
        &self,
        problems: &mut Vec<Problem>,
    ) -> Option<(T, toml::Table)> {
        let table: toml::Table = match toml::from_str(&self.text) {
            Ok(table) => table,
            Err(err) => {
                problems.push(self.problem(
                    err.span(),
                    format!("TOML syntax error: {}", first_line(err.message())),
                    "check the quotes, brackets and `key = value` pairs on this line",
                ));
                return None;
            }
        };
        let mut skipped = self.secret_keys(&table, problems);
        let secrets = skipped.len();
        for _ in 0..MAX_SKIPPED_KEYS {
            let text = self.without_lines(&skipped);
            let err = match toml::from_str::<T>(&text) {
                Ok(value) => return toml::from_str(&text).ok().map(|table| (value, table)),
                Err(err) => err,
            };
            let message = first_line(err.message()).to_string();
            let unknown = message
                .strip_prefix("unknown field `")
                .and_then(|rest| rest.split_once('`'))
                .map(|(key, _)| key.to_string());
            if let Some(key) = &unknown
                && skipped[..secrets].iter().any(|(k, _)| k == key)
            {
                return None;
            }
            problems.push(self.problem(err.span(), message.clone(), shape_hint(&message)));
            let line = err.span().map(|s| self.line_of(s.start));
            match (unknown, line) {
                (Some(key), Some(line)) if !skipped.contains(&(key.clone(), line)) => {
                    skipped.push((key, line))
                }
                _ => return None,
            }
        }
        None
    }

    /// Reports every secret-looking key or value; returns the keys with their lines.
    fn secret_keys(
        &self,
        table: &toml::Table,
        problems: &mut Vec<Problem>,
    ) -> Vec<(String, usize)> {
        let mut found = Vec::new();
        self.walk(table, &mut Vec::new(), &mut found, problems);
        found
    }

    fn walk(
        &self,
        table: &toml::Table,
        path: &mut Vec<String>,
        found: &mut Vec<(String, usize)>,
        problems: &mut Vec<Problem>,
    ) {
        for (key, value) in table {
            let lower = key.to_ascii_lowercase();
            // A whole number (`max_tokens = 600`, a count of the model's tokens) is no secret.
            // Keys under `fields` tables are field names (or a source field's keys and the other
            // system's values its map translates), and keys of `*_env` and `*_from` tables (a
            // target's `headers_env`, a fetch's `headers_from`) are header names whose values
            // name environment variables.
            if SECRET_WORDS.iter().any(|w| lower.contains(w))
                && !path.iter().any(|p| p == "fields")
                && path
                    .last()
                    .is_none_or(|p| !p.ends_with("_env") && !p.ends_with("_from"))
                && !value.is_integer()
            {
                let line = self.line_of_key(key);
                let var = env_name(path, key);
                problems.push(Problem {
                    file: self.path.clone(),
                    line,
                    message: format!(
                        "`{key}` looks like a secret, and secrets do not belong in config files"
                    ),
                    hint: format!(
                        "secrets come from the environment: remove this line and set {var} instead"
                    ),
                });
                found.push((key.clone(), line.unwrap_or(0)));
                continue;
            }
            self.check_value(value, path, key, problems);
            if let toml::Value::Table(inner) = value {
                path.push(key.clone());
                self.walk(inner, path, found, problems);
                path.pop();
            }
            if let toml::Value::Array(items) = value {
                for item in items {
                    if let toml::Value::Table(inner) = item {
                        path.push(key.clone());
                        self.walk(inner, path, found, problems);
                        path.pop();
                    }
                }
            }
        }
    }

    fn check_value(
        &self,
        value: &toml::Value,
        path: &[String],
        key: &str,
        problems: &mut Vec<Problem>,
    ) {
        let toml::Value::String(text) = value else {
            return;
        };
        if SECRET_VALUE_PREFIXES.iter().any(|p| text.starts_with(p)) && text.len() > 12 {
            let line = self
                .text
                .lines()
                .position(|l| l.contains(text.as_str()))
                .map(|i| i + 1);
            problems.push(Problem {
                file: self.path.clone(),
                line,
                message: format!("the value of `{key}` looks like a credential"),
                hint: format!(
                    "secrets come from the environment: remove it from the file and revoke it if it was committed; see {}",
                    env_name(path, key)
                ),
            });
        }
    }

    /// The first line where `key` is assigned (`key = …` or `key=` inside an inline table).
    fn line_of_key(&self, key: &str) -> Option<usize> {
        let assigns = |l: &str| {
            l.match_indices(key).any(|(i, _)| {
                let before = l[..i].chars().next_back();
                let after = l[i + key.len()..].trim_start();
                before.is_none_or(|c| !c.is_alphanumeric() && c != '_') && after.starts_with('=')
            })
        };
        self.text.lines().position(assigns).map(|i| i + 1)
    }

    /// The text with these lines blanked (same byte offsets), when each is a plain `key = value`.
    fn without_lines(&self, keys: &[(String, usize)]) -> String {
        let mut lines: Vec<String> = self.text.split('\n').map(str::to_string).collect();
        for (key, line) in keys {
            if let Some(text) = line.checked_sub(1).and_then(|i| lines.get_mut(i))
                && text.trim_start().starts_with(key.as_str())
            {
                *text = " ".repeat(text.len());
            }
        }
        lines.join("\n")
    }

    /// The 1-based line of `key` inside `[section]` (for values of flat files like keel.toml).
    pub fn line_in_section(&self, section: &str, key: &str) -> Option<usize> {
        let header = format!("[{section}]");
        let mut inside = section.is_empty();
        for (i, line) in self.text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.starts_with('[') {
                inside = trimmed == header;
                continue;
            }
            if inside
                && let Some(rest) = trimmed.strip_prefix(key)
                && rest.trim_start().starts_with('=')
            {
                return Some(i + 1);
            }
        }
        None
    }
}

/// The environment variable a secret at this place would come from.
fn env_name(path: &[String], key: &str) -> String {
    let mut parts: Vec<String> = path.iter().map(|p| p.to_ascii_uppercase()).collect();
    parts.push(key.to_ascii_uppercase());
    let name = format!("KEEL_{}", parts.join("_"));
    if super::env::SECRET_VARS.contains(&name.as_str()) {
        name
    } else {
        format!(
            "the matching variable ({})",
            super::env::SECRET_VARS.join(", ")
        )
    }
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

fn shape_hint(message: &str) -> String {
    if message.starts_with("unknown field") {
        "remove the key or fix its spelling; the accepted keys are listed above".into()
    } else if message.starts_with("missing field") {
        "add the key to this table".into()
    } else if message.starts_with("unknown variant") {
        "use one of the values listed above".into()
    } else if message.starts_with("invalid type") {
        "check the value's type: quotes make text, bare digits make numbers, [..] makes a list"
            .into()
    } else {
        "see the commented example in config/ for the expected shape".into()
    }
}
