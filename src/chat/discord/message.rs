//! Messages as Discord takes them (keel's own serde types): a sentence as the content, a card
//! as an embed (title, fields, where the request stands, why), its buttons in an action row.
//! Every text is escaped and cut to its limit ([`super::text`]), and no message may mention
//! anyone (`allowed_mentions: {parse: []}`): an approval card never pings `@everyone`.

use super::text::*;
use crate::domain::Card;
use serde::Serialize;

/// Discord's message flag for a reply only the person who acted sees.
pub const EPHEMERAL: u64 = 1 << 6;

/// The body of `POST /channels/{id}/messages`, `PATCH …/messages/{id}`, an interaction's
/// message response and a follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub content: String,
    /// Always sent, so an edit replaces the card.
    pub embeds: Vec<Embed>,
    /// Always sent, so an edit removes buttons that no longer apply.
    pub components: Vec<ActionRow>,
    pub allowed_mentions: AllowedMentions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_reference: Option<MessageReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllowedMentions {
    pub parse: Vec<String>,
}

/// A reply: to the message this one answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageReference {
    pub message_id: String,
    pub fail_if_not_exists: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Embed {
    pub title: String,
    pub description: String,
    pub fields: Vec<EmbedField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<Footer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbedField {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Footer {
    pub text: String,
}

/// Component type 1: up to five buttons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    #[serde(rename = "type")]
    pub kind: u8,
    pub components: Vec<Button>,
}

/// Component type 2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Button {
    #[serde(rename = "type")]
    pub kind: u8,
    /// 1 primary, 2 secondary, 3 success (green), 4 danger (red).
    pub style: u8,
    pub label: String,
    pub custom_id: String,
}

const MAX_BUTTONS_PER_ROW: usize = 5;
/// Discord's limit on a message's rows of components.
const MAX_ROWS: usize = 5;

impl Message {
    /// A message of text only (escaped and cut here).
    pub fn text(text: &str) -> Message {
        Message {
            content: shown(text, MAX_CONTENT),
            embeds: Vec::new(),
            components: Vec::new(),
            allowed_mentions: AllowedMentions { parse: Vec::new() },
            message_reference: None,
            flags: None,
        }
    }

    /// A reply only the person who acted sees.
    pub fn ephemeral(text: &str) -> Message {
        Message {
            flags: Some(EPHEMERAL),
            ..Message::text(text)
        }
    }

    /// The sentence above a card, with the card's buttons.
    pub fn card(text: &str, card: &Card) -> Message {
        let buttons: Vec<Button> = card
            .buttons
            .iter()
            .filter_map(|button| {
                let custom_id = button.id();
                // A request id too long for Discord's custom ids gets no buttons, never a
                // button that acts on another request.
                (custom_id.chars().count() <= MAX_CUSTOM_ID).then(|| Button {
                    kind: 2,
                    style: match button.action.as_str() {
                        "approve" => 3,
                        "reject" => 4,
                        _ => 2,
                    },
                    label: fit(&button.label, MAX_BUTTON_LABEL),
                    custom_id,
                })
            })
            .collect();
        let mut rows: Vec<ActionRow> = buttons
            .chunks(MAX_BUTTONS_PER_ROW)
            .map(|chunk| ActionRow {
                kind: 1,
                components: chunk.to_vec(),
            })
            .collect();
        // The questions behind the card, as buttons asking them (a digest's, an alert's).
        rows.extend(super::buttons::suggestions(&card.questions));
        rows.truncate(MAX_ROWS);
        Message {
            embeds: vec![embed(card)],
            components: rows,
            ..Message::text(text)
        }
    }
}

/// A card as an embed, within Discord's limits on each text, on the number of fields and on
/// the embed's total; what is left out is said.
pub fn embed(card: &Card) -> Embed {
    let title = shown(&card.title, MAX_EMBED_TITLE);
    // Under the status: an unusual amount in words and the context facts, each followed by
    // the numbers behind it on a line of small text.
    let mut lines = vec![format!("**{}**", escape(&card.status))];
    let flagged = card.flags.iter().map(|f| ("⚑ ", f));
    for (prefix, fact) in flagged.chain(card.facts.iter().map(|f| ("", f))) {
        lines.push(format!(
            "{prefix}**{}**: {}",
            escape(&fact.label),
            escape(&fact.text)
        ));
        if let Some(why) = &fact.why {
            lines.push(format!("-# Why: {}", escape(why)));
        }
    }
    let description = fit(&lines.join("\n"), MAX_EMBED_DESCRIPTION);
    let footer = (!card.notes.is_empty()).then(|| Footer {
        text: shown(&card.notes.join("\n"), MAX_FOOTER),
    });
    let mut used = title.chars().count()
        + description.chars().count()
        + footer.as_ref().map_or(0, |f| f.text.chars().count());
    let mut fields = Vec::new();
    // Room for the field saying what was left out.
    const NOTE: &str = "Some fields were cut: Discord shows at most 25 and 6000 characters.";
    for (index, (label, value)) in card.fields.iter().enumerate() {
        let field = EmbedField {
            name: shown(label, MAX_FIELD_NAME),
            value: shown(if value.is_empty() { "—" } else { value }, MAX_FIELD_VALUE),
            inline: value.chars().count() <= 40,
        };
        let size = field.name.chars().count() + field.value.chars().count();
        let last_slot = fields.len() + 1 == MAX_EMBED_FIELDS;
        let rest = card.fields.len() - index - 1;
        if used + size + NOTE.len() + 1 > MAX_EMBED_TOTAL || (last_slot && rest > 0) {
            fields.push(EmbedField {
                name: "…".into(),
                value: NOTE.into(),
                inline: false,
            });
            break;
        }
        used += size;
        fields.push(field);
    }
    Embed {
        title,
        description,
        fields,
        footer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(fields: usize, value: &str) -> Card {
        let fields = (0..fields).map(|i| (format!("Field {i}"), value.to_string()));
        Card::sample(fields.collect())
    }

    #[test]
    fn a_card_s_questions_are_buttons_that_ask_them() {
        let card = Card {
            buttons: Vec::new(),
            questions: vec!["which projects are over budget".into()],
            ..card(1, "x")
        };
        let json = serde_json::to_value(Message::card("Monday briefing", &card)).unwrap();
        let row = &json["components"][0]["components"];
        assert_eq!(row[0]["custom_id"], "ask?which projects are over budget");
        assert_eq!(row[0]["label"], "which projects are over budget");
    }

    #[test]
    fn a_flag_and_the_context_facts_are_lines_under_the_status_each_with_its_why() {
        let embed = embed(&Card::sample(Vec::new()).with_context());
        let lines: Vec<&str> = embed.description.lines().collect();
        assert_eq!(lines[0], "**Waiting for Rachel Kim**");
        assert!(
            lines[1].starts_with("⚑ **Unusual amount**: about 4.9×"),
            "{lines:?}"
        );
        assert_eq!(lines[2], "-# Why: median $3,673.47");
        assert!(lines[3].starts_with("**Budget**: $1.00 of"), "{lines:?}");
        assert_eq!(lines[4], "-# Why: invoices added up");
    }

    #[test]
    fn a_card_is_an_embed_with_buttons_that_say_which_step_and_mentions_nobody() {
        let message = Message::card("@here approve [this](https://x.example)", &card(2, "<@1>"));
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["allowed_mentions"]["parse"], serde_json::json!([]));
        assert_eq!(
            json["content"],
            "@\u{200B}here approve \\[this\\](https://x.example)"
        );
        assert_eq!(json["embeds"][0]["fields"][0]["value"], "\\<@\u{200B}1\\>");
        let buttons = &json["components"][0]["components"];
        assert_eq!(buttons[0]["custom_id"], "approve:CO-1042:1");
        assert_eq!(buttons[0]["style"], 3);
        assert_eq!(buttons[1]["style"], 4);
    }

    #[test]
    fn an_embed_keeps_discords_limits_and_says_what_it_left_out() {
        let many = embed(&card(40, "short"));
        assert_eq!(many.fields.len(), MAX_EMBED_FIELDS);
        assert!(many.fields.last().unwrap().value.contains("were cut"));
        let long = embed(&card(10, &"y".repeat(2_000)));
        let total: usize = long
            .fields
            .iter()
            .map(|f| f.name.chars().count() + f.value.chars().count())
            .sum();
        assert!(total + long.title.len() + long.description.len() <= MAX_EMBED_TOTAL);
        assert!(long.fields.last().unwrap().value.contains("were cut"));
        let fits = embed(&card(3, "ok"));
        assert_eq!(fits.fields.len(), 3);
    }
}
