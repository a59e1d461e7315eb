//! The LLM planner: any OpenAI-compatible endpoint, through async-openai, turns a question into a
//! [`Plan`]. The prompt (`prompts/plan.md`) carries the record schema and never record contents.
//! What the model returns is untrusted: it is parsed into a plan like any other input and then
//! checked against the schema by the caller.
//!
//! Servers differ in how they return structured output. keel asks the configured way first and,
//! when a server refuses it, the next: a JSON schema in `response_format`, then a forced tool
//! call, then JSON mode. The way that worked is remembered. Instructions go in the user message,
//! because some chat templates (llama.cpp's among them) drop system messages.

use crate::config::{Llm, LlmOutput};
use crate::domain::RecordSchema;
use crate::domain::plan::Plan;
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use chrono::NaiveDate;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const PROMPT: &str = include_str!("../../prompts/plan.md");

/// The tool a forced tool call names.
const TOOL: &str = "query_plan";

/// Longest model reply keel reads.
const MAX_REPLY: usize = 16_000;

/// Why the model gave no usable plan; the caller falls back to the offline planner.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmFailure {
    #[error("the language model did not answer within {0} s")]
    Timeout(u64),
    #[error("the language model's server answered {0}")]
    Server(String),
    #[error("the language model's reply was not a plan: {0}")]
    NotAPlan(String),
}

pub struct LlmPlanner {
    client: Client<OpenAIConfig>,
    model: String,
    timeout: Duration,
    /// The ways to ask, in order; `first` is where the last success was.
    order: Vec<LlmOutput>,
    first: AtomicUsize,
}

impl LlmPlanner {
    pub fn new(settings: &Llm, key: Option<&SecretString>) -> LlmPlanner {
        // keel's HTTP clients share ring as their TLS provider (installed once per process;
        // a second install is refused and changes nothing).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut config = OpenAIConfig::new().with_api_base(&settings.base_url);
        if let Some(key) = key {
            config = config.with_api_key(key.expose_secret());
        }
        let mut order = vec![settings.output];
        for output in [
            LlmOutput::JsonSchema,
            LlmOutput::Tool,
            LlmOutput::JsonObject,
        ] {
            if !order.contains(&output) {
                order.push(output);
            }
        }
        LlmPlanner {
            client: Client::with_config(config),
            model: settings.model.clone(),
            timeout: Duration::from_secs(settings.timeout_seconds.max(1)),
            order,
            first: AtomicUsize::new(0),
        }
    }

    /// Asks the model for a plan, within the timeout, trying the next way of asking when the
    /// server refuses one.
    pub async fn plan(
        &self,
        question: &str,
        asker: &str,
        schema: &RecordSchema,
        today: NaiveDate,
    ) -> Result<Plan, LlmFailure> {
        let prompt = prompt(schema, today, asker, question);
        let asked = tokio::time::timeout(self.timeout, self.ask_each_way(&prompt)).await;
        let reply = asked.map_err(|_| LlmFailure::Timeout(self.timeout.as_secs()))??;
        parse_plan(&reply)
    }

    async fn ask_each_way(&self, prompt: &str) -> Result<String, LlmFailure> {
        let start = self.first.load(Ordering::Relaxed).min(self.order.len() - 1);
        let mut last = None;
        for at in start..self.order.len() {
            let output = self.order[at];
            let request = request(&self.model, prompt, output);
            match self
                .client
                .chat()
                .create_byot::<Value, Value>(request)
                .await
            {
                Ok(reply) => {
                    self.first.store(at, Ordering::Relaxed);
                    return reply_text(&reply, output);
                }
                // A server that cannot do this way of asking says so with 400, 422 or a 5xx
                // (llama.cpp answers a JSON schema with 500): ask the next way.
                Err(OpenAIError::ApiError(error))
                    if matches!(error.status_code.as_u16(), 400 | 422 | 500..=599) =>
                {
                    last = Some(LlmFailure::Server(format!(
                        "{} to {output:?}: {}",
                        error.status_code,
                        crate::engine::form::truncate(&error.api_error.message, 200)
                    )));
                }
                Err(error) => return Err(LlmFailure::Server(describe(&error))),
            }
        }
        Err(last.unwrap_or_else(|| LlmFailure::Server("no way of asking worked".into())))
    }
}

impl LlmPlanner {
    /// The model's wording of `sentence`, the computed answer to `question`; kept only when
    /// every number in it is one of `numbers` (the sentence's and the table's).
    pub async fn phrase(
        &self,
        question: &str,
        sentence: &str,
        numbers: &[String],
    ) -> Result<String, LlmFailure> {
        let prompt = format!(
            "Reword this answer to a question about a company's records as one clear sentence \
             for the person who asked. Keep every number exactly as written and add no other \
             number. Reply with the sentence only.\n\nQuestion: {question}\nAnswer: {sentence}\n"
        );
        let request = json!({
            "model": self.model,
            "messages": [{ "role": "user", "content": prompt }],
            "temperature": 0,
            "stream": false,
        });
        let asked = tokio::time::timeout(
            self.timeout,
            self.client.chat().create_byot::<Value, Value>(request),
        )
        .await
        .map_err(|_| LlmFailure::Timeout(self.timeout.as_secs()))?
        .map_err(|e| LlmFailure::Server(describe(&e)))?;
        let text = asked["choices"][0]["message"]["content"]
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.chars().count() <= 600)
            .ok_or_else(|| LlmFailure::NotAPlan("no sentence came back".into()))?;
        match numbers_in(text).into_iter().find(|n| !numbers.contains(n)) {
            Some(invented) => Err(LlmFailure::NotAPlan(format!(
                "the wording has a number keel did not compute ({invented})"
            ))),
            None => Ok(text.to_string()),
        }
    }
}

/// The numbers written in `text`, without grouping commas, currency signs or trailing zeros
/// ("$81,185.10" is "81185.1").
pub fn numbers_in(text: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let inside = c.is_ascii_digit()
            || ((c == ',' || c == '.')
                && !current.is_empty()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit()));
        if inside {
            if c != ',' {
                current.push(c);
            }
        } else if !current.is_empty() {
            numbers.push(canonical_number(&std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        numbers.push(canonical_number(&current));
    }
    numbers
}

fn canonical_number(digits: &str) -> String {
    match digits.split_once('.') {
        Some((whole, fraction)) => {
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() {
                whole.to_string()
            } else {
                format!("{whole}.{fraction}")
            }
        }
        None => digits.to_string(),
    }
}

/// An error in a sentence, without the request (which holds nothing secret, but is long).
fn describe(error: &OpenAIError) -> String {
    match error {
        OpenAIError::ApiError(error) => format!(
            "{}: {}",
            error.status_code,
            crate::engine::form::truncate(&error.api_error.message, 200)
        ),
        OpenAIError::Reqwest(error) => format!("unreachable ({error})"),
        other => crate::engine::form::truncate(&other.to_string(), 200),
    }
}

/// The prompt: instructions, the schema, today, who asks, and the question last.
pub fn prompt(schema: &RecordSchema, today: NaiveDate, asker: &str, question: &str) -> String {
    let insights: Vec<String> = crate::insights::ALL
        .iter()
        .map(|i| format!("- {}: {}", i.name(), i.description()))
        .collect();
    let instructions = PROMPT
        .replace("{today}", &today.to_string())
        .replace("{asker}", asker)
        .replace("{schema}", &schema_text(schema))
        .replace("{insights}", &insights.join("\n"));
    format!("{instructions}\nThe question:\n{question}\n")
}

/// One line per record type: its fields and their types. Never any record's contents.
pub fn schema_text(schema: &RecordSchema) -> String {
    schema
        .types
        .values()
        .map(|t| {
            let fields: Vec<String> = t
                .fields
                .iter()
                .map(|f| format!("{} {}", f.name, f.field_type))
                .collect();
            format!("- {}: {}", t.name, fields.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The JSON schema of a plan, as structured output and tool parameters take it.
pub fn plan_schema() -> Value {
    let field = json!({ "type": "string" });
    json!({
        "type": "object",
        "properties": {
            "kind": { "type": "string", "enum": ["query", "insight"] },
            "name": { "type": "string", "enum": crate::insights::ALL.iter().map(|i| i.name()).collect::<Vec<_>>() },
            "record": { "type": "string" },
            "filters": { "type": "array", "items": {
                "type": "object",
                "properties": {
                    "field": field,
                    "op": { "type": "string", "enum": ["eq", "ne", "lt", "le", "gt", "ge", "in",
                        "contains", "within", "is_empty", "is_not_empty"] },
                    "value": {}
                },
                "required": ["field", "op"]
            }},
            "group_by": { "type": "array", "items": field },
            "measure": { "type": "object",
                "properties": {
                    "aggregate": { "type": "string", "enum": ["count", "sum", "average", "min",
                        "max", "median", "list"] },
                    "field": field,
                    "fields": { "type": "array", "items": field }
                },
                "required": ["aggregate"] },
            "order": { "type": "object", "properties": {
                "field": field, "descending": { "type": "boolean" } } },
            "limit": { "type": "integer", "minimum": 1, "maximum": 1000 }
        },
        "required": ["kind"]
    })
}

/// The chat completion request for one way of asking.
fn request(model: &str, prompt: &str, output: LlmOutput) -> Value {
    let mut request = json!({
        "model": model,
        "messages": [{ "role": "user", "content": prompt }],
        "temperature": 0,
        "stream": false,
    });
    match output {
        LlmOutput::JsonSchema => {
            request["response_format"] = json!({
                "type": "json_schema",
                "json_schema": { "name": "query_plan", "schema": plan_schema(), "strict": false },
            });
        }
        LlmOutput::Tool => {
            request["tools"] = json!([{ "type": "function", "function": {
                "name": TOOL,
                "description": "The query plan that answers the question.",
                "parameters": plan_schema(),
            }}]);
            request["tool_choice"] = json!({ "type": "function", "function": { "name": TOOL } });
        }
        LlmOutput::JsonObject => {
            request["response_format"] = json!({ "type": "json_object" });
        }
    }
    request
}

/// The text of the plan in a reply: the forced tool call's arguments, or the message content
/// (where a server that ignored the tool put it).
fn reply_text(reply: &Value, output: LlmOutput) -> Result<String, LlmFailure> {
    let message = &reply["choices"][0]["message"];
    if output == LlmOutput::Tool
        && let Some(arguments) = message["tool_calls"][0]["function"]["arguments"].as_str()
    {
        return Ok(arguments.to_string());
    }
    match message["content"].as_str() {
        Some(content) if !content.trim().is_empty() => Ok(content.to_string()),
        _ => Err(LlmFailure::NotAPlan("the reply was empty".into())),
    }
}

/// Reads a plan from the model's text, tolerating a code fence or words around the object.
pub fn parse_plan(text: &str) -> Result<Plan, LlmFailure> {
    if text.len() > MAX_REPLY {
        return Err(LlmFailure::NotAPlan(format!(
            "the reply has {} characters, more than {MAX_REPLY}",
            text.len()
        )));
    }
    let (Some(start), Some(end)) = (text.find('{'), text.rfind('}')) else {
        return Err(LlmFailure::NotAPlan("there is no JSON object in it".into()));
    };
    if end < start {
        return Err(LlmFailure::NotAPlan("there is no JSON object in it".into()));
    }
    serde_json::from_str::<Plan>(&text[start..=end])
        .map_err(|e| LlmFailure::NotAPlan(crate::engine::form::truncate(&e.to_string(), 200)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_the_way_people_write_them() {
        assert_eq!(
            numbers_in("Apex invoiced $81,185.10 in March 2026, 12% of 3 vendors."),
            ["81185.1", "2026", "12", "3"]
        );
        assert_eq!(numbers_in("No numbers here."), Vec::<String>::new());
    }

    #[test]
    fn a_plan_is_read_from_a_fenced_reply_and_anything_else_is_refused() {
        let fenced = "Here you go:\n```json\n{\"kind\":\"query\",\"record\":\"invoice\",\"measure\":{\"aggregate\":\"count\"}}\n```";
        assert!(parse_plan(fenced).is_ok());
        assert!(matches!(
            parse_plan("I think about 40."),
            Err(LlmFailure::NotAPlan(_))
        ));
        assert!(matches!(
            parse_plan(
                r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"},"sql":"drop table records"}"#
            ),
            Err(LlmFailure::NotAPlan(_))
        ));
    }
}
