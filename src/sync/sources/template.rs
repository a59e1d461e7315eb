//! Fetch-back templates: a URL or header value with placeholders filled from the thin event,
//! `{id}` (the record's id, read at `fetch.id`) and `{$.path}` (any value of the event). One id
//! is not always enough to read a record back: Procore serves a change order under its project
//! (`…/change_order_packages/{id}?project_id={$.project_id}`) and wants the company in a header
//! (`Procore-Company-Id = "{$.company_id}"`). Values go into a URL percent-encoded and into a
//! header as they are; an event without a placeholder's value names its path.

use super::path::JsonPath;
use serde_json::Value;

/// Where a filled template goes, which decides how its values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Percent-encoded, so a value cannot add a path segment or a query parameter.
    Url,
    /// As they are; a value with a control character (a line break) is refused.
    Header,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Id,
    Path(JsonPath),
}

/// A parsed template; [`Template::fill`] writes it for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    text: String,
    parts: Vec<Part>,
}

impl Template {
    /// Parses `text`, or says what is wrong with a placeholder.
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("`{text}` has a `{{` without its `}}`"))?;
            let inside = &after[..close];
            parts.push(match inside {
                "id" => Part::Id,
                path if path.starts_with('$') => Part::Path(JsonPath::parse(path)?),
                other => {
                    return Err(format!(
                        "`{{{other}}}` in `{text}` is not a placeholder: write {{id}} or a path such as {{$.project_id}}"
                    ));
                }
            });
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template {
            text: text.to_string(),
            parts,
        })
    }

    /// Whether the template has an `{id}`.
    pub fn has_id(&self) -> bool {
        self.parts.contains(&Part::Id)
    }

    /// The template written for `event`, whose record id is `id`; or why it cannot be, naming
    /// the placeholder's path.
    pub fn fill(&self, event: &Value, id: &str, target: Target) -> Result<String, String> {
        let mut out = String::with_capacity(self.text.len() + id.len());
        for part in &self.parts {
            let value = match part {
                Part::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Part::Id => id.to_string(),
                Part::Path(path) => scalar(path.find(event))
                    .ok_or_else(|| format!("the event has no value at {path}"))?,
            };
            match target {
                Target::Url => out.push_str(&super::fetch::encode(&value)),
                Target::Header if value.chars().any(char::is_control) => {
                    return Err(format!(
                        "`{value}` cannot be sent in a header: it has a control character"
                    ));
                }
                Target::Header => out.push_str(&value),
            }
        }
        Ok(out)
    }
}

/// The text of a placeholder's value: a non-empty string, a number or a boolean as written.
pub fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filled(template: &str, event: Value, target: Target) -> Result<String, String> {
        Template::parse(template)
            .unwrap()
            .fill(&event, "CO 7/x", target)
    }

    #[test]
    fn the_id_and_event_values_go_into_a_url_percent_encoded() {
        let url = "https://api.example.com/v1.0/change_order_packages/{id}?project_id={$.project_id}&c={$.co.company}";
        let event = json!({"project_id": 42, "co": {"company": "a&b"}});
        assert_eq!(
            filled(url, event, Target::Url).unwrap(),
            "https://api.example.com/v1.0/change_order_packages/CO%207%2Fx?project_id=42&c=a%26b"
        );
    }

    #[test]
    fn a_header_takes_values_as_they_are() {
        let event = json!({"company_id": "Harbor Ridge/7", "live": true});
        let header = "{$.company_id}:{$.live}";
        assert_eq!(
            filled(header, event, Target::Header).unwrap(),
            "Harbor Ridge/7:true"
        );
        let broken = json!({"company_id": "7\r\nX-Evil: 1"});
        let refused = filled("{$.company_id}", broken, Target::Header).unwrap_err();
        assert!(refused.contains("control character"), "{refused}");
    }

    #[test]
    fn an_event_missing_a_value_names_its_path() {
        for event in [
            json!({}),
            json!({"project_id": null}),
            json!({"project_id": ""}),
        ] {
            let why = filled("https://x/{id}?p={$.project_id}", event, Target::Url).unwrap_err();
            assert_eq!(why, "the event has no value at $.project_id");
        }
        let object = json!({"project_id": {"id": 1}});
        assert!(filled("{$.project_id}", object, Target::Url).is_err());
    }

    #[test]
    fn a_template_without_placeholders_is_its_text() {
        let template = Template::parse("https://x/records").unwrap();
        assert!(!template.has_id());
        assert_eq!(
            template.fill(&json!({}), "1", Target::Url).unwrap(),
            "https://x/records"
        );
    }

    #[test]
    fn malformed_placeholders_say_what_is_wrong() {
        let unclosed = Template::parse("https://x/{id").unwrap_err();
        assert!(unclosed.contains("without its `}`"), "{unclosed}");
        let unknown = Template::parse("https://x/{project}").unwrap_err();
        assert!(unknown.contains("`{project}`"), "{unknown}");
        assert!(unknown.contains("{$.project_id}"), "{unknown}");
        let bad_path = Template::parse("https://x/{$.}").unwrap_err();
        assert!(bad_path.contains("empty name"), "{bad_path}");
        assert!(Template::parse("https://x/{id}").unwrap().has_id());
    }
}
