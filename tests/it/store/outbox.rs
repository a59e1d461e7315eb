//! The outbox: claims, retries, giving up.

use super::*;

fn notification(to: &str, text: &str) -> Notification {
    Notification {
        to: to.into(),
        kind: NotificationKind::ApprovalRequested,
        request_id: "CO-1".into(),
        text: text.into(),
        card: None,
    }
}

#[tokio::test]
async fn outbox_claims_retries_and_gives_up() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        let sent = [
            notification("u-ben", "one"),
            notification("u-cy", "two"),
            notification("u-di", "three"),
        ];
        tx.enqueue(&sent, t0()).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.outbox_pending_count().await.unwrap(), 3, "{label}");
        assert!(
            store
                .claim_outbox(t0() - Duration::seconds(1), 10)
                .await
                .unwrap()
                .is_empty()
        );

        let now = t0() + Duration::seconds(1);
        let batch = store.claim_outbox(now, 2).await.unwrap();
        let texts: Vec<_> = batch.iter().map(|i| i.notification.text.as_str()).collect();
        assert_eq!(texts, ["one", "two"], "{label}");
        assert_eq!(batch[0].notification, sent[0], "{label}");
        assert_eq!(
            (batch[0].attempts, batch[0].created_at),
            (0, t0()),
            "{label}"
        );
        let rest = store.claim_outbox(now, 10).await.unwrap();
        assert_eq!(rest.len(), 1, "{label}: claimed rows are held");
        assert!(store.claim_outbox(now, 10).await.unwrap().is_empty());

        store.mark_delivered(&[batch[0].id], now).await.unwrap();
        store
            .mark_failed(
                batch[1].id,
                "429 slow down",
                Some(now + Duration::minutes(5)),
            )
            .await
            .unwrap();
        store
            .mark_failed(rest[0].id, "channel_not_found", None)
            .await
            .unwrap();
        assert_eq!(store.outbox_pending_count().await.unwrap(), 1, "{label}");
        // The retry is not due before its time, even after the claim would have lapsed.
        assert!(
            store
                .claim_outbox(now + Duration::minutes(2), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let retry = store
            .claim_outbox(now + Duration::minutes(5), 10)
            .await
            .unwrap();
        assert_eq!(retry.len(), 1, "{label}");
        assert_eq!(
            (retry[0].id, retry[0].attempts),
            (batch[1].id, 1),
            "{label}"
        );
        // An abandoned claim lapses after a minute.
        let later = now + Duration::minutes(5) + Duration::seconds(61);
        assert_eq!(
            store.claim_outbox(later, 10).await.unwrap().len(),
            1,
            "{label}"
        );

        let failed = store.outbox_failed().await.unwrap();
        assert_eq!(failed.len(), 1, "{label}");
        assert_eq!(failed[0].item.notification.text, "three", "{label}");
        assert_eq!(failed[0].item.attempts, 1, "{label}");
        assert_eq!(
            failed[0].last_error.as_deref(),
            Some("channel_not_found"),
            "{label}"
        );
        assert!(failed[0].failed_at.is_some(), "{label}");
    }
}
