//! A purchase workflow, its schema and one request, shared by the engine's unit tests.

use crate::domain::{
    FieldType, Fields, FormField, Outcome, RecordSchema, RecordType, RecordTypeField, RuleSpec,
    Timing, Workflow,
};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use std::collections::BTreeMap;

fn field_type(text: &str) -> FieldType {
    text.parse().expect("fixture field types are valid")
}

fn record_type(name: &str, fields: &[(&str, &str)]) -> RecordType {
    RecordType {
        name: name.to_string(),
        key: vec![fields[0].0.to_string()],
        fields: fields
            .iter()
            .map(|(n, t)| RecordTypeField {
                name: n.to_string(),
                field_type: field_type(t),
                required: false,
            })
            .collect(),
        source_of_truth: "keel".to_string(),
        label: None,
    }
}

pub(crate) fn schema() -> RecordSchema {
    let types = [
        record_type(
            "staff",
            &[
                ("staff_id", "text"),
                ("name", "text"),
                ("role", "enum(engineer, manager, director, cfo)"),
                ("approval_limit", "money"),
                ("manager_id", "text"),
            ],
        ),
        record_type(
            "project",
            &[
                ("project_id", "text"),
                ("name", "text"),
                ("budget", "money"),
                ("active", "bool"),
                ("manager_id", "text"),
            ],
        ),
        record_type(
            "vendor",
            &[
                ("vendor_id", "text"),
                ("name", "text"),
                ("preferred", "bool"),
                ("rating", "number"),
            ],
        ),
    ];
    RecordSchema {
        types: types.into_iter().map(|t| (t.name.clone(), t)).collect(),
    }
}

pub(crate) fn rule(name: &str, when: &str, outcome: Outcome) -> RuleSpec {
    RuleSpec {
        name: name.to_string(),
        when: when.to_string(),
        outcome,
        reason: format!("because {name}"),
    }
}

pub(crate) fn workflow(rules: Vec<RuleSpec>) -> Workflow {
    let form = [
        ("amount", "money"),
        ("category", "enum(hardware, software, travel, services)"),
        ("reason", "text"),
        ("project", "ref(project)"),
        ("vendor", "ref(vendor)"),
        ("needed_by", "date"),
        ("urgent", "bool"),
        ("quantity", "number"),
    ];
    Workflow {
        name: "purchase".to_string(),
        title: "Purchase order".to_string(),
        command: "po".to_string(),
        id_prefix: "PO".to_string(),
        first_number: 1,
        fields: form
            .iter()
            .map(|(n, t)| FormField {
                name: n.to_string(),
                label: n.to_string(),
                field_type: field_type(t),
                required: false,
                max_len: 2000,
                help: None,
                min: None,
                max: None,
            })
            .collect(),
        rules,
        chains: BTreeMap::new(),
        flagged_chain: Some("review".to_string()),
        default_chain: "manager".to_string(),
        anomaly: None,
        timing: Timing {
            remind_after_business_hours: None,
            escalate_after_business_hours: None,
            expire_after_days: None,
        },
        history: None,
        channel: None,
        context: Vec::new(),
    }
}

fn fields(value: serde_json::Value) -> Fields {
    match value {
        serde_json::Value::Object(map) => map,
        _ => Fields::new(),
    }
}

pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("a valid instant")
}

/// A 1250.00 hardware purchase by an engineer, on an active project, from a preferred vendor.
pub(crate) fn request() -> (Fields, Fields, BTreeMap<String, Fields>) {
    let form = fields(json!({
        "amount": "1250.00", "category": "hardware", "reason": "Laptop for new hire",
        "project": "P001", "vendor": "V7", "needed_by": "2026-03-10", "urgent": false,
        "quantity": 2
    }));
    let requester = fields(json!({
        "staff_id": "S1", "name": "Ada", "role": "engineer", "approval_limit": "500.00",
        "manager_id": "S9"
    }));
    let refs = BTreeMap::from([
        (
            "project".to_string(),
            fields(
                json!({"project_id": "P001", "name": "Bridge", "budget": "90000.00",
                          "active": true, "manager_id": "S4"}),
            ),
        ),
        (
            "vendor".to_string(),
            fields(json!({"vendor_id": "V7", "name": "Acme", "preferred": true, "rating": 4})),
        ),
    ]);
    (form, requester, refs)
}
