//! A claimed batch of the outbox is recorded in one transaction once it is delivered; until
//! then its own deliveries see what it posted, so a request's channel card owed by two of its
//! notifications in one batch is posted once.

use crate::common::app::{TestApp, config_dir, copy_dir};
use crate::common::slack::{SlackStandIn, assert_each_posted_once};
use crate::common::test_databases;
use crate::common::with_slack::slack_sink;
use crate::faults::large_change_order;
use keel::engine::lifecycle::Action;

/// The demo config with a second step after the authority on large change orders: the chief
/// executive (S001, Morgan) approves them too.
fn config_with_two_steps() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a config directory");
    copy_dir(&config_dir(), dir.path());
    let workflow = dir.path().join("workflows").join("change_order.toml");
    let text = std::fs::read_to_string(&workflow).expect("the change order workflow");
    let authority = r#"roles = ["ops_director", "coo", "cfo", "ceo"] }] },"#;
    assert!(
        text.contains(authority),
        "the authority step is where it was"
    );
    let ceo = r#"
  { name = "Chief executive", quorum = "any", approvers = [{ person = "S001" }] },"#;
    let edited = text.replace(authority, &format!("{authority}{ceo}"));
    std::fs::write(&workflow, edited).expect("writing the workflow");
    dir
}

#[tokio::test]
async fn two_approvals_asked_of_one_request_in_one_batch_post_its_channel_card_once() {
    let config = config_with_two_steps();
    for db in test_databases().await {
        let label = db.label;
        let stand_in = SlackStandIn::start().await;
        let env = stand_in.keel_env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let app = TestApp::start_with_env(&db, config.path(), &env).await;
        let sink = slack_sink(&app);
        let id = large_change_order(&app).await;
        // Rachel approves before anything is delivered: Morgan is asked next.
        app.keel
            .act(&id, "S004", Action::Approve, None)
            .await
            .expect("Rachel approves");

        app.keel.deliver_outbox(&sink).await.expect("a pass");

        let morgan = crate::outbox::MORGAN;
        let expected = [
            ("UF522C1C1", id.as_str()),
            (morgan, id.as_str()),
            ("#change-orders", id.as_str()),
        ];
        assert_each_posted_once(&stand_in, &expected, label);
        let pending = app.keel.store().outbox_pending_count().await;
        assert_eq!(pending.expect("a count"), 0, "[{label}]");
    }
}
