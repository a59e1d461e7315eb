//! `/metrics` and `/readyz` through a scenario: a change order submitted while the Slack
//! stand-in is down, the outage seen in the delivery counters and in the age of the oldest
//! pending notification (and in `/readyz` once it is far behind), the recovery, then the
//! approval counted with how long it waited.

use crate::common::app::TestApp;
use crate::common::serve::on_random_port;
use crate::common::slack::Weather;
use crate::common::test_databases;
use crate::common::with_slack::app_with_slack;
use crate::outbox::change_order;
use chrono::Duration;
use keel::engine::lifecycle::Action;
use reqwest::StatusCode;

/// The value of `series` (`name{labels}` as exposed) in a scrape, if it is there.
fn value(scrape: &str, series: &str) -> Option<f64> {
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

/// [`value`], 0 when the series is absent (nothing counted yet).
fn count(scrape: &str, series: &str) -> f64 {
    value(scrape, series).unwrap_or(0.0)
}

async fn scrape(base: &str) -> String {
    let response = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("the metrics")
}

async fn ready(base: &str) -> (StatusCode, String) {
    let response = reqwest::get(format!("{base}/readyz"))
        .await
        .expect("GET /readyz");
    (response.status(), response.text().await.unwrap_or_default())
}

const SUBMITTED: &str = "keel_requests_submitted_total{workflow=\"change_order\"}";
const PENDING: &str = "keel_requests_pending{workflow=\"change_order\"}";
const APPROVED: &str =
    "keel_requests_decided_total{workflow=\"change_order\",outcome=\"approved\"}";
const ATTEMPTS: &str = "keel_delivery_attempts_total{platform=\"slack\"}";
const FAILURES: &str = "keel_delivery_failures_total{platform=\"slack\"}";
const SLACK_AGE: &str = "keel_outbox_oldest_pending_age_seconds{platform=\"slack\"}";
const LATENCY: &str =
    "keel_decision_latency_seconds_sum{workflow=\"change_order\",outcome=\"approved\"}";
const LATENCY_COUNT: &str =
    "keel_decision_latency_seconds_count{workflow=\"change_order\",outcome=\"approved\"}";

/// Approves `id` as whoever each step waits for, until it is decided.
async fn approve_all_steps(app: &TestApp, id: &str) {
    loop {
        let (request, _) = app
            .keel
            .request_with_history(id)
            .await
            .expect("the request");
        let Some(approver) = TestApp::waiting_for(&request).into_iter().next() else {
            return;
        };
        app.keel
            .act(id, &approver, Action::Approve, None)
            .await
            .expect("an approval");
    }
}

#[tokio::test]
async fn metrics_and_readiness_follow_a_submission_an_outage_of_slack_and_an_approval() {
    for db in test_databases().await {
        let label = db.label;
        let (stand_in, app, sink) = app_with_slack(&db, &[]).await;
        let router = keel::http::router(app.keel.clone(), None, None, None);
        let base = format!("http://{}", on_random_port(router).await);
        let before = scrape(&base).await;

        stand_in.set_weather(Weather::Down);
        let id = change_order(&app, "14000").await;
        app.keel
            .deliver_outbox(&sink)
            .await
            .expect("a delivery round");
        let down = scrape(&base).await;
        assert_eq!(
            count(&down, SUBMITTED),
            count(&before, SUBMITTED) + 1.0,
            "[{label}]"
        );
        assert_eq!(
            count(&down, PENDING),
            count(&before, PENDING) + 1.0,
            "[{label}]"
        );
        let failed = count(&down, FAILURES) - count(&before, FAILURES);
        assert!(failed >= 1.0, "[{label}] the outage is counted: {down}");
        assert_eq!(
            count(&down, ATTEMPTS) - count(&before, ATTEMPTS),
            failed,
            "[{label}]"
        );
        assert_eq!(value(&down, SLACK_AGE), Some(0.0), "[{label}] {down}");
        assert!(
            value(&down, "keel_outbox_pending").is_some_and(|n| n >= 1.0),
            "[{label}]"
        );
        assert_eq!(
            ready(&base).await.0,
            StatusCode::OK,
            "[{label}] not far behind yet"
        );

        app.clock.advance(Duration::minutes(12));
        let late = scrape(&base).await;
        assert_eq!(value(&late, SLACK_AGE), Some(720.0), "[{label}] {late}");
        let (status, body) = ready(&base).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "[{label}] {body}");
        assert!(body.contains("behind on its outbox"), "[{label}] {body}");
        assert!(
            body.contains("owed on slack has waited 720 seconds"),
            "[{label}] {body}"
        );

        stand_in.set_weather(Weather::Fine);
        app.keel
            .deliver_outbox(&sink)
            .await
            .expect("a delivery round");
        let recovered = scrape(&base).await;
        assert_eq!(
            value(&recovered, "keel_outbox_pending"),
            Some(0.0),
            "[{label}]"
        );
        assert!(
            value(&recovered, SLACK_AGE).is_none_or(|age| age == 0.0),
            "[{label}] nothing waits: {recovered}"
        );
        assert!(
            count(&recovered, ATTEMPTS) > count(&late, ATTEMPTS),
            "[{label}]"
        );
        assert_eq!(
            count(&recovered, FAILURES),
            count(&late, FAILURES),
            "[{label}]"
        );
        assert_eq!(
            ready(&base).await,
            (StatusCode::OK, "ok".into()),
            "[{label}]"
        );

        approve_all_steps(&app, &id).await;
        let decided = scrape(&base).await;
        assert_eq!(
            count(&decided, APPROVED),
            count(&before, APPROVED) + 1.0,
            "[{label}]"
        );
        assert_eq!(
            count(&decided, PENDING),
            count(&before, PENDING),
            "[{label}]"
        );
        assert_eq!(
            value(&decided, LATENCY_COUNT),
            Some(1.0),
            "[{label}] {decided}"
        );
        assert_eq!(
            value(&decided, LATENCY),
            Some(720.0),
            "[{label}] waited 12 minutes"
        );

        let metrics_route = "keel_http_request_duration_seconds_count{route=\"/metrics\",method=\"GET\",status=\"2xx\"}";
        assert_eq!(
            value(&decided, metrics_route),
            Some(4.0),
            "[{label}] {decided}"
        );
        let committed = "keel_db_transaction_duration_seconds_count{outcome=\"committed\"}";
        assert!(count(&decided, committed) >= 3.0, "[{label}] {decided}");
    }
}

#[tokio::test]
async fn a_request_id_is_echoed_and_unknown_urls_are_counted_under_one_route() {
    for db in test_databases().await {
        let label = db.label;
        let app = TestApp::start(&db).await;
        let router = keel::http::router(app.keel.clone(), None, None, None);
        let base = format!("http://{}", on_random_port(router).await);
        let client = reqwest::Client::new();
        let given = client
            .get(format!("{base}/healthz"))
            .header("x-request-id", "ops-given-7")
            .send()
            .await
            .expect("GET /healthz");
        assert_eq!(given.headers()["x-request-id"], "ops-given-7", "[{label}]");
        let made = client
            .get(format!("{base}/no/such/page/for/rachel@example.com"))
            .send()
            .await
            .expect("GET an unknown URL");
        let made_id = made.headers()["x-request-id"].to_str().unwrap_or_default();
        assert_eq!(made_id.len(), 32, "[{label}] a new id: {made_id}");

        let scraped = scrape(&base).await;
        assert!(
            !scraped.contains("rachel"),
            "[{label}] no URL reaches a label"
        );
        let unmatched = "keel_http_request_duration_seconds_count{route=\"unmatched\",method=\"GET\",status=\"4xx\"}";
        assert_eq!(value(&scraped, unmatched), Some(1.0), "[{label}] {scraped}");
    }
}
