//! The console's messages: a notification posted once per conversation however often it is
//! delivered, a request's card once per channel, and cards never turned back to an older state.

use super::*;
use keel::domain::Card;
use keel::store::NewConsoleMessage;

fn card(status: &str) -> Card {
    Card {
        title: "Change order CO-1".into(),
        fields: vec![],
        status: status.into(),
        notes: vec![],
        flags: vec![],
        facts: vec![],
        buttons: vec![],
        questions: vec![],
    }
}

fn message(conversation: &str, outbox_id: i64, version: i64) -> NewConsoleMessage {
    NewConsoleMessage {
        conversation: conversation.into(),
        author: "keel".into(),
        body: "Gus Usman asks you to approve Change order CO-1.".into(),
        card: Some(card("Waiting for Rachel Kim")),
        card_version: Some(version),
        request_id: Some("CO-1".into()),
        thread_of: None,
        outbox_id: Some(outbox_id),
        answer: None,
        chart: None,
    }
}

#[tokio::test]
async fn a_delivery_posts_once_a_channel_has_one_card_per_request_and_cards_only_move_forward() {
    for (db, store) in each_store().await {
        let label = db.label;
        let first = store
            .post_console_message(&message("@S004", 1, 1), t0())
            .await
            .unwrap();
        assert!(first.is_some(), "{label}");
        let retried = store
            .post_console_message(&message("@S004", 1, 1), t0())
            .await
            .unwrap();
        assert_eq!(retried, None, "{label}: a retried delivery posts nothing");

        let in_channel = store
            .post_console_message(&message("#change-orders", 1, 1), t0())
            .await;
        assert!(in_channel.unwrap().is_some(), "{label}");
        let second_approver = store
            .post_console_message(&message("#change-orders", 2, 1), t0())
            .await
            .unwrap();
        assert_eq!(
            second_approver, None,
            "{label}: one card per request in a channel"
        );

        let mut decided = 0;
        for conversation in ["@S004", "#change-orders"] {
            let id = store.console_messages(conversation, 10).await.unwrap()[0].id;
            let card_now = card("Approved by Rachel Kim");
            let updated = store.update_console_card(id, &card_now, 3, t0()).await;
            decided += usize::from(updated.unwrap().is_some());
            let older = card("Waiting for Rachel Kim");
            let late = store.update_console_card(id, &older, 2, t0()).await;
            assert_eq!(
                late.unwrap(),
                None,
                "{label}: an older card never replaces a newer one"
            );
        }
        assert_eq!(decided, 2, "{label}: the DM's card and the channel's");
        for conversation in ["@S004", "#change-orders"] {
            let shown = store.console_messages(conversation, 10).await.unwrap();
            assert_eq!(shown.len(), 1, "{label} {conversation}");
            assert_eq!(
                shown[0].card,
                Some(card("Approved by Rachel Kim")),
                "{label}"
            );
        }
    }
}
