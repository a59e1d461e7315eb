//! What keel measures of itself while it runs, for `/metrics`: HTTP request and database
//! transaction durations, delivery attempts and failures, decision latency. One [`Telemetry`]
//! per opened store (not a global), so that two keels in one process (the tests) count apart.
//! Counts that must survive a restart are read from the database at scrape time instead (see
//! `http::metrics`).

pub mod exposition;
pub mod histogram;
pub mod request_id;

use exposition::Exposition;
use histogram::{Counters, DECISION_SECONDS, FAST_SECONDS, Histograms};

/// The in-process instruments.
#[derive(Debug)]
pub struct Telemetry {
    http: Histograms,
    transactions: Histograms,
    decisions: Histograms,
    delivery_attempts: Counters,
    delivery_failures: Counters,
}

impl Default for Telemetry {
    fn default() -> Self {
        Telemetry {
            http: Histograms::new(
                (
                    "keel_http_request_duration_seconds",
                    "HTTP requests by route (the matched path), method and status class.",
                ),
                &["route", "method", "status"],
                FAST_SECONDS,
            ),
            transactions: Histograms::new(
                (
                    "keel_db_transaction_duration_seconds",
                    "Database transactions from begin to commit or rollback, waits included.",
                ),
                &["outcome"],
                FAST_SECONDS,
            ),
            decisions: Histograms::new(
                (
                    "keel_decision_latency_seconds",
                    "From submission to decision, for requests decided since keel started.",
                ),
                &["workflow", "outcome"],
                DECISION_SECONDS,
            ),
            delivery_attempts: Counters::new(
                (
                    "keel_delivery_attempts_total",
                    "Notifications handed to a platform since keel started.",
                ),
                &["platform"],
            ),
            delivery_failures: Counters::new(
                (
                    "keel_delivery_failures_total",
                    "Notifications a platform did not take since keel started (retried or parked).",
                ),
                &["platform"],
            ),
        }
    }
}

impl Telemetry {
    /// An HTTP request answered with `status` after `seconds`; `route` is the matched path
    /// (`/api/v1/requests/{id}`), never the URL a caller sent.
    pub fn http_request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let class = status_class(status);
        self.http.observe(&[route, method, class], seconds);
    }

    /// A transaction that ended (`committed`, `failed` or `rolled_back`) after `seconds`.
    pub fn transaction(&self, outcome: &str, seconds: f64) {
        self.transactions.observe(&[outcome], seconds);
    }

    /// A request of `workflow` decided (`outcome` is its status) `seconds` after submission.
    pub fn decided(&self, workflow: &str, outcome: &str, seconds: f64) {
        self.decisions.observe(&[workflow, outcome], seconds);
    }

    /// A delivery attempt on `platform`, and whether it failed.
    pub fn delivery(&self, platform: &str, failed: bool) {
        self.delivery_attempts.increment(&[platform]);
        if failed {
            self.delivery_failures.increment(&[platform]);
        }
    }

    /// Every instrument, in Prometheus's text format.
    pub fn render(&self, text: &mut Exposition) {
        self.decisions.render(text);
        self.delivery_attempts.render(text);
        self.delivery_failures.render(text);
        self.http.render(text);
        self.transactions.render(text);
    }
}

/// `2xx`, `4xx`…: few enough label values to keep per route.
fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::{Exposition, Telemetry};

    #[test]
    fn http_requests_are_counted_by_route_method_and_status_class() {
        let telemetry = Telemetry::default();
        telemetry.http_request("/api/v1/requests/{id}", "GET", 404, 0.002);
        telemetry.http_request("/api/v1/requests/{id}", "GET", 200, 0.002);
        let mut text = Exposition::default();
        telemetry.render(&mut text);
        let text = text.into_text();
        for class in ["2xx", "4xx"] {
            let line = format!(
                "keel_http_request_duration_seconds_count{{route=\"/api/v1/requests/{{id}}\",\
                 method=\"GET\",status=\"{class}\"}} 1\n"
            );
            assert!(text.contains(&line), "{text}");
        }
    }

    #[test]
    fn a_failed_delivery_is_an_attempt_and_a_failure() {
        let telemetry = Telemetry::default();
        telemetry.delivery("slack", true);
        telemetry.delivery("slack", false);
        let mut text = Exposition::default();
        telemetry.render(&mut text);
        let text = text.into_text();
        assert!(text.contains("keel_delivery_attempts_total{platform=\"slack\"} 2\n"));
        assert!(text.contains("keel_delivery_failures_total{platform=\"slack\"} 1\n"));
    }
}
