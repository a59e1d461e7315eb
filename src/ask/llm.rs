//! The LLM planner: any OpenAI-compatible endpoint, through async-openai, turns a question into a
//! [`Plan`]. The prompt (`prompts/plan.md`) carries the record schema and never record contents.
//! What the model returns is untrusted: it is parsed into a plan like any other input and then
//! checked against the schema by the caller.
//!
//! Servers differ in how they return structured output. keel asks the configured way first and,
//! when a server refuses it, the next: a JSON schema in `response_format`, then a forced tool
//! call, then JSON mode. The way that worked is remembered, and the configured way tried again
//! after a while ([`send::Remembered`]). Instructions go in the user message, because some chat
//! templates (llama.cpp's among them) drop system messages.
//!
//! Every call is bounded: `max_tokens` is sent, so a server stops generating when keel would
//! stop waiting; one deadline per question covers the plan and the wording together; retries
//! are keel's own, few and bounded by that deadline ([`send`]).

mod send;

pub use send::{LlmFailure, RECONSIDER_AFTER, RECONSIDER_AFTER_QUESTIONS};

use crate::config::{Llm, LlmOutput};
use crate::domain::RecordSchema;
use crate::domain::plan::Plan;
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use chrono::NaiveDate;
use secrecy::{ExposeSecret, SecretString};
use send::{After, Remembered};
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

const PROMPT: &str = include_str!("../../prompts/plan.md");

/// The tool a forced tool call names.
const TOOL: &str = "query_plan";

/// Longest model reply keel reads.
const MAX_REPLY: usize = 16_000;

/// The most tokens the model may write when it words an answer (one sentence).
pub const MAX_WORDING_TOKENS: u32 = 200;

pub struct LlmPlanner {
    client: Client<OpenAIConfig>,
    model: String,
    timeout: Duration,
    max_tokens: u32,
    /// The ways to ask, in order, and which one to ask first.
    order: Vec<LlmOutput>,
    remembered: Mutex<Remembered>,
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
            client: send::client(config),
            model: settings.model.clone(),
            timeout: Duration::from_secs(settings.timeout_seconds.max(1)),
            max_tokens: settings.max_tokens,
            order,
            remembered: Mutex::new(Remembered::new()),
        }
    }

    /// The deadline of a question asked now: planning and wording together must be done by
    /// then.
    pub fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    /// Asks the model for a plan by `deadline`, trying the next way of asking when the server
    /// refuses one.
    pub async fn plan(
        &self,
        question: &str,
        asker: &str,
        schema: &RecordSchema,
        today: NaiveDate,
        deadline: Instant,
    ) -> Result<Plan, LlmFailure> {
        let prompt = prompt(schema, today, asker, question);
        parse_plan(&self.ask_each_way(&prompt, deadline).await?)
    }

    async fn ask_each_way(&self, prompt: &str, deadline: Instant) -> Result<String, LlmFailure> {
        let start = self
            .with_remembered(Remembered::start)
            .min(self.order.len() - 1);
        let mut last = LlmFailure::Refused("no way of asking was tried".into());
        for at in start..self.order.len() {
            let output = self.order[at];
            let request = request(&self.model, prompt, output, self.max_tokens);
            match send::send(&self.client, &request, deadline).await {
                Ok(reply) => {
                    self.with_remembered(|remembered| remembered.worked(at));
                    return reply_text(&reply, output);
                }
                Err((failure, After::NextWay)) => {
                    tracing::info!(
                        detail = failure.detail(),
                        way = ?output,
                        "the language model's server refused this way of asking"
                    );
                    last = failure;
                }
                Err((failure, _)) => return Err(failure),
            }
        }
        Err(last)
    }

    fn with_remembered<T>(&self, use_it: impl FnOnce(&mut Remembered) -> T) -> T {
        // A panic elsewhere while holding it leaves a usable value: take it.
        let mut remembered = self
            .remembered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        use_it(&mut remembered)
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
        deadline: Instant,
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
            "max_tokens": self.max_tokens.min(MAX_WORDING_TOKENS),
            "stream": false,
        });
        let asked = send::send(&self.client, &request, deadline)
            .await
            .map_err(|(failure, _)| failure)?;
        let text = asked["choices"][0]["message"]["content"]
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.chars().count() <= 600)
            .ok_or_else(|| LlmFailure::Wording("it gave no sentence".into()))?;
        match numbers_in(text).into_iter().find(|n| !numbers.contains(n)) {
            Some(invented) => Err(LlmFailure::Wording(format!(
                "it had a number keel did not compute ({invented})"
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
fn request(model: &str, prompt: &str, output: LlmOutput, max_tokens: u32) -> Value {
    let mut request = json!({
        "model": model,
        "messages": [{ "role": "user", "content": prompt }],
        "temperature": 0,
        "max_tokens": max_tokens,
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
