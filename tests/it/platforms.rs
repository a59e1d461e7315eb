//! Slack and the console side by side, on the adapter contract: each notification is owed on
//! each platform as a row of its own, so one platform's outage or refusal holds only its own
//! deliveries; and the migration to the shared `chat_messages` table keeps the messages Slack
//! posted before it, so their cards are still updated after it.

use crate::common::TestDb;
use crate::common::app::TestApp;
use crate::common::slack::{Fault, SlackStandIn, Weather};
use crate::common::test_databases;
use crate::common::with_slack::app_with_slack;
use crate::outbox::change_order;
use keel::chat::ChatPort;
use keel::chat::console::Console;
use keel::engine::lifecycle::Action;
use keel::service::Sink;
use std::sync::Arc;

const RACHEL: &str = "UF522C1C1"; // S004, who approves Gus's large change orders

/// Slack and the console as one deliverer's platforms.
fn both_platforms(app: &TestApp, slack: &Sink) -> Sink {
    let Sink::Chat(ports) = slack else {
        panic!("a Slack sink");
    };
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    let console: Arc<dyn ChatPort> = Console::new(app.keel.clone(), true, stopped);
    Sink::Chat(vec![ports[0].clone(), console])
}

/// How many of Rachel's console DMs carry `request`'s card.
async fn console_cards(app: &TestApp, request: &str) -> usize {
    let messages = app.keel.console_messages("@S004", 50).await.expect("DMs");
    messages
        .iter()
        .filter(|m| m.request_id.as_deref() == Some(request) && m.card.is_some())
        .count()
}

#[tokio::test]
async fn slack_down_does_not_hold_the_console_and_each_gets_the_card_once() {
    for db in test_databases().await {
        let label = db.label;
        let (stand_in, app, slack) = app_with_slack(&db, &[]).await;
        let sink = both_platforms(&app, &slack);
        stand_in.set_weather(Weather::Down);
        let id = change_order(&app, "18000").await;
        app.keel.deliver_outbox(&sink).await.unwrap();
        assert_eq!(
            console_cards(&app, &id).await,
            1,
            "[{label}] the console is not held"
        );
        assert_eq!(stand_in.posted(RACHEL, &id), 0, "[{label}]");
        let counts = app.keel.outbox_counts().await.unwrap();
        assert!(
            counts.pending > 0 && counts.parked == 0,
            "[{label}] {counts:?}"
        );

        stand_in.set_weather(Weather::Fine);
        app.clock.advance(chrono::Duration::minutes(5));
        app.keel.deliver_outbox(&sink).await.unwrap();
        assert_eq!(stand_in.posted(RACHEL, &id), 1, "[{label}]");
        assert_eq!(console_cards(&app, &id).await, 1, "[{label}] posted once");
        assert_eq!(
            app.keel.outbox_counts().await.unwrap().pending,
            0,
            "[{label}]"
        );
    }
}

#[tokio::test]
async fn a_refusal_for_good_is_parked_at_once_on_that_platform_only() {
    for db in test_databases().await {
        let label = db.label;
        let (stand_in, app, slack) = app_with_slack(&db, &[]).await;
        let sink = both_platforms(&app, &slack);
        stand_in.set_fault(RACHEL, Some(Fault::NotFound));
        let id = change_order(&app, "18000").await;
        app.keel.deliver_outbox(&sink).await.unwrap();

        let parked = app.keel.parked_notifications().await.unwrap();
        let held: Vec<_> = parked
            .iter()
            .map(|p| {
                (
                    p.item.notification.to.as_str(),
                    p.item.platform.as_deref(),
                    p.retry_at,
                )
            })
            .collect();
        assert_eq!(held, [("S004", Some("slack"), None)], "[{label}]");
        assert_eq!(
            console_cards(&app, &id).await,
            1,
            "[{label}] delivered on the console"
        );
        // The channel's card still went to Slack: only Rachel's DM is held.
        assert_eq!(stand_in.posted("#change-orders", &id), 1, "[{label}]");
    }
}

/// Puts the database back as it was before migration 0016 (Slack's messages and events in
/// slack_messages and slack_events), so that opening keel runs that migration on them (and
/// 0022, whose index reads the outbox's platform, after it).
async fn before_chat_tables(db: &TestDb) {
    let id = match db.label {
        "postgres" => "bigserial",
        _ => "integer",
    };
    let slack_messages = format!(
        "create table slack_messages (id {id} primary key, request_id text not null, \
         target text not null, channel text not null, ts text not null, outbox_id bigint, \
         card_version bigint, posted_at text not null, unique (channel, ts))"
    );
    for sql in [
        "drop index outbox_undelivered",
        "drop index events_sla",
        "alter table outbox drop column http_request_id",
        "delete from _sqlx_migrations where version = 22",
        slack_messages.as_str(),
        "insert into slack_messages (request_id, target, channel, ts, outbox_id, card_version, \
         posted_at) select request_id, target, conversation, message_id, notification_id, \
         card_version, posted_at from chat_messages where platform = 'slack' order by id",
        "create table slack_events (event_id text primary key, received_at text not null)",
        "insert into slack_events select event_id, received_at from chat_events",
        "drop table chat_messages",
        "drop table chat_events",
        "alter table outbox drop column platform",
        "alter table outbox drop column notification_id",
        "delete from _sqlx_migrations where version = 16",
    ] {
        db.execute(sql).await;
    }
}

#[tokio::test]
async fn cards_slack_posted_before_the_upgrade_are_still_updated_after_it() {
    for db in test_databases().await {
        let label = db.label;
        let (stand_in, app, slack) = app_with_slack(&db, &[]).await;
        let id = change_order(&app, "18000").await;
        app.keel.deliver_outbox(&slack).await.unwrap();
        let posted = stand_in.messages_of(RACHEL);
        let ts = posted.last().expect("Rachel's card")["ts"].clone();
        drop(slack);
        drop(app);
        before_chat_tables(&db).await;

        let upgraded = reopened(&db, &stand_in).await;
        let slack = crate::common::with_slack::slack_sink(&upgraded);
        let approve = Action::Approve;
        upgraded.keel.act(&id, "S004", approve, None).await.unwrap();
        upgraded.keel.deliver_outbox(&slack).await.unwrap();
        let updates = stand_in.calls("chat.update");
        assert!(
            updates.iter().any(|u| u["ts"] == ts),
            "[{label}] the card posted before the upgrade was not updated: {updates:?}"
        );
        assert_eq!(
            stand_in.posted(RACHEL, &id),
            1,
            "[{label}] not posted again"
        );
    }
}

/// keel opened again on `db` (migrating it), with Slack pointed at `stand_in`.
async fn reopened(db: &TestDb, stand_in: &SlackStandIn) -> TestApp {
    let env = stand_in.keel_env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::start_with_env(db, &crate::common::app::config_dir(), &env).await
}
