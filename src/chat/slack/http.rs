//! Slack's requests over HTTP: every one's signature is verified before anything else (a bad or
//! stale one gets 401 and is never processed), then the payload is read into an
//! [`Interaction`](crate::domain::Interaction) for the core, and its effects are answered the
//! Slack way: a modal opened with the trigger id, errors inline in the modal, private replies.

use super::Slack;
use super::modal::{modal, option};
use super::payload::{SlackInteraction, SlashCommand};
use super::signature::{SignatureProblem, verify};
use crate::domain::{Effect, FieldType, FormId, Interaction, Person};
use crate::service::ServiceError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use std::sync::Arc;

type Shared = State<Arc<Slack>>;

/// An answer that ends a request early.
enum Answer {
    /// Not Slack's request: 401, never processed.
    Unauthorized(&'static str),
    /// A private message to the person (also for keel's own failures, with a reference).
    Ephemeral(String),
    BadRequest(String),
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        match self {
            Answer::Unauthorized(why) => (StatusCode::UNAUTHORIZED, why).into_response(),
            Answer::Ephemeral(text) => ephemeral(&text),
            Answer::BadRequest(why) => (StatusCode::BAD_REQUEST, why).into_response(),
        }
    }
}

/// Slack's request, verified; or the 401 it gets.
fn verified(slack: &Slack, headers: &HeaderMap, body: &Bytes) -> Result<(), Answer> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = chrono::Utc::now().timestamp();
    match verify(
        slack.signing_secret.expose_secret().as_bytes(),
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        body,
        now,
    ) {
        Ok(()) => Ok(()),
        Err(problem) => {
            let why = match problem {
                SignatureProblem::Missing => "missing Slack signature headers",
                SignatureProblem::Stale => "the request's timestamp is more than five minutes off",
                SignatureProblem::Mismatch => "the signature does not match",
            };
            tracing::warn!("refused a request to the Slack endpoints: {why}");
            Err(Answer::Unauthorized(why))
        }
    }
}

fn ephemeral(text: &str) -> Response {
    Json(json!({ "response_type": "ephemeral", "text": text })).into_response()
}

fn bad_request(why: String) -> Response {
    Answer::BadRequest(why).into_response()
}

/// The person a Slack member is, or the private message saying whom to ask.
async fn person_of(slack: &Slack, member: &str) -> Result<Person, Answer> {
    match slack.keel.person(member).await {
        Ok(person) if person.active => Ok(person),
        Ok(_) | Err(ServiceError::User(_)) => Err(Answer::Ephemeral(format!(
            "keel does not know your Slack account ({member}). Ask an administrator to put your Slack member id in your staff record (slack_user)."
        ))),
        Err(ServiceError::Internal(error)) => Err(internal(error)),
    }
}

fn internal(error: anyhow::Error) -> Answer {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    tracing::error!(reference, "{error:#}");
    Answer::Ephemeral(format!("Something went wrong (ref {reference})."))
}

/// Runs an interaction; the effects, or the response that replaces them.
async fn interact(
    slack: &Slack,
    person: &Person,
    interaction: Interaction,
) -> Result<Vec<Effect>, Answer> {
    match slack.keel.interact(person, "slack", interaction).await {
        Ok(effects) => Ok(effects),
        Err(ServiceError::User(error)) => Err(Answer::Ephemeral(error.to_string())),
        Err(ServiceError::Internal(error)) => Err(internal(error)),
    }
}

/// The effects of what a Slack member did, once they are known to be a person of the directory.
async fn act(slack: &Slack, member: &str, interaction: Interaction) -> Result<Vec<Effect>, Answer> {
    let person = person_of(slack, member).await?;
    interact(slack, &person, interaction).await
}

/// Opens a form as a modal; false when Slack refused (an expired trigger, say).
async fn open_form(slack: &Slack, trigger_id: &str, form: &crate::domain::Form) -> Option<String> {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    match slack.api.open_view(trigger_id, &modal(form, &nonce)).await {
        Ok(()) => None,
        Err(failure) => Some(format!(
            "Slack would not open the form ({failure}); run the command again."
        )),
    }
}

/// `POST /slack/commands`: a slash command opens its form, or answers privately.
pub async fn command(State(slack): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = verified(&slack, &headers, &body) {
        return refused.into_response();
    }
    let command = match SlashCommand::parse(&body) {
        Ok(command) => command,
        Err(why) => return bad_request(why),
    };
    let person = match person_of(&slack, &command.user_id).await {
        Ok(person) => person,
        Err(reply) => return reply.into_response(),
    };
    let effects = match interact(&slack, &person, command.interaction()).await {
        Ok(effects) => effects,
        Err(reply) => return reply.into_response(),
    };
    let mut replies = Vec::new();
    for effect in effects {
        match effect {
            Effect::OpenForm { form } => {
                replies.extend(open_form(&slack, &command.trigger_id, &form).await)
            }
            Effect::Reply { text } => replies.push(text),
            Effect::FormErrors { .. } | Effect::CloseForm => {}
        }
    }
    if replies.is_empty() {
        StatusCode::OK.into_response()
    } else {
        ephemeral(&replies.join("\n"))
    }
}

/// `POST /slack/interactions`: a button or a submitted modal.
pub async fn interaction(State(slack): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = verified(&slack, &headers, &body) {
        return refused.into_response();
    }
    let parsed = match SlackInteraction::parse(&body) {
        Ok(parsed) => parsed,
        Err(why) => return bad_request(why),
    };
    match parsed {
        SlackInteraction::Button {
            user_id,
            trigger_id,
            channel_id,
            interaction,
        } => {
            let effects = match act(&slack, &user_id, interaction).await {
                Ok(effects) => effects,
                Err(reply) => return reply.into_response(),
            };
            for effect in effects {
                let text = match effect {
                    Effect::OpenForm { form } => open_form(&slack, &trigger_id, &form).await,
                    Effect::Reply { text } => Some(text),
                    Effect::FormErrors { .. } | Effect::CloseForm => None,
                };
                if let Some(text) = text {
                    tell(&slack, &user_id, channel_id.as_deref(), text);
                }
            }
            StatusCode::OK.into_response()
        }
        SlackInteraction::Submission {
            user_id,
            first_block,
            interaction,
        } => {
            let effects = match act(&slack, &user_id, interaction).await {
                Ok(effects) => effects,
                Err(reply) => return reply.into_response(),
            };
            submission_answer(&slack, &user_id, first_block.as_deref(), effects)
        }
        SlackInteraction::Options { .. } => {
            bad_request("options are asked for at /slack/options".into())
        }
    }
}

/// Errors inline in the modal (`response_action: errors`), or the modal closes and the person
/// hears what happened.
fn submission_answer(
    slack: &Slack,
    user_id: &str,
    first_block: Option<&str>,
    effects: Vec<Effect>,
) -> Response {
    let mut errors = serde_json::Map::new();
    for effect in effects {
        match effect {
            Effect::FormErrors { errors: problems } => {
                for problem in problems {
                    let block = if problem.field.is_empty() {
                        first_block.unwrap_or_default().to_string()
                    } else {
                        problem.field
                    };
                    errors.entry(block).or_insert(Value::from(problem.message));
                }
            }
            Effect::Reply { text } => tell(slack, user_id, None, text),
            Effect::OpenForm { .. } | Effect::CloseForm => {}
        }
    }
    if errors.is_empty() {
        StatusCode::OK.into_response()
    } else {
        Json(json!({ "response_action": "errors", "errors": errors })).into_response()
    }
}

/// A private reply after Slack has had its answer: ephemeral in the channel of the click, or
/// in the person's DMs. Best effort: a lost confirmation is not a lost decision.
fn tell(slack: &Slack, user_id: &str, channel: Option<&str>, text: String) {
    let api = slack.api.clone();
    let user = user_id.to_string();
    let channel = channel.map(str::to_string);
    tokio::spawn(async move {
        let sent = match channel {
            Some(channel) => api.post_ephemeral(&channel, &user, &text).await,
            None => api.post_message(&user, &text, &[]).await.map(drop),
        };
        if let Err(failure) = sent {
            tracing::warn!(user, "a reply to Slack was not delivered: {failure}");
        }
    });
}

/// `POST /slack/options`: the choices of a record picker as the person types.
pub async fn options(State(slack): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = verified(&slack, &headers, &body) {
        return refused.into_response();
    }
    let Ok(SlackInteraction::Options {
        user_id,
        field,
        form,
        query,
    }) = SlackInteraction::parse(&body)
    else {
        return bad_request("not an options request".into());
    };
    if let Err(reply) = person_of(&slack, &user_id).await {
        return reply.into_response();
    }
    let record_type = match FormId::parse(&form) {
        Some(FormId::Submit { workflow }) => slack
            .keel
            .config
            .workflows
            .get(&workflow)
            .and_then(|w| w.field(&field))
            .and_then(|f| match &f.field_type {
                FieldType::Ref(record_type) => Some(record_type.clone()),
                _ => None,
            }),
        _ => None,
    };
    let Some(record_type) = record_type else {
        return Json(json!({ "options": [] })).into_response();
    };
    match slack.keel.record_choices(&record_type, &query, 100).await {
        Ok(choices) => {
            let options: Vec<Value> = choices.iter().map(|c| option(&c.value, &c.label)).collect();
            Json(json!({ "options": options })).into_response()
        }
        Err(_) => Json(json!({ "options": [] })).into_response(),
    }
}

/// `POST /slack/events`: the URL check, and events, each acted on once however often Slack
/// delivers it.
pub async fn event(State(slack): Shared, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = verified(&slack, &headers, &body) {
        return refused.into_response();
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("the event is not JSON".into());
    };
    match event["type"].as_str() {
        Some("url_verification") => {
            Json(json!({ "challenge": event["challenge"] })).into_response()
        }
        Some("event_callback") => {
            let id = event["event_id"].as_str().unwrap_or_default();
            match slack
                .keel
                .store
                .first_sight_of_slack_event(id, slack.keel.clock.now())
                .await
            {
                Ok(true) => {
                    tracing::info!(event = id, kind = ?event["event"]["type"], "Slack event")
                }
                Ok(false) => {
                    tracing::info!(event = id, "a Slack event delivered again; already handled")
                }
                Err(error) => return internal(error).into_response(),
            }
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}
