//! Forms: the platform-neutral modal a person fills (a workflow's form, the reason of a
//! rejection, a comment). Each chat adapter renders it natively (a Slack modal, a Discord modal,
//! an HTML dialog) and sends the values back with the form's id.

use serde::{Deserialize, Serialize};

/// A modal with inputs. `id` says what submitting it does (`submit:change_order`,
/// `reject:CO-1042:0`, `comment:CO-1042:0`); adapters hand it back untouched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub id: String,
    pub title: String,
    pub submit_label: String,
    pub inputs: Vec<Input>,
}

/// One labelled input of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    pub name: String,
    pub label: String,
    pub kind: InputKind,
    pub required: bool,
    pub help: Option<String>,
    /// Longest text accepted, when the input has a limit.
    pub max_len: Option<usize>,
    /// The choices of a `select`.
    pub options: Vec<Choice>,
    /// The record type a `record` input picks from (adapters load its options by type-ahead).
    pub record_type: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    Text,
    /// Text on several lines (reasons, comments).
    Textarea,
    Number,
    Money,
    Date,
    Bool,
    /// One of a closed list (`options`).
    Select,
    /// A record of `record_type`, chosen by its label.
    Record,
}

/// An option of a select: the value sent back and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Form {
    /// How many dialogs the form takes on a platform whose dialog holds at most `per_dialog`
    /// inputs (Discord's modals hold five): a longer form continues in the next, never cut.
    pub fn pages(&self, per_dialog: usize) -> usize {
        self.inputs.len().div_ceil(per_dialog.max(1)).max(1)
    }

    /// Page `page` (from 0) of the form: its share of the inputs, the title saying which page.
    pub fn page(&self, page: usize, per_dialog: usize) -> Form {
        let per_dialog = per_dialog.max(1);
        let pages = self.pages(per_dialog);
        let mut shown = self.clone();
        shown.inputs = self
            .inputs
            .iter()
            .skip(page * per_dialog)
            .take(per_dialog)
            .cloned()
            .collect();
        if pages > 1 {
            shown.title = format!("{} ({}/{pages})", self.title, page.min(pages - 1) + 1);
        }
        shown
    }

    /// The page (from 0) that holds the input `name` (the first page if none does).
    pub fn page_of(&self, name: &str, per_dialog: usize) -> usize {
        let at = self.inputs.iter().position(|input| input.name == name);
        at.map_or(0, |at| at / per_dialog.max(1))
    }

    /// Shows `values` (typed earlier) in the inputs of their names.
    pub fn fill(&mut self, values: &[(String, serde_json::Value)]) {
        for (name, value) in values {
            let input = self.inputs.iter_mut().find(|input| &input.name == name);
            if let Some(input) = input {
                input.value = Some(match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(inputs: usize) -> Form {
        let input = |n: usize| Input {
            name: format!("f{n}"),
            label: format!("F{n}"),
            kind: InputKind::Text,
            required: false,
            help: None,
            max_len: None,
            options: Vec::new(),
            record_type: None,
            value: None,
        };
        Form {
            id: "submit:long".into(),
            title: "Long".into(),
            submit_label: "Submit".into(),
            inputs: (0..inputs).map(input).collect(),
        }
    }

    #[test]
    fn a_form_longer_than_a_dialog_continues_on_the_next_page_whole() {
        let long = form(7);
        assert_eq!(long.pages(5), 2);
        let (first, second) = (long.page(0, 5), long.page(1, 5));
        assert_eq!(
            (first.title.as_str(), first.inputs.len()),
            ("Long (1/2)", 5)
        );
        assert_eq!(
            (second.title.as_str(), second.inputs.len()),
            ("Long (2/2)", 2)
        );
        assert_eq!(second.inputs[0].name, "f5");
        assert_eq!(long.page_of("f6", 5), 1);
        assert_eq!(
            form(3).page(0, 5).title,
            "Long",
            "one page says nothing of pages"
        );
        assert_eq!(form(0).pages(5), 1);
    }

    #[test]
    fn values_typed_earlier_are_shown_again_in_their_inputs() {
        let mut long = form(2);
        long.fill(&[("f1".into(), "12.50".into()), ("gone".into(), 3.into())]);
        assert_eq!(long.inputs[0].value, None);
        assert_eq!(long.inputs[1].value.as_deref(), Some("12.50"));
    }
}
