//! A stand-in for an OpenAI-compatible chat completions server, on a random port. It answers
//! `POST /v1/chat/completions` the way such servers do (a `chat.completion` object, tool calls
//! for a forced tool, errors as `{"error": {...}}`), behaves like the server the test sets
//! (OpenAI, or llama.cpp's quirks, or a broken one) and records every request body.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The words in every error the stand-in answers with, so that a test can tell they never
/// reach the person who asked.
pub const SERVER_WORDS: &str = "stand-in server error 7f3a: slot unavailable";

/// How the stand-in answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// Returns this text as the plan: in a tool call when a tool was forced, else as content.
    Reply(String),
    /// llama.cpp's OpenAI-compatible server: `response_format: json_schema` gets an HTTP 500;
    /// a forced tool call gets this text as its arguments.
    LlamaCpp(String),
    /// Waits this long before answering with the text.
    Slow(Duration, String),
    /// Answers with this status and an OpenAI-style error.
    Error(u16),
    /// Returns the first text to a request for a plan (structured output or a tool) and the
    /// second to any other request (the wording of an answer).
    PlanAndWording(String, String),
}

#[derive(Clone)]
struct Shared {
    behaviour: Arc<Mutex<Behaviour>>,
    requests: Arc<Mutex<Vec<Value>>>,
}

pub struct LlmStandIn {
    /// The base URL keel is pointed at (`…/v1`).
    pub base_url: String,
    shared: Shared,
}

impl LlmStandIn {
    pub async fn start() -> LlmStandIn {
        let shared = Shared {
            behaviour: Arc::new(Mutex::new(Behaviour::Error(503))),
            requests: Arc::default(),
        };
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(complete))
            .with_state(shared.clone());
        let address = super::serve::on_random_port(app).await;
        LlmStandIn {
            base_url: format!("http://{address}/v1"),
            shared,
        }
    }

    pub fn behave(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().expect("behaviour") = behaviour;
    }

    /// Every request body received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests.lock().expect("requests").clone()
    }
}

fn error(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).expect("status");
    let body = json!({ "error": { "message": message, "type": "invalid_request_error",
        "param": null, "code": null } });
    (status, Json(body)).into_response()
}

/// A `chat.completion` carrying `text` the way the request asked for it.
fn completion(request: &Value, text: &str) -> Response {
    let forced_tool = request["tool_choice"]["function"]["name"].as_str();
    let message = match forced_tool {
        Some(name) => json!({ "role": "assistant", "content": null, "tool_calls": [{
            "id": "call_1", "type": "function",
            "function": { "name": name, "arguments": text } }] }),
        None => json!({ "role": "assistant", "content": text }),
    };
    let finish = if forced_tool.is_some() {
        "tool_calls"
    } else {
        "stop"
    };
    Json(json!({
        "id": "chatcmpl-standin", "object": "chat.completion", "created": 1_764_000_000,
        "model": request["model"],
        "choices": [{ "index": 0, "message": message, "finish_reason": finish }],
        "usage": { "prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120 },
    }))
    .into_response()
}

async fn complete(State(shared): State<Shared>, Json(request): Json<Value>) -> Response {
    shared
        .requests
        .lock()
        .expect("requests")
        .push(request.clone());
    let behaviour = shared.behaviour.lock().expect("behaviour").clone();
    match behaviour {
        Behaviour::Reply(text) => completion(&request, &text),
        Behaviour::LlamaCpp(text) => {
            if request["response_format"]["type"] == "json_schema" {
                // What llama-cpp-python 0.3.x answers to a json_schema response format.
                return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                    .into_response();
            }
            completion(&request, &text)
        }
        Behaviour::Slow(wait, text) => {
            tokio::time::sleep(wait).await;
            completion(&request, &text)
        }
        Behaviour::Error(status) => error(status, SERVER_WORDS),
        Behaviour::PlanAndWording(plan, wording) => {
            let for_plan = !request["response_format"].is_null() || !request["tools"].is_null();
            completion(&request, if for_plan { &plan } else { &wording })
        }
    }
}
