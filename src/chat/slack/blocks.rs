//! Cards as Block Kit: a header, the fields, where the request stands and why, and the buttons.
//! Slack refuses a message that breaks its limits, so every text is cut to its limit here with a
//! visible "(cut)" and the number of blocks and fields is capped.

use crate::domain::{Card, CardFact};
use serde_json::{Value, json};

/// Slack's limits (https://api.slack.com/reference/block-kit/blocks).
pub const MAX_BLOCKS: usize = 50;
const MAX_HEADER: usize = 150;
const MAX_SECTION_TEXT: usize = 3_000;
const MAX_FIELD_TEXT: usize = 2_000;
const MAX_FIELDS_PER_SECTION: usize = 10;
const MAX_CONTEXT_ELEMENTS: usize = 10;
const MAX_BUTTON_TEXT: usize = 75;
const MAX_BUTTON_VALUE: usize = 2_000;
/// Slack's limit on a message's `text` (the notification and fallback).
pub const MAX_MESSAGE_TEXT: usize = 40_000;

pub use crate::chat::text::fit;

/// Text shown as mrkdwn with Slack's control characters escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The value a card's button carries back: `request_id:step`.
pub fn button_value(request_id: &str, step: usize) -> String {
    fit(&format!("{request_id}:{step}"), MAX_BUTTON_VALUE)
}

/// Reads a button value back.
pub fn parse_button_value(value: &str) -> Option<(String, usize)> {
    let (request_id, step) = value.rsplit_once(':')?;
    Some((request_id.to_string(), step.parse().ok()?))
}

/// The blocks of a card.
/// An unusual amount in words, then the context facts, each with the numbers behind it in a
/// context block ("why") under it.
fn explained_blocks(card: &Card) -> Vec<Value> {
    let mut blocks = Vec::new();
    let mut add = |lines: Vec<String>, whys: Vec<String>| {
        if lines.is_empty() {
            return;
        }
        let text = fit(&lines.join("\n"), MAX_SECTION_TEXT);
        blocks.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }));
        let elements: Vec<Value> = whys
            .iter()
            .take(MAX_CONTEXT_ELEMENTS)
            .map(|why| json!({ "type": "mrkdwn", "text": fit(why, MAX_FIELD_TEXT) }))
            .collect();
        if !elements.is_empty() {
            blocks.push(json!({ "type": "context", "elements": elements }));
        }
    };
    let line =
        |prefix: &str, f: &CardFact| format!("{prefix}*{}*: {}", escape(&f.label), escape(&f.text));
    let why = |f: &CardFact| {
        f.why
            .as_ref()
            .map(|why| format!("Why ({}): {}", escape(&f.label), escape(why)))
    };
    add(
        card.flags.iter().map(|f| line("⚑ ", f)).collect(),
        card.flags.iter().filter_map(why).collect(),
    );
    add(
        card.facts.iter().map(|f| line("", f)).collect(),
        card.facts.iter().filter_map(why).collect(),
    );
    blocks
}

pub fn card_blocks(card: &Card) -> Vec<Value> {
    let mut blocks = vec![json!({
        "type": "header",
        "text": { "type": "plain_text", "text": fit(&card.title, MAX_HEADER) },
    })];
    for chunk in card.fields.chunks(MAX_FIELDS_PER_SECTION) {
        let fields: Vec<Value> = chunk
            .iter()
            .map(|(label, value)| {
                let text = format!("*{}*\n{}", escape(label), escape(value));
                json!({ "type": "mrkdwn", "text": fit(&text, MAX_FIELD_TEXT) })
            })
            .collect();
        blocks.push(json!({ "type": "section", "fields": fields }));
    }
    let status = format!("*{}*", escape(&card.status));
    blocks.push(json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": fit(&status, MAX_SECTION_TEXT) },
    }));
    blocks.extend(explained_blocks(card));
    if !card.notes.is_empty() {
        let mut notes: Vec<Value> = card
            .notes
            .iter()
            .take(MAX_CONTEXT_ELEMENTS)
            .map(|note| json!({ "type": "mrkdwn", "text": fit(&escape(note), MAX_FIELD_TEXT) }))
            .collect();
        if card.notes.len() > MAX_CONTEXT_ELEMENTS {
            let more = card.notes.len() - MAX_CONTEXT_ELEMENTS + 1;
            notes.truncate(MAX_CONTEXT_ELEMENTS - 1);
            notes
                .push(json!({ "type": "mrkdwn", "text": format!("…and {more} more notes (cut)") }));
        }
        blocks.push(json!({ "type": "context", "elements": notes }));
    }
    if !card.buttons.is_empty() {
        let buttons: Vec<Value> = card
            .buttons
            .iter()
            .map(|button| {
                let mut element = json!({
                    "type": "button",
                    "action_id": button.action,
                    "text": { "type": "plain_text", "text": fit(&button.label, MAX_BUTTON_TEXT) },
                    "value": button_value(&button.request_id, button.step),
                });
                match button.action.as_str() {
                    "approve" => element["style"] = json!("primary"),
                    "reject" => element["style"] = json!("danger"),
                    _ => {}
                }
                element
            })
            .collect();
        blocks.push(json!({ "type": "actions", "block_id": "keel_card", "elements": buttons }));
    }
    if !card.questions.is_empty() {
        blocks.push(super::suggestions::actions(&card.questions));
    }
    if blocks.len() > MAX_BLOCKS {
        let actions = blocks.pop();
        blocks.truncate(MAX_BLOCKS - 2);
        blocks.push(json!({
            "type": "context",
            "elements": [{ "type": "mrkdwn", "text": "Some fields were cut: Slack shows at most 50 blocks." }],
        }));
        blocks.extend(actions);
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(fields: usize, title: &str) -> Card {
        let fields = (0..fields).map(|i| (format!("Field {i}"), format!("<value {i}>")));
        Card {
            title: title.into(),
            ..Card::sample(fields.collect())
        }
    }

    #[test]
    fn a_card_s_questions_are_buttons_that_ask_them() {
        let card = Card {
            buttons: Vec::new(),
            questions: vec!["which vendors deliver late".into()],
            ..card(1, "Monday briefing")
        };
        let blocks = card_blocks(&card);
        let actions = blocks.last().unwrap();
        assert_eq!(actions["type"], "actions");
        assert_eq!(actions["elements"][0]["action_id"], "ask_suggestion:0");
        assert_eq!(
            actions["elements"][0]["value"],
            "which vendors deliver late"
        );
    }

    #[test]
    fn a_card_has_a_header_fields_status_notes_and_buttons_that_say_which_step() {
        let blocks = card_blocks(&card(3, "Change order CO-1042"));
        let kinds: Vec<&str> = blocks.iter().filter_map(|b| b["type"].as_str()).collect();
        assert_eq!(
            kinds,
            ["header", "section", "section", "context", "actions"]
        );
        assert_eq!(blocks[1]["fields"][0]["text"], "*Field 0*\n&lt;value 0&gt;");
        let approve = &blocks[4]["elements"][0];
        assert_eq!(approve["style"], "primary");
        assert_eq!(
            parse_button_value(approve["value"].as_str().unwrap()),
            Some(("CO-1042".into(), 1))
        );
    }

    #[test]
    fn a_flag_and_the_context_facts_are_sections_with_their_why_in_context_blocks() {
        let blocks = card_blocks(&Card::sample(Vec::new()).with_context());
        let texts: Vec<String> = blocks.iter().map(|b| b.to_string()).collect();
        let at = |needle: &str| texts.iter().position(|t| t.contains(needle));
        let flag = at("⚑ *Unusual amount*: about 4.9×").expect("the flag");
        assert_eq!(blocks[flag + 1]["type"], "context");
        assert!(texts[flag + 1].contains("median $3,673.47"));
        let fact = at("*Budget*: $1.00 of &lt;$2.00&gt; spent").expect("the fact, escaped");
        assert_eq!(blocks[fact + 1]["type"], "context");
        assert!(texts[fact + 1].contains("Why (Budget): invoices added up"));
    }

    #[test]
    fn limits_are_kept_and_the_cut_is_said() {
        let long_title = "x".repeat(500);
        let blocks = card_blocks(&card(1_000, &long_title));
        assert!(blocks.len() <= MAX_BLOCKS);
        let header = blocks[0]["text"]["text"].as_str().unwrap();
        assert_eq!(header.chars().count(), MAX_HEADER);
        assert!(header.ends_with("(cut)"));
        assert_eq!(
            blocks.last().unwrap()["type"],
            "actions",
            "the buttons are kept"
        );
        assert!(
            blocks
                .iter()
                .any(|b| b.to_string().contains("at most 50 blocks"))
        );
        assert_eq!(fit("short", 10), "short");
    }
}
