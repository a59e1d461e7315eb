//! What keel answers an interaction from Discord, already verified: the payload becomes an
//! [`Interaction`] for the core and its effects are answered the Discord way: a modal to fill,
//! or a message only the person sees. Discord cannot show errors inside a submitted modal, so a
//! form's problems come back as a private message listing what to fix.

use super::Discord;
use super::followup::{Chart, send_chart};
use super::message::{EPHEMERAL, Message};
use super::modal::modal;
use super::payload::{APPLICATION_COMMAND, DiscordInteraction, MESSAGE_COMPONENT, MODAL_SUBMIT};
use super::text::{MAX_CONTENT, MAX_SELECT_OPTIONS, escape, fit};
use crate::domain::interaction::FieldProblem;
use crate::domain::{Choice, Effect, FieldType, Form, FormId, InputKind, Interaction};
use crate::service::ServiceError;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long keel works on an interaction before deferring: inside Discord's three seconds,
/// with room for the answer's way back.
const DEFER_AFTER: Duration = Duration::from_millis(2_000);

/// An interaction response (`PONG`, a message, a modal), as Discord reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Pong,
    Message(Message),
    Modal(super::modal::Modal),
    /// Said to Discord as is (a deferral).
    Deferred(Value),
}

impl Response {
    pub fn to_json(&self) -> Value {
        match self {
            Response::Pong => json!({ "type": 1 }),
            Response::Message(message) => json!({ "type": 4, "data": message }),
            Response::Modal(modal) => json!({ "type": 9, "data": modal }),
            Response::Deferred(answer) => answer.clone(),
        }
    }

    fn private(text: &str) -> Response {
        Response::Message(Message::ephemeral(text))
    }
}

/// Logs an internal failure; what to tell the person (only its reference).
fn internal(error: anyhow::Error) -> String {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    tracing::error!(reference, "{error:#}");
    format!("Something went wrong (ref {reference}).")
}

fn told(error: ServiceError) -> String {
    match error {
        ServiceError::User(error) => error.to_string(),
        ServiceError::Internal(error) => internal(error),
    }
}

/// The answer to a command, a click or a submission, and the chart to send after it.
pub async fn respond(discord: &Discord, payload: &DiscordInteraction) -> (Response, Option<Chart>) {
    let mut chart = None;
    let response = answer(discord, payload, &mut chart).await;
    (response, chart)
}

async fn answer(
    discord: &Discord,
    payload: &DiscordInteraction,
    chart: &mut Option<Chart>,
) -> Response {
    if !matches!(
        payload.kind,
        APPLICATION_COMMAND | MESSAGE_COMPONENT | MODAL_SUBMIT
    ) {
        return Response::private("keel does not handle this kind of interaction.");
    }
    let (Some(user), Some(interaction)) = (payload.user_id(), payload.interaction()) else {
        return Response::private("This is not something keel made; nothing was done.");
    };
    let person = match discord.person_of(user).await {
        Ok(person) => person,
        Err(error) => return Response::private(&told(error)),
    };
    let interaction = resolve_records(discord, interaction).await;
    let form_id = match &interaction {
        Interaction::FormSubmitted { form, .. } => Some(form.clone()),
        _ => None,
    };
    let effects = match discord
        .keel
        .interact(&person, super::DISCORD, interaction)
        .await
    {
        Ok(effects) => effects,
        Err(error) => return Response::private(&told(error)),
    };
    let mut replies = Vec::new();
    let mut buttons = Vec::new();
    for effect in effects {
        match effect {
            Effect::OpenForm { mut form } => {
                picked(&mut form, payload);
                return open(discord, &form).await;
            }
            Effect::Reply { text } => replies.push(escape(&text)),
            Effect::Answer { text, table, how } => {
                let mut shown = escape(&text);
                if let Some(table) = table {
                    let table = table.monospace().replace("```", "'''");
                    shown.push_str(&format!("\n```\n{table}\n```"));
                }
                shown.push_str(&format!("\n{}", escape(&how)));
                replies.push(shown);
            }
            Effect::FormErrors { errors } => {
                replies.push(escape(&to_fix(discord, form_id.as_deref(), &errors)))
            }
            Effect::Chart { png, alt } => *chart = Some(Chart { png, alt }),
            Effect::Suggestions { questions } => buttons = super::suggestions::rows(&questions),
            Effect::CloseForm => {}
        }
    }
    let mut message = Message::ephemeral("");
    message.content = fit(&replies.join("\n"), MAX_CONTENT);
    message.components = buttons;
    if message.content.is_empty() {
        message.content = "Done.".into();
    }
    Response::Message(message)
}

/// The records picked in the command's options (autocompleted: see [`super::autocomplete`]),
/// chosen in the form it opens.
fn picked(form: &mut Form, payload: &DiscordInteraction) {
    let options = payload.data.iter().flat_map(|data| &data.options);
    for option in options {
        let Some(value) = option.value.as_str().filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let input = form
            .inputs
            .iter_mut()
            .find(|input| input.name == option.name);
        if let Some(input) = input.filter(|input| input.kind == InputKind::Record) {
            input.value = Some(value.trim().to_string());
        }
    }
}

/// The answer if it is ready in time; else a deferred answer now and the real one later.
pub async fn within_deadline(discord: Arc<Discord>, payload: DiscordInteraction) -> Response {
    let worker = {
        let (discord, payload) = (discord.clone(), payload.clone());
        tokio::spawn(async move { respond(&discord, &payload).await })
    };
    let mut worker = worker;
    match tokio::time::timeout(DEFER_AFTER, &mut worker).await {
        Ok(Ok((response, chart))) => {
            if let Some(chart) = chart {
                // After the answer, which goes back as this function returns.
                tokio::spawn(async move {
                    let application = &payload.application_id;
                    send_chart(&discord, application, &payload.token, &chart).await;
                });
            }
            return response;
        }
        Ok(Err(panicked)) => {
            tracing::error!("answering a Discord interaction failed: {panicked}");
            return Response::Message(Message::ephemeral(
                "Something went wrong; nothing was done.",
            ));
        }
        Err(_) => {}
    }
    tokio::spawn(async move {
        let (message, chart) = match worker.await {
            Ok((Response::Message(message), chart)) => (message, chart),
            // A modal can only be the first answer.
            Ok(_) => (
                Message::ephemeral("keel took too long to open the form: run the command again."),
                None,
            ),
            Err(_) => (
                Message::ephemeral("Something went wrong; nothing was done."),
                None,
            ),
        };
        let application = &payload.application_id;
        if let Err(failure) = discord
            .api
            .edit_original(application, &payload.token, &message)
            .await
        {
            tracing::warn!("a deferred answer to Discord was not delivered: {failure}");
        } else if let Some(chart) = chart {
            send_chart(&discord, application, &payload.token, &chart).await;
        }
    });
    // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, private: "keel is thinking…".
    let deferred = json!({ "type": 5, "data": { "flags": EPHEMERAL } });
    Response::Deferred(deferred)
}

/// A form as a modal (record pickers with few enough records as selects), or why not.
async fn open(discord: &Discord, form: &Form) -> Response {
    let mut records = HashMap::new();
    for input in &form.inputs {
        if let (InputKind::Record, Some(record_type)) = (input.kind, &input.record_type) {
            let choices = discord
                .keel
                .record_choices(record_type, "", MAX_SELECT_OPTIONS + 1)
                .await
                .unwrap_or_default();
            records.insert(input.name.clone(), choices);
        }
    }
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    match modal(form, &nonce, &records) {
        Ok(modal) => Response::Modal(modal),
        Err(why) => Response::private(&why),
    }
}

/// A record typed by name in a submitted form (Discord's modals have no type-ahead) becomes
/// its key when exactly one record of the field's type matches; anything else is left as
/// typed, for the form's own check to name.
async fn resolve_records(discord: &Discord, interaction: Interaction) -> Interaction {
    let Interaction::FormSubmitted {
        form,
        nonce,
        values,
    } = interaction
    else {
        return interaction;
    };
    let workflow = match FormId::parse(&form) {
        Some(FormId::Submit { workflow }) => discord.keel.config.workflows.get(&workflow),
        _ => None,
    };
    let mut resolved = Vec::with_capacity(values.len());
    for (name, value) in values {
        let record_type = workflow
            .and_then(|w| w.field(&name))
            .and_then(|f| match &f.field_type {
                FieldType::Ref(record_type) => Some(record_type.clone()),
                _ => None,
            });
        let value = match (record_type, value.as_str()) {
            (Some(record_type), Some(typed)) => {
                Value::from(record_key(discord, &record_type, typed).await)
            }
            _ => value,
        };
        resolved.push((name, value));
    }
    Interaction::FormSubmitted {
        form,
        nonce,
        values: resolved,
    }
}

async fn record_key(discord: &Discord, record_type: &str, typed: &str) -> String {
    let choices: Vec<Choice> = discord
        .keel
        .record_choices(record_type, typed, 2)
        .await
        .unwrap_or_default();
    if let Some(exact) = choices
        .iter()
        .find(|c| c.value.eq_ignore_ascii_case(typed.trim()))
    {
        return exact.value.clone();
    }
    match choices.as_slice() {
        [only] => only.value.clone(),
        _ => typed.to_string(),
    }
}

/// What to fix in a submitted form, field by field (by their labels).
fn to_fix(discord: &Discord, form: Option<&str>, errors: &[FieldProblem]) -> String {
    let workflow = match form.and_then(FormId::parse) {
        Some(FormId::Submit { workflow }) => discord.keel.config.workflows.get(&workflow),
        _ => None,
    };
    let lines: Vec<String> = errors
        .iter()
        .map(|problem| {
            let label = workflow
                .and_then(|w| w.field(&problem.field))
                .map(|f| f.label.clone())
                .unwrap_or_else(|| problem.field.clone());
            if label.is_empty() {
                format!("• {}", problem.message)
            } else {
                format!("• {label}: {}", problem.message)
            }
        })
        .collect();
    format!(
        "Nothing was submitted. Please fix, then run the command again:\n{}",
        lines.join("\n")
    )
}
