//! `GET /metrics`: counts for monitoring, in Prometheus's text format. Served without a token,
//! so it holds counts only: labels are names from config and code (workflows, platforms,
//! routes, targets, sources), nothing about who or what a request or notification concerns.
//!
//! The registry is keel's own ([`crate::telemetry`]), not the `prometheus-client` crate: most
//! figures are read from the database at scrape time (they survive restarts and agree across
//! replicas), the in-process ones are a handful of counters and histograms, and the text
//! format is a few lines to write; a crate would add a dependency and a second way of
//! registering families for little.

use super::metrics_operations::{render_outbox, render_requests, render_timers};
use crate::service::{Keel, SourceStatus};
use crate::store::TargetStatus;
use crate::telemetry::exposition::Exposition;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use super::error::ApiError;

/// Prometheus's text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`.
pub async fn metrics(State(keel): State<Keel>) -> Result<impl IntoResponse, ApiError> {
    let now = keel.clock.now();
    let counts = keel.operations_counts().await?;
    let targets = keel.target_status().await?;
    let sources = keel.sync_status().await?;
    let mut text = Exposition::default();
    render_requests(&mut text, &counts, now);
    render_timers(&mut text, &counts);
    render_outbox(&mut text, &counts, now);
    render_targets(&mut text, &targets);
    render_sources(&mut text, &sources);
    keel.telemetry().render(&mut text);
    Ok(([(CONTENT_TYPE, TEXT_FORMAT)], text.into_text()))
}

/// The outbound webhook targets' counts, labelled by target name (names from config only).
fn render_targets(text: &mut Exposition, targets: &[(String, TargetStatus)]) {
    let rows: Vec<(&str, &TargetStatus)> = targets.iter().map(|(n, t)| (n.as_str(), t)).collect();
    text.labelled_gauge(
        (
            "keel_webhooks_pending",
            "Webhooks owed to a target, dead letters aside.",
        ),
        "target",
        &rows,
        |t| t.pending,
    );
    text.labelled_gauge(
        (
            "keel_webhooks_dead",
            "Webhooks out of attempts (`keel sync failures` lists them).",
        ),
        "target",
        &rows,
        |t| t.dead,
    );
    text.labelled_gauge(
        (
            "keel_webhook_target_disabled",
            "1 while a target that answered 410 Gone is disabled (`keel sync enable`).",
        ),
        "target",
        &rows,
        |t| i64::from(t.disabled.is_some()),
    );
}

/// The inbound sources' queues, labelled by source name (names from config only).
fn render_sources(text: &mut Exposition, sources: &[SourceStatus]) {
    let rows: Vec<(&str, &SourceStatus)> = sources.iter().map(|s| (s.name.as_str(), s)).collect();
    text.labelled_gauge(
        (
            "keel_inbound_queued",
            "Events a source delivered that wait to be applied, retries included.",
        ),
        "source",
        &rows,
        |s| s.queued,
    );
    text.labelled_gauge(
        (
            "keel_inbound_dead",
            "Events that could not be applied (`keel sync failures` lists them).",
        ),
        "source",
        &rows,
        |s| s.dead_letters,
    );
}

#[cfg(test)]
mod tests {
    use crate::store::TargetStatus;
    use crate::telemetry::exposition::Exposition;

    #[test]
    fn each_target_has_its_counts_labelled_by_name() {
        let status = TargetStatus {
            pending: 2,
            dead: 1,
            ..TargetStatus::default()
        };
        let mut text = Exposition::default();
        super::render_targets(&mut text, &[("accounting".into(), status)]);
        let text = text.into_text();
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
        let mut text = Exposition::default();
        super::render_sources(&mut text, &[status]);
        let text = text.into_text();
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
}
