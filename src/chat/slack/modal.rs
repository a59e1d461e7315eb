//! Forms as Slack modals, and a submitted modal's state back into form values. The form's id
//! travels as the view's `callback_id`, the form's nonce as its `private_metadata`; each input is
//! a block whose `block_id` is the field's name. Record pickers are external selects whose
//! options Slack loads from `/slack/options` as the person types.

use super::blocks::fit;
use crate::domain::{Form, Input, InputKind};
use serde_json::{Value, json};

const MAX_TITLE: usize = 24;
const MAX_LABEL: usize = 2_000;
const MAX_HINT: usize = 2_000;
const MAX_OPTIONS: usize = 100;
const MAX_OPTION_TEXT: usize = 75;
const MAX_BLOCKS: usize = 100;
/// Slack's longest plain-text input.
const MAX_INPUT: usize = 3_000;

/// The `view` of `views.open` for a form.
pub fn modal(form: &Form, nonce: &str) -> Value {
    let blocks: Vec<Value> = form
        .inputs
        .iter()
        .take(MAX_BLOCKS)
        .map(input_block)
        .collect();
    json!({
        "type": "modal",
        "callback_id": form.id,
        "private_metadata": nonce,
        "title": { "type": "plain_text", "text": fit(&form.title, MAX_TITLE) },
        "submit": { "type": "plain_text", "text": fit(&form.submit_label, MAX_TITLE) },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": blocks,
    })
}

/// One option of a select.
pub fn option(value: &str, label: &str) -> Value {
    json!({
        "text": { "type": "plain_text", "text": fit(label, MAX_OPTION_TEXT) },
        "value": value,
    })
}

fn input_block(input: &Input) -> Value {
    let element = match input.kind {
        InputKind::Text | InputKind::Textarea => {
            let mut element = json!({
                "type": "plain_text_input",
                "multiline": input.kind == InputKind::Textarea,
                "max_length": input.max_len.unwrap_or(MAX_INPUT).min(MAX_INPUT),
            });
            if let Some(value) = &input.value {
                element["initial_value"] = json!(value);
            }
            element
        }
        InputKind::Number | InputKind::Money => json!({
            "type": "number_input",
            "is_decimal_allowed": true,
        }),
        InputKind::Date => json!({ "type": "datepicker" }),
        InputKind::Bool => json!({
            "type": "checkboxes",
            "options": [option("true", "Yes")],
        }),
        InputKind::Select => json!({
            "type": "static_select",
            "options": input
                .options
                .iter()
                .take(MAX_OPTIONS)
                .map(|c| option(&c.value, &c.label))
                .collect::<Vec<_>>(),
        }),
        InputKind::Record => json!({ "type": "external_select", "min_query_length": 0 }),
    };
    let mut element = element;
    element["action_id"] = json!("value");
    let mut block = json!({
        "type": "input",
        "block_id": input.name,
        "optional": !input.required,
        "label": { "type": "plain_text", "text": fit(&input.label, MAX_LABEL) },
        "element": element,
    });
    if let Some(help) = &input.help {
        block["hint"] = json!({ "type": "plain_text", "text": fit(help, MAX_HINT) });
    }
    block
}

/// The values of a submitted view's `state.values`, as form values (strings, like a person
/// typed them); inputs left empty are left out.
pub fn submitted_values(state: &Value) -> Vec<(String, Value)> {
    let Some(blocks) = state.get("values").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    for (field, actions) in blocks {
        let Some(action) = actions.get("value") else {
            continue;
        };
        let value = match action["type"].as_str() {
            Some("plain_text_input" | "number_input") => {
                action["value"].as_str().map(str::to_string)
            }
            Some("datepicker") => action["selected_date"].as_str().map(str::to_string),
            Some("static_select" | "external_select") => action["selected_option"]["value"]
                .as_str()
                .map(str::to_string),
            Some("checkboxes") => Some(
                action["selected_options"]
                    .as_array()
                    .is_some_and(|o| !o.is_empty())
                    .to_string(),
            ),
            _ => None,
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            values.push((field.clone(), Value::from(value)));
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::form::submission_form;
    use crate::engine::lifecycle::tests::change_order_workflow;

    #[test]
    fn a_workflow_form_becomes_a_modal_with_an_input_block_per_field() {
        let form = submission_form(&change_order_workflow());
        let view = modal(&form, "nonce-1");
        assert_eq!(view["callback_id"], "submit:change_order");
        assert_eq!(view["private_metadata"], "nonce-1");
        let project = &view["blocks"][0];
        assert_eq!(project["block_id"], "project");
        assert_eq!(project["element"]["type"], "external_select");
        assert_eq!(project["optional"], false);
        let amount = view["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["block_id"] == "amount")
            .unwrap();
        assert_eq!(amount["element"]["type"], "number_input");
    }

    #[test]
    fn submitted_state_becomes_form_values() {
        let state = json!({ "values": {
            "project": { "value": { "type": "external_select", "selected_option": { "value": "P001" } } },
            "amount": { "value": { "type": "number_input", "value": "18000" } },
            "reason": { "value": { "type": "plain_text_input", "value": "Rock" } },
            "vendor": { "value": { "type": "external_select", "selected_option": null } },
        }});
        let mut values = submitted_values(&state);
        values.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            values,
            vec![
                ("amount".to_string(), Value::from("18000")),
                ("project".to_string(), Value::from("P001")),
                ("reason".to_string(), Value::from("Rock")),
            ]
        );
    }
}
