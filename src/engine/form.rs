//! Form validation: raw values from a person (CLI flags, an API body, a chat form) checked
//! against a workflow's form and turned into canonical fields, with one message per bad field.

use crate::domain::form::{Choice, Form, Input, InputKind};
use crate::domain::{FieldType, Fields, Workflow};
use serde_json::Value;
use std::fmt;

/// One problem with one submitted field, phrased for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Longest text accepted in a field that does not set its own `max_len`.
pub const DEFAULT_MAX_LEN: usize = 2_000;

/// Checks every submitted value and every required field; returns all problems at once.
pub fn validate_form(
    workflow: &Workflow,
    raw: &[(String, Value)],
) -> Result<Fields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fields = Fields::new();
    for (name, value) in raw {
        let Some(field) = workflow.field(name) else {
            let known: Vec<&str> = workflow.fields.iter().map(|f| f.name.as_str()).collect();
            errors.push(FieldError {
                field: truncate(name, 60),
                message: format!(
                    "{} has no such field; its fields are {}",
                    workflow.title,
                    known.join(", ")
                ),
            });
            continue;
        };
        if fields.contains_key(name) {
            errors.push(FieldError {
                field: name.clone(),
                message: "given more than once".into(),
            });
            continue;
        }
        if let Some(text) = value.as_str() {
            let limit = if field.field_type == FieldType::Text {
                field.max_len
            } else {
                200
            };
            if text.chars().count() > limit {
                errors.push(FieldError {
                    field: name.clone(),
                    message: format!(
                        "is too long ({} characters; at most {limit})",
                        text.chars().count()
                    ),
                });
                continue;
            }
        }
        match field.field_type.canonicalize(value) {
            Ok(Some(canonical)) => {
                fields.insert(name.clone(), canonical);
            }
            Ok(None) => {}
            Err(message) => errors.push(FieldError {
                field: name.clone(),
                message,
            }),
        }
    }
    for field in &workflow.fields {
        if field.required
            && !fields.contains_key(&field.name)
            && !errors.iter().any(|e| e.field == field.name)
        {
            errors.push(FieldError {
                field: field.name.clone(),
                message: format!("{} is required", field.label),
            });
        }
    }
    if errors.is_empty() {
        // Keep the form's field order so the same submission always gives the same JSON.
        let mut ordered = Fields::new();
        for field in &workflow.fields {
            if let Some(value) = fields.remove(&field.name) {
                ordered.insert(field.name.clone(), value);
            }
        }
        Ok(ordered)
    } else {
        Err(errors)
    }
}

/// Longest reason of a rejection or comment a form accepts, as [`super::lifecycle`] does.
const MAX_REASON_LEN: usize = super::lifecycle::MAX_TEXT;

/// The form a person fills to submit a request of `workflow` (its id is `submit:<workflow>`).
pub fn submission_form(workflow: &Workflow) -> Form {
    let inputs = workflow
        .fields
        .iter()
        .map(|field| {
            let (kind, options, record_type) = match &field.field_type {
                FieldType::Text if field.max_len > 200 => (InputKind::Textarea, vec![], None),
                FieldType::Text => (InputKind::Text, vec![], None),
                FieldType::Number => (InputKind::Number, vec![], None),
                FieldType::Money => (InputKind::Money, vec![], None),
                FieldType::Date => (InputKind::Date, vec![], None),
                FieldType::Timestamp => (InputKind::Text, vec![], None),
                FieldType::Bool => (InputKind::Bool, vec![], None),
                FieldType::Enum(values) => (
                    InputKind::Select,
                    values
                        .iter()
                        .map(|v| Choice {
                            value: v.clone(),
                            label: v.clone(),
                        })
                        .collect(),
                    None,
                ),
                FieldType::Ref(record_type) => {
                    (InputKind::Record, vec![], Some(record_type.clone()))
                }
            };
            Input {
                name: field.name.clone(),
                label: field.label.clone(),
                kind,
                required: field.required,
                help: field.help.clone(),
                max_len: (field.field_type == FieldType::Text).then_some(field.max_len),
                options,
                record_type,
                value: None,
            }
        })
        .collect();
    Form {
        id: format!("submit:{}", workflow.name),
        title: workflow.title.clone(),
        submit_label: "Submit".into(),
        inputs,
    }
}

/// The form asking why a request is rejected (`reject:<id>:<step>`), or for a comment
/// (`comment:<id>:<step>`): one required text.
pub fn reason_form(purpose: ReasonPurpose, request_id: &str, step: usize) -> Form {
    let (prefix, title, label, submit_label) = match purpose {
        ReasonPurpose::Reject => (
            "reject",
            format!("Reject {request_id}"),
            "Reason (the requester will read it)",
            "Reject",
        ),
        ReasonPurpose::Comment => (
            "comment",
            format!("Comment on {request_id}"),
            "Comment",
            "Post comment",
        ),
    };
    Form {
        id: format!("{prefix}:{request_id}:{step}"),
        title,
        submit_label: submit_label.into(),
        inputs: vec![Input {
            name: "reason".into(),
            label: label.into(),
            kind: InputKind::Textarea,
            required: true,
            help: None,
            max_len: Some(MAX_REASON_LEN),
            options: vec![],
            record_type: None,
            value: None,
        }],
    }
}

/// What a one-text form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonPurpose {
    Reject,
    Comment,
}

/// `text` cut to `max` characters, with an ellipsis when it was longer: for echoing what someone
/// typed back to them without echoing megabytes.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lifecycle::tests::change_order_workflow;

    fn raw(pairs: &[(&str, &str)]) -> Vec<(String, Value)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect()
    }

    #[test]
    fn a_valid_form_becomes_canonical_fields_in_form_order() {
        let workflow = change_order_workflow();
        let fields = validate_form(
            &workflow,
            &raw(&[
                ("amount", "18,000"),
                ("reason", "Rock"),
                ("project", "P001"),
            ]),
        )
        .unwrap();
        let names: Vec<&String> = fields.keys().collect();
        assert_eq!(names, ["project", "amount", "reason"]);
        assert_eq!(fields["amount"], Value::from("18000.00"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let workflow = change_order_workflow();
        let errors =
            validate_form(&workflow, &raw(&[("amount", "lots"), ("colour", "red")])).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "colour", "project", "reason"]);
        assert!(errors[1].message.contains("no such field"));
    }

    #[test]
    fn a_workflow_form_has_one_input_per_field_with_record_pickers_for_references() {
        let form = submission_form(&change_order_workflow());
        assert_eq!(form.id, "submit:change_order");
        let kinds: Vec<(&str, InputKind, bool)> = form
            .inputs
            .iter()
            .map(|i| (i.name.as_str(), i.kind, i.required))
            .collect();
        assert_eq!(kinds[0], ("project", InputKind::Record, true));
        assert_eq!(form.inputs[0].record_type.as_deref(), Some("project"));
        assert!(kinds.contains(&("amount", InputKind::Money, true)));
    }

    #[test]
    fn a_reason_form_names_the_request_and_step_it_acts_on() {
        let form = reason_form(ReasonPurpose::Reject, "CO-1042", 1);
        assert_eq!(form.id, "reject:CO-1042:1");
        assert!(form.inputs[0].required);
    }

    #[test]
    fn oversized_text_is_refused() {
        let workflow = change_order_workflow();
        let long = "x".repeat(501);
        let errors = validate_form(
            &workflow,
            &raw(&[("project", "P001"), ("amount", "1"), ("reason", &long)]),
        )
        .unwrap_err();
        assert!(errors[0].message.contains("too long"));
    }
}
