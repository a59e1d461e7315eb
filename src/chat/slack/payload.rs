//! Slack's payloads, read into what keel needs of them: a slash command (a form-encoded body),
//! and an interaction (a form-encoded `payload` of JSON): a button click, a submitted modal, or a
//! request for a record picker's options. Anything else is refused with a reason.

use super::blocks::parse_button_value;
use super::modal::submitted_values;
use super::suggestions::ACTION_PREFIX;
use crate::domain::Interaction;
use serde::Deserialize;
use serde_json::Value;

/// The fields of a slash command keel reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SlashCommand {
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub user_id: String,
    pub trigger_id: String,
    #[serde(default)]
    pub channel_id: String,
}

impl SlashCommand {
    /// Reads the form-encoded body of `/slack/commands`.
    pub fn parse(body: &[u8]) -> Result<SlashCommand, String> {
        serde_urlencoded::from_bytes(body).map_err(|e| format!("not a slash command: {e}"))
    }

    /// Reads a Socket Mode envelope's payload.
    pub fn from_json(payload: &Value) -> Result<SlashCommand, String> {
        SlashCommand::deserialize(payload).map_err(|e| format!("not a slash command: {e}"))
    }

    pub fn interaction(&self) -> Interaction {
        Interaction::Command {
            name: self.command.trim_start_matches('/').to_string(),
            text: self.text.clone(),
        }
    }
}

/// What an interaction payload asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum SlackInteraction {
    /// A card's button; `trigger_id` lets keel open a modal in answer.
    Button {
        user_id: String,
        trigger_id: String,
        channel_id: Option<String>,
        interaction: Interaction,
    },
    /// A modal was submitted; `first_block` is where errors about the whole form are shown.
    Submission {
        user_id: String,
        first_block: Option<String>,
        interaction: Interaction,
    },
    /// A record picker wants its options for what the person typed.
    Options {
        user_id: String,
        field: String,
        form: String,
        query: String,
    },
}

#[derive(Deserialize)]
struct Form {
    payload: String,
}

impl SlackInteraction {
    /// Reads the form-encoded body of `/slack/interactions` or `/slack/options`.
    pub fn parse(body: &[u8]) -> Result<SlackInteraction, String> {
        let form: Form =
            serde_urlencoded::from_bytes(body).map_err(|e| format!("no payload field: {e}"))?;
        let payload: Value =
            serde_json::from_str(&form.payload).map_err(|e| format!("payload is not JSON: {e}"))?;
        SlackInteraction::from_json(&payload)
    }

    /// Reads an interaction payload (the JSON inside the form, or a Socket Mode envelope's).
    pub fn from_json(payload: &Value) -> Result<SlackInteraction, String> {
        let user_id = payload["user"]["id"]
            .as_str()
            .ok_or("the payload names no user")?
            .to_string();
        match payload["type"].as_str() {
            Some("block_actions") => {
                let action = &payload["actions"][0];
                let name = action["action_id"].as_str().ok_or("an action without id")?;
                let value = action["value"].as_str().unwrap_or_default();
                let trigger_id = payload["trigger_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let channel_id = payload["channel"]["id"].as_str().map(str::to_string);
                // A suggested question's button asks it.
                if name.starts_with(ACTION_PREFIX) {
                    return Ok(SlackInteraction::Button {
                        trigger_id,
                        channel_id,
                        user_id,
                        interaction: Interaction::Command {
                            name: "ask".into(),
                            text: value.to_string(),
                        },
                    });
                }
                let (request_id, step) =
                    parse_button_value(value).ok_or("a button keel did not make")?;
                Ok(SlackInteraction::Button {
                    trigger_id,
                    channel_id,
                    user_id,
                    interaction: Interaction::Button {
                        request_id,
                        action: name.to_string(),
                        step,
                    },
                })
            }
            Some("view_submission") => {
                let view = &payload["view"];
                Ok(SlackInteraction::Submission {
                    user_id,
                    first_block: view["blocks"][0]["block_id"].as_str().map(str::to_string),
                    interaction: Interaction::FormSubmitted {
                        form: view["callback_id"].as_str().unwrap_or_default().into(),
                        nonce: view["private_metadata"]
                            .as_str()
                            .filter(|n| !n.is_empty())
                            .map(str::to_string),
                        values: submitted_values(&view["state"]),
                    },
                })
            }
            Some("block_suggestion") => Ok(SlackInteraction::Options {
                user_id,
                field: payload["block_id"].as_str().unwrap_or_default().into(),
                form: payload["view"]["callback_id"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                query: payload["value"].as_str().unwrap_or_default().into(),
            }),
            other => Err(format!(
                "keel does not handle interactions of type {}",
                other.unwrap_or("(none)")
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn encoded(payload: Value) -> Vec<u8> {
        serde_urlencoded::to_string([("payload", payload.to_string())])
            .unwrap()
            .into_bytes()
    }

    #[test]
    fn a_slash_command_reads_its_command_user_and_trigger() {
        let body =
            b"command=%2Fchangeorder&text=&user_id=U1&trigger_id=T.1&channel_id=C1&team_id=T";
        let command = SlashCommand::parse(body).unwrap();
        assert_eq!(command.user_id, "U1");
        assert_eq!(
            command.interaction(),
            Interaction::Command {
                name: "changeorder".into(),
                text: String::new()
            }
        );
        assert!(SlashCommand::parse(b"text=hello").is_err());
    }

    #[test]
    fn a_suggested_question_button_asks_that_question() {
        let click = json!({
            "type": "block_actions", "user": { "id": "U4" }, "trigger_id": "t-9",
            "actions": [{ "action_id": "ask_suggestion:1", "value": "projects by status" }],
        });
        let SlackInteraction::Button { interaction, .. } =
            SlackInteraction::parse(&encoded(click)).unwrap()
        else {
            panic!("not a button");
        };
        assert_eq!(
            interaction,
            Interaction::Command {
                name: "ask".into(),
                text: "projects by status".into()
            }
        );
    }

    #[test]
    fn a_button_and_a_submission_become_interactions() {
        let click = json!({
            "type": "block_actions", "user": { "id": "U4" }, "trigger_id": "t-9",
            "channel": { "id": "D1" },
            "actions": [{ "action_id": "reject", "value": "CO-1042:0" }],
        });
        match SlackInteraction::parse(&encoded(click)).unwrap() {
            SlackInteraction::Button {
                user_id,
                interaction,
                ..
            } => {
                assert_eq!(user_id, "U4");
                assert_eq!(
                    interaction,
                    Interaction::Button {
                        request_id: "CO-1042".into(),
                        action: "reject".into(),
                        step: 0
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        let submit = json!({
            "type": "view_submission", "user": { "id": "U4" },
            "view": { "callback_id": "reject:CO-1042:0", "private_metadata": "n1",
                "state": { "values": { "reason": { "value": { "type": "plain_text_input", "value": "No" } } } } },
        });
        let SlackInteraction::Submission { interaction, .. } =
            SlackInteraction::parse(&encoded(submit)).unwrap()
        else {
            panic!("not a submission");
        };
        assert_eq!(
            interaction,
            Interaction::FormSubmitted {
                form: "reject:CO-1042:0".into(),
                nonce: Some("n1".into()),
                values: vec![("reason".into(), Value::from("No"))],
            }
        );
        assert!(SlackInteraction::parse(b"payload=%7B%7D").is_err());
        assert!(SlackInteraction::parse(b"nothing").is_err());
    }
}
