//! The parts of a workflow that point elsewhere: approvers (people, roles, record fields,
//! authorities), the anomaly measure and the history mapping onto a record type's columns.

use super::Problem;
use super::workflow_check::Check;
use super::workflow_file::{ApproverFile, HistoryFile, WorkflowFile};
use crate::domain::request::Status;
use crate::domain::{AnomalySpec, ApproverSpec, FieldType, HistoryMapping, RecordType};
use std::collections::BTreeMap;
use toml::Spanned;

impl Check<'_> {
    pub(super) fn approver(
        &self,
        raw: &Spanned<ApproverFile>,
        problems: &mut Vec<Problem>,
    ) -> Option<ApproverSpec> {
        let a = raw.get_ref();
        let given = [
            a.person.is_some(),
            a.role.is_some(),
            a.manager_of.is_some(),
            a.record_field.is_some(),
            a.authority.is_some(),
        ];
        let mut fail = |message: String, hint: &str| {
            problems.push(self.source.at(raw, message, hint));
            None
        };
        if given.iter().filter(|g| **g).count() != 1 {
            return fail("an approver names exactly one of person, role, manager_of, record_field or authority".into(), "e.g. { role = \"cfo\" } or { manager_of = \"requester\" }");
        }
        if a.roles.is_some() && a.authority.is_none() {
            return fail(
                "`roles` only goes with `authority`".into(),
                "e.g. { authority = \"amount\", roles = [\"coo\", \"cfo\"] }",
            );
        }
        if let Some(person) = &a.person {
            return Some(ApproverSpec::Person(person.clone()));
        }
        if let Some(role) = &a.role {
            return Some(ApproverSpec::Role(role.clone()));
        }
        if let Some(of) = &a.manager_of {
            return match of.as_str() {
                "requester" => Some(ApproverSpec::ManagerOfRequester),
                other => fail(
                    format!("manager_of `{other}` is not supported"),
                    "write { manager_of = \"requester\" }",
                ),
            };
        }
        if let Some(path) = &a.record_field {
            let Some((form_field, record_field)) = path.split_once('.') else {
                return fail(
                    format!("record_field `{path}` is not form_field.record_field"),
                    "e.g. { record_field = \"project.manager_id\" }",
                );
            };
            let target = match self.workflow.field(form_field).map(|f| &f.field_type) {
                Some(FieldType::Ref(target)) => target,
                _ => {
                    return fail(
                        format!("`{form_field}` is not a ref field of this form"),
                        "the part before the dot names a form field of type ref(…)",
                    );
                }
            };
            return match self.schema.get(target).and_then(|t| t.field(record_field)) {
                Some(_) => Some(ApproverSpec::RecordField {
                    form_field: form_field.into(),
                    record_field: record_field.into(),
                }),
                None => fail(
                    format!("record type {target} has no field `{record_field}`"),
                    "the part after the dot names a field holding a staff id",
                ),
            };
        }
        let amount = a.authority.clone().unwrap_or_default();
        match self.workflow.field(&amount).map(|f| &f.field_type) {
            Some(FieldType::Money | FieldType::Number) => Some(ApproverSpec::Authority {
                amount_field: amount,
                roles: a.roles.clone().unwrap_or_default(),
            }),
            _ => fail(
                format!("authority field `{amount}` is not a money or number field of this form"),
                "e.g. { authority = \"amount\" }",
            ),
        }
    }

    pub(super) fn anomaly(
        &self,
        file: &WorkflowFile,
        problems: &mut Vec<Problem>,
    ) -> Option<AnomalySpec> {
        let raw = file.anomaly.as_ref()?;
        let field = raw.field.get_ref();
        if !matches!(
            self.workflow.field(field).map(|f| &f.field_type),
            Some(FieldType::Money | FieldType::Number)
        ) {
            problems.push(self.source.at(
                &raw.field,
                format!("anomaly field `{field}` is not a money or number field of this form"),
                "measure an amount, e.g. field = \"amount\"",
            ));
        }
        if let Some(group) = &raw.group_by
            && self.workflow.field(group.get_ref()).is_none()
        {
            problems.push(self.source.at(
                group,
                format!(
                    "anomaly group_by `{}` is not a field of this form",
                    group.get_ref()
                ),
                "group by a form field such as project or category",
            ));
        }
        let threshold = *raw.threshold.get_ref();
        if threshold.is_nan() || threshold <= 0.0 {
            problems.push(self.source.at(
                &raw.threshold,
                "anomaly threshold must be above 0",
                "3.5 is the usual cut",
            ));
        }
        Some(AnomalySpec {
            field: field.clone(),
            group_by: raw.group_by.as_ref().map(|g| g.get_ref().clone()),
            threshold: *raw.threshold.get_ref(),
            min_history: raw.min_history,
        })
    }

    pub(super) fn history(&self, raw: &HistoryFile, problems: &mut Vec<Problem>) -> HistoryMapping {
        let record_type = self.schema.get(raw.record_type.get_ref());
        if record_type.is_none() {
            problems.push(self.source.at(
                &raw.record_type,
                format!(
                    "history record type `{}` is not declared",
                    raw.record_type.get_ref()
                ),
                "name the record type holding past requests, as in records.toml",
            ));
        }
        let column = |c: &Spanned<String>, problems: &mut Vec<Problem>| {
            self.column(record_type, c, problems)
        };
        let mut mapping = HistoryMapping {
            record_type: raw.record_type.get_ref().clone(),
            id: column(&raw.id, problems),
            requester: raw.requester.as_ref().map(|c| column(c, problems)),
            submitted_at: column(&raw.submitted_at, problems),
            status: column(&raw.status, problems),
            status_map: BTreeMap::new(),
            approver: raw.approver.as_ref().map(|c| column(c, problems)),
            decided_at: raw.decided_at.as_ref().map(|c| column(c, problems)),
            fields: BTreeMap::new(),
        };
        for (form_field, col) in &raw.fields {
            let col_name = column(col, problems);
            if self.workflow.field(form_field).is_none() {
                problems.push(self.source.at(
                    col,
                    format!("history maps `{form_field}`, which is not a field of this form"),
                    "the keys of [history.fields] are form field names",
                ));
            }
            mapping.fields.insert(form_field.clone(), col_name);
        }
        for (value, status) in &raw.status_map {
            if status.get_ref().parse::<Status>().is_err() {
                problems.push(self.source.at(status, format!("`{}` is not a request status", status.get_ref()), "use pending, approved, auto_approved, rejected, auto_rejected, cancelled or expired"));
            }
            mapping
                .status_map
                .insert(value.clone(), status.get_ref().clone());
        }
        mapping
    }

    /// The column's name, reported when the history's record type lacks it.
    fn column(
        &self,
        record_type: Option<&RecordType>,
        c: &Spanned<String>,
        problems: &mut Vec<Problem>,
    ) -> String {
        if let Some(t) = record_type
            && t.field(c.get_ref()).is_none()
        {
            let known: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
            problems.push(self.source.at(
                c,
                format!("{} has no column `{}`", t.name, c.get_ref()),
                format!("use one of: {}", known.join(", ")),
            ));
        }
        c.get_ref().clone()
    }
}
