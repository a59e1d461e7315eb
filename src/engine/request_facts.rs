//! The requests themselves as a record type Ask keel can query (`request`): who asked, who
//! decided, the decision, how long it took (in hours, business hours and days), who it waits
//! for, and the form's amounts and references. Built from the workflows, not from
//! records.toml; one row per request, rewritten whenever the request moves (see
//! `store::request_facts`).

use super::calendar::BusinessCalendar;
use crate::domain::{
    Directory, FieldType, Fields, RecordSchema, RecordType, RecordTypeField, Request, Status,
    Workflow,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The name questions and plans use for the requests.
pub const RECORD_TYPE: &str = "request";

/// The decisions a request can have, as its status names them (`pending` while it waits).
pub const DECISIONS: [&str; 7] = [
    "pending",
    "approved",
    "auto_approved",
    "rejected",
    "auto_rejected",
    "cancelled",
    "expired",
];

/// The fields every request has, before those of the workflows' forms.
const CORE: [(&str, &str); 13] = [
    ("request_id", "text"),
    ("workflow", ""),
    ("requester", ""),
    ("submitted_at", "timestamp"),
    ("status", "enum(open, closed)"),
    ("decision", ""),
    ("decider", ""),
    ("decided_at", "timestamp"),
    ("hours", "number"),
    ("business_hours", "number"),
    ("days", "number"),
    ("waiting_for", "text"),
    ("involved", "text"),
];

/// The `request` record type for these workflows: the core fields, then each form field that
/// can be grouped or measured (references to named records, money, numbers, lists, dates) and
/// means the same in every workflow that has it. `None` when records.toml already has a type
/// of that name.
pub fn record_type<'a>(
    workflows: impl IntoIterator<Item = &'a Workflow>,
    schema: &RecordSchema,
    directory_type: &str,
) -> Option<RecordType> {
    if schema.get(RECORD_TYPE).is_some() {
        return None;
    }
    let workflows: Vec<&Workflow> = workflows.into_iter().collect();
    let names: Vec<&str> = workflows.iter().map(|w| w.name.as_str()).collect();
    let mut fields: Vec<RecordTypeField> = CORE
        .iter()
        .map(|(name, kind)| {
            let field_type = match *name {
                "workflow" => FieldType::Enum(names.iter().map(|n| n.to_string()).collect()),
                "requester" | "decider" => FieldType::Ref(directory_type.to_string()),
                "decision" => FieldType::Enum(DECISIONS.iter().map(|d| d.to_string()).collect()),
                _ => kind.parse().unwrap_or(FieldType::Text),
            };
            RecordTypeField {
                name: name.to_string(),
                field_type,
                required: *name == "request_id",
            }
        })
        .collect();
    fields.extend(form_fields(&workflows, schema));
    Some(RecordType {
        name: RECORD_TYPE.into(),
        key: vec!["request_id".into()],
        fields,
        source_of_truth: "keel".into(),
        label: None,
    })
}

/// `schema` with the `request` type added (see [`record_type`]); as it is when records.toml
/// already has a type of that name.
pub fn with_requests(config: &crate::config::Config) -> RecordSchema {
    let mut schema = config.schema.clone();
    let requests = record_type(
        config.workflows.values(),
        &config.schema,
        &config.directory.record,
    );
    if let Some(requests) = requests {
        schema.types.insert(RECORD_TYPE.to_string(), requests);
    }
    schema
}

/// The form fields kept: those of one type in every workflow that has them (lists merged), and
/// not named like a core field.
fn form_fields(workflows: &[&Workflow], schema: &RecordSchema) -> Vec<RecordTypeField> {
    let mut kept: BTreeMap<&str, Option<FieldType>> = BTreeMap::new();
    for field in workflows.iter().flat_map(|w| &w.fields) {
        let useful = match &field.field_type {
            FieldType::Ref(target) => schema.get(target).is_some_and(|t| t.label.is_some()),
            FieldType::Money | FieldType::Number | FieldType::Enum(_) | FieldType::Date => true,
            _ => false,
        };
        if !useful || CORE.iter().any(|(name, _)| *name == field.name) {
            continue;
        }
        let merged = match (kept.get(field.name.as_str()), &field.field_type) {
            (None, t) => Some(t.clone()),
            (Some(Some(FieldType::Enum(a))), FieldType::Enum(b)) => {
                let mut values = a.clone();
                values.extend(b.iter().filter(|v| !a.contains(v)).cloned());
                Some(FieldType::Enum(values))
            }
            (Some(Some(t)), other) if t == other => Some(t.clone()),
            _ => None,
        };
        kept.insert(&field.name, merged);
    }
    let mut fields: Vec<RecordTypeField> = Vec::new();
    // In the order the first workflow has them, so that `amount` comes before the rest.
    for field in workflows.iter().flat_map(|w| &w.fields) {
        if let Some(Some(field_type)) = kept.remove(field.name.as_str()) {
            fields.push(RecordTypeField {
                name: field.name.clone(),
                field_type,
                required: false,
            });
        }
    }
    fields
}

/// Who decided a request: the approver whose approval completed it, the person who rejected
/// it (`rejecter`, from its audit trail; for imported history, the step's one approver), and
/// nobody when it was decided by a rule, cancelled, expired or still waits.
pub fn decider(request: &Request, rejecter: Option<&str>) -> Option<String> {
    match request.status {
        Status::Approved => request
            .steps
            .iter()
            .rev()
            .find_map(|step| step.approvals.last())
            .map(|d| d.person.clone()),
        Status::Rejected => rejecter.map(String::from).or_else(|| {
            let step = request.steps.get(request.current_step)?;
            match step.approvers.as_slice() {
                [only] => Some(only.person.clone()),
                _ => None,
            }
        }),
        _ => None,
    }
}

/// `Rachel Kim (S004)`, as answers show a person; the key alone when the directory does not
/// know it. The key in parentheses is what a question about a person looks for.
pub fn person_label(directory: &Directory, id: &str) -> String {
    match directory.get(id) {
        Some(person) => format!("{} ({id})", person.name),
        None => format!("({id})"),
    }
}

/// The text a `waiting_for` or `involved` value holds for a person: what
/// [`person_label`] ends with, lower-cased as questions compare it.
pub fn person_token(id: &str) -> String {
    format!("({})", id.to_lowercase())
}

/// The request's row of the `request` record type.
pub fn facts(
    request: &Request,
    rejecter: Option<&str>,
    calendar: &BusinessCalendar,
    directory: &Directory,
) -> Fields {
    let mut fields = Fields::new();
    let ts =
        |at: &chrono::DateTime<chrono::Utc>| json!(crate::domain::field::canonical_timestamp(at));
    let decider = decider(request, rejecter);
    let labels = |ids: Vec<&str>| -> Value {
        let mut seen: Vec<&str> = Vec::new();
        for id in ids {
            if !seen.contains(&id) {
                seen.push(id);
            }
        }
        let labels: Vec<String> = seen.iter().map(|id| person_label(directory, id)).collect();
        if labels.is_empty() {
            Value::Null
        } else {
            json!(labels.join(", "))
        }
    };
    let waiting = request
        .current()
        .map(|s| s.waiting_for())
        .unwrap_or_default();
    let mut involved: Vec<&str> = request.requester.as_deref().into_iter().collect();
    for step in &request.steps {
        involved.extend(step.approvers.iter().map(|a| a.person.as_str()));
        for approval in &step.approvals {
            involved.push(&approval.person);
            involved.extend(approval.on_behalf_of.as_deref());
        }
    }
    involved.extend(decider.as_deref());
    // Form values first, so that no form field replaces a core one.
    for (name, value) in &request.fields {
        fields.insert(name.clone(), value.clone());
    }
    let open = request.status == Status::Pending;
    let core = [
        ("request_id", json!(request.id)),
        ("workflow", json!(request.workflow)),
        ("requester", json!(request.requester)),
        ("submitted_at", ts(&request.submitted_at)),
        ("status", json!(if open { "open" } else { "closed" })),
        ("decision", json!(request.status.as_str())),
        ("decider", json!(decider)),
        (
            "decided_at",
            request.decided_at.as_ref().map_or(Value::Null, ts),
        ),
        ("waiting_for", labels(waiting)),
        ("involved", labels(involved)),
    ];
    for (name, value) in core {
        fields.insert(name.into(), value);
    }
    if let Some(decided) = request.decided_at {
        let hours = (decided - request.submitted_at).num_seconds() as f64 / 3600.0;
        let business = calendar.business_hours_between(request.submitted_at, decided);
        fields.insert("hours".into(), json!(hours));
        fields.insert("business_hours".into(), json!(business));
        fields.insert("days".into(), json!(hours / 24.0));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::request::AssignedBy;
    use crate::domain::workflow::Quorum;
    use crate::domain::{Assignment, Person, StepDecision, StepState, Workflow};
    use chrono::{DateTime, Utc};

    fn demo() -> crate::config::Config {
        crate::config::demo()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn person(id: &str, name: &str) -> Person {
        Person {
            id: id.into(),
            name: name.into(),
            email: None,
            role: "project_manager".into(),
            title: None,
            manager_id: None,
            approval_limit: Default::default(),
            chat: Default::default(),
            active: true,
        }
    }

    fn request(status: Status, approvals: &[&str]) -> Request {
        Request {
            id: "CO-2001".into(),
            workflow: "change_order".into(),
            requester: Some("S023".into()),
            fields: serde_json::from_value(json!({"amount": "5000.00", "project": "P001"}))
                .unwrap(),
            status,
            steps: vec![StepState {
                name: "approve".into(),
                quorum: Quorum::Any,
                approvers: vec![
                    Assignment {
                        person: "S016".into(),
                        assigned_by: AssignedBy::Chain,
                    },
                    Assignment {
                        person: "S004".into(),
                        assigned_by: AssignedBy::Escalation,
                    },
                ],
                approvals: approvals
                    .iter()
                    .map(|p| StepDecision {
                        person: (*p).into(),
                        on_behalf_of: None,
                        at: at("2026-11-18T16:00:00Z"),
                    })
                    .collect(),
                started_at: Some(at("2026-11-16T15:00:00Z")),
                escalated: false,
            }],
            current_step: 0,
            rule: None,
            flags: Vec::new(),
            // A Monday, 9:00 in Chicago; decided on the Wednesday at 10:00.
            submitted_at: at("2026-11-16T15:00:00Z"),
            decided_at: (status != Status::Pending).then(|| at("2026-11-18T16:00:00Z")),
            idempotency_key: None,
            idempotency_fingerprint: None,
            version: 2,
        }
    }

    #[test]
    fn the_request_type_has_the_core_fields_and_the_form_fields_every_workflow_agrees_on() {
        let config = demo();
        let workflows: Vec<&Workflow> = config.workflows.values().collect();
        let record = record_type(workflows, &config.schema, "staff").unwrap();
        let names: Vec<&str> = record.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(&names[..CORE.len()], CORE.map(|(n, _)| n));
        for form in ["amount", "project", "vendor", "category"] {
            assert!(names.contains(&form), "{names:?}");
        }
        assert!(
            !names.contains(&"reason") && !names.contains(&"note"),
            "{names:?}"
        );
        assert_eq!(
            record.field("workflow").unwrap().field_type,
            FieldType::Enum(vec![
                "change_order".into(),
                "expense".into(),
                "purchase_order".into()
            ])
        );
        assert_eq!(
            record.field("decider").unwrap().field_type,
            FieldType::Ref("staff".into())
        );
    }

    #[test]
    fn the_decider_is_who_completed_or_rejected_it_never_the_requester_or_a_rule() {
        assert_eq!(
            decider(&request(Status::Approved, &["S004"]), None).as_deref(),
            Some("S004")
        );
        // Rejected: who the audit trail says; without it, the step's one approver, if one.
        let rejected = request(Status::Rejected, &[]);
        assert_eq!(decider(&rejected, Some("S016")).as_deref(), Some("S016"));
        assert_eq!(decider(&rejected, None), None, "two approvers: unknown");
        let mut imported = rejected.clone();
        imported.steps[0].approvers.truncate(1);
        assert_eq!(decider(&imported, None).as_deref(), Some("S016"));
        for status in [Status::AutoApproved, Status::Cancelled, Status::Expired] {
            assert_eq!(decider(&request(status, &[]), None), None, "{status}");
        }
    }

    #[test]
    fn facts_give_the_decision_time_and_who_waits_and_who_is_involved() {
        let config = demo();
        let calendar = &config.settings.company.calendar;
        let directory = Directory::new(
            [person("S004", "Rachel Kim"), person("S016", "Diana Brooks")],
            Vec::new(),
        );
        let approved = facts(
            &request(Status::Approved, &["S016"]),
            None,
            calendar,
            &directory,
        );
        assert_eq!(approved["decision"], json!("approved"));
        assert_eq!(approved["status"], json!("closed"));
        assert_eq!(approved["decider"], json!("S016"));
        assert_eq!(approved["hours"], json!(49.0));
        assert_eq!(approved["days"], json!(49.0 / 24.0));
        // Working hours are 8:00–17:00 in Chicago: Monday from 9:00 (8), Tuesday (9),
        // Wednesday to 10:00 (2).
        assert_eq!(approved["business_hours"], json!(19.0));
        assert_eq!(approved["waiting_for"], Value::Null);
        assert_eq!(approved["amount"], json!("5000.00"));
        assert_eq!(
            approved["involved"],
            json!("(S023), Diana Brooks (S016), Rachel Kim (S004)")
        );
        let pending = facts(&request(Status::Pending, &[]), None, calendar, &directory);
        assert_eq!(pending["status"], json!("open"));
        assert_eq!(pending["decided_at"], Value::Null);
        assert!(pending.get("hours").is_none());
        let waiting = pending["waiting_for"].as_str().unwrap().to_lowercase();
        assert!(waiting.contains(&person_token("S004")), "{waiting}");
        assert!(!waiting.contains(&person_token("S00")), "{waiting}");
    }
}
