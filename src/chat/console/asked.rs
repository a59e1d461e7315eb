//! Questions for keel in the console (`/ask …`, `@keel …`, anything in keel's direct messages):
//! the question and keel's answer are stored as messages like any other, so both stay in the
//! conversation after a reload, the answer with its table and its chart. They are stored in the
//! asker's direct messages with keel, wherever the question was typed: an answer follows what
//! its asker may see, so it is never posted where others would read it.

use super::api::rendered;
use super::signin::signed_in;
use super::{Console, port, view};
use crate::domain::{Effect, Interaction, Person};
use crate::http::error::ApiError;
use crate::service::UserError;
use crate::service::{ConsoleAnswer, ConsoleMessage, NewConsoleMessage};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::sync::Arc;

/// Answers `question` (typed as `typed`) for `person`: the effects, and the two messages stored.
pub async fn ask(
    console: &Console,
    person: &Person,
    typed: &str,
    question: &str,
) -> Result<Json<Value>, ApiError> {
    let conversation = port::direct(&person.id);
    let asked =
        NewConsoleMessage::typed(conversation.clone(), person.id.clone(), typed.to_string());
    let asked = post(console, &asked).await?;
    let interaction = Interaction::Command {
        name: "ask".to_string(),
        text: question.to_string(),
    };
    let effects = console
        .keel
        .interact(person, "console", interaction)
        .await?;
    let answered = post(console, &answer_message(conversation, &effects)).await?;
    let mut messages = Vec::new();
    for message in asked.iter().chain(&answered) {
        messages.push(view::message(console, person, message).await);
    }
    Ok(Json(
        json!({ "effects": rendered(effects), "messages": messages }),
    ))
}

async fn post(
    console: &Console,
    message: &NewConsoleMessage,
) -> Result<Option<ConsoleMessage>, ApiError> {
    let posted = console.keel.post_console_message(message).await?;
    if let Some(posted) = &posted {
        console.publish(posted.clone());
    }
    Ok(posted)
}

/// keel's message for the effects of a question: the answer's sentence with its table, how it
/// was computed and its chart; or the reply (a refusal, a question keel could not read).
fn answer_message(conversation: String, effects: &[Effect]) -> NewConsoleMessage {
    let mut body = Vec::new();
    let mut answer = None;
    let mut chart = None;
    for effect in effects {
        match effect {
            Effect::Reply { text } => body.push(text.clone()),
            Effect::Answer { text, table, how } => {
                body.push(text.clone());
                answer = Some(ConsoleAnswer {
                    table: table.clone(),
                    how: how.clone(),
                    chart: false,
                });
            }
            Effect::Chart { png, .. } => chart = Some(STANDARD.encode(png)),
            // The declined sentence already names the questions; their buttons come live.
            Effect::Suggestions { .. }
            | Effect::OpenForm { .. }
            | Effect::FormErrors { .. }
            | Effect::CloseForm => {}
        }
    }
    if let Some(answer) = &mut answer {
        answer.chart = chart.is_some();
    }
    NewConsoleMessage {
        chart: answer.as_ref().and(chart),
        answer,
        ..NewConsoleMessage::typed(conversation, "keel".to_string(), body.join("\n"))
    }
}

/// `GET /console/api/messages/{id}/chart`: an answer's chart, for whoever sees its conversation.
pub async fn chart(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let person = signed_in(&console, &headers).await?;
    let missing = || {
        ApiError::Service(UserError::Invalid(format!("Message {id} has no chart for you.")).into())
    };
    let Some((conversation, png)) = console.keel.console_chart(id).await? else {
        return Err(missing());
    };
    if !console.visible(&person, &conversation) {
        return Err(missing());
    }
    let png = STANDARD
        .decode(png)
        .map_err(|e| anyhow::anyhow!("a stored chart is not base64: {e}"))?;
    let mut response = png.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    Ok(response)
}
