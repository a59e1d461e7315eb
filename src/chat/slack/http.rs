//! Slack's requests over HTTP (`slack.mode = "http"`): every one's signature is verified before
//! anything else, and a bad or stale one gets 401 and is never processed; the body is read and
//! handed to [`super::handle`], whose answer is the response.

use super::Slack;
use super::handle;
use super::payload::{SlackInteraction, SlashCommand};
use super::signature::verify;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::sync::Arc;

type Shared = State<Arc<Slack>>;

/// Slack's request, verified; or why it is refused.
fn verified(slack: &Slack, headers: &HeaderMap, body: &Bytes) -> Result<(), &'static str> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    let checked = verify(
        slack.signing_secret.expose_secret().as_bytes(),
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        body,
        now,
    );
    checked.map_err(|problem| problem.refusal("the Slack endpoints"))
}

fn answer(json: Option<Value>) -> Response {
    match json {
        Some(json) => Json(json).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

fn refuse(status: StatusCode, why: impl Into<String>) -> Response {
    (status, why.into()).into_response()
}

/// `POST /slack/commands`.
pub async fn command(State(slack): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(why) = verified(&slack, &headers, &body) {
        return refuse(StatusCode::UNAUTHORIZED, why);
    }
    match SlashCommand::parse(&body) {
        Ok(command) => answer(handle::command(&slack, &command).await),
        Err(why) => refuse(StatusCode::BAD_REQUEST, why),
    }
}

/// `POST /slack/interactions` and `POST /slack/options` (the options load URL).
pub async fn interaction(State(slack): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(why) = verified(&slack, &headers, &body) {
        return refuse(StatusCode::UNAUTHORIZED, why);
    }
    match SlackInteraction::parse(&body) {
        Ok(interaction) => answer(handle::interaction(&slack, interaction).await),
        Err(why) => refuse(StatusCode::BAD_REQUEST, why),
    }
}

/// `POST /slack/events`.
pub async fn event(State(slack): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(why) = verified(&slack, &headers, &body) {
        return refuse(StatusCode::UNAUTHORIZED, why);
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(event) => answer(handle::event(&slack, &event).await),
        Err(_) => refuse(StatusCode::BAD_REQUEST, "the event is not JSON"),
    }
}
