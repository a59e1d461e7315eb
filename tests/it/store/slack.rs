//! What keel remembers of Slack: posted messages per request, where a notification went, card
//! versions that only move forward, and events seen once.

use super::*;
use keel::store::SlackMessage;

fn posted(target: &str, ts: &str) -> SlackMessage {
    SlackMessage {
        target: target.into(),
        channel: format!("{target}-conversation"),
        ts: ts.into(),
        card_version: Some(1),
    }
}

#[tokio::test]
async fn slack_messages_are_remembered_per_request_and_events_are_seen_once() {
    for (db, store) in each_store().await {
        let label = db.label;
        store
            .record_slack_message("CO-1", &posted("D1", "1.1"), Some(7), t0())
            .await
            .unwrap();
        store
            .record_slack_message("CO-1", &posted("C9", "1.2"), Some(7), t0())
            .await
            .unwrap();
        // A retry that posted again in the DM is not remembered twice for the same notification.
        store
            .record_slack_message("CO-1", &posted("D1", "1.3"), Some(7), t0())
            .await
            .unwrap();
        assert_eq!(
            store.slack_posted_for(7).await.unwrap(),
            ["D1", "C9"],
            "{label}"
        );
        let messages = store.slack_messages_of("CO-1").await.unwrap();
        assert_eq!(messages.len(), 2, "{label}");

        store.set_slack_card_version(&messages[0], 3).await.unwrap();
        store.set_slack_card_version(&messages[0], 2).await.unwrap();
        let messages = store.slack_messages_of("CO-1").await.unwrap();
        assert_eq!(
            messages[0].card_version,
            Some(3),
            "{label}: versions only move forward"
        );

        assert!(store.first_sight_of_slack_event("Ev1", t0()).await.unwrap());
        assert!(
            !store.first_sight_of_slack_event("Ev1", t0()).await.unwrap(),
            "{label}"
        );
    }
}
