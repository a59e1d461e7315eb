//! Type-ahead over a workflow's records (projects, vendors, …) where Discord has it: in a slash
//! command's options, not inside a modal. `keel discord register` gives each workflow command an
//! optional, autocompleted option per record field; while the person types, Discord asks
//! (APPLICATION_COMMAND_AUTOCOMPLETE, interaction type 4) and keel answers with at most 25
//! records matching the text (response type 8). The command then opens the modal with the
//! picked records already chosen.

use super::Discord;
use super::payload::DiscordInteraction;
use super::text::fit;
use crate::domain::Workflow;
use serde_json::{Value, json};

/// Discord's most choices in an autocomplete answer, and longest name and value of one.
pub const MAX_CHOICES: usize = 25;
const MAX_CHOICE_TEXT: usize = 100;
/// Discord's most options on a command.
const MAX_OPTIONS: usize = 25;

/// The options `keel discord register` gives a workflow's command: one per record field,
/// optional (the modal asks for what is left), autocompleted.
pub fn command_options(workflow: &Workflow) -> Vec<Value> {
    let fields = workflow.record_fields().take(MAX_OPTIONS);
    fields
        .map(|(field, _)| {
            json!({ "type": 3, "name": field.name, "description": fit(&field.label, 100),
                "required": false, "autocomplete": true })
        })
        .collect()
}

/// The answer to an autocomplete interaction: the records matching what the person has typed
/// in the focused option. Someone keel does not know gets none (record names are not for
/// strangers), as does an option that is not a record field.
pub async fn answer(discord: &Discord, payload: &DiscordInteraction) -> Value {
    let choices = match payload.user_id() {
        Some(user) if discord.person_of(user).await.is_ok() => choices(discord, payload).await,
        _ => Vec::new(),
    };
    json!({ "type": 8, "data": { "choices": choices } })
}

async fn choices(discord: &Discord, payload: &DiscordInteraction) -> Vec<Value> {
    let Some(data) = &payload.data else {
        return Vec::new();
    };
    let workflows = &discord.keel.config.workflows;
    let Some(workflow) = workflows.values().find(|w| w.command == data.name) else {
        return Vec::new();
    };
    let Some(focused) = data.options.iter().find(|o| o.focused) else {
        return Vec::new();
    };
    let mut fields = workflow.record_fields().take(MAX_OPTIONS);
    let Some((_, record_type)) = fields.find(|(field, _)| field.name == focused.name) else {
        return Vec::new();
    };
    let typed = focused.value.as_str().unwrap_or_default();
    let found = discord
        .keel
        .record_choices(record_type, typed, MAX_CHOICES)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!("autocomplete over {record_type}: {error}");
            Vec::new()
        });
    found
        .into_iter()
        .filter(|c| c.value.chars().count() <= MAX_CHOICE_TEXT)
        .take(MAX_CHOICES)
        .map(|c| json!({ "name": fit(&c.label, MAX_CHOICE_TEXT), "value": c.value }))
        .collect()
}
