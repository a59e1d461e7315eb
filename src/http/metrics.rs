//! `GET /metrics`: counts for monitoring, in Prometheus's text format. Served without a token,
//! so it holds counts only: nothing about who or what a notification concerns.

use crate::service::Keel;
use crate::store::OutboxCounts;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use super::error::ApiError;

/// Prometheus's text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics`.
pub async fn metrics(State(keel): State<Keel>) -> Result<impl IntoResponse, ApiError> {
    let counts = keel.outbox_counts().await?;
    Ok(([(CONTENT_TYPE, TEXT_FORMAT)], render(&counts)))
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
    use crate::store::OutboxCounts;

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
