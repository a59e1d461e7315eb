//! Forms on platforms that show them plainly (Discord's modals; Teams' or Mattermost's dialogs
//! next): with no type-ahead, a record is typed by name and resolved here; with no errors next
//! to the fields, a submission's problems come back as one message naming each field by its
//! label.

use super::Keel;
use crate::domain::interaction::FieldProblem;
use crate::domain::{Choice, FieldType, FormId, Workflow};
use serde_json::Value;

impl Keel {
    /// `values` of `form` with each record typed by name replaced by its key, when exactly one
    /// record of the field's type matches (or one matches exactly); anything else is left as
    /// typed, for the form's own check to name.
    pub async fn resolve_typed_records(
        &self,
        form: &str,
        values: Vec<(String, Value)>,
    ) -> Vec<(String, Value)> {
        let workflow = self.workflow_of_form(form);
        let mut resolved = Vec::with_capacity(values.len());
        for (name, value) in values {
            let field = workflow.and_then(|w| w.field(&name));
            let value = match (field.map(|f| &f.field_type), value.as_str()) {
                (Some(FieldType::Ref(record_type)), Some(typed)) => {
                    Value::from(self.record_key(record_type, typed).await)
                }
                _ => value,
            };
            resolved.push((name, value));
        }
        resolved
    }

    async fn record_key(&self, record_type: &str, typed: &str) -> String {
        let choices: Vec<Choice> = self
            .record_choices(record_type, typed, 2)
            .await
            .unwrap_or_default();
        let exact = choices
            .iter()
            .find(|c| c.value.eq_ignore_ascii_case(typed.trim()));
        match (exact, choices.as_slice()) {
            (Some(exact), _) => exact.value.clone(),
            (None, [only]) => only.value.clone(),
            _ => typed.to_string(),
        }
    }

    /// What to fix in a submitted form, a line per problem naming the field by its label.
    pub fn what_to_fix(&self, form: Option<&str>, errors: &[FieldProblem]) -> String {
        let workflow = form.and_then(|form| self.workflow_of_form(form));
        let lines: Vec<String> = errors
            .iter()
            .map(|problem| {
                let field = workflow.and_then(|w| w.field(&problem.field));
                match field.map(|f| f.label.as_str()).unwrap_or(&problem.field) {
                    "" => format!("• {}", problem.message),
                    label => format!("• {label}: {}", problem.message),
                }
            })
            .collect();
        format!("Nothing was submitted. Please fix:\n{}", lines.join("\n"))
    }

    fn workflow_of_form(&self, form: &str) -> Option<&Workflow> {
        match FormId::parse(form) {
            Some(FormId::Submit { workflow }) => self.config.workflows.get(&workflow),
            _ => None,
        }
    }
}
