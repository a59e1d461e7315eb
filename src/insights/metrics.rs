//! The numbers alerts compare, one per record, from records already read: no I/O.

use super::compute::{day, number, text};
use crate::domain::Record;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Per active or on-hold project with a budget: invoiced spend as a percentage of it.
pub fn budget_spent_percent(
    projects: &[Record],
    spend_by_project: &BTreeMap<String, f64>,
) -> BTreeMap<String, f64> {
    projects
        .iter()
        .filter(|p| matches!(text(p, "status"), Some("active" | "on_hold")))
        .filter_map(|p| {
            let budget = number(p, "budget").filter(|b| *b > 0.0)?;
            let spent = spend_by_project.get(&p.key).copied().unwrap_or(0.0);
            Some((p.key.clone(), spent / budget * 100.0))
        })
        .collect()
}

/// Per active client with a touchpoint in the last `days * 2` days: the change in touchpoints
/// over the `days` to `today` against the `days` before, in percent.
pub fn touchpoints_change_percent(
    touchpoints: &[Record],
    clients: &[Record],
    today: NaiveDate,
    days: i64,
) -> BTreeMap<String, f64> {
    let counts = super::compute::touchpoint_counts(touchpoints, clients, today, days);
    counts
        .into_iter()
        .filter(|(_, (_, before))| *before > 0)
        .map(|(client, (recent, before))| {
            let change = (f64::from(recent) - f64::from(before)) / f64::from(before) * 100.0;
            (client.to_string(), change)
        })
        .collect()
}

/// Per vendor with a delivery: how many of its latest deliveries in a row (by delivery date)
/// arrived after the promised date.
pub fn late_deliveries_in_a_row(orders: &[Record]) -> BTreeMap<String, f64> {
    let mut by_vendor: BTreeMap<&str, Vec<(NaiveDate, &str, bool)>> = BTreeMap::new();
    for order in orders {
        let (Some(vendor), Some(promised), Some(delivered)) = (
            text(order, "vendor_id"),
            day(order, "promised_date"),
            day(order, "delivered_date"),
        ) else {
            continue;
        };
        by_vendor
            .entry(vendor)
            .or_default()
            .push((delivered, &order.key, delivered > promised));
    }
    by_vendor
        .into_iter()
        .map(|(vendor, mut deliveries)| {
            deliveries.sort();
            let streak = deliveries.iter().rev().take_while(|d| d.2).count();
            (vendor.to_string(), streak as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(key: &str, fields: serde_json::Value) -> Record {
        Record {
            record_type: String::new(),
            key: key.into(),
            fields: serde_json::from_value(fields).unwrap(),
            version: 1,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn spend_is_a_percentage_of_budget_for_running_projects_only() {
        let projects = [
            record("P1", json!({"status": "active", "budget": "1000"})),
            record("P2", json!({"status": "completed", "budget": "1000"})),
        ];
        let spend = [("P1".to_string(), 930.0), ("P2".into(), 2000.0)].into();
        let values = budget_spent_percent(&projects, &spend);
        assert_eq!(values, [("P1".to_string(), 93.0)].into());
    }

    #[test]
    fn a_vendor_late_streak_counts_its_latest_deliveries_only() {
        let order = |key: &str, promised: &str, delivered: &str| {
            record(
                key,
                json!({"vendor_id": "V1", "promised_date": promised, "delivered_date": delivered}),
            )
        };
        let orders = [
            order("A", "2026-01-01", "2026-01-05"),
            order("B", "2026-02-01", "2026-02-01"),
            order("C", "2026-03-01", "2026-03-02"),
            order("D", "2026-04-01", "2026-04-09"),
        ];
        assert_eq!(late_deliveries_in_a_row(&orders)["V1"], 2.0);
    }

    #[test]
    fn touchpoints_halving_reads_minus_fifty() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let touch =
            |key: &str, on: &str| record(key, json!({"client_id": "C1", "occurred_on": on}));
        let touchpoints = [
            touch("T1", "2026-10-10"),
            touch("T2", "2026-10-20"),
            touch("T3", "2026-11-20"),
        ];
        let clients = [record("C1", json!({"status": "active"}))];
        let change = touchpoints_change_percent(&touchpoints, &clients, today, 30);
        assert_eq!(change["C1"], -50.0);
    }
}
