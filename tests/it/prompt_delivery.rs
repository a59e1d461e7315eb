//! Cards go out as soon as their notification is queued, whoever queued it: a REST submission
//! rings the serving keel's delivery bell, and one made by another process (`keel request
//! submit` on the same database) is noticed by the serving keel's watch of the outbox. The
//! scheduler's tick is an hour here, so a card that waited for it would never arrive.

use crate::common::app::{TestApp, config_dir};
use crate::common::cli::{LARGE_CHANGE_ORDER, keel_ok};
use crate::common::slack::SlackStandIn;
use crate::common::test_databases;
use crate::crash::{start_server_with, submit_change_order};
use crate::faults::delivered_once;

/// `keel serve` with Slack pointed at a new stand-in, its timers and retries ticking hourly.
async fn serve_ticking_hourly(
    db: &crate::common::TestDb,
) -> (SlackStandIn, tokio::process::Child, String) {
    drop(TestApp::start(db).await); // imports the directory and projects
    let stand_in = SlackStandIn::start().await;
    let mut env = stand_in.keel_env();
    env.push(("KEEL_SCHEDULER_TICK_SECONDS", "3600".into()));
    let (server, base) = start_server_with(db, &env).await;
    (stand_in, server, base)
}

#[tokio::test]
async fn a_change_order_submitted_from_the_command_line_is_delivered_without_waiting_for_a_tick() {
    for db in test_databases().await {
        let (stand_in, server, _) = serve_ticking_hourly(&db).await;
        let submit = ["request", "submit", "change_order", "--as", "S020"];
        let args = [&submit[..], &LARGE_CHANGE_ORDER[..]].concat();
        let id = keel_ok(&db, &config_dir(), &args).trim().to_string();

        delivered_once(&db, &stand_in, server, &[id]).await;
    }
}

#[tokio::test]
async fn a_change_order_submitted_through_the_rest_api_is_delivered_without_waiting_for_a_tick() {
    for db in test_databases().await {
        let (stand_in, server, base) = serve_ticking_hourly(&db).await;
        let client = reqwest::Client::new();
        let id = submit_change_order(&client, &base, "prompt-1", "18000.00")
            .await
            .expect("keel acknowledges the submission");

        delivered_once(&db, &stand_in, server, &[id]).await;
    }
}
