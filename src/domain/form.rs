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
