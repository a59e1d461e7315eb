//! A digest section's items, read from the table of the insight behind it (as the person would
//! get it when asking, so within their access): which rows count, and the line each becomes.
//! A row is known by its first column ("Apex Concrete (V002)"), which stays the same from one
//! digest to the next.

use super::digest::Item;
use crate::domain::digest::Section;
use serde_json::Value;

/// Clients whose touchpoints in the last 90 days fell by this share or more (in percent).
pub const AT_RISK_DROP_PERCENT: f64 = -30.0;
/// Vendors on time less often than this (in percent) are late vendors…
pub const LATE_VENDOR_ON_TIME_PERCENT: f64 = 80.0;
/// …over at least this many deliveries.
pub const LATE_VENDOR_MIN_DELIVERIES: f64 = 3.0;
/// People above this share of their weekly capacity (in percent) are over capacity…
pub const OVER_CAPACITY_PERCENT: f64 = 110.0;
/// …and below this one under it.
pub const UNDER_CAPACITY_PERCENT: f64 = 50.0;

/// The items of `section` in an insight's table (`columns`, `rows` as an answer gives them);
/// `currency` writes money.
pub fn items(
    section: Section,
    columns: &[String],
    rows: &[Vec<Value>],
    currency: &str,
) -> Vec<Item> {
    let at = |name: &str| columns.iter().position(|c| c == name);
    rows.iter()
        .filter_map(|row| {
            let cell = |name: &str| at(name).and_then(|i| row.get(i));
            let num = |name: &str| cell(name).and_then(Value::as_f64);
            let key = row.first().and_then(Value::as_str)?.to_string();
            let money = |name: &str| Some(crate::ask::figure(cell(name)?, Some(currency)));
            let line: Option<String> = match section {
                Section::AtRiskClients => {
                    let change = num("change %")?;
                    (change <= AT_RISK_DROP_PERCENT).then(|| {
                        format!(
                            "{key}: {} touchpoints in the last 90 days, {} in the 90 before ({change:+.0}%)",
                            num("last 90 days").unwrap_or_default(),
                            num("90 days before").unwrap_or_default()
                        )
                    })
                }
                Section::OverBudget => Some(format!(
                    "{key}: projected {} over its {} budget ({}% spent at {}% complete)",
                    money("projected overrun")?,
                    money("budget")?,
                    num("spent % of budget")?,
                    num("% complete")?
                )),
                Section::LateVendors => {
                    let rate = num("on-time %")?;
                    let deliveries = num("deliveries")?;
                    (rate < LATE_VENDOR_ON_TIME_PERCENT && deliveries >= LATE_VENDOR_MIN_DELIVERIES)
                        .then(|| {
                            format!(
                                "{key}: {rate:.0}% on time over {deliveries} deliveries, {} days late on average when late",
                                num("average days late").unwrap_or_default()
                            )
                        })
                }
                Section::UnusualRequests => {
                    let pending = cell("status").and_then(Value::as_str) == Some("pending");
                    pending.then(|| {
                        format!(
                            "{key} ({}) by {}: {}",
                            text(cell("workflow")),
                            text(cell("requester")),
                            text(cell("why"))
                        )
                    })
                }
                Section::Capacity => {
                    let load = num("utilization %")?;
                    let side = if load > OVER_CAPACITY_PERCENT {
                        "over"
                    } else if load < UNDER_CAPACITY_PERCENT {
                        "under"
                    } else {
                        return None;
                    };
                    Some(format!(
                        "{key} is {side} capacity: {} hours a week against {} ({load:.0}%)",
                        num("hours per week").unwrap_or_default(),
                        num("capacity").unwrap_or_default()
                    ))
                }
                // Read from the pending requests, not from an insight's table.
                Section::WaitingPastSla => None,
            };
            line.map(|line| Item {
                section: section.name().to_string(),
                key,
                line,
            })
        })
        .collect()
}

fn text(value: Option<&Value>) -> &str {
    value.and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn columns(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_project_over_budget_reads_in_money_and_percent() {
        let cols = columns(&[
            "project",
            "budget",
            "spent",
            "spent % of budget",
            "% complete",
            "projected cost",
            "projected overrun",
        ]);
        let rows = vec![vec![
            json!("Bayview (P001)"),
            json!(1000000.0),
            json!(600000.0),
            json!(60.0),
            json!(50),
            json!(1200000.0),
            json!(200000.0),
        ]];
        let items = items(Section::OverBudget, &cols, &rows, "$");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].key, "Bayview (P001)");
        assert!(
            items[0].line.contains("projected $200,000"),
            "{}",
            items[0].line
        );
    }

    #[test]
    fn only_clients_dropping_enough_are_at_risk() {
        let cols = columns(&["client", "last 90 days", "90 days before", "change %"]);
        let rows = vec![
            vec![json!("A (C1)"), json!(2), json!(10), json!(-80.0)],
            vec![json!("B (C2)"), json!(9), json!(10), json!(-10.0)],
        ];
        let items = items(Section::AtRiskClients, &cols, &rows, "$");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].key, "A (C1)");
    }

    #[test]
    fn capacity_lists_people_over_and_under_only() {
        let cols = columns(&[
            "person",
            "role",
            "hours per week",
            "capacity",
            "utilization %",
        ]);
        let rows = vec![
            vec![json!("A"), json!("x"), json!(52.0), json!(40), json!(130.0)],
            vec![json!("B"), json!("x"), json!(38.0), json!(40), json!(95.0)],
            vec![json!("C"), json!("x"), json!(10.0), json!(40), json!(25.0)],
        ];
        let lines: Vec<String> = items(Section::Capacity, &cols, &rows, "$")
            .into_iter()
            .map(|i| i.line)
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("over capacity"));
        assert!(lines[1].contains("under capacity"));
    }
}
