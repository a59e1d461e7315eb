//! What keel remembers of every chat platform: posted messages per platform and request, where a
//! notification went, card versions that only move forward, and events seen once.

use super::*;
use keel::domain::MessageRef;
use keel::store::{Deliveries, PostedMessage};

fn posted(platform: &str, target: &str, id: &str) -> PostedMessage {
    PostedMessage {
        platform: platform.into(),
        request_id: "CO-1".into(),
        target: target.into(),
        posted: MessageRef {
            conversation: format!("{target}-conversation"),
            id: id.into(),
        },
        notification: Some(7),
        card_version: Some(1),
    }
}

/// Records posted messages, as a deliverer does at the end of a batch.
async fn record_posts(store: &Store, messages: &[PostedMessage]) {
    let batch = Deliveries {
        posted: messages.to_vec(),
        ..Deliveries::default()
    };
    store.record_deliveries(&batch, t0()).await.unwrap();
}

#[tokio::test]
async fn chat_messages_are_remembered_per_platform_and_request_and_events_are_seen_once() {
    for (db, store) in each_store().await {
        let label = db.label;
        let first = [
            posted("slack", "U1", "1.1"),
            posted("slack", "#change-orders", "1.2"),
        ];
        record_posts(&store, &first).await;
        // A retry that posted again in the DM is not remembered twice for one notification.
        record_posts(
            &store,
            &[
                posted("slack", "U1", "1.3"),
                posted("console", "S004", "12"),
            ],
        )
        .await;
        assert_eq!(
            store.chat_posted_for("slack", 7).await.unwrap(),
            ["U1", "#change-orders"],
            "{label}"
        );
        assert_eq!(store.chat_posted_for("console", 7).await.unwrap(), ["S004"]);
        let messages = store.chat_messages_of("slack", "CO-1").await.unwrap();
        assert_eq!(messages.len(), 2, "{label}");
        assert_eq!(
            store
                .chat_conversation_of("slack", "#change-orders")
                .await
                .unwrap()
                .as_deref(),
            Some("#change-orders-conversation")
        );

        let shown = Deliveries {
            shown: vec![(messages[0].clone(), 3), (messages[0].clone(), 2)],
            ..Deliveries::default()
        };
        store.record_deliveries(&shown, t0()).await.unwrap();
        let messages = store.chat_messages_of("slack", "CO-1").await.unwrap();
        assert_eq!(
            messages[0].card_version,
            Some(3),
            "{label}: versions only move forward"
        );

        assert!(
            store
                .first_sight_of_chat_event("slack", "Ev1", t0())
                .await
                .unwrap()
        );
        assert!(
            !store
                .first_sight_of_chat_event("slack", "Ev1", t0())
                .await
                .unwrap(),
            "{label}"
        );
        assert!(
            store
                .first_sight_of_chat_event("discord", "Ev1", t0())
                .await
                .unwrap(),
            "{label}: events are seen per platform"
        );
    }
}
