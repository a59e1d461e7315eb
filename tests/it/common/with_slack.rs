//! keel with Slack as its one platform, pointed at a fresh stand-in: in process, delivering when
//! the test says so on the test's clock, or serving with its own deliverer and timers.

use super::TestDb;
use super::app::{TestApp, config_dir};
use super::console::{Mode, TestServer};
use super::slack::SlackStandIn;
use keel::chat::ChatPort;
use keel::service::Sink;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// keel on `db` with Slack settings for a new stand-in and `extra` settings; the Slack adapter
/// is the outbox's sink, and the test runs each delivery pass itself.
pub async fn app_with_slack(db: &TestDb, extra: &[(&str, &str)]) -> (SlackStandIn, TestApp, Sink) {
    let stand_in = SlackStandIn::start().await;
    let env = stand_in.keel_env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra);
    let app = TestApp::start_with_env(db, &config_dir(), &env).await;
    let sink = slack_sink(&app);
    (stand_in, app, sink)
}

/// The Slack adapter of `app`, as a sink.
pub fn slack_sink(app: &TestApp) -> Sink {
    let slack = keel::chat::slack::Slack::new(app.keel.clone())
        .expect("Slack's settings are valid")
        .expect("Slack is enabled");
    Sink::Chat(vec![slack as Arc<dyn ChatPort>])
}

/// keel serving with Slack for a new stand-in and `extra` settings (its deliverer and timers
/// run in the background).
pub async fn serve_with_slack(db: &TestDb, extra: &[(&str, &str)]) -> (SlackStandIn, TestServer) {
    let stand_in = SlackStandIn::start().await;
    let env = stand_in.keel_env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra);
    let server = TestServer::start_with_env(db, Mode::Closed, &env).await;
    (stand_in, server)
}

/// Waits (a generous minute) until `check` holds: deliveries and timers run in the background.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
