//! Form validation: raw values from a person (CLI flags, an API body, a chat form) checked
//! against a workflow's form and turned into canonical fields, with one message per bad field.

use crate::domain::form::{Choice, Form, Input, InputKind};
use crate::domain::{FieldType, Fields, FormField, Workflow};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

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

/// What is wrong with a text holding a NUL character: PostgreSQL cannot store one in text, SQLite
/// would keep it and cut it short in most tools, and nobody types one, so it is refused on every
/// surface before anything is stored.
pub const NUL_REFUSED: &str =
    "contains a NUL character (\\u0000), which keel does not accept; remove it";

/// Whether `text` holds a NUL character (see [`NUL_REFUSED`]).
pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
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
            if has_nul(text) {
                errors.push(FieldError {
                    field: name.clone(),
                    message: NUL_REFUSED.into(),
                });
                continue;
            }
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
                if let Some(message) = out_of_bounds(field, &canonical) {
                    errors.push(FieldError {
                        field: name.clone(),
                        message,
                    });
                    continue;
                }
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

/// Why a canonical money or number value is outside its field's `min` and `max` (both
/// inclusive), if it is.
fn out_of_bounds(field: &FormField, value: &Value) -> Option<String> {
    let below = field
        .min
        .filter(|min| compare(value, *min) == Some(Ordering::Less));
    if let Some(min) = below {
        return Some(format!("must be at least {min}"));
    }
    let above = field
        .max
        .filter(|max| compare(value, *max) == Some(Ordering::Greater));
    above.map(|max| format!("must be at most {max}"))
}

/// How a canonical value (money as decimal text, a number as JSON) compares with a bound.
fn compare(value: &Value, bound: Decimal) -> Option<Ordering> {
    match value {
        Value::String(text) => Decimal::from_str(text).ok().map(|v| v.cmp(&bound)),
        Value::Number(number) => number.as_f64()?.partial_cmp(&bound.to_f64()?),
        _ => None,
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

    /// The change order form with `min = 0.01` and `max = 100000` on its amount.
    fn bounded_change_order() -> Workflow {
        let mut workflow = change_order_workflow();
        let amount = workflow.fields.iter_mut().find(|f| f.name == "amount");
        let amount = amount.expect("the change order has an amount");
        amount.min = Some(Decimal::new(1, 2));
        amount.max = Some(Decimal::from(100_000));
        workflow
    }

    fn amount_error(workflow: &Workflow, amount: Value) -> Option<String> {
        let form = vec![
            ("project".to_string(), Value::from("P001")),
            ("amount".to_string(), amount),
            ("reason".to_string(), Value::from("Rock")),
        ];
        validate_form(workflow, &form).err().map(|errors| {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].field, "amount");
            errors[0].message.clone()
        })
    }

    #[test]
    fn money_outside_its_min_and_max_is_refused_next_to_the_field() {
        let workflow = bounded_change_order();
        let at_least = Some("must be at least 0.01".to_string());
        let at_most = Some("must be at most 100000".to_string());
        let cases = [
            (Value::from("-5"), at_least.clone()),
            (Value::from(-50), at_least.clone()),
            (Value::from("0"), at_least.clone()),
            (Value::from("-0.00"), at_least),
            (Value::from("0.01"), None),
            (Value::from("100,000.00"), None),
            (Value::from("100000.01"), at_most),
        ];
        for (amount, expected) in cases {
            assert_eq!(
                amount_error(&workflow, amount.clone()),
                expected,
                "{amount}"
            );
        }
        // Without bounds, as before: any amount.
        assert_eq!(
            amount_error(&change_order_workflow(), Value::from("-5")),
            None
        );
    }

    #[test]
    fn numbers_are_held_to_their_bounds_too() {
        let mut workflow = bounded_change_order();
        let amount = workflow.fields.iter_mut().find(|f| f.name == "amount");
        amount.expect("amount").field_type = FieldType::Number;
        assert_eq!(
            amount_error(&workflow, Value::from(0.001)),
            Some("must be at least 0.01".into())
        );
        assert_eq!(amount_error(&workflow, Value::from(2.5)), None);
        assert_eq!(
            amount_error(&workflow, Value::from("1e300")),
            Some("must be at most 100000".into())
        );
    }

    #[test]
    fn a_nul_character_in_any_field_is_refused_naming_the_field() {
        let workflow = change_order_workflow();
        let errors = validate_form(
            &workflow,
            &raw(&[
                ("project", "P0\u{0}01"),
                ("amount", "1"),
                ("reason", "a\u{0}b"),
            ]),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["project", "reason"]);
        assert!(
            errors.iter().all(|e| e.message == NUL_REFUSED),
            "{errors:?}"
        );
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
