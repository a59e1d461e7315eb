//! The console's JSON API: the directory picker, conversations, and the three ways a person
//! interacts (a typed command, a submitted form, a clicked button), each handed to the core as
//! an [`Interaction`] and answered with its [`Effect`]s. Signing in is in [`super::signin`].

use super::signin::signed_in;
use super::{Access, Console, port, view};
use crate::domain::{Effect, Interaction, Person};
use crate::engine::form::{NUL_REFUSED, has_nul, truncate};
use crate::http::error::{ApiError, json_body};
use crate::service::NewConsoleMessage;
use crate::service::UserError;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

type Shared = State<Arc<Console>>;

/// Longest message a person may post, in characters.
pub const MAX_MESSAGE: usize = 4_000;
/// Most values a form post may carry.
const MAX_FORM_VALUES: usize = 50;
/// Longest search text, in characters.
const MAX_QUERY: usize = 100;
/// Messages of a conversation loaded at once.
const PAGE: i64 = 200;

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
    #[serde(rename = "type", default)]
    record_type: String,
}

fn bounded(text: &str) -> Result<&str, ApiError> {
    if text.chars().count() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "A search has at most {MAX_QUERY} characters."
        )));
    }
    Ok(text)
}

/// `GET /console/api/people?q=`: the person picker (open in the demo, signed-in otherwise).
pub async fn people(
    State(console): Shared,
    headers: HeaderMap,
    Query(search): Query<Search>,
) -> Result<Json<Value>, ApiError> {
    if console.access != Access::Demo {
        signed_in(&console, &headers).await?;
    }
    let found = console.keel.find_people(bounded(&search.q)?, 50).await?;
    let people: Vec<Value> = found.iter().map(view::person).collect();
    Ok(Json(json!({ "people": people })))
}

/// `GET /console/api/options?type=project&q=`: the choices of a record input.
pub async fn options(
    State(console): Shared,
    headers: HeaderMap,
    Query(search): Query<Search>,
) -> Result<Json<Value>, ApiError> {
    signed_in(&console, &headers).await?;
    let choices = console
        .keel
        .record_choices(&search.record_type, bounded(&search.q)?, 500)
        .await?;
    Ok(Json(json!({ "options": choices })))
}

#[derive(Deserialize)]
pub struct ConversationQuery {
    conversation: String,
}

/// Refuses a conversation that is neither a channel nor the person's own direct messages.
fn check_visible(console: &Console, person: &Person, conversation: &str) -> Result<(), ApiError> {
    if console.visible(person, conversation) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "There is no conversation `{}` for you: you see the channels and your own direct messages.",
            truncate(conversation, 40)
        )))
    }
}

impl Console {
    /// Whether `person` may read `conversation`.
    pub(super) fn visible(&self, person: &Person, conversation: &str) -> bool {
        conversation == port::direct(&person.id)
            || self.channels().iter().any(|c| c == conversation)
    }
}

/// `GET /console/api/messages?conversation=`: the latest messages, oldest first.
pub async fn messages(
    State(console): Shared,
    headers: HeaderMap,
    Query(query): Query<ConversationQuery>,
) -> Result<Json<Value>, ApiError> {
    let person = signed_in(&console, &headers).await?;
    check_visible(&console, &person, &query.conversation)?;
    let stored = console
        .keel
        .console_messages(&query.conversation, PAGE)
        .await?;
    let mut messages = Vec::with_capacity(stored.len());
    for message in &stored {
        messages.push(view::message(&console, &person, message).await);
    }
    Ok(Json(json!({ "messages": messages })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    conversation: String,
    text: String,
}

/// `POST /console/api/messages`: a slash command, a question for keel (`@keel …`, or anything
/// in keel's DMs, answered by [`super::asked`]), or a message in a channel.
pub async fn post_message(
    State(console): Shared,
    headers: HeaderMap,
    body: Result<Json<MessageBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let person = signed_in(&console, &headers).await?;
    let body = json_body(body)?;
    check_visible(&console, &person, &body.conversation)?;
    let text = body.text.trim();
    let length = text.chars().count();
    if length == 0 || length > MAX_MESSAGE {
        return Err(ApiError::Service(
            UserError::Invalid(format!(
                "A message has 1 to {MAX_MESSAGE} characters (this one has {length}). Nothing was posted."
            ))
            .into(),
        ));
    }
    if has_nul(text) {
        return Err(ApiError::Service(
            UserError::Invalid(format!("The message {NUL_REFUSED}. Nothing was posted.")).into(),
        ));
    }
    // A slash command; or a question: "@keel …" anywhere, any message in keel's DMs.
    let mention = text
        .strip_prefix("@keel")
        .filter(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
    let in_dm = body.conversation == port::direct(&person.id);
    let interaction = if let Some(command) = text.strip_prefix('/') {
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        Some((name, rest))
    } else {
        mention
            .or(in_dm.then_some(text))
            .map(|question| ("ask", question))
    };
    if let Some(("ask", question)) = interaction {
        return super::asked::ask(&console, &person, text, question.trim()).await;
    }
    if let Some((name, rest)) = interaction {
        let interaction = Interaction::Command {
            name: name.to_string(),
            text: rest.trim().to_string(),
        };
        let effects = console
            .keel
            .interact(&person, "console", interaction)
            .await?;
        return Ok(Json(
            json!({ "effects": rendered(effects), "message": null }),
        ));
    }
    let new = NewConsoleMessage::typed(
        body.conversation.clone(),
        person.id.clone(),
        text.to_string(),
    );
    let posted = console.keel.post_console_message(&new).await?;
    let mut message = Value::Null;
    if let Some(posted) = posted {
        message = view::message(&console, &person, &posted).await;
        console.publish(posted);
    }
    Ok(Json(json!({ "effects": [], "message": message })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormBody {
    form: String,
    nonce: Option<String>,
    values: Map<String, Value>,
}

/// `POST /console/api/forms`: a filled form.
pub async fn submit_form(
    State(console): Shared,
    headers: HeaderMap,
    body: Result<Json<FormBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let person = signed_in(&console, &headers).await?;
    let body = json_body(body)?;
    bounded_id(&body.form)?;
    if body.values.len() > MAX_FORM_VALUES {
        return Err(ApiError::BadRequest(format!(
            "A form has at most {MAX_FORM_VALUES} values."
        )));
    }
    let interaction = Interaction::FormSubmitted {
        form: body.form,
        nonce: body.nonce,
        values: body.values.into_iter().collect(),
    };
    let effects = console
        .keel
        .interact(&person, "console", interaction)
        .await?;
    Ok(Json(json!({ "effects": rendered(effects) })))
}

/// Longest request id or form id a button or form may name.
const MAX_ID: usize = 200;

fn bounded_id(id: &str) -> Result<&str, ApiError> {
    if id.len() > MAX_ID {
        return Err(ApiError::BadRequest(format!(
            "An id has at most {MAX_ID} characters; nothing was changed."
        )));
    }
    Ok(id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ButtonBody {
    request_id: String,
    action: String,
    step: usize,
}

/// `POST /console/api/buttons`: a click on a card's button.
pub async fn click_button(
    State(console): Shared,
    headers: HeaderMap,
    body: Result<Json<ButtonBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let person = signed_in(&console, &headers).await?;
    let body = json_body(body)?;
    bounded_id(&body.request_id)?;
    bounded_id(&body.action)?;
    let interaction = Interaction::Button {
        request_id: body.request_id,
        action: body.action,
        step: body.step,
    };
    let effects = console
        .keel
        .interact(&person, "console", interaction)
        .await?;
    Ok(Json(json!({ "effects": rendered(effects) })))
}

/// Effects as JSON; every opened form gets a nonce so that submitting it twice counts once.
pub(super) fn rendered(effects: Vec<Effect>) -> Vec<Value> {
    effects
        .into_iter()
        .map(|effect| {
            let opens_form = matches!(effect, Effect::OpenForm { .. });
            let mut value = serde_json::to_value(effect).unwrap_or(Value::Null);
            if opens_form && let Some(form) = value.get_mut("form").and_then(Value::as_object_mut) {
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                form.insert("nonce".into(), Value::from(nonce));
            }
            value
        })
        .collect()
}
