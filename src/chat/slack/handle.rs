//! What keel does with a request from Slack, however it arrived (an HTTP request, a Socket Mode
//! envelope): the payload, already verified and read, becomes an
//! [`Interaction`](crate::domain::Interaction) for the core, and its effects are answered the
//! Slack way. The answer is the JSON Slack reads in the HTTP response or in the envelope's
//! acknowledgement: a private message, errors inline in a modal, a picker's options.

use super::Slack;
use super::answer::{answer_blocks, answer_text, section};
use super::blocks::{MAX_BLOCKS, escape};
use super::modal::{modal, option};
use super::payload::{SlackInteraction, SlashCommand};
use super::suggestions::with_buttons;
use crate::domain::{Effect, FieldType, Form, FormId, Interaction, Person};
use crate::service::ServiceError;
use serde_json::{Value, json};

/// A private message to the person who acted, escaped: it may repeat what they typed, which must
/// not become a mention or a link.
pub fn ephemeral(text: &str) -> Value {
    json!({ "response_type": "ephemeral", "text": escape(text) })
}

/// The person a Slack member is, or what to tell them.
async fn person_of(slack: &Slack, member: &str) -> Result<Person, String> {
    slack.person_of(member).await.map_err(ServiceError::told)
}

/// The effects of what a Slack member did, once they are known to be a person of the directory;
/// or what to tell them.
async fn act(slack: &Slack, member: &str, interaction: Interaction) -> Result<Vec<Effect>, String> {
    let person = person_of(slack, member).await?;
    let effects = slack.keel.interact(&person, "slack", interaction).await;
    effects.map_err(ServiceError::told)
}

/// Opens a form as a modal; what to tell the person when Slack refused (an expired trigger).
async fn open_form(slack: &Slack, trigger_id: &str, form: &Form) -> Option<String> {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    match slack.api.open_view(trigger_id, &modal(form, &nonce)).await {
        Ok(()) => None,
        Err(failure) => Some(format!(
            "Slack would not open the form ({failure}); run the command again."
        )),
    }
}

/// A slash command opens its form, or answers privately; an answer to a question comes as
/// blocks (its table in monospace), with its text as the fallback.
pub async fn command(slack: &Slack, command: &SlashCommand) -> Option<Value> {
    let effects = match act(slack, &command.user_id, command.interaction()).await {
        Ok(effects) => effects,
        Err(reply) => return Some(ephemeral(&reply)),
    };
    let mut replies = Vec::new();
    let mut questions = Vec::new();
    let mut blocks = Vec::new();
    let mut answered = false;
    for effect in effects {
        match effect {
            Effect::OpenForm { form } => {
                replies.extend(open_form(slack, &command.trigger_id, &form).await)
            }
            Effect::Reply { text } => {
                blocks.push(section(&escape(&text)));
                replies.push(text);
            }
            Effect::Answer { text, table, how } => {
                answered = true;
                blocks.extend(answer_blocks(&text, table.as_ref(), &how));
                replies.push(answer_text(&text, table.as_ref(), &how));
            }
            Effect::Chart { png, alt } => share_chart(slack, &command.user_id, png, alt),
            Effect::Suggestions { questions: asked } => questions = asked,
            Effect::FormErrors { .. } | Effect::CloseForm => {}
        }
    }
    if replies.is_empty() {
        return None;
    }
    let text = replies.join("\n");
    let mut reply = ephemeral(&text);
    if answered {
        blocks.truncate(MAX_BLOCKS);
        reply["blocks"] = Value::from(blocks);
    }
    Some(with_buttons(reply, &text, &questions))
}

/// Shares an answer's chart in the member's DMs with keel, after the answer itself (the slash
/// command is answered within Slack's three seconds; the upload takes its own time). Best
/// effort: the answer has already said everything in words.
fn share_chart(slack: &Slack, member: &str, png: Vec<u8>, alt: String) {
    let (api, member) = (slack.api.clone(), member.to_string());
    tokio::spawn(async move {
        if let Err(failure) = api.share_png(&member, "keel-answer.png", png, &alt).await {
            tracing::warn!(%member, "the answer's chart was not shared: {failure}");
        }
    });
}

/// A button, a submitted modal, or a picker asking for options.
pub async fn interaction(slack: &Slack, interaction: SlackInteraction) -> Option<Value> {
    match interaction {
        SlackInteraction::Button {
            user_id,
            trigger_id,
            channel_id,
            interaction,
        } => {
            let effects = match act(slack, &user_id, interaction).await {
                Ok(effects) => effects,
                Err(reply) => {
                    tell(slack, &user_id, channel_id.as_deref(), reply);
                    return None;
                }
            };
            for effect in effects {
                let text = match effect {
                    Effect::OpenForm { form } => open_form(slack, &trigger_id, &form).await,
                    Effect::Reply { text } => Some(text),
                    Effect::Answer { text, table, how } => {
                        Some(answer_text(&text, table.as_ref(), &how))
                    }
                    Effect::FormErrors { .. }
                    | Effect::CloseForm
                    | Effect::Chart { .. }
                    | Effect::Suggestions { .. } => None,
                };
                if let Some(text) = text {
                    tell(slack, &user_id, channel_id.as_deref(), text);
                }
            }
            None
        }
        SlackInteraction::Submission {
            user_id,
            first_block,
            interaction,
        } => match act(slack, &user_id, interaction).await {
            Ok(effects) => submission_answer(slack, &user_id, first_block.as_deref(), effects),
            Err(reply) => {
                let block = first_block.unwrap_or_default();
                Some(json!({ "response_action": "errors", "errors": { block: reply } }))
            }
        },
        SlackInteraction::Options {
            user_id,
            field,
            form,
            query,
        } => Some(options(slack, &user_id, &form, &field, &query).await),
    }
}

/// Errors inline in the modal (`response_action: errors`), or the modal closes and the person
/// hears what happened.
fn submission_answer(
    slack: &Slack,
    user_id: &str,
    first_block: Option<&str>,
    effects: Vec<Effect>,
) -> Option<Value> {
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
            Effect::Answer { text, table, how } => tell(
                slack,
                user_id,
                None,
                answer_text(&text, table.as_ref(), &how),
            ),
            Effect::OpenForm { .. }
            | Effect::CloseForm
            | Effect::Chart { .. }
            | Effect::Suggestions { .. } => {}
        }
    }
    (!errors.is_empty()).then(|| json!({ "response_action": "errors", "errors": errors }))
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
            None => api.post_message(&user, &text, &[], None).await.map(drop),
        };
        if let Err(failure) = sent {
            tracing::warn!(user, "a reply to Slack was not delivered: {failure}");
        }
    });
}

/// The choices of a record picker as the person types.
async fn options(slack: &Slack, member: &str, form: &str, field: &str, query: &str) -> Value {
    let none = json!({ "options": [] });
    if person_of(slack, member).await.is_err() {
        return none;
    }
    let record_type = match FormId::parse(form) {
        Some(FormId::Submit { workflow }) => slack
            .keel
            .config
            .workflows
            .get(&workflow)
            .and_then(|w| w.field(field))
            .and_then(|f| match &f.field_type {
                FieldType::Ref(record_type) => Some(record_type.clone()),
                _ => None,
            }),
        _ => None,
    };
    let Some(record_type) = record_type else {
        return none;
    };
    match slack.keel.record_choices(&record_type, query, 100).await {
        Ok(choices) => {
            let options: Vec<Value> = choices.iter().map(|c| option(&c.value, &c.label)).collect();
            json!({ "options": options })
        }
        Err(_) => none,
    }
}

/// The URL check, and events, each acted on once however often Slack delivers it.
pub async fn event(slack: &Slack, event: &Value) -> Option<Value> {
    match event["type"].as_str() {
        Some("url_verification") => Some(json!({ "challenge": event["challenge"] })),
        Some("event_callback") => {
            let id = event["event_id"].as_str().unwrap_or_default();
            match slack
                .keel
                .first_sight_of_event(super::port::SLACK, id)
                .await
            {
                Ok(true) => slack.on_event(&event["event"]).await,
                Ok(false) => {
                    tracing::info!(event = id, "a Slack event delivered again; already handled")
                }
                Err(error) => {
                    crate::service::logged(error);
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::ephemeral;

    #[test]
    fn a_private_reply_repeating_what_someone_typed_is_escaped() {
        let reply = ephemeral("Unknown: <!channel> <https://evil.example|x> & co");
        assert_eq!(
            reply["text"],
            "Unknown: &lt;!channel&gt; &lt;https://evil.example|x&gt; &amp; co"
        );
    }
}
