//! An answer's suggested questions as Block Kit buttons: the reply's text in a section, then one
//! button per question, whose click asks that question as `/ask` would.

use super::blocks::{escape, fit};
use serde_json::{Value, json};

/// Begins the `action_id` of a suggestion's button (Slack wants each unique in a message).
pub const ACTION_PREFIX: &str = "ask_suggestion:";

/// Slack's limits for a section's text, a button's label and its value.
const MAX_SECTION_TEXT: usize = 3_000;
const MAX_BUTTON_TEXT: usize = 75;
const MAX_BUTTON_VALUE: usize = 2_000;
/// Slack's limit on the elements of an actions block.
const MAX_ACTIONS: usize = 25;

/// `reply` (an ephemeral message) with `text` in a section and a button per question.
pub fn with_buttons(mut reply: Value, text: &str, questions: &[String]) -> Value {
    if questions.is_empty() {
        return reply;
    }
    reply["blocks"] = json!([
        {
            "type": "section",
            "text": { "type": "mrkdwn", "text": fit(&escape(text), MAX_SECTION_TEXT) },
        },
        actions(questions),
    ]);
    reply
}

/// An actions block with a button per question (at most Slack's 25), each asking it.
pub fn actions(questions: &[String]) -> Value {
    let buttons: Vec<Value> = questions
        .iter()
        .enumerate()
        .map(|(at, question)| {
            json!({
                "type": "button",
                "action_id": format!("{ACTION_PREFIX}{at}"),
                "text": { "type": "plain_text", "text": fit(question, MAX_BUTTON_TEXT) },
                "value": fit(question, MAX_BUTTON_VALUE),
            })
        })
        .take(MAX_ACTIONS)
        .collect();
    json!({ "type": "actions", "block_id": "ask_suggestions", "elements": buttons })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_suggestion_is_a_button_carrying_its_question() {
        let questions = vec![
            "planned end of each project".to_string(),
            "projects by status".into(),
        ];
        let reply = with_buttons(
            json!({ "text": "x" }),
            "I did not understand <b>",
            &questions,
        );
        assert_eq!(
            reply["blocks"][0]["text"]["text"],
            "I did not understand &lt;b&gt;"
        );
        let buttons = reply["blocks"][1]["elements"].as_array().unwrap();
        assert_eq!(buttons.len(), 2);
        assert_eq!(buttons[1]["action_id"], "ask_suggestion:1");
        assert_eq!(buttons[1]["value"], "projects by status");
        assert!(with_buttons(json!({}), "x", &[]).get("blocks").is_none());
    }
}
