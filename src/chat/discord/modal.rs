//! Forms as Discord modals, built from keel's own types: each input inside a Label (component
//! type 18, which serenity 0.12 cannot build). The form's id and the opening's nonce travel as
//! the modal's `custom_id` (`submit:change_order|3f2a…`, then `|1` on a second page); each
//! input's `custom_id` is the field's name. Discord has no dates, numbers or type-ahead inside a modal: those are text inputs
//! whose placeholder says what to type, and a record picker is a select when its records fit
//! in one (25), else a text input taking a name or id that keel resolves on submission.

use super::text::*;
use crate::domain::{Choice, Form, Input, InputKind};
use serde::Serialize;
use std::collections::HashMap;

/// Between the form's id and the nonce in a modal's custom id.
pub const FORM_SEPARATOR: char = '|';

/// An interaction's modal response (`type: 9`)'s data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Modal {
    pub custom_id: String,
    pub title: String,
    pub components: Vec<Label>,
}

/// Component type 18: a label (and help) around one input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    #[serde(rename = "type")]
    pub kind: u8,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub component: ModalInput,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ModalInput {
    /// Component type 4; style 1 one line, 2 a paragraph.
    Text {
        #[serde(rename = "type")]
        kind: u8,
        custom_id: String,
        style: u8,
        required: bool,
        max_length: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        placeholder: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    },
    /// Component type 3.
    Select {
        #[serde(rename = "type")]
        kind: u8,
        custom_id: String,
        required: bool,
        options: Vec<SelectOption>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectOption {
    pub label: String,
    pub value: String,
    /// Chosen when the modal opens (a record picked in the command's options).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
}

/// Page `page` (from 0) of `form` as a modal: a longer form than Discord's five inputs is
/// shown five at a time ([`Form::page`]), never cut. `records` holds the choices of record
/// pickers small enough for a select. A form whose id is too long for Discord is refused with
/// what to tell the person.
pub fn modal(
    form: &Form,
    nonce: &str,
    page: usize,
    records: &HashMap<String, Vec<Choice>>,
) -> Result<Modal, String> {
    let custom_id = match page {
        0 => format!("{}{FORM_SEPARATOR}{nonce}", form.id),
        page => format!("{}{FORM_SEPARATOR}{nonce}{FORM_SEPARATOR}{page}", form.id),
    };
    if custom_id.chars().count() > MAX_CUSTOM_ID {
        return Err(format!(
            "{} cannot be opened in Discord (its id is too long).",
            form.title
        ));
    }
    let shown = form.page(page, MAX_MODAL_COMPONENTS);
    Ok(Modal {
        custom_id,
        title: fit(&shown.title, MAX_MODAL_TITLE),
        components: shown
            .inputs
            .iter()
            .map(|input| label(input, records.get(&input.name)))
            .collect(),
    })
}

fn label(input: &Input, records: Option<&Vec<Choice>>) -> Label {
    let select = |choices: &[Choice]| ModalInput::Select {
        kind: 3,
        custom_id: input.name.clone(),
        required: input.required,
        options: choices
            .iter()
            .map(|c| SelectOption {
                label: fit(&c.label, MAX_OPTION_TEXT),
                value: c.value.clone(),
                default: input.value.as_deref() == Some(c.value.as_str()),
            })
            .collect(),
    };
    let text = |style: u8, max: usize, placeholder: Option<&str>| ModalInput::Text {
        kind: 4,
        custom_id: input.name.clone(),
        style,
        required: input.required,
        max_length: max.min(MAX_TEXT_INPUT),
        placeholder: placeholder.map(|p| fit(p, MAX_PLACEHOLDER)),
        value: input.value.as_ref().map(|v| fit(v, MAX_TEXT_INPUT)),
    };
    let component = match input.kind {
        InputKind::Text => text(1, input.max_len.unwrap_or(MAX_TEXT_INPUT), None),
        InputKind::Textarea => text(2, input.max_len.unwrap_or(MAX_TEXT_INPUT), None),
        InputKind::Number | InputKind::Money => text(1, 30, Some("A number, e.g. 1250.00")),
        InputKind::Date => text(1, 10, Some("YYYY-MM-DD")),
        InputKind::Bool => select(&[
            Choice {
                value: "true".into(),
                label: "Yes".into(),
            },
            Choice {
                value: "false".into(),
                label: "No".into(),
            },
        ]),
        InputKind::Select if input.options.len() <= MAX_SELECT_OPTIONS => select(&input.options),
        InputKind::Select => {
            let values: Vec<&str> = input.options.iter().map(|c| c.value.as_str()).collect();
            text(
                1,
                MAX_OPTION_TEXT,
                Some(&format!("One of: {}", values.join(", "))),
            )
        }
        InputKind::Record => match records {
            Some(choices) if !choices.is_empty() && choices.len() <= MAX_SELECT_OPTIONS => {
                select(choices)
            }
            _ => text(1, MAX_OPTION_TEXT, Some("A name or id")),
        },
    };
    Label {
        kind: 18,
        label: fit(&input.label, MAX_LABEL),
        description: input.help.as_ref().map(|h| fit(h, MAX_LABEL_DESCRIPTION)),
        component,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::form::submission_form;
    use crate::engine::lifecycle::tests::change_order_workflow;

    #[test]
    fn a_workflow_form_becomes_a_modal_of_labelled_inputs() {
        let form = submission_form(&change_order_workflow());
        let projects = vec![Choice {
            value: "P001".into(),
            label: "Riverside (P001)".into(),
        }];
        let records = HashMap::from([("project".to_string(), projects)]);
        let json = serde_json::to_value(modal(&form, "n1", 0, &records).unwrap()).unwrap();
        assert_eq!(json["custom_id"], "submit:change_order|n1");
        let components = json["components"].as_array().unwrap();
        assert!(components.len() <= MAX_MODAL_COMPONENTS);
        assert!(components.iter().all(|c| c["type"] == 18));
        let by_name = |name: &str| {
            components
                .iter()
                .find(|c| c["component"]["custom_id"] == name)
                .unwrap()["component"]
                .clone()
        };
        assert_eq!(by_name("project")["type"], 3, "few enough for a select");
        assert_eq!(by_name("project")["options"][0]["value"], "P001");
        let many = HashMap::from([(
            "project".to_string(),
            vec![records["project"][0].clone(); 26],
        )]);
        let typed = serde_json::to_value(super::modal(&form, "n1", 0, &many).unwrap()).unwrap();
        assert_eq!(
            typed["components"][0]["component"]["type"], 4,
            "too many for a select"
        );
        assert_eq!(by_name("amount")["placeholder"], "A number, e.g. 1250.00");
        assert!(by_name("project")["options"][0].get("default").is_none());
    }

    #[test]
    fn a_record_picked_in_the_command_is_chosen_when_the_modal_opens() {
        let mut form = submission_form(&change_order_workflow());
        let project = form.inputs.iter_mut().find(|i| i.name == "project");
        project.unwrap().value = Some("P002".into());
        let choice = |key: &str| Choice {
            value: key.into(),
            label: key.into(),
        };
        let records =
            HashMap::from([("project".to_string(), vec![choice("P001"), choice("P002")])]);
        let json = serde_json::to_value(modal(&form, "n1", 0, &records).unwrap()).unwrap();
        let options = &json["components"][0]["component"]["options"];
        assert_eq!(options[0].get("default"), None);
        assert_eq!(options[1]["default"], true);
    }

    #[test]
    fn a_form_longer_than_a_modal_continues_on_a_second_page() {
        let mut form = submission_form(&change_order_workflow());
        while form.inputs.len() <= MAX_MODAL_COMPONENTS {
            let mut more = form.inputs[0].clone();
            more.name = format!("extra{}", form.inputs.len());
            form.inputs.push(more);
        }
        let first = modal(&form, "n1", 0, &HashMap::new()).unwrap();
        assert_eq!(first.components.len(), MAX_MODAL_COMPONENTS);
        let second = modal(&form, "n1", 1, &HashMap::new()).unwrap();
        assert_eq!(second.custom_id, "submit:change_order|n1|1");
        assert!(second.title.ends_with("(2/2)"), "{}", second.title);
        let json = serde_json::to_value(&second).unwrap();
        assert_eq!(json["components"][0]["component"]["custom_id"], "extra5");
    }
}
