//! A declined question's suggestions as buttons under the reply: a click asks that question as
//! `/ask` would, as the person who clicked. The question travels in the button's custom id (no
//! state kept between the reply and the click), so one longer than Discord's 100 characters gets
//! no button; the reply lists every suggestion in words anyway.

use super::message::{ActionRow, Button};
use super::text::{MAX_BUTTON_LABEL, MAX_CUSTOM_ID, fit};

/// Begins a suggestion button's custom id. The `?` keeps it apart from a card button's
/// `action:request:step`, whose action is a word.
pub const ASK_PREFIX: &str = "ask?";

/// Discord's limits: five buttons in a row, five rows in a message.
const PER_ROW: usize = 5;
const MAX_ROWS: usize = 5;

/// The suggested question a button's custom id asks, if it is a suggestion's.
pub fn asked(custom_id: &str) -> Option<&str> {
    custom_id
        .strip_prefix(ASK_PREFIX)
        .filter(|q| !q.trim().is_empty())
}

/// A row of buttons per five questions that fit in a custom id.
pub fn rows(questions: &[String]) -> Vec<ActionRow> {
    let buttons: Vec<Button> = questions
        .iter()
        .map(|question| format!("{ASK_PREFIX}{}", question.trim()))
        .filter(|id| id.chars().count() <= MAX_CUSTOM_ID && asked(id).is_some())
        .map(|custom_id| Button {
            kind: 2,
            style: 2,
            label: fit(asked(&custom_id).unwrap_or_default(), MAX_BUTTON_LABEL),
            custom_id,
        })
        .take(PER_ROW * MAX_ROWS)
        .collect();
    buttons
        .chunks(PER_ROW)
        .map(|chunk| ActionRow {
            kind: 1,
            components: chunk.to_vec(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_suggestion_that_fits_a_custom_id_is_a_button_asking_it() {
        let questions = vec![
            "planned end of each project".to_string(),
            "x".repeat(120),
            "projects by status".into(),
        ];
        let rows = rows(&questions);
        assert_eq!(rows.len(), 1);
        let buttons = &rows[0].components;
        assert_eq!(buttons.len(), 2, "the long one stays in the text only");
        assert_eq!(buttons[0].custom_id, "ask?planned end of each project");
        assert_eq!(buttons[1].label, "projects by status");
        assert_eq!(asked(&buttons[1].custom_id), Some("projects by status"));
        assert_eq!(asked("approve:CO-1:0"), None);
        assert!(super::rows(&[]).is_empty());
    }
}
