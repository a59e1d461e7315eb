//! The small JSONPath a source's mapping is written in: `$`, then `.name` or `["name"]` steps
//! into objects and `[n]` steps into arrays (`$.data.id`, `$.items[0].amount`,
//! `$["odd key"]`). No wildcards, filters or slices: a mapping names one value per field.

use serde_json::Value;
use std::fmt;

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A parsed path; [`JsonPath::find`] reads it out of a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses `text`, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let rest = text.strip_prefix('$').ok_or_else(|| {
            format!("the path `{text}` must start with `$` (the payload), as in `$.data.id`")
        })?;
        let mut steps = Vec::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '.' => {
                    let mut name = String::new();
                    while let Some((_, c)) = chars.next_if(|(_, c)| *c != '.' && *c != '[') {
                        name.push(c);
                    }
                    if name.is_empty() {
                        return Err(format!("the path `{text}` has an empty name after `.`"));
                    }
                    steps.push(Step::Key(name));
                }
                '[' => {
                    let mut inside = String::new();
                    let mut closed = false;
                    for (_, c) in chars.by_ref() {
                        // A `]` inside a quoted name is part of the name.
                        let quoted_open = inside.starts_with('"')
                            && (inside.len() == 1 || !inside.ends_with('"'));
                        if c == ']' && !quoted_open {
                            closed = true;
                            break;
                        }
                        inside.push(c);
                    }
                    if !closed {
                        return Err(format!("the path `{text}` has a `[` without its `]`"));
                    }
                    steps.push(bracket_step(&inside).ok_or_else(|| {
                        format!(
                            "the path `{text}` has `[{inside}]`; write an index (`[0]`) or a quoted name (`[\"a b\"]`)"
                        )
                    })?);
                }
                _ => {
                    return Err(format!(
                        "the path `{text}` has `{c}` at {}; steps start with `.` or `[`",
                        at + 1
                    ));
                }
            }
        }
        Ok(JsonPath {
            text: text.to_string(),
            steps,
        })
    }

    /// The value at the path, or `None` when a step is missing (or a `null` on the way).
    pub fn find<'a>(&self, payload: &'a Value) -> Option<&'a Value> {
        self.steps
            .iter()
            .try_fold(payload, |value, step| match step {
                Step::Key(name) => value.get(name.as_str()),
                Step::Index(index) => value.get(*index),
            })
    }
}

fn bracket_step(inside: &str) -> Option<Step> {
    if let Some(quoted) = inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        return Some(Step::Key(quoted.to_string()));
    }
    if let Some(quoted) = inside.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(Step::Key(quoted.to_string()));
    }
    inside.trim().parse().ok().map(Step::Index)
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(path: &str, payload: &Value) -> Option<Value> {
        JsonPath::parse(path).unwrap().find(payload).cloned()
    }

    #[test]
    fn dotted_and_indexed_steps_read_nested_values() {
        let payload = json!({"data": {"id": "P7", "items": [{"amount": 12.5}], "a b": 1}});
        assert_eq!(find("$.data.id", &payload), Some(json!("P7")));
        assert_eq!(find("$.data.items[0].amount", &payload), Some(json!(12.5)));
        assert_eq!(find("$.data[\"a b\"]", &payload), Some(json!(1)));
        assert_eq!(find("$", &payload), Some(payload.clone()));
    }

    #[test]
    fn a_missing_step_finds_nothing() {
        let payload = json!({"data": {"items": []}});
        assert_eq!(find("$.data.items[3].amount", &payload), None);
        assert_eq!(find("$.nothing.here", &payload), None);
    }

    #[test]
    fn malformed_paths_say_what_is_wrong() {
        assert!(
            JsonPath::parse("data.id")
                .unwrap_err()
                .contains("must start with `$`")
        );
        assert!(
            JsonPath::parse("$.data[")
                .unwrap_err()
                .contains("without its `]`")
        );
        assert!(
            JsonPath::parse("$.data[x]")
                .unwrap_err()
                .contains("write an index")
        );
        assert!(JsonPath::parse("$..id").unwrap_err().contains("empty name"));
    }
}
