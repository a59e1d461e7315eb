//! Alerts, pure: which records crossed an alert's bound and which fell back since the stored
//! state. An alert fires on a record going from not crossed to crossed, and re-arms when it goes
//! back; a record that is no longer measured (a project completed) counts as not crossed.

use crate::domain::digest::{AlertRule, Bound};
use crate::domain::{Card, Notification, NotificationKind};
use std::collections::{BTreeMap, BTreeSet};

/// A record whose state changes: `crossed` is the new state; `value` is `None` when the record
/// is no longer measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: String,
    pub crossed: bool,
    pub value: Option<f64>,
}

/// The records whose state differs from `crossed_before` (the keys stored as crossed), in key
/// order. Records never crossed and still not crossed change nothing.
pub fn changes(
    bound: Bound,
    values: &BTreeMap<String, f64>,
    crossed_before: &BTreeSet<String>,
) -> Vec<Change> {
    let mut changes: Vec<Change> = values
        .iter()
        .filter(|(key, value)| bound.holds(**value) != crossed_before.contains(*key))
        .map(|(key, value)| Change {
            key: key.clone(),
            crossed: bound.holds(*value),
            value: Some(*value),
        })
        .collect();
    changes.extend(
        crossed_before
            .iter()
            .filter(|key| !values.contains_key(*key))
            .map(|key| Change {
                key: key.clone(),
                crossed: false,
                value: None,
            }),
    );
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    changes
}

/// What an alert tells `to` about the record `named` that crossed: a card without buttons,
/// about no request.
pub fn notification(rule: &AlertRule, named: &str, change: &Change, to: &str) -> Notification {
    let said = match change.value {
        Some(value) => rule.metric.describe(value),
        None => "is no longer measured".to_string(),
    };
    let status = format!("{named} {said}");
    let card = Card {
        title: format!("Alert: {}", rule.name.replace('_', " ")),
        fields: vec![
            (
                "Rule".to_string(),
                format!("{} {}", rule.metric.name(), rule.bound.words()),
            ),
            (record_words(rule.metric.record_type()), named.to_string()),
        ],
        status: status.clone(),
        notes: vec![format!("Ask keel: “{}”", rule.metric.question())],
        flags: Vec::new(),
        facts: Vec::new(),
        buttons: Vec::new(),
        questions: vec![rule.metric.question().to_string()],
    };
    Notification {
        to: to.to_string(),
        kind: NotificationKind::Alert,
        request_id: String::new(),
        text: format!("Alert {}: {status}.", rule.name),
        card: Some(card),
    }
}

/// "Project" for `project`.
fn record_words(record_type: &str) -> String {
    let spoken = record_type.replace('_', " ");
    let mut chars = spoken.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spoken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn a_record_fires_once_when_it_crosses_and_not_while_it_stays_crossed() {
        let bound = Bound::AtLeast(90.0);
        let first = changes(bound, &values(&[("P1", 95.0), ("P2", 50.0)]), &set(&[]));
        assert_eq!(
            first,
            vec![Change {
                key: "P1".into(),
                crossed: true,
                value: Some(95.0)
            }]
        );
        assert!(changes(bound, &values(&[("P1", 97.0), ("P2", 50.0)]), &set(&["P1"])).is_empty());
    }

    #[test]
    fn a_record_falling_back_or_no_longer_measured_re_arms() {
        let bound = Bound::AtMost(-50.0);
        let back = changes(bound, &values(&[("C1", -10.0)]), &set(&["C1", "C2"]));
        assert_eq!(back.len(), 2);
        assert!(back.iter().all(|c| !c.crossed));
        assert_eq!(back[1].value, None);
    }
}
