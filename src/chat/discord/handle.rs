//! What keel answers an interaction from Discord, already verified: the payload becomes an
//! [`Interaction`] for the core and its effects are answered the Discord way: a modal to fill,
//! or a message only the person sees. Discord cannot show errors inside a submitted modal, so a
//! form's problems come back as a private message listing what to fix.

use super::Discord;
use super::buttons;
use super::followup::{Chart, send_chart};
use super::message::{EPHEMERAL, Message};
use super::modal::modal;
use super::payload::{APPLICATION_COMMAND, DiscordInteraction, MESSAGE_COMPONENT, MODAL_SUBMIT};
use super::text::MAX_MODAL_COMPONENTS as PER_MODAL;
use super::text::{MAX_CONTENT, MAX_SELECT_OPTIONS, escape, fit};
use crate::chat::text::answer_text;
use crate::domain::{Effect, Form, InputKind, Interaction, Person};
use crate::service::{PageOutcome, ServiceError};
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
    let not_keels = || Response::private("This is not something keel made; nothing was done.");
    let Some(user) = payload.user_id() else {
        return not_keels();
    };
    let person = match discord.person_of(user).await {
        Ok(person) => person,
        Err(error) => return Response::private(&error.told()),
    };
    let custom_id = payload.data.as_ref().map_or("", |d| d.custom_id.as_str());
    if let Some((nonce, page)) = buttons::page_asked(custom_id) {
        return match discord.keel.reopen_form(&person, nonce).await {
            Ok(form) => open(discord, &form, Some(nonce), page).await,
            Err(error) => Response::private(&error.told()),
        };
    }
    let Some(interaction) = payload.interaction() else {
        return not_keels();
    };
    let form_id = match &interaction {
        Interaction::FormSubmitted { form, .. } => Some(form.clone()),
        _ => None,
    };
    let (effects, fix) = match effects_of(discord, &person, payload, interaction).await {
        Ok(Ok(done)) => done,
        Ok(Err(next_page)) => return next_page,
        Err(error) => return Response::private(&error.told()),
    };
    let mut replies = Vec::new();
    let mut buttons = Vec::new();
    for effect in effects {
        match effect {
            Effect::OpenForm { mut form } => {
                picked(&mut form, payload);
                return open(discord, &form, None, 0).await;
            }
            Effect::Reply { text } => replies.push(escape(&text)),
            Effect::Answer { text, table, how } => {
                replies.push(answer_text(&text, table.as_ref(), &how, escape))
            }
            Effect::FormErrors { errors } => {
                let told = discord.keel.what_to_fix(form_id.as_deref(), &errors);
                replies.push(escape(&format!(
                    "{told}\nPress Fix: what you typed is kept."
                )));
                buttons.extend(
                    fix.as_ref()
                        .map(|(nonce, page)| buttons::page("Fix", nonce, *page)),
                );
            }
            Effect::Chart { png, alt } => *chart = Some(Chart { png, alt }),
            Effect::Suggestions { questions } => buttons = super::buttons::suggestions(&questions),
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

/// The core's effects of what the person did, with the form opening and page to fix when a
/// submitted form has problems; or, for a page of a longer form, the answer that opens the next.
async fn effects_of(
    discord: &Discord,
    person: &Person,
    payload: &DiscordInteraction,
    interaction: Interaction,
) -> Result<Result<(Vec<Effect>, Option<(String, usize)>), Response>, ServiceError> {
    let keel = &discord.keel;
    let Interaction::FormSubmitted {
        form,
        nonce: Some(nonce),
        values,
    } = interaction
    else {
        let effects = keel.interact(person, super::DISCORD, interaction).await?;
        return Ok(Ok((effects, None)));
    };
    let (ids, page) = (
        (form.as_str(), nonce.as_str()),
        (payload.modal_page(), PER_MODAL),
    );
    match keel
        .submit_form_page(person, super::DISCORD, ids, page, values)
        .await?
    {
        PageOutcome::NextPage(next) => {
            let mut message = Message::ephemeral("Kept. The form goes on: press Continue.");
            message.components = vec![buttons::page("Continue", &nonce, next)];
            Ok(Err(Response::Message(message)))
        }
        PageOutcome::Submitted { effects, fix_page } => {
            Ok(Ok((effects, fix_page.map(|page| (nonce, page)))))
        }
    }
}

/// The records picked in the command's options (autocompleted: see [`super::autocomplete`]),
/// chosen in the form it opens.
fn picked(form: &mut Form, payload: &DiscordInteraction) {
    let options = payload.data.iter().flat_map(|data| &data.options);
    let records: Vec<(String, Value)> = options
        .filter(|o| {
            form.inputs
                .iter()
                .any(|i| i.name == o.name && i.kind == InputKind::Record)
        })
        .filter_map(|o| Some((o.name.clone(), o.value.as_str()?.trim().into())))
        .filter(|(_, value)| value != "")
        .collect();
    form.fill(&records);
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

/// Page `page` of a form as a modal (record pickers with few enough records as selects), or
/// why not; opened anew, or again under its earlier `nonce`.
async fn open(discord: &Discord, form: &Form, nonce: Option<&str>, page: usize) -> Response {
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
    let fresh = uuid::Uuid::new_v4().simple().to_string();
    match modal(form, nonce.unwrap_or(&fresh), page, &records) {
        Ok(modal) => Response::Modal(modal),
        Err(why) => Response::private(&why),
    }
}
