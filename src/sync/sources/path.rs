//! The small JSONPath a source's mapping is written in: `$`, then `.name` or `["name"]` steps
//! into objects, `[n]` steps into arrays and `[?(@.key == 'text')]` filters (`$.data.id`,
//! `$.items[0].amount`, `$["odd key"]`, `$.Bill.LinkedTxn[?(@.TxnType == 'PurchaseOrder')].TxnId`).
//! A filter picks the first element of an array whose value at `key` (a path relative to the
//! element, from `@`) equals the text (quoted with `'` or `"`) or the number written. No
//! wildcards or slices: a mapping names one value per field.

use serde_json::Value;
use std::fmt;

/// One step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    /// The first element of an array whose value at `key` equals `equals` (a string or a number).
    Filter {
        key: Vec<Step>,
        equals: Value,
    },
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
        Ok(JsonPath {
            text: text.to_string(),
            steps: steps(text, rest)?,
        })
    }

    /// The value at the path, or `None` when a step is missing (or a `null` on the way).
    pub fn find<'a>(&self, payload: &'a Value) -> Option<&'a Value> {
        walk(&self.steps, payload)
    }
}

fn walk<'a>(steps: &[Step], payload: &'a Value) -> Option<&'a Value> {
    steps.iter().try_fold(payload, |value, step| match step {
        Step::Key(name) => value.get(name.as_str()),
        Step::Index(index) => value.get(*index),
        Step::Filter { key, equals } => value
            .as_array()?
            .iter()
            .find(|element| walk(key, element).is_some_and(|found| same(found, equals))),
    })
}

/// Whether a value found equals a filter's: the same text, or the same number however written.
fn same(found: &Value, equals: &Value) -> bool {
    match (found, equals) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// The steps of `rest` (what follows `$` or a filter's `@`); `whole` is the path, for errors.
fn steps(whole: &str, rest: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut at = 0;
    while let Some(c) = rest[at..].chars().next() {
        let tail = &rest[at..];
        match c {
            '.' => {
                let name = &tail[1..];
                let len = name.find(['.', '[']).unwrap_or(name.len());
                if len == 0 {
                    return Err(format!("the path `{whole}` has an empty name after `.`"));
                }
                steps.push(Step::Key(name[..len].to_string()));
                at += 1 + len;
            }
            '[' => {
                let close = closing_bracket(tail)
                    .ok_or_else(|| format!("the path `{whole}` has a `[` without its `]`"))?;
                steps.push(bracket_step(whole, &tail[1..close])?);
                at += close + 1;
            }
            _ => {
                return Err(format!(
                    "the path `{whole}` has `{c}` at {}; steps start with `.` or `[`",
                    at + 1
                ));
            }
        }
    }
    Ok(steps)
}

/// The offset of the `]` closing the `[` that `tail` starts with: brackets nest (a filter's key
/// may index), and a bracket inside quotes is text.
fn closing_bracket(tail: &str) -> Option<usize> {
    let mut depth = 0usize;
    outside_quotes(tail).find_map(|(at, c)| {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ => return None,
        }
        (depth == 0).then_some(at)
    })
}

/// The offset of the first `==` of `text` outside quotes.
fn equals_sign(text: &str) -> Option<usize> {
    outside_quotes(text)
        .find(|(at, c)| *c == '=' && text[*at..].starts_with("=="))
        .map(|(at, _)| at)
}

/// The characters of `text` (with their offsets) that are not inside `'…'` or `"…"`, quotes
/// left out.
fn outside_quotes(text: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut quote: Option<char> = None;
    text.char_indices().filter(move |(_, c)| match quote {
        Some(open) => {
            if *c == open {
                quote = None;
            }
            false
        }
        None if matches!(c, '\'' | '"') => {
            quote = Some(*c);
            false
        }
        None => true,
    })
}

fn bracket_step(whole: &str, inside: &str) -> Result<Step, String> {
    if let Some(filter) = inside.strip_prefix('?') {
        return filter_step(whole, filter);
    }
    let quoted = unquoted(inside).map(|name| Step::Key(name.to_string()));
    quoted
        .or_else(|| inside.trim().parse().ok().map(Step::Index))
        .ok_or_else(|| {
            format!(
                "the path `{whole}` has `[{inside}]`; write an index (`[0]`), a quoted name (`[\"a b\"]`) or a filter (`[?(@.key == 'text')]`)"
            )
        })
}

/// Text between a pair of `"` or `'`.
fn unquoted(text: &str) -> Option<&str> {
    ['"', '\'']
        .into_iter()
        .find_map(|q| text.strip_prefix(q)?.strip_suffix(q))
}

/// `(@.key == 'text')` (the part of a filter after its `?`).
fn filter_step(whole: &str, filter: &str) -> Result<Step, String> {
    let wrong = |what: &str| {
        format!(
            "the path `{whole}` has the filter `[?{filter}]`, {what}; write it as `[?(@.key == 'text')]` or `[?(@.key == 42)]`"
        )
    };
    let condition = filter
        .trim()
        .strip_prefix('(')
        .and_then(|c| c.strip_suffix(')'))
        .ok_or_else(|| wrong("not in parentheses"))?;
    let split = equals_sign(condition).ok_or_else(|| wrong("which has no `==`"))?;
    let (left, right) = (condition[..split].trim(), condition[split + 2..].trim());
    let relative = left
        .strip_prefix('@')
        .ok_or_else(|| wrong("whose left side does not start with `@` (the element)"))?;
    let key = steps(whole, relative)?;
    let equals = match unquoted(right) {
        Some(text) => Value::String(text.to_string()),
        None => match serde_json::from_str::<Value>(right) {
            Ok(number @ Value::Number(_)) => number,
            _ => {
                return Err(wrong(&format!(
                    "whose value `{right}` is neither quoted text nor a number"
                )));
            }
        },
    };
    Ok(Step::Filter { key, equals })
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

    #[test]
    fn a_filter_picks_the_first_element_whose_key_equals_the_value() {
        let bill = json!({"LinkedTxn": [
            {"TxnId": "7", "TxnType": "BillPaymentCheck"},
            {"TxnId": "12", "TxnType": "PurchaseOrder", "Ref": {"Line": 3}},
            {"TxnId": "13", "TxnType": "PurchaseOrder"},
        ]});
        let cases = [
            (
                "$.LinkedTxn[?(@.TxnType == 'PurchaseOrder')].TxnId",
                Some(json!("12")),
            ),
            (
                "$.LinkedTxn[?(@.TxnType == \"BillPaymentCheck\")].TxnId",
                Some(json!("7")),
            ),
            ("$.LinkedTxn[?(@.Ref.Line == 3)].TxnId", Some(json!("12"))),
            ("$.LinkedTxn[?(@.Ref.Line == 3.0)].TxnId", Some(json!("12"))),
            // Text is not a number, nothing matches, and a filter reads arrays only.
            ("$.LinkedTxn[?(@.Ref.Line == '3')].TxnId", None),
            ("$.LinkedTxn[?(@.TxnType == 'Invoice')].TxnId", None),
            ("$.LinkedTxn[0][?(@.TxnType == 'Bill')]", None),
        ];
        for (path, expected) in cases {
            assert_eq!(find(path, &bill), expected, "{path}");
        }
    }

    #[test]
    fn filter_keys_may_index_and_values_may_hold_brackets_and_equals_signs() {
        let payload = json!({"lines": [
            {"tags": ["a"], "name": "x == [y]"},
            {"tags": ["b"], "name": "z"},
        ]});
        let cases = [
            ("$.lines[?(@.tags[0] == 'b')].name", json!("z")),
            ("$.lines[?(@.name == 'x == [y]')].tags[0]", json!("a")),
            ("$.lines[?(@[\"name\"] == 'z')].tags[0]", json!("b")),
        ];
        for (path, expected) in cases {
            assert_eq!(find(path, &payload), Some(expected), "{path}");
        }
    }

    #[test]
    fn malformed_filters_say_what_is_wrong() {
        let error = |path: &str| JsonPath::parse(path).unwrap_err();
        assert!(
            error("$.a[?@.b == 'c']").contains("not in parentheses"),
            "{}",
            error("$.a[?@.b == 'c']")
        );
        assert!(error("$.a[?(@.b = 'c')]").contains("has no `==`"));
        assert!(error("$.a[?(b == 'c')]").contains("does not start with `@`"));
        assert!(
            error("$.a[?(@.b == c)]").contains("value `c` is neither quoted text nor a number")
        );
        assert!(error("$.a[?(@.b == 'c)]").contains("without its `]`"));
        assert!(error("$.a[?(@..b == 'c')]").contains("empty name"));
    }
}
