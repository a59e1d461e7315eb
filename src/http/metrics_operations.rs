//! `/metrics`' figures read from the database (see [`crate::store::OperationsCounts`]), as
//! Prometheus families: counts that survive a restart, and what is waiting and for how long.
//! Labels are workflow, platform and timer names from config and code: nothing about a person.

use crate::store::OperationsCounts;
use crate::telemetry::exposition::{Exposition, Kind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Seconds from `then` to `now`, never negative (another replica's clock may be ahead).
fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> i64 {
    (now - then).num_seconds().max(0)
}

/// The requests' families: submitted and decided (counters), pending and the oldest's age.
pub fn render_requests(text: &mut Exposition, counts: &OperationsCounts, now: DateTime<Utc>) {
    let mut submitted: BTreeMap<&str, i64> = BTreeMap::new();
    for row in &counts.requests {
        *submitted.entry(&row.workflow).or_default() += row.count;
    }
    let name = "keel_requests_submitted_total";
    text.family(name, "Requests on record, by workflow.", Kind::Counter);
    for (workflow, count) in &submitted {
        text.sample(name, &[("workflow", workflow)], count);
    }
    let name = "keel_requests_decided_total";
    text.family(
        name,
        "Decided requests, by workflow and outcome (approved, auto_approved, rejected, \
         auto_rejected, cancelled, expired).",
        Kind::Counter,
    );
    for row in counts.requests.iter().filter(|r| r.status != "pending") {
        let labels = [
            ("workflow", row.workflow.as_str()),
            ("outcome", row.status.as_str()),
        ];
        text.sample(name, &labels, row.count);
    }
    let rows: Vec<(&str, _)> = counts
        .pending
        .iter()
        .map(|row| (row.workflow.as_str(), row))
        .collect();
    let pending = ("keel_requests_pending", "Requests waiting for a decision.");
    text.labelled_gauge(pending, "workflow", &rows, |row| row.count);
    let oldest = (
        "keel_requests_oldest_pending_age_seconds",
        "How long the oldest pending request has waited.",
    );
    text.labelled_gauge(oldest, "workflow", &rows, |row| {
        age(now, row.oldest_submitted_at)
    });
}

/// SLA breaches (reminders, escalations, expiries) and timers that are due or late.
pub fn render_timers(text: &mut Exposition, counts: &OperationsCounts) {
    let name = "keel_sla_breaches_total";
    text.family(
        name,
        "Reminders, escalations and expiries fired, by workflow and kind.",
        Kind::Counter,
    );
    for row in &counts.sla_breaches {
        let kind = match row.action.as_str() {
            "reminded" => "reminder",
            "escalated" => "escalation",
            _ => "expiry",
        };
        text.sample(
            name,
            &[("workflow", &row.workflow), ("kind", kind)],
            row.count,
        );
    }
    let families = [
        ("keel_timers_due", "Timers due and not fired yet, by kind."),
        (
            "keel_timers_late",
            "Timers still unfired two scheduler ticks (at least a minute) after they fell due.",
        ),
    ];
    for (n, (name, help)) in families.into_iter().enumerate() {
        text.family(name, help, Kind::Gauge);
        for row in &counts.timers {
            let value = if n == 0 { row.due } else { row.late };
            text.sample(name, &[("kind", &row.kind)], value);
        }
    }
}

/// The outbox: totals (as before), then per platform its pending and parked notifications and
/// the age of the oldest pending one.
pub fn render_outbox(text: &mut Exposition, counts: &OperationsCounts, now: DateTime<Utc>) {
    let pending: i64 = counts.outbox.iter().map(|p| p.pending).sum();
    let parked: i64 = counts.outbox.iter().map(|p| p.parked).sum();
    let totals = [
        (
            "keel_outbox_pending",
            "Notifications waiting for their first delivery or a retry.",
            pending,
        ),
        (
            "keel_outbox_parked",
            "Notifications parked after a permanent failure or their last attempt (`keel outbox failed` lists them).",
            parked,
        ),
    ];
    for (name, help, value) in totals {
        text.family(name, help, Kind::Gauge);
        text.sample(name, &[], value);
    }
    let rows: Vec<(&str, _)> = counts
        .outbox
        .iter()
        .map(|row| (row.platform.as_deref().unwrap_or("unassigned"), row))
        .collect();
    let platform_gauges = [
        (
            "keel_outbox_platform_pending",
            "Pending notifications, by platform.",
        ),
        (
            "keel_outbox_platform_parked",
            "Parked notifications, by platform.",
        ),
        (
            "keel_outbox_oldest_pending_age_seconds",
            "How long the oldest pending (not parked) notification has waited, by platform.",
        ),
    ];
    for (n, family) in platform_gauges.into_iter().enumerate() {
        text.labelled_gauge(family, "platform", &rows, |row| match n {
            0 => row.pending,
            1 => row.parked,
            _ => row.oldest_pending.map_or(0, |queued| age(now, queued)),
        });
    }
}

#[cfg(test)]
#[path = "metrics_operations_tests.rs"]
mod tests;
