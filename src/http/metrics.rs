//! `GET /metrics`: counts for monitoring, in Prometheus's text format. Served without a token,
//! so it holds counts only: nothing about who or what a notification concerns.

use crate::service::{Keel, SourceStatus};
use crate::store::{OutboxCounts, TargetStatus};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use super::error::ApiError;

/// Prometheus's text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`.
pub async fn metrics(State(keel): State<Keel>) -> Result<impl IntoResponse, ApiError> {
    let counts = keel.outbox_counts().await?;
    let targets = keel.target_status().await?;
    let sources = keel.sync_status().await?;
    let text = render(&counts) + &render_targets(&targets) + &render_sources(&sources);
    Ok(([(CONTENT_TYPE, TEXT_FORMAT)], text))
}

/// A labelled gauge: its name, its help and how a row's value is read.
type Gauge<T> = (&'static str, &'static str, fn(&T) -> i64);

/// The outbound webhook targets' counts, labelled by target name (names from config only).
fn render_targets(targets: &[(String, TargetStatus)]) -> String {
    let gauges: [Gauge<TargetStatus>; 3] = [
        (
            "keel_webhooks_pending",
            "Webhooks owed to a target, dead letters aside.",
            |t| t.pending,
        ),
        (
            "keel_webhooks_dead",
            "Webhooks out of attempts (`keel sync failures` lists them).",
            |t| t.dead,
        ),
        (
            "keel_webhook_target_disabled",
            "1 while a target that answered 410 Gone is disabled (`keel sync enable`).",
            |t| i64::from(t.disabled.is_some()),
        ),
    ];
    let rows: Vec<(&str, &TargetStatus)> = targets.iter().map(|(n, t)| (n.as_str(), t)).collect();
    labelled("target", &gauges, &rows)
}

/// The inbound sources' queues, labelled by source name (names from config only).
fn render_sources(sources: &[SourceStatus]) -> String {
    let gauges: [Gauge<SourceStatus>; 2] = [
        (
            "keel_inbound_queued",
            "Events a source delivered that wait to be applied, retries included.",
            |s| s.queued,
        ),
        (
            "keel_inbound_dead",
            "Events that could not be applied (`keel sync failures` lists them).",
            |s| s.dead_letters,
        ),
    ];
    let rows: Vec<(&str, &SourceStatus)> = sources.iter().map(|s| (s.name.as_str(), s)).collect();
    labelled("source", &gauges, &rows)
}

/// Each gauge with its help and type, then a line per row labelled `label="name"`.
fn labelled<T>(label: &str, gauges: &[Gauge<T>], rows: &[(&str, &T)]) -> String {
    let mut text = String::new();
    for (name, help, value) in gauges {
        text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
        for (row, status) in rows {
            let shown = row.replace(['\\', '"', '\n'], "_");
            text.push_str(&format!(
                "{name}{{{label}=\"{shown}\"}} {}\n",
                value(status)
            ));
        }
    }
    text
}

/// The metrics as Prometheus reads them.
fn render(counts: &OutboxCounts) -> String {
    format!(
        "# HELP keel_outbox_pending Notifications waiting for their first delivery or a retry.\n\
         # TYPE keel_outbox_pending gauge\n\
         keel_outbox_pending {}\n\
         # HELP keel_outbox_parked Notifications parked after a permanent failure or their last attempt (`keel outbox failed` lists them).\n\
         # TYPE keel_outbox_parked gauge\n\
         keel_outbox_parked {}\n",
        counts.pending, counts.parked
    )
}

#[cfg(test)]
mod tests {
    use crate::store::{OutboxCounts, TargetStatus};

    #[test]
    fn each_target_has_its_counts_labelled_by_name() {
        let status = TargetStatus {
            pending: 2,
            dead: 1,
            ..TargetStatus::default()
        };
        let text = super::render_targets(&[("accounting".into(), status)]);
        assert!(
            text.contains("keel_webhooks_pending{target=\"accounting\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("keel_webhooks_dead{target=\"accounting\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("keel_webhook_target_disabled{target=\"accounting\"} 0\n"),
            "{text}"
        );
    }

    #[test]
    fn each_source_has_its_queue_labelled_by_name() {
        let status = crate::service::SourceStatus {
            name: "pm".into(),
            record_type: "project".into(),
            last_success: None,
            lag_seconds: 0,
            queued: 4,
            failures: 0,
            dead_letters: 2,
            watermark: None,
            last_error: None,
        };
        let text = super::render_sources(&[status]);
        assert!(
            text.contains("keel_inbound_queued{source=\"pm\"} 4\n"),
            "{text}"
        );
        assert!(
            text.contains("keel_inbound_dead{source=\"pm\"} 2\n"),
            "{text}"
        );
        assert!(text.contains("# TYPE keel_inbound_dead gauge\n"), "{text}");
    }

    #[test]
    fn every_metric_has_its_help_type_and_value_line() {
        let text = super::render(&OutboxCounts {
            pending: 3,
            parked: 1,
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "# HELP keel_outbox_pending Notifications waiting for their first delivery or a retry.",
                "# TYPE keel_outbox_pending gauge",
                "keel_outbox_pending 3",
                "# HELP keel_outbox_parked Notifications parked after a permanent failure or their last attempt (`keel outbox failed` lists them).",
                "# TYPE keel_outbox_parked gauge",
                "keel_outbox_parked 1",
            ]
        );
    }
}
