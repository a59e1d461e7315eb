//! What a decision or a record change owes the targets: one payload per matching rule, rendered
//! once, when it is queued, so that every retry sends the same bytes.

use super::template;
use crate::config::{Outbound, OutboundRule, TargetBody, Trigger};
use crate::domain::{Fields, RecordType, Request};
use crate::engine::rules;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

/// One payload to queue for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub target: String,
    pub rule: String,
    /// `request.decided` or `record.changed`.
    pub event_type: &'static str,
    /// A request id, or `type/key` of a record.
    pub subject: String,
    /// `{"type", "timestamp", "rule", "data"}`: Standard Webhooks' usual envelope around the
    /// rule's payload; or the payload alone, for a target that wants it bare.
    pub body: String,
}

/// What `rule` sends for `data`: Standard Webhooks' usual envelope around it, or the payload
/// alone for a target that says `body = "payload"`.
fn body(
    outbound: &Outbound,
    rule: &OutboundRule,
    event_type: &str,
    now: DateTime<Utc>,
    data: serde_json::Value,
) -> String {
    let target = outbound.targets.get(&rule.target);
    if target.is_some_and(|t| t.body == TargetBody::Payload) {
        return data.to_string();
    }
    json!({
        "type": event_type,
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "rule": rule.name,
        "data": data,
    })
    .to_string()
}

/// The payloads owed for `request`, just decided.
pub fn for_decision(outbound: &Outbound, request: &Request, now: DateTime<Utc>) -> Vec<Queued> {
    let context = template::request_context(request);
    outbound
        .rules
        .iter()
        .filter(|rule| match &rule.trigger {
            Trigger::Decided { workflow, outcomes } => {
                *workflow == request.workflow
                    && (outcomes.is_empty() || outcomes.contains(&request.status))
            }
            Trigger::Changed { .. } => false,
        })
        .map(|rule| Queued {
            target: rule.target.clone(),
            rule: rule.name.clone(),
            event_type: "request.decided",
            subject: request.id.clone(),
            body: body(
                outbound,
                rule,
                "request.decided",
                now,
                template::render(&rule.payload, &context),
            ),
        })
        .collect()
}

/// A record written with a new version, and what it was before (`None` when it is new).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    pub key: String,
    pub version: i64,
    pub fields: Fields,
    pub before: Option<Fields>,
}

/// Whether any rule watches records of `record_type` (so that a large import collects its
/// changes only when something will read them).
pub fn watches(outbound: &Outbound, record_type: &str) -> bool {
    outbound.rules.iter().any(
        |rule| matches!(&rule.trigger, Trigger::Changed { record_type: t, .. } if t == record_type),
    )
}

/// The payloads owed for `changes` to records of `record_type`: one per change and rule whose
/// condition holds (a condition that cannot be evaluated, on a missing value, does not hold).
pub fn for_changes(
    outbound: &Outbound,
    record_type: &RecordType,
    changes: &[RecordChange],
    now: DateTime<Utc>,
) -> Vec<Queued> {
    let mut queued = Vec::new();
    for rule in &outbound.rules {
        let Trigger::Changed {
            record_type: watched,
            condition,
        } = &rule.trigger
        else {
            continue;
        };
        if *watched != record_type.name {
            continue;
        }
        for change in changes {
            if let Some(condition) = condition {
                let bindings = rules::record_bindings(
                    record_type,
                    &change.fields,
                    change.before.as_ref(),
                    now,
                );
                if condition.eval(&bindings) != Ok(true) {
                    continue;
                }
            }
            let context = template::record_context(
                &record_type.name,
                &change.key,
                change.version,
                &change.fields,
                change.before.as_ref(),
            );
            queued.push(Queued {
                target: rule.target.clone(),
                rule: rule.name.clone(),
                event_type: "record.changed",
                subject: format!("{}/{}", record_type.name, change.key),
                body: body(
                    outbound,
                    rule,
                    "record.changed",
                    now,
                    template::render(&rule.payload, &context),
                ),
            });
        }
    }
    queued
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WebhookTarget;
    use crate::domain::Status;
    use std::sync::Arc;

    fn outbound(trigger: Trigger) -> Outbound {
        Outbound {
            rules: vec![OutboundRule {
                name: "r".into(),
                target: "t".into(),
                trigger,
                payload: json!({ "id": "{request.id}", "key": "{record.key}" }),
            }],
            ..Outbound::default()
        }
    }

    fn decided(workflow: &str, status: Status) -> Request {
        Request {
            id: "PO-25458".into(),
            workflow: workflow.into(),
            requester: Some("S010".into()),
            fields: Fields::new(),
            status,
            steps: Vec::new(),
            current_step: 0,
            rule: None,
            flags: Vec::new(),
            submitted_at: Utc::now(),
            decided_at: Some(Utc::now()),
            idempotency_key: None,
            idempotency_fingerprint: None,
            version: 2,
        }
    }

    #[test]
    fn a_decision_rule_sends_for_its_workflow_and_outcomes_only() {
        let rules = outbound(Trigger::Decided {
            workflow: "purchase_order".into(),
            outcomes: vec![Status::Approved],
        });
        let now = Utc::now();
        let approved = decided("purchase_order", Status::Approved);
        let sent = for_decision(&rules, &approved, now);
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].subject, approved.id);
        let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
        assert_eq!(body["type"], "request.decided");
        assert_eq!(body["data"]["id"], approved.id.as_str());
        assert_eq!(body["data"]["key"], serde_json::Value::Null);
        assert_eq!(body["rule"], "r");
        let rejected = decided("purchase_order", Status::Rejected);
        assert!(for_decision(&rules, &rejected, now).is_empty());
        let other = decided("expense", Status::Approved);
        assert!(for_decision(&rules, &other, now).is_empty());
    }

    #[test]
    fn a_target_wanting_the_payload_gets_it_without_the_envelope() {
        let mut rules = outbound(Trigger::Decided {
            workflow: "purchase_order".into(),
            outcomes: Vec::new(),
        });
        let target = WebhookTarget {
            name: "t".into(),
            url: "https://q.example.com/purchaseorder?requestid={webhook_id}".into(),
            body: TargetBody::Payload,
            signing_keys: Vec::new(),
            headers: Vec::new(),
            timeout: std::time::Duration::from_secs(5),
            retry_schedule: Vec::new(),
        };
        rules.targets.insert("t".into(), target);
        let approved = decided("purchase_order", Status::Approved);
        let sent = for_decision(&rules, &approved, Utc::now());
        let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
        assert_eq!(body, json!({ "id": "PO-25458", "key": null }));
    }

    #[test]
    fn a_change_rule_sends_the_changes_its_condition_picks() {
        let config = crate::config::demo();
        let project = config.schema.get("project").unwrap();
        let condition = "record.status == 'completed' && before.status != 'completed'";
        let condition = rules::compile(condition, &rules::record_env(project)).unwrap();
        let rules = outbound(Trigger::Changed {
            record_type: "project".into(),
            condition: Some(Arc::new(condition)),
        });
        let status = |s: &str| Fields::from_iter([("status".to_string(), json!(s))]);
        let change = |key: &str, now: &str, before: Option<&str>| RecordChange {
            key: key.into(),
            version: 2,
            fields: status(now),
            before: before.map(status),
        };
        let changes = [
            change("P1", "completed", Some("active")),
            change("P2", "active", Some("planning")),
            change("P3", "completed", Some("completed")),
            change("P4", "completed", None),
        ];
        let sent = for_changes(&rules, project, &changes, Utc::now());
        let subjects: Vec<&str> = sent.iter().map(|q| q.subject.as_str()).collect();
        // A new record's `before` has no status, so the condition cannot hold for P4.
        assert_eq!(subjects, ["project/P1"]);
        assert!(watches(&rules, "project"));
        assert!(!watches(&rules, "vendor"));
    }
}
