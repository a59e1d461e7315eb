//! Payload templates: the JSON a rule sends, with `{path}` placeholders filled from the request
//! or record that triggered it. A string that is one placeholder and nothing else
//! (`"{request.fields.amount}"`) becomes the value itself, its JSON type kept (a number stays a
//! number, an absent value is `null`); placeholders inside longer text (`"PO {request.id}"`)
//! are written as text, an absent value as nothing. Keys are never templated; arrays and nested
//! objects are filled throughout. A `{` not starting a placeholder is kept as it is.

use crate::domain::{Fields, Request};
use serde_json::{Map, Value, json};

/// Every placeholder path in `template`, in order, for checking at start-up.
pub fn paths(template: &Value) -> Vec<String> {
    let mut found = Vec::new();
    walk_strings(template, &mut |text| {
        found.extend(
            placeholders(text)
                .into_iter()
                .map(|(_, path)| path.to_string()),
        );
    });
    found
}

fn walk_strings(value: &Value, visit: &mut impl FnMut(&str)) {
    match value {
        Value::String(text) => visit(text),
        Value::Array(items) => items.iter().for_each(|item| walk_strings(item, visit)),
        Value::Object(map) => map.values().for_each(|item| walk_strings(item, visit)),
        _ => {}
    }
}

/// The placeholders of `text`: the byte range of each `{path}` and its path.
fn placeholders(text: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find('{').map(|i| from + i) {
        let rest = &text[open + 1..];
        let length = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        let path = &rest[..length];
        if rest[length..].starts_with('}') && is_path(path) {
            found.push((open..open + length + 2, path));
            from = open + length + 2;
        } else {
            from = open + 1;
        }
    }
    found
}

fn is_path(path: &str) -> bool {
    !path.is_empty() && path.split('.').all(|part| !part.is_empty())
}

/// `template` with every placeholder filled from `context` (an object: `{"request": {…}}`).
pub fn render(template: &Value, context: &Value) -> Value {
    match template {
        Value::String(text) => render_text(text, context),
        Value::Array(items) => Value::Array(items.iter().map(|i| render(i, context)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), render(value, context)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn render_text(text: &str, context: &Value) -> Value {
    let found = placeholders(text);
    if let [(range, path)] = found.as_slice()
        && range.len() == text.len()
    {
        return lookup(context, path).cloned().unwrap_or(Value::Null);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (range, path) in found {
        out.push_str(&text[from..range.start]);
        match lookup(context, path) {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Null) | None => {}
            Some(other) => out.push_str(&other.to_string()),
        }
        from = range.end;
    }
    out.push_str(&text[from..]);
    Value::String(out)
}

fn lookup<'v>(context: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .try_fold(context, |value, part| value.get(part))
}

/// What a decided request's payload may read: `request.id`, `.workflow`, `.status`,
/// `.requester`, `.submitted_at`, `.decided_at`, `.rule` and `request.fields.<form field>`.
pub fn request_context(request: &Request) -> Value {
    json!({ "request": {
        "id": request.id,
        "workflow": request.workflow,
        "status": request.status.as_str(),
        "requester": request.requester,
        "submitted_at": request.submitted_at.to_rfc3339(),
        "decided_at": request.decided_at.map(|at| at.to_rfc3339()),
        "rule": request.rule,
        "fields": fields_object(&request.fields),
    }})
}

/// The parts of a request a payload may name besides its fields.
pub const REQUEST_PARTS: &[&str] = &[
    "id",
    "workflow",
    "status",
    "requester",
    "submitted_at",
    "decided_at",
    "rule",
];

/// What a changed record's payload may read: `record.type`, `.key`, `.version`,
/// `record.fields.<field>`, and `before.fields.<field>` (absent for a new record).
pub fn record_context(
    record_type: &str,
    key: &str,
    version: i64,
    fields: &Fields,
    before: Option<&Fields>,
) -> Value {
    json!({
        "record": {
            "type": record_type,
            "key": key,
            "version": version,
            "fields": fields_object(fields),
        },
        "before": { "fields": before.map(fields_object).unwrap_or_default() },
    })
}

/// The parts of a record a payload may name besides its fields.
pub const RECORD_PARTS: &[&str] = &["type", "key", "version"];

fn fields_object(fields: &Fields) -> Map<String, Value> {
    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> Value {
        json!({ "request": { "id": "PO-7", "fields": { "amount": 1250.5, "po": "A-1", "none": null } } })
    }

    #[test]
    fn a_whole_placeholder_keeps_the_values_type() {
        let template = json!({ "amount": "{request.fields.amount}", "po": "{request.fields.po}" });
        let out = render(&template, &context());
        assert_eq!(out, json!({ "amount": 1250.5, "po": "A-1" }));
    }

    #[test]
    fn placeholders_inside_text_are_written_as_text() {
        let template = json!("PO {request.fields.po} for {request.fields.amount} ({request.id})");
        assert_eq!(
            render(&template, &context()),
            json!("PO A-1 for 1250.5 (PO-7)")
        );
    }

    #[test]
    fn an_absent_value_is_null_alone_and_nothing_in_text() {
        let template = json!({ "a": "{request.fields.missing}", "b": "x{request.fields.none}y" });
        assert_eq!(
            render(&template, &context()),
            json!({ "a": null, "b": "xy" })
        );
    }

    #[test]
    fn braces_that_are_not_placeholders_stay() {
        let template = json!(["{not a path}", "{}", "{a..b}", 42, true, { "n": ["{request.id}"] }]);
        assert_eq!(
            render(&template, &context()),
            json!(["{not a path}", "{}", "{a..b}", 42, true, { "n": ["PO-7"] }])
        );
    }

    #[test]
    fn paths_lists_every_placeholder() {
        let template =
            json!({ "a": "{request.id}", "b": ["x {record.fields.n} {before.fields.n}"] });
        assert_eq!(
            paths(&template),
            vec!["request.id", "record.fields.n", "before.fields.n"]
        );
    }
}
