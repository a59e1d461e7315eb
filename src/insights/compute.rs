//! The arithmetic of each insight, from records already read: no I/O, so each is tested with
//! hand-made records.

use crate::domain::plan::Table;
use crate::domain::{Record, RecordLabels, Request};
use crate::engine::stats::{median, nearest_rank};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// An insight's table and the sentence its numbers make.
#[derive(Debug, Clone, PartialEq)]
pub struct Computed {
    pub table: Table,
    pub sentence: String,
}

pub(super) fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record
        .fields
        .get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub(super) fn number(record: &Record, field: &str) -> Option<f64> {
    match record.fields.get(field)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub(super) fn day(record: &Record, field: &str) -> Option<NaiveDate> {
    text(record, field).and_then(|s| s.get(..10)?.parse().ok())
}

fn instant(record: &Record, field: &str) -> Option<DateTime<Utc>> {
    text(record, field).and_then(|s| s.parse().ok())
}

/// "Apex Concrete (V002)", or the key when the record has no name.
fn named(labels: &RecordLabels, record_type: &str, key: &str) -> String {
    match labels.label(record_type, key) {
        Some(label) => format!("{label} ({key})"),
        None => key.to_string(),
    }
}

fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

fn table(columns: &[&str], rows: Vec<Vec<Value>>) -> Table {
    Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        rows,
        truncated: false,
    }
}

/// On-time rate and average slip per vendor, over delivered purchase orders; least reliable
/// first.
pub fn vendor_reliability(orders: &[Record], labels: &RecordLabels) -> Computed {
    // vendor → (deliveries, on time, days late of the late ones)
    let mut by_vendor: BTreeMap<&str, (u32, u32, Vec<i64>)> = BTreeMap::new();
    for order in orders {
        let (Some(vendor), Some(promised), Some(delivered)) = (
            text(order, "vendor_id"),
            day(order, "promised_date"),
            day(order, "delivered_date"),
        ) else {
            continue;
        };
        let entry = by_vendor.entry(vendor).or_default();
        entry.0 += 1;
        let late = (delivered - promised).num_days();
        if late <= 0 {
            entry.1 += 1;
        } else {
            entry.2.push(late);
        }
    }
    let mut rows: Vec<(f64, f64, Vec<Value>)> = by_vendor
        .into_iter()
        .map(|(vendor, (deliveries, on_time, late))| {
            let rate = f64::from(on_time) / f64::from(deliveries) * 100.0;
            let slip = if late.is_empty() {
                0.0
            } else {
                late.iter().sum::<i64>() as f64 / late.len() as f64
            };
            let row = vec![
                json!(named(labels, "vendor", vendor)),
                json!(deliveries),
                json!(round(rate, 1)),
                json!(late.len()),
                json!(round(slip, 1)),
            ];
            (rate, slip, row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let sentence = match rows.first() {
        Some((rate, slip, row)) => format!(
            "{} misses the most delivery dates: {:.0}% on time over {} deliveries, {:.1} days late on average when late.",
            row[0].as_str().unwrap_or_default(),
            rate,
            row[1],
            slip
        ),
        None => "No purchase order has been delivered yet.".to_string(),
    };
    Computed {
        table: table(
            &[
                "vendor",
                "deliveries",
                "on-time %",
                "late deliveries",
                "average days late",
            ],
            rows.into_iter().map(|(_, _, row)| row).collect(),
        ),
        sentence,
    }
}

/// One project's spend against its budget, projected to completion at the rate so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burn {
    pub budget: f64,
    pub spent: f64,
    /// Spent as a percentage of the budget, to one place.
    pub spent_percent: f64,
    /// Percent complete, as the project record says.
    pub complete: f64,
    pub projected: f64,
    /// Projected cost above the budget (below 0: under budget).
    pub overrun: f64,
}

/// The burn of `project` having spent `spent`; `None` without a budget or any progress to
/// project from.
pub fn burn_of(project: &Record, spent: f64) -> Option<Burn> {
    let budget = number(project, "budget")?;
    let complete = number(project, "percent_complete")?;
    if budget <= 0.0 || complete <= 0.0 {
        return None;
    }
    let projected = spent / (complete / 100.0);
    Some(Burn {
        budget,
        spent,
        spent_percent: round(spent / budget * 100.0, 1),
        complete,
        projected,
        overrun: projected - budget,
    })
}

/// Spend against budget and percent complete for the active and on-hold projects on course to
/// go over budget, with the final cost projected at this rate; the largest projected overrun
/// first. The others are counted in the sentence, not listed: the table answers "which".
pub fn budget_burn(
    projects: &[Record],
    spend_by_project: &BTreeMap<String, f64>,
    labels: &RecordLabels,
    currency: &str,
) -> Computed {
    let mut rows: Vec<(f64, Vec<Value>)> = Vec::new();
    for project in projects {
        if !matches!(text(project, "status"), Some("active" | "on_hold")) {
            continue;
        }
        let spent = spend_by_project.get(&project.key).copied().unwrap_or(0.0);
        let Some(burn) = burn_of(project, spent) else {
            continue;
        };
        rows.push((
            burn.overrun,
            vec![
                json!(named(labels, "project", &project.key)),
                json!(round(burn.budget, 2)),
                json!(round(spent, 2)),
                json!(burn.spent_percent),
                json!(burn.complete),
                json!(round(burn.projected, 2)),
                json!(round(burn.overrun, 2)),
            ],
        ));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let projected = rows.len();
    rows.retain(|(overrun, _)| *overrun > 0.0);
    let over = rows.len();
    let money = |value: &Value| crate::ask::figure(value, Some(currency));
    let sentence = match rows.first() {
        Some((overrun, row)) => format!(
            "{over} of {} {} on course to go over budget; {} by the most: {} over its {} budget ({}% spent at {}% complete).",
            crate::ask::words::count_of(projected, "project"),
            crate::ask::words::is_are(over),
            row[0].as_str().unwrap_or_default(),
            money(&json!(overrun)),
            money(&row[1]),
            row[3],
            row[4]
        ),
        None if projected > 0 => format!(
            "None of the {} is on course to go over budget.",
            crate::ask::words::count_of(projected, "project")
        ),
        None => "No active project has a budget and progress to project from.".to_string(),
    };
    Computed {
        table: table(
            &[
                "project",
                "budget",
                "spent",
                "spent % of budget",
                "% complete",
                "projected cost",
                "projected overrun",
            ],
            rows.into_iter().map(|(_, row)| row).collect(),
        ),
        sentence,
    }
}

/// Per active client: its touchpoints in the `days` to `today` and in the `days` before those.
/// The arithmetic behind client engagement and the alerts on touchpoints.
pub fn touchpoint_counts<'a>(
    touchpoints: &[Record],
    clients: &'a [Record],
    today: NaiveDate,
    days: i64,
) -> BTreeMap<&'a str, (u32, u32)> {
    let recent_from = today - Duration::days(days - 1);
    let before_from = recent_from - Duration::days(days);
    let mut counts: BTreeMap<&str, (u32, u32)> = clients
        .iter()
        .filter(|c| text(c, "status") != Some("inactive"))
        .map(|c| (c.key.as_str(), (0, 0)))
        .collect();
    for touchpoint in touchpoints {
        let (Some(client), Some(on)) = (
            text(touchpoint, "client_id"),
            day(touchpoint, "occurred_on"),
        ) else {
            continue;
        };
        let Some(entry) = counts.get_mut(client) else {
            continue;
        };
        if (recent_from..=today).contains(&on) {
            entry.0 += 1;
        } else if (before_from..recent_from).contains(&on) {
            entry.1 += 1;
        }
    }
    counts
}

/// Touchpoints per client in the 90 days to `today` against the 90 before; the steepest fall
/// first.
pub fn client_engagement(
    touchpoints: &[Record],
    clients: &[Record],
    today: NaiveDate,
    labels: &RecordLabels,
) -> Computed {
    let counts = touchpoint_counts(touchpoints, clients, today, 90);
    let mut rows: Vec<(f64, Vec<Value>)> = counts
        .into_iter()
        .filter(|(_, (recent, before))| recent + before > 0)
        .map(|(client, (recent, before))| {
            let change = if before == 0 {
                100.0
            } else {
                (f64::from(recent) - f64::from(before)) / f64::from(before) * 100.0
            };
            let row = vec![
                json!(named(labels, "client", client)),
                json!(recent),
                json!(before),
                json!(round(change, 1)),
            ];
            (change, row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let sentence = match rows.first() {
        Some((change, row)) => format!(
            "{} is engaging least against before: {} touchpoints in the last 90 days, {} in the 90 before ({:+.0}%).",
            row[0].as_str().unwrap_or_default(),
            row[1],
            row[2],
            change
        ),
        None => "No client has a touchpoint in the last 180 days.".to_string(),
    };
    Computed {
        table: table(
            &["client", "last 90 days", "90 days before", "change %"],
            rows.into_iter().map(|(_, row)| row).collect(),
        ),
        sentence,
    }
}

/// Where the submission and decision times of a record type are.
pub struct LatencySource<'a> {
    pub record_type: &'a str,
    pub records: &'a [Record],
    pub submitted: &'a str,
    pub decided: &'a str,
}

/// Fewest decisions an approver's latency is ranked on; those with fewer are listed after.
pub const MIN_DECISIONS: usize = 5;

/// Median and 90th percentile hours from submission to decision per approver and record type;
/// the slowest median first (among approvers with at least [`MIN_DECISIONS`]).
pub fn approval_latency(sources: &[LatencySource], labels: &RecordLabels) -> Computed {
    let mut hours: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    for source in sources {
        for record in source.records {
            let (Some(approver), Some(submitted), Some(decided)) = (
                text(record, "approver_id"),
                instant(record, source.submitted),
                instant(record, source.decided),
            ) else {
                continue;
            };
            let taken = (decided - submitted).num_seconds() as f64 / 3_600.0;
            if taken >= 0.0 {
                hours
                    .entry((source.record_type, approver))
                    .or_default()
                    .push(taken);
            }
        }
    }
    let mut rows: Vec<(bool, f64, Vec<Value>)> = hours
        .into_iter()
        .map(|((record_type, approver), mut taken)| {
            // Sorted in place, for the percentile after it.
            let middle = median(&mut taken).unwrap_or(f64::NAN);
            let row = vec![
                json!(named(labels, "staff", approver)),
                json!(record_type.replace('_', " ")),
                json!(taken.len()),
                json!(round(middle, 1)),
                json!(round(nearest_rank(&taken, 0.9), 1)),
            ];
            (taken.len() >= MIN_DECISIONS, middle, row)
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
    let sentence = match rows.first() {
        Some((true, middle, row)) => format!(
            "{} takes longest to decide {}s: a median of {:.1} hours, 90th percentile {} hours, over {} decisions.",
            row[0].as_str().unwrap_or_default(),
            row[1].as_str().unwrap_or_default(),
            middle,
            row[4],
            row[2]
        ),
        _ => format!(
            "No approver has {MIN_DECISIONS} decisions with a submission and a decision time yet."
        ),
    };
    Computed {
        table: table(
            &[
                "approver",
                "record type",
                "decisions",
                "median hours",
                "p90 hours",
            ],
            rows.into_iter().map(|(_, _, row)| row).collect(),
        ),
        sentence,
    }
}

/// Hours logged per week over the four weeks to `today` against each person's weekly capacity,
/// and per role; the most loaded person first.
///
/// Only the weeks in which anyone logged hours are counted: a week nobody logged yet (the week
/// in progress, or timesheets that arrive late) has not happened for the data, and dividing by
/// it would read as everyone idle. The weeks are counted for the company as a whole, not per
/// person, so someone who logged nothing in a week others logged counts that week as zero.
pub fn capacity(
    entries: &[Record],
    staff: &[Record],
    today: NaiveDate,
    labels: &RecordLabels,
) -> Computed {
    let from = today - Duration::days(27);
    let mut logged: BTreeMap<&str, f64> = BTreeMap::new();
    let mut weeks: BTreeSet<NaiveDate> = BTreeSet::new();
    for entry in entries {
        let (Some(person), Some(week), Some(hours)) = (
            text(entry, "staff_id"),
            day(entry, "week_start"),
            number(entry, "hours"),
        ) else {
            continue;
        };
        if (from..=today).contains(&week) {
            *logged.entry(person).or_default() += hours;
            weeks.insert(week);
        }
    }
    let counted = weeks.len().max(1) as f64;
    let mut rows: Vec<(f64, Vec<Value>)> = Vec::new();
    let mut by_role: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for person in staff {
        let Some(capacity) = number(person, "weekly_capacity_hours").filter(|c| *c > 0.0) else {
            continue;
        };
        let Some(hours) = logged.get(person.key.as_str()) else {
            continue;
        };
        let per_week = hours / counted;
        let utilization = per_week / capacity * 100.0;
        let role = text(person, "role").unwrap_or("");
        let totals = by_role.entry(role).or_default();
        totals.0 += per_week;
        totals.1 += capacity;
        rows.push((
            utilization,
            vec![
                json!(named(labels, "staff", &person.key)),
                json!(role),
                json!(round(per_week, 1)),
                json!(capacity),
                json!(round(utilization, 1)),
            ],
        ));
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let over = rows.iter().filter(|(u, _)| *u > 100.0).count();
    let busiest_role = by_role
        .iter()
        .map(|(role, (hours, capacity))| (*role, hours / capacity * 100.0))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let sentence = match (rows.first(), busiest_role) {
        (Some((utilization, row)), Some((role, role_load))) => format!(
            "{} is the most loaded: {:.0}% of capacity over {}. {over} of {} people logging time are over 100%; the busiest role is {} at {:.0}%.",
            row[0].as_str().unwrap_or_default(),
            utilization,
            weeks_counted(&weeks),
            rows.len(),
            role.replace('_', " "),
            role_load
        ),
        _ => "Nobody has logged hours in the last four weeks.".to_string(),
    };
    Computed {
        table: table(
            &[
                "person",
                "role",
                "hours per week",
                "capacity",
                "utilization %",
            ],
            rows.into_iter().map(|(_, row)| row).collect(),
        ),
        sentence,
    }
}

/// The weeks an average was taken over, in words: "the week of 2026-11-09", "the 3 weeks from
/// 2026-10-26 to 2026-11-09".
fn weeks_counted(weeks: &BTreeSet<NaiveDate>) -> String {
    match (weeks.first(), weeks.last()) {
        (Some(first), Some(last)) if weeks.len() > 1 => format!(
            "the {} weeks with hours logged from {first} to {last}",
            weeks.len()
        ),
        (Some(only), _) => format!("the week of {only}, the only one with hours logged"),
        _ => "no week".to_string(),
    }
}

/// Who asked for a request, by name.
fn requester(request: &Request, labels: &RecordLabels) -> String {
    request
        .requester
        .as_deref()
        .map(|p| named(labels, "staff", p))
        .unwrap_or_default()
}

/// How far a request's anomaly flags put it from the usual: the largest |robust z| among them.
fn severity(request: &Request) -> f64 {
    request
        .flags
        .iter()
        .filter(|f| f.kind == "anomaly")
        .filter_map(|f| f.details["z"].as_f64())
        .map(f64::abs)
        .fold(0.0, f64::max)
}

/// Requests with an anomaly flag, the most unusual first (newest first among equals): a leader
/// reads the top of a long list, so the top is what matters most.
pub fn anomalies(requests: &[Request], labels: &RecordLabels) -> Computed {
    let mut flagged: Vec<(&Request, f64)> = requests
        .iter()
        .filter(|r| r.flags.iter().any(|f| f.kind == "anomaly"))
        .map(|r| (r, severity(r)))
        .collect();
    flagged.sort_by(|(a, za), (b, zb)| {
        zb.total_cmp(za)
            .then_with(|| b.submitted_at.cmp(&a.submitted_at))
    });
    let flagged: Vec<&Request> = flagged.into_iter().map(|(r, _)| r).collect();
    let rows: Vec<Vec<Value>> = flagged
        .iter()
        .map(|r| {
            let flag = r
                .flags
                .iter()
                .filter(|f| f.kind == "anomaly")
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                json!(r.id),
                json!(r.workflow.replace('_', " ")),
                json!(requester(r, labels)),
                json!(r.submitted_at.date_naive().to_string()),
                json!(r.status.as_str()),
                json!(flag),
            ]
        })
        .collect();
    let sentence = match flagged.first() {
        Some(most) => format!(
            "{} requests were flagged as unusual; the most unusual is {} ({}).",
            rows.len(),
            most.id,
            rows[0][5].as_str().unwrap_or_default()
        ),
        None => "No request has been flagged as unusual.".to_string(),
    };
    Computed {
        table: table(
            &[
                "request",
                "workflow",
                "requester",
                "submitted",
                "status",
                "why",
            ],
            rows,
        ),
        sentence,
    }
}

/// The requests waiting for a person's decision, oldest first, with how long each has waited.
pub fn my_approvals(waiting: &[Request], now: DateTime<Utc>, labels: &RecordLabels) -> Computed {
    let rows: Vec<Vec<Value>> = waiting
        .iter()
        .map(|r| {
            let amount = r
                .fields
                .get("amount")
                .and_then(|v| v.as_str())
                .and_then(|a| a.parse::<f64>().ok());
            vec![
                json!(r.id),
                json!(r.workflow.replace('_', " ")),
                json!(requester(r, labels)),
                amount.map_or(Value::Null, |a| json!(a)),
                json!(r.submitted_at.date_naive().to_string()),
                json!(round(
                    (now - r.submitted_at).num_minutes() as f64 / 1_440.0,
                    1
                )),
            ]
        })
        .collect();
    let sentence = match waiting.first() {
        Some(oldest) => format!(
            "{} {} waiting for your decision; the oldest is {}, submitted {} days ago.",
            waiting.len(),
            if waiting.len() == 1 {
                "request is"
            } else {
                "requests are"
            },
            oldest.id,
            rows[0][5]
        ),
        None => "Nothing is waiting for your decision.".to_string(),
    };
    Computed {
        table: table(
            &[
                "request",
                "workflow",
                "requester",
                "amount",
                "submitted",
                "days waiting",
            ],
            rows,
        ),
        sentence,
    }
}

#[cfg(test)]
#[path = "capacity_tests.rs"]
mod capacity_tests;
