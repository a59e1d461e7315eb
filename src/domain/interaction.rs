//! What a person does in chat ([`Interaction`]) and what keel answers at once ([`Effect`]): the
//! vocabulary every chat adapter translates its platform's payloads into and out of. What must
//! not be lost (cards, updates, DMs) does not travel here: it goes through the outbox.

use super::form::Form;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One thing a person did, already attributed to them by the adapter.
#[derive(Debug, Clone, PartialEq)]
pub enum Interaction {
    /// A slash command: `name` without the slash (`changeorder`, `keel`), `text` after it.
    Command { name: String, text: String },
    /// A form was submitted. `nonce` is the adapter's id of this opening of the form, so a
    /// double submission gives one request.
    FormSubmitted {
        form: String,
        nonce: Option<String>,
        values: Vec<(String, Value)>,
    },
    /// A button of a card was clicked; `step` is the step the card showed.
    Button {
        request_id: String,
        action: String,
        step: usize,
    },
}

impl Interaction {
    /// A card button's click read back from its one-string id ([`CardButton::id`]).
    ///
    /// [`CardButton::id`]: crate::domain::CardButton::id
    pub fn clicked(id: &str) -> Option<Interaction> {
        let (action, rest) = id.split_once(':')?;
        let (request_id, step) = rest.rsplit_once(':')?;
        Some(Interaction::Button {
            request_id: request_id.to_string(),
            action: action.to_string(),
            step: step.parse().ok()?,
        })
    }
}

/// What keel answers an interaction with, immediately and only to the person who acted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Effect {
    /// A private reply (ephemeral in Slack).
    Reply {
        text: String,
    },
    /// An answer to a question: its sentence, one page of its table as people read it, and how
    /// it was computed (with the way to its next page). Each platform shows the table its own
    /// way: an HTML table in the console, monospace text in Slack.
    Answer {
        text: String,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        table: Option<ShownTable>,
        how: String,
    },
    OpenForm {
        form: Form,
    },
    /// Problems with the open form, one per field (`field` empty for the form as a whole).
    FormErrors {
        errors: Vec<FieldProblem>,
    },
    CloseForm,
    /// A chart for the answer just given, as a PNG; platforms that cannot show images skip it,
    /// the reply having said everything in words.
    Chart {
        /// Travels as base64 text (`png_base64`) where effects are JSON.
        #[serde(rename = "png_base64", with = "base64_text")]
        png: Vec<u8>,
        alt: String,
    },
    /// Questions to ask next (what keel can answer instead of a declined question), offered as
    /// buttons that ask them; the reply has already listed them in words.
    Suggestions {
        questions: Vec<String>,
    },
}

/// A page of an answer's table, cells already written as people read them ("$1,234.50").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownTable {
    /// Each column's label ("Vendor", "Invoice total").
    pub columns: Vec<String>,
    /// Whether each column holds figures, which read best aligned to the right.
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl ShownTable {
    /// The table as monospace text, columns padded to their widest cell, figures aligned to
    /// the right: for platforms without tables.
    pub fn monospace(&self) -> String {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .zip(&self.numeric)
                .map(|((cell, width), numeric)| {
                    if *numeric {
                        format!("{cell:>width$}")
                    } else {
                        format!("{cell:<width$}")
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_string()
        };
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let mut lines = vec![line(&self.columns), rule.join("  ")];
        lines.extend(self.rows.iter().map(|row| line(row)));
        lines.join("\n")
    }
}

/// Bytes as base64 text in JSON.
mod base64_text {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// What submitting a form does, read from its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormId {
    Submit { workflow: String },
    Reject { request_id: String, step: usize },
    Comment { request_id: String, step: usize },
}

impl FormId {
    /// Reads `submit:<workflow>`, `reject:<id>:<step>` or `comment:<id>:<step>`.
    pub fn parse(id: &str) -> Option<FormId> {
        let (kind, rest) = id.split_once(':')?;
        let on_request = || {
            let (request_id, step) = rest.rsplit_once(':')?;
            Some((request_id.to_string(), step.parse().ok()?))
        };
        match kind {
            "submit" if !rest.is_empty() => Some(FormId::Submit {
                workflow: rest.to_string(),
            }),
            "reject" => on_request().map(|(request_id, step)| FormId::Reject { request_id, step }),
            "comment" => {
                on_request().map(|(request_id, step)| FormId::Comment { request_id, step })
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FormId;

    #[test]
    fn form_ids_say_what_submitting_does() {
        assert_eq!(
            FormId::parse("reject:CO-1042:2"),
            Some(FormId::Reject {
                request_id: "CO-1042".into(),
                step: 2
            })
        );
        assert_eq!(
            FormId::parse("submit:expense"),
            Some(FormId::Submit {
                workflow: "expense".into()
            })
        );
        for bad in [
            "",
            "submit:",
            "reject:CO-1",
            "reject:CO-1:x",
            "launch:missiles",
        ] {
            assert_eq!(FormId::parse(bad), None, "{bad}");
        }
    }
}
