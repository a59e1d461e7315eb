//! How long a 20-row decision table takes to decide one request whose deciding row is near the
//! end: the cost every submission pays. Bindings are built once, as the service does per request.

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use keel::domain::{
    FieldType, Fields, FormField, Outcome, RecordSchema, RecordType, RecordTypeField, RuleSpec,
    Timing, Workflow,
};
use keel::engine::decision::compile_table;
use keel::engine::rules::{bindings, rule_env};
use serde_json::json;
use std::collections::BTreeMap;
use std::hint::black_box;

const ROWS: [(&str, &str, &str); 20] = [
    (
        "blocked_vendor",
        "has(vendor.blocked) && vendor.blocked",
        "reject",
    ),
    ("inactive_project", "!project.active", "reject"),
    ("over_budget", "request.amount > project.budget", "flag"),
    ("huge", "request.amount > 250000", "route:board"),
    (
        "capex",
        "request.category == \"capex\" && request.amount > 50000",
        "route:cfo",
    ),
    (
        "contractor_big",
        "requester.role == \"contractor\" && request.amount > 1000",
        "route:director",
    ),
    (
        "travel_weekend",
        "request.category == \"travel\" && now.getDayOfWeek() == 6",
        "flag",
    ),
    (
        "urgent_big",
        "request.urgent && request.amount > 20000",
        "route:director",
    ),
    (
        "software_small",
        "request.category == \"software\" && request.amount <= 200",
        "approve",
    ),
    (
        "new_vendor_big",
        "!vendor.preferred && request.amount > 10000",
        "route:procurement",
    ),
    (
        "services_long",
        "request.category == \"services\" && request.quantity > 40",
        "route:pm",
    ),
    (
        "meals",
        "request.category in [\"meals\", \"entertainment\"] && request.amount > 500",
        "route:finance",
    ),
    (
        "director_self",
        "requester.role == \"director\" && request.amount <= 5000",
        "approve",
    ),
    ("cfo_any", "requester.role == \"cfo\"", "approve"),
    (
        "budget_share",
        "request.amount > project.budget * 0.25",
        "route:finance",
    ),
    (
        "rating_low",
        "has(vendor.rating) && vendor.rating < 2",
        "route:procurement",
    ),
    ("reason_short", "size(request.reason) < 5", "reject"),
    ("late_need", "request.needed_by < now", "reject"),
    (
        "preferred_within_limit",
        "vendor.preferred && request.amount <= requester.approval_limit * 4 && \
         request.category in [\"hardware\", \"software\", \"services\"]",
        "approve",
    ),
    ("rest", "true", "route:manager"),
];

fn field(name: &str, field_type: &str) -> (String, FieldType) {
    (
        name.to_string(),
        field_type.parse().expect("valid bench field type"),
    )
}

fn record_type(name: &str, fields: &[(&str, &str)]) -> RecordType {
    RecordType {
        name: name.to_string(),
        key: vec![fields[0].0.to_string()],
        fields: fields
            .iter()
            .map(|(n, t)| {
                let (name, field_type) = field(n, t);
                RecordTypeField {
                    name,
                    field_type,
                    required: false,
                }
            })
            .collect(),
        source_of_truth: "keel".to_string(),
        label: None,
    }
}

fn workflow() -> Workflow {
    let form = [
        ("amount", "money"),
        (
            "category",
            "enum(hardware, software, services, travel, meals, entertainment, capex)",
        ),
        ("reason", "text"),
        ("project", "ref(project)"),
        ("vendor", "ref(vendor)"),
        ("needed_by", "date"),
        ("urgent", "bool"),
        ("quantity", "number"),
    ];
    let outcome = |text: &str| match text {
        "approve" => Outcome::Approve,
        "reject" => Outcome::Reject,
        "flag" => Outcome::Flag,
        other => Outcome::Route(other.trim_start_matches("route:").to_string()),
    };
    Workflow {
        name: "purchase".into(),
        title: "Purchase order".into(),
        command: "po".into(),
        id_prefix: "PO".into(),
        first_number: 1,
        fields: form
            .iter()
            .map(|(n, t)| {
                let (name, field_type) = field(n, t);
                FormField {
                    label: name.clone(),
                    name,
                    field_type,
                    required: false,
                    max_len: 2000,
                    help: None,
                    min: None,
                    max: None,
                }
            })
            .collect(),
        rules: ROWS
            .iter()
            .map(|(name, when, out)| RuleSpec {
                name: name.to_string(),
                when: when.to_string(),
                outcome: outcome(out),
                reason: format!("row {name}"),
            })
            .collect(),
        chains: BTreeMap::new(),
        flagged_chain: Some("review".into()),
        default_chain: "manager".into(),
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

fn schema() -> RecordSchema {
    let types = [
        record_type(
            "staff",
            &[
                ("staff_id", "text"),
                ("role", "text"),
                ("approval_limit", "money"),
                ("manager_id", "text"),
            ],
        ),
        record_type(
            "project",
            &[
                ("project_id", "text"),
                ("budget", "money"),
                ("active", "bool"),
                ("manager_id", "text"),
            ],
        ),
        record_type(
            "vendor",
            &[
                ("vendor_id", "text"),
                ("preferred", "bool"),
                ("blocked", "bool"),
                ("rating", "number"),
            ],
        ),
    ];
    RecordSchema {
        types: types.into_iter().map(|t| (t.name.clone(), t)).collect(),
    }
}

fn fields(value: serde_json::Value) -> Fields {
    value.as_object().cloned().unwrap_or_default()
}

fn decide(c: &mut Criterion) {
    let workflow = workflow();
    let schema = schema();
    let env = rule_env(&workflow, &schema, "staff");
    let table = compile_table(&workflow, &env).expect("bench rules compile");
    let form = fields(json!({
        "amount": "1250.00", "category": "hardware", "reason": "Laptop for new hire",
        "project": "P001", "vendor": "V7", "needed_by": "2026-03-10", "urgent": false, "quantity": 2
    }));
    let requester = fields(json!({
        "staff_id": "S1", "role": "engineer", "approval_limit": "500.00", "manager_id": "S9"
    }));
    let refs = BTreeMap::from([
        (
            "project".to_string(),
            fields(json!({"project_id": "P001", "budget": "90000.00", "active": true})),
        ),
        (
            "vendor".to_string(),
            fields(json!({"vendor_id": "V7", "preferred": true, "rating": 4})),
        ),
    ]);
    let now = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid instant");
    let bound = bindings(&workflow, &schema, &form, &requester, &refs, now);
    let decision = table.decide(&workflow, &bound, false);
    assert_eq!(decision.rule.as_deref(), Some("preferred_within_limit"));

    c.bench_function("decide_20_rows_match_at_19", |b| {
        b.iter(|| table.decide(black_box(&workflow), black_box(&bound), false))
    });
    c.bench_function("bindings_build", |b| {
        b.iter(|| bindings(&workflow, &schema, black_box(&form), &requester, &refs, now))
    });
}

criterion_group!(benches, decide);
criterion_main!(benches);
