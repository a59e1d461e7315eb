//! Buttons under keel's private replies, each carrying what it does in its custom id (no state
//! kept between the reply and the click; a `?` keeps them apart from a card's `action:…`):
//!
//! - `ask?<question>`: a declined question's suggestion; a click asks it as `/ask` would. One
//!   longer than Discord's 100 characters gets no button (the reply lists it in words anyway).
//! - `page?<nonce>:<page>`: opens a page of a form kept by the service under its opening's
//!   nonce ([`crate::service::Keel::submit_form_page`]). Discord answers a submitted modal with
//!   a message, never another modal, so a form longer than a modal's five inputs continues, and
//!   a submission with problems is fixed, through this button, with what was typed already in.

use super::message::{ActionRow, Button};
use super::text::{MAX_BUTTON_LABEL, MAX_CUSTOM_ID, fit};

const ASK: &str = "ask?";
const PAGE: &str = "page?";

/// Discord's limits: five buttons in a row, five rows in a message.
const PER_ROW: usize = 5;
const MAX_ROWS: usize = 5;

/// The suggested question a button's custom id asks, if it is a suggestion's.
pub fn asked(custom_id: &str) -> Option<&str> {
    let question = custom_id.strip_prefix(ASK)?;
    Some(question).filter(|q| !q.trim().is_empty())
}

/// A row of buttons per five questions that fit in a custom id.
pub fn suggestions(questions: &[String]) -> Vec<ActionRow> {
    let buttons: Vec<Button> = questions
        .iter()
        .map(|question| question.trim())
        .filter(|q| !q.is_empty() && ASK.len() + q.chars().count() <= MAX_CUSTOM_ID)
        .map(|question| button(question, 2, format!("{ASK}{question}")))
        .take(PER_ROW * MAX_ROWS)
        .collect();
    buttons.chunks(PER_ROW).map(row).collect()
}

/// The nonce and page (from 0) a page button opens, if `custom_id` is one.
pub fn page_asked(custom_id: &str) -> Option<(&str, usize)> {
    let (nonce, page) = custom_id.strip_prefix(PAGE)?.rsplit_once(':')?;
    Some((nonce, page.parse().ok()?)).filter(|(nonce, _)| !nonce.is_empty())
}

/// A row with the button that opens `page` of the form kept under `nonce`.
pub fn page(label: &str, nonce: &str, page: usize) -> ActionRow {
    row(&[button(label, 1, format!("{PAGE}{nonce}:{page}"))])
}

/// Style 1 primary, 2 secondary.
fn button(label: &str, style: u8, custom_id: String) -> Button {
    let label = fit(label, MAX_BUTTON_LABEL);
    let kind = 2;
    Button {
        kind,
        style,
        label,
        custom_id,
    }
}

fn row(buttons: &[Button]) -> ActionRow {
    let components = buttons.to_vec();
    ActionRow {
        kind: 1,
        components,
    }
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
        let rows = suggestions(&questions);
        assert_eq!(rows.len(), 1);
        let buttons = &rows[0].components;
        assert_eq!(buttons.len(), 2, "the long one stays in the text only");
        assert_eq!(buttons[0].custom_id, "ask?planned end of each project");
        assert_eq!(buttons[1].label, "projects by status");
        assert_eq!(asked(&buttons[1].custom_id), Some("projects by status"));
        assert_eq!(asked("approve:CO-1:0"), None);
        assert!(suggestions(&[]).is_empty());
    }

    #[test]
    fn a_page_button_says_which_form_opening_and_page_it_opens() {
        let row = page("Continue", "3f2a", 1);
        assert_eq!(page_asked(&row.components[0].custom_id), Some(("3f2a", 1)));
        assert_eq!(page_asked("approve:CO-1:0"), None);
        assert_eq!(page_asked("page?:1"), None);
    }
}
