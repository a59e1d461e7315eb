//! The console's JSON API: sign-in, the directory picker, conversations, and the three ways a
//! person interacts (a typed command, a submitted form, a clicked button), each handed to the
//! core as an [`Interaction`] and answered with its [`Effect`]s.

use super::session::{COOKIE, SessionProblem, token_from_cookies};
use super::{Access, Console, port, view};
use crate::domain::{Effect, Interaction, Person};
use crate::http::error::{ApiError, json_body};
use crate::service::{ServiceError, UserError};
use crate::store::NewConsoleMessage;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
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
/// How long a session picked in the demo lasts.
const DEMO_SESSION_DAYS: i64 = 7;
/// Messages of a conversation loaded at once.
const PAGE: i64 = 200;

/// The person of the request's session, or why there is none.
pub(super) async fn signed_in(console: &Console, headers: &HeaderMap) -> Result<Person, ApiError> {
    if console.access == Access::Closed {
        return Err(ApiError::Forbidden(
            "The console is closed: set KEEL_CONSOLE_SECRET on the server, then sign in with a link from `keel console-link PERSON`.".into(),
        ));
    }
    let token = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(token_from_cookies)
        .ok_or_else(|| ApiError::Unauthorized(sign_in_hint(console, "You are not signed in")))?;
    let id = console
        .key
        .verify(token, chrono::Utc::now())
        .map_err(|problem| {
            let why = match problem {
                SessionProblem::Invalid => {
                    "Your session is not valid (it was altered, or comes from an earlier run)"
                }
                SessionProblem::Expired => "Your session has expired",
            };
            ApiError::Unauthorized(sign_in_hint(console, why))
        })?;
    match console.keel.person(&id).await {
        Ok(person) if person.active => Ok(person),
        Ok(_) | Err(ServiceError::User(_)) => Err(ApiError::Unauthorized(sign_in_hint(
            console,
            &format!("{id} is not an active person in the directory"),
        ))),
        Err(internal) => Err(internal.into()),
    }
}

fn sign_in_hint(console: &Console, why: &str) -> String {
    match console.access {
        Access::Demo => format!("{why}: pick a person to continue."),
        _ => format!("{why}: open your sign-in link again, or ask an administrator for one."),
    }
}

/// The cookie that starts a session for `person` until `days` from now.
fn session_cookie(console: &Console, person: &str, days: i64) -> HeaderValue {
    let expires = chrono::Utc::now() + Duration::days(days);
    let token = console.key.issue(person, expires);
    let max_age = days * 24 * 3_600;
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    token: String,
}

/// `GET /console/login?token=…`: a sign-in link; the token becomes the session cookie.
pub async fn login(State(console): Shared, Query(query): Query<LoginQuery>) -> Response {
    match console.key.verify(&query.token, chrono::Utc::now()) {
        Ok(person) if console.access != Access::Closed => {
            let days = 30;
            let mut response = Redirect::to("/console").into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session_cookie(&console, &person, days));
            response
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            "This sign-in link is not valid or has expired. Ask an administrator for a new one (keel console-link PERSON).",
        )
            .into_response(),
    }
}

/// `GET /console/api/me`: who is signed in; a 401 also says whether the picker may be used.
pub async fn me(State(console): Shared, headers: HeaderMap) -> Response {
    match signed_in(&console, &headers).await {
        Ok(person) => Json(view::me(&console, &person)).into_response(),
        Err(ApiError::Unauthorized(message)) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": message, "demo": console.access == Access::Demo })),
        )
            .into_response(),
        Err(other) => other.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    person: String,
}

/// `POST /console/api/session`: "be anyone", in the demo only.
pub async fn start_session(
    State(console): Shared,
    body: Result<Json<SessionBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    if console.access != Access::Demo {
        return Err(ApiError::Forbidden(
            "Picking a person is only possible in the demo. Open the sign-in link an administrator gave you (keel console-link PERSON).".into(),
        ));
    }
    let body = json_body(body)?;
    let person = console.keel.person(body.person.trim()).await?;
    if !person.active {
        return Err(ServiceError::from(UserError::UnknownPerson(person.id)).into());
    }
    let mut response = Json(view::me(&console, &person)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&console, &person.id, DEMO_SESSION_DAYS),
    );
    Ok(response)
}

/// `POST /console/api/logout`: forgets the session cookie.
pub async fn logout() -> Response {
    let mut response = Json(json!({})).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("keel_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

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
            conversation.chars().take(40).collect::<String>()
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
        .store
        .console_messages(&query.conversation, PAGE)
        .await?;
    let mut messages = Vec::with_capacity(stored.len());
    for message in &stored {
        messages.push(view::message(&console, message).await);
    }
    Ok(Json(json!({ "messages": messages })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    conversation: String,
    text: String,
}

/// `POST /console/api/messages`: a slash command, or a message in a channel.
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
    if let Some(command) = text.strip_prefix('/') {
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        let interaction = Interaction::Command {
            name: name.to_string(),
            text: rest.to_string(),
        };
        let effects = console
            .keel
            .interact(&person, "console", interaction)
            .await?;
        return Ok(Json(
            json!({ "effects": rendered(effects), "message": null }),
        ));
    }
    if body.conversation == port::direct(&person.id) {
        let reply = Effect::Reply {
            text: format!(
                "keel answers slash commands here. {}",
                console.keel.command_list()
            ),
        };
        return Ok(Json(
            json!({ "effects": rendered(vec![reply]), "message": null }),
        ));
    }
    let new = NewConsoleMessage {
        conversation: body.conversation.clone(),
        author: person.id.clone(),
        body: text.to_string(),
        card: None,
        request_id: None,
        thread_of: None,
        outbox_id: None,
    };
    let posted = console
        .keel
        .store
        .post_console_message(&new, console.keel.clock.now())
        .await?;
    let mut message = Value::Null;
    if let Some(posted) = posted {
        message = view::message(&console, &posted).await;
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
fn rendered(effects: Vec<Effect>) -> Vec<Value> {
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
