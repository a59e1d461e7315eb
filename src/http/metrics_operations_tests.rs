use super::{render_outbox, render_requests, render_timers};
use crate::store::{
    DueTimers, OperationsCounts, PendingRequests, PlatformOutbox, RequestCount, SlaBreaches,
};
use crate::telemetry::exposition::Exposition;
use chrono::{DateTime, Duration, Utc};

fn now() -> DateTime<Utc> {
    "2026-11-16T09:00:00Z".parse().expect("a time")
}

fn requests(workflow: &str, status: &str, count: i64) -> RequestCount {
    RequestCount {
        workflow: workflow.into(),
        status: status.into(),
        count,
    }
}

fn lines(render: impl Fn(&mut Exposition)) -> Vec<String> {
    let mut text = Exposition::default();
    render(&mut text);
    text.into_text().lines().map(String::from).collect()
}

#[test]
fn submitted_counts_every_status_and_decided_every_status_but_pending() {
    let counts = OperationsCounts {
        requests: vec![
            requests("expense", "approved", 3),
            requests("expense", "pending", 2),
            requests("expense", "auto_approved", 1),
        ],
        pending: vec![PendingRequests {
            workflow: "expense".into(),
            count: 2,
            oldest_submitted_at: now() - Duration::minutes(90),
        }],
        ..OperationsCounts::default()
    };
    let lines = lines(|text| render_requests(text, &counts, now()));
    for expected in [
        "keel_requests_submitted_total{workflow=\"expense\"} 6",
        "keel_requests_decided_total{workflow=\"expense\",outcome=\"approved\"} 3",
        "keel_requests_decided_total{workflow=\"expense\",outcome=\"auto_approved\"} 1",
        "keel_requests_pending{workflow=\"expense\"} 2",
        "keel_requests_oldest_pending_age_seconds{workflow=\"expense\"} 5400",
    ] {
        assert!(
            lines.contains(&expected.to_string()),
            "{expected}: {lines:#?}"
        );
    }
    assert!(
        !lines.iter().any(|l| l.contains("outcome=\"pending\"")),
        "{lines:#?}"
    );
}

#[test]
fn breaches_are_named_by_kind_and_late_timers_are_counted_apart() {
    let counts = OperationsCounts {
        sla_breaches: vec![SlaBreaches {
            workflow: "po".into(),
            action: "escalated".into(),
            count: 2,
        }],
        timers: vec![DueTimers {
            kind: "remind".into(),
            due: 3,
            late: 1,
        }],
        ..OperationsCounts::default()
    };
    let lines = lines(|text| render_timers(text, &counts));
    for expected in [
        "keel_sla_breaches_total{workflow=\"po\",kind=\"escalation\"} 2",
        "keel_timers_due{kind=\"remind\"} 3",
        "keel_timers_late{kind=\"remind\"} 1",
    ] {
        assert!(
            lines.contains(&expected.to_string()),
            "{expected}: {lines:#?}"
        );
    }
}

#[test]
fn the_outbox_keeps_its_totals_and_ages_its_oldest_pending_notification_per_platform() {
    let counts = OperationsCounts {
        outbox: vec![
            PlatformOutbox {
                platform: None,
                pending: 1,
                parked: 0,
                oldest_pending: Some(now() - Duration::seconds(5)),
            },
            PlatformOutbox {
                platform: Some("slack".into()),
                pending: 2,
                parked: 1,
                oldest_pending: Some(now() - Duration::minutes(10)),
            },
            PlatformOutbox {
                platform: Some("discord".into()),
                pending: 0,
                parked: 4,
                oldest_pending: None,
            },
        ],
        ..OperationsCounts::default()
    };
    let lines = lines(|text| render_outbox(text, &counts, now()));
    for expected in [
        "keel_outbox_pending 3",
        "keel_outbox_parked 5",
        "keel_outbox_platform_pending{platform=\"unassigned\"} 1",
        "keel_outbox_platform_parked{platform=\"slack\"} 1",
        "keel_outbox_oldest_pending_age_seconds{platform=\"slack\"} 600",
        "keel_outbox_oldest_pending_age_seconds{platform=\"discord\"} 0",
    ] {
        assert!(
            lines.contains(&expected.to_string()),
            "{expected}: {lines:#?}"
        );
    }
}
