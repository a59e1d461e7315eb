//! Checks of `[[owner]]` tables (see [`super::outbound`]): the record type exists, is owned
//! once, and a change request's workflow has the fields keel fills.

use super::outbound::{OtherWriters, Outbound, Owner, OwnerFile};
use super::source::Source;
use super::{Problem, Workflow};
use crate::domain::RecordSchema;
use std::collections::BTreeMap;

pub(super) fn check_owner(
    source: &Source,
    file: &OwnerFile,
    outbound: &Outbound,
    schema: &RecordSchema,
    workflows: &BTreeMap<String, Workflow>,
    problems: &mut Vec<Problem>,
) -> Option<Owner> {
    let before = problems.len();
    let record_type = file.record_type.get_ref();
    if schema.get(record_type).is_none() {
        problems.push(source.at(
            &file.record_type,
            format!("there is no record type `{record_type}`"),
            "name a type of records.toml",
        ));
    }
    if outbound.owners.contains_key(record_type) {
        problems.push(source.at(
            &file.record_type,
            format!("the owner of `{record_type}` is declared twice"),
            "a record type has one owner",
        ));
    }
    let mode = file
        .others
        .as_ref()
        .map_or("refuse", |m| m.get_ref().as_str());
    let others = match (mode, &file.workflow, &file.requester) {
        ("refuse", None, None) => OtherWriters::Refuse,
        ("change_request", Some(workflow), Some(requester)) => {
            change_workflow_problems(source, workflow, workflows, problems);
            OtherWriters::ChangeRequest {
                workflow: workflow.get_ref().clone(),
                requester: requester.get_ref().clone(),
            }
        }
        ("refuse", _, _) => {
            problems.push(source.at(
                &file.record_type,
                "workflow and requester apply to others = \"change_request\" only",
                "remove them, or set others = \"change_request\"",
            ));
            OtherWriters::Refuse
        }
        ("change_request", _, _) => {
            problems.push(source.at(&file.record_type, "others = \"change_request\" needs a workflow and a requester", "workflow = \"<workflow with text fields record and changes>\", requester = \"<staff id who files changes from CSV imports and other sources>\""));
            OtherWriters::Refuse
        }
        (other, _, _) => {
            let span = file.others.as_ref().map(|m| m.span());
            problems.push(source.problem(
                span,
                format!("others = \"{other}\" is not a choice"),
                "use \"refuse\" or \"change_request\"",
            ));
            OtherWriters::Refuse
        }
    };
    (problems.len() == before).then(|| Owner {
        record_type: record_type.clone(),
        source: file.source.get_ref().clone(),
        others,
    })
}

/// A change request's workflow needs text fields `record` and `changes`, which keel fills.
fn change_workflow_problems(
    source: &Source,
    workflow: &toml::Spanned<String>,
    workflows: &BTreeMap<String, Workflow>,
    problems: &mut Vec<Problem>,
) {
    let Some(found) = workflows.get(workflow.get_ref()) else {
        problems.push(source.at(
            workflow,
            format!("there is no workflow `{}`", workflow.get_ref()),
            "declare the workflow change requests go through in workflows/",
        ));
        return;
    };
    for needed in ["record", "changes"] {
        let is_text = found
            .field(needed)
            .is_some_and(|f| f.field_type == crate::domain::FieldType::Text);
        if !is_text {
            problems.push(source.at(workflow, format!("workflow `{}` has no text field `{needed}`", found.name), "a change request's workflow needs text fields `record` (what is changed) and `changes` (old → new, field by field)"));
        }
    }
}
