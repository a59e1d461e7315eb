//! keel's own serde types for the interactions Discord sends (PING, an application command, a
//! message component's click, a modal submission) and their reading as keel's
//! [`Interaction`]s. keel's own rather than serenity's: serenity 0.12 reads a submitted Label
//! (component type 18, Discord's 2025 way of labelling a modal's inputs) as `Unknown(18)` and
//! loses its value.

use super::modal::FORM_SEPARATOR;
use crate::domain::Interaction;
use serde::Deserialize;
use serde_json::Value;

/// Interaction types (Discord's `type`).
pub const PING: u8 = 1;
pub const APPLICATION_COMMAND: u8 = 2;
pub const MESSAGE_COMPONENT: u8 = 3;
pub const AUTOCOMPLETE: u8 = 4;
pub const MODAL_SUBMIT: u8 = 5;

/// Component types keel reads back from a submitted modal.
pub const ACTION_ROW: u8 = 1;
pub const STRING_SELECT: u8 = 3;
pub const TEXT_INPUT: u8 = 4;
pub const LABEL: u8 = 18;

/// An interaction as Discord posts it to the endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct DiscordInteraction {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(default)]
    pub id: String,
    /// Valid for 15 minutes: the follow-ups' webhook.
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub application_id: String,
    #[serde(default)]
    pub data: Option<Data>,
    /// In a server: the member, whose `user` acted.
    #[serde(default)]
    pub member: Option<Member>,
    /// In DMs: the user who acted.
    #[serde(default)]
    pub user: Option<User>,
    /// The message whose component was clicked.
    #[serde(default)]
    pub message: Option<MessageIds>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub user: User,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageIds {
    pub id: String,
    pub channel_id: String,
}

/// The `data` of a command, a click or a submission (each uses some of it).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Data {
    /// A command's name.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub options: Vec<CommandOption>,
    /// A component's or a modal's custom id.
    #[serde(default)]
    pub custom_id: String,
    /// A submitted modal's components.
    #[serde(default)]
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CommandOption {
    pub name: String,
    #[serde(default)]
    pub value: Value,
    /// In an autocomplete interaction: the option being typed in.
    #[serde(default)]
    pub focused: bool,
}

/// A submitted component: an action row or a Label around an input, or the input itself.
#[derive(Debug, Clone, Deserialize)]
pub struct Component {
    #[serde(rename = "type")]
    pub kind: u8,
    #[serde(default)]
    pub custom_id: Option<String>,
    /// A text input's value.
    #[serde(default)]
    pub value: Option<String>,
    /// A select's chosen values.
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// An action row's children.
    #[serde(default)]
    pub components: Vec<Component>,
    /// A Label's child.
    #[serde(default)]
    pub component: Option<Box<Component>>,
}

impl DiscordInteraction {
    pub fn parse(body: &[u8]) -> Result<DiscordInteraction, String> {
        serde_json::from_slice(body).map_err(|e| format!("not an interaction: {e}"))
    }

    /// The Discord user who acted.
    pub fn user_id(&self) -> Option<&str> {
        self.member
            .as_ref()
            .map(|m| &m.user)
            .or(self.user.as_ref())
            .map(|u| u.id.as_str())
    }

    /// The page (from 0) of the form a submitted modal showed (`form|nonce|page`).
    pub fn modal_page(&self) -> usize {
        let custom_id = self.data.as_ref().map_or("", |d| d.custom_id.as_str());
        let page = custom_id.split(FORM_SEPARATOR).nth(2);
        page.and_then(|p| p.parse().ok()).unwrap_or(0)
    }

    /// What the person did, in keel's words; `None` for what keel does not handle.
    pub fn interaction(&self) -> Option<Interaction> {
        let data = self.data.as_ref()?;
        match self.kind {
            APPLICATION_COMMAND => Some(Interaction::Command {
                name: data.name.clone(),
                text: command_text(&data.options),
            }),
            MESSAGE_COMPONENT => {
                // A suggested question's button asks it.
                if let Some(question) = super::buttons::asked(&data.custom_id) {
                    return Some(Interaction::Command {
                        name: "ask".into(),
                        text: question.to_string(),
                    });
                }
                Interaction::clicked(&data.custom_id)
            }
            MODAL_SUBMIT => {
                let mut parts = data.custom_id.split(FORM_SEPARATOR);
                let form = parts.next().unwrap_or_default().to_string();
                let nonce = parts.next().map(str::to_string);
                Some(Interaction::FormSubmitted {
                    form,
                    nonce: nonce.filter(|n| !n.is_empty()),
                    values: submitted_values(&data.components),
                })
            }
            _ => None,
        }
    }
}

/// A command's options as the text after a Slack command (`/ask question: …` → `…`).
fn command_text(options: &[CommandOption]) -> String {
    let texts: Vec<String> = options
        .iter()
        .map(|o| match &o.value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect();
    texts.join(" ")
}

/// A submitted modal's values by input (the custom id is the field's name), inputs left empty
/// left out; whether each input came in an action row or, since 2025, in a Label.
pub fn submitted_values(components: &[Component]) -> Vec<(String, Value)> {
    let mut values = Vec::new();
    for component in components {
        let inputs: Vec<&Component> = match component.kind {
            ACTION_ROW => component.components.iter().collect(),
            LABEL => component.component.iter().map(Box::as_ref).collect(),
            _ => vec![component],
        };
        for input in inputs {
            let Some(name) = &input.custom_id else {
                continue;
            };
            let value = match input.kind {
                TEXT_INPUT => input.value.clone(),
                STRING_SELECT => input.values.as_ref().and_then(|v| v.first().cloned()),
                _ => None,
            };
            if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
                values.push((name.clone(), Value::from(value)));
            }
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_submitted_modal_reads_labels_and_action_rows_alike() {
        let body = json!({ "type": 5, "id": "1", "token": "t", "application_id": "9",
        "member": { "user": { "id": "42" } },
        "data": { "custom_id": "submit:expense|n1", "components": [
            { "type": 18, "id": 1, "component": { "type": 4, "id": 2, "custom_id": "note", "value": "Gloves" } },
            { "type": 18, "id": 3, "component": { "type": 3, "id": 4, "custom_id": "category", "values": ["safety gear"] } },
            { "type": 1, "components": [{ "type": 4, "custom_id": "amount", "value": "12.50" }] },
            { "type": 18, "id": 5, "component": { "type": 4, "custom_id": "spent_on", "value": "" } },
        ]}});
        let interaction = DiscordInteraction::parse(body.to_string().as_bytes()).unwrap();
        assert_eq!(interaction.user_id(), Some("42"));
        assert_eq!(
            interaction.interaction(),
            Some(Interaction::FormSubmitted {
                form: "submit:expense".into(),
                nonce: Some("n1".into()),
                values: vec![
                    ("note".into(), Value::from("Gloves")),
                    ("category".into(), Value::from("safety gear")),
                    ("amount".into(), Value::from("12.50")),
                ],
            })
        );
    }

    #[test]
    fn a_click_and_a_command_become_interactions() {
        let click = json!({ "type": 3, "user": { "id": "7" },
            "message": { "id": "m1", "channel_id": "c1" },
            "data": { "custom_id": "reject:CO-1042:1", "component_type": 2 } });
        let click = DiscordInteraction::parse(click.to_string().as_bytes()).unwrap();
        assert_eq!(click.user_id(), Some("7"));
        assert_eq!(
            click.interaction(),
            Some(Interaction::Button {
                request_id: "CO-1042".into(),
                action: "reject".into(),
                step: 1
            })
        );
        let command = json!({ "type": 2, "user": { "id": "7" },
            "data": { "name": "ask", "options": [{ "name": "question", "type": 3, "value": "open POs" }] } });
        let command = DiscordInteraction::parse(command.to_string().as_bytes()).unwrap();
        assert_eq!(
            command.interaction(),
            Some(Interaction::Command {
                name: "ask".into(),
                text: "open POs".into()
            })
        );
        assert!(DiscordInteraction::parse(b"{}").is_err());
    }
}
