//! The outbox: claims, retries, giving up.

use super::*;
use keel::store::{AfterFailure, Deliveries};

/// Records deliveries of `ids`, as a deliverer does at the end of a batch.
async fn mark_delivered(store: &Store, ids: &[i64], at: DateTime<Utc>) {
    let batch = Deliveries {
        delivered: ids.to_vec(),
        ..Deliveries::default()
    };
    store.record_deliveries(&batch, at).await.unwrap();
}

/// Records a failed delivery of `id` and what becomes of it, as a deliverer does.
async fn mark_failed(store: &Store, id: i64, error: &str, after: AfterFailure) {
    let batch = Deliveries {
        failed: vec![(id, error.to_string(), after)],
        ..Deliveries::default()
    };
    store.record_deliveries(&batch, t0()).await.unwrap();
}

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
                .claim_outbox(t0() - Duration::seconds(1), 10, &["slack"])
                .await
                .unwrap()
                .is_empty()
        );

        let now = t0() + Duration::seconds(1);
        let batch = store.claim_outbox(now, 2, &["slack"]).await.unwrap();
        let texts: Vec<_> = batch.iter().map(|i| i.notification.text.as_str()).collect();
        assert_eq!(texts, ["one", "two"], "{label}");
        assert_eq!(batch[0].notification, sent[0], "{label}");
        assert_eq!(
            (batch[0].attempts, batch[0].created_at),
            (0, t0()),
            "{label}"
        );
        let rest = store.claim_outbox(now, 10, &["slack"]).await.unwrap();
        assert_eq!(rest.len(), 1, "{label}: claimed rows are held");
        assert!(
            store
                .claim_outbox(now, 10, &["slack"])
                .await
                .unwrap()
                .is_empty()
        );

        mark_delivered(&store, &[batch[0].id], now).await;
        mark_failed(
            &store,
            batch[1].id,
            "429 slow down",
            AfterFailure::RetryAt(now + Duration::minutes(5)),
        )
        .await;
        mark_failed(
            &store,
            rest[0].id,
            "channel_not_found",
            park(now, None, &[]),
        )
        .await;
        assert_eq!(store.outbox_pending_count().await.unwrap(), 1, "{label}");
        // The retry is not due before its time, even after the claim would have lapsed.
        assert!(
            store
                .claim_outbox(now + Duration::minutes(2), 10, &["slack"])
                .await
                .unwrap()
                .is_empty()
        );
        let retry = store
            .claim_outbox(now + Duration::minutes(5), 10, &["slack"])
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
            store
                .claim_outbox(later, 10, &["slack"])
                .await
                .unwrap()
                .len(),
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
        assert_eq!(
            (failed[0].failed_at, failed[0].retry_at),
            (now, None),
            "{label}"
        );
    }
}

fn park(
    at: DateTime<Utc>,
    retry_at: Option<DateTime<Utc>>,
    notices: &[Notification],
) -> AfterFailure {
    AfterFailure::Park {
        at,
        retry_at,
        notices: notices.to_vec(),
    }
}

#[tokio::test]
async fn a_parked_notification_queues_its_notices_is_counted_and_is_made_due_again() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        tx.enqueue(
            &[notification("u-ben", "one"), notification("u-cy", "two")],
            t0(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let batch = store.claim_outbox(t0(), 10, &["slack"]).await.unwrap();
        let later = t0() + Duration::hours(1);
        let notice = notification("u-admin", "u-ben could not be reached");
        // Out of attempts: parked, still tried at `later`; refused for good: held.
        mark_failed(
            &store,
            batch[0].id,
            "HTTP 500",
            park(t0(), Some(later), std::slice::from_ref(&notice)),
        )
        .await;
        mark_failed(
            &store,
            batch[1].id,
            "channel_not_found",
            park(t0(), None, &[]),
        )
        .await;
        let counts = store.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.parked), (1, 2), "{label}");
        let due = store.claim_outbox(t0(), 10, &["slack"]).await.unwrap();
        assert_eq!(
            due.len(),
            1,
            "{label}: the notice, in the parking's transaction"
        );
        assert_eq!(due[0].notification, notice, "{label}");
        mark_delivered(&store, &[due[0].id], t0()).await;
        let due = store
            .claim_outbox(later + Duration::days(1), 10, &["slack"])
            .await
            .unwrap();
        let ids: Vec<i64> = due.iter().map(|i| i.id).collect();
        assert_eq!(ids, [batch[0].id], "{label}: the held one is not tried");
        mark_delivered(&store, &ids, later).await;
        let failed = store.outbox_failed().await.unwrap();
        assert_eq!(failed.len(), 1, "{label}: delivered, no longer listed");

        assert!(
            store
                .retry_parked(Some(batch[0].id))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store.retry_parked(None).await.unwrap(),
            [batch[1].id],
            "{label}"
        );
        let due = store.claim_outbox(t0(), 10, &["slack"]).await.unwrap();
        assert_eq!(
            (due.len(), due[0].attempts),
            (1, 0),
            "{label}: due at once, attempts reset"
        );
        let counts = store.outbox_counts().await.unwrap();
        assert_eq!((counts.pending, counts.parked), (1, 0), "{label}");
    }
}

#[tokio::test]
async fn a_deliverer_of_one_platform_owes_the_others_their_copies_unclaimed() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        tx.enqueue(&[notification("u-ben", "one")], t0())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let now = t0() + Duration::seconds(1);
        let served = ["slack", "discord", "console"];

        let slack = store
            .claim_outbox_of(now, 10, &served, &["slack"])
            .await
            .unwrap();
        let platforms: Vec<_> = slack.items.iter().map(|i| i.platform.clone()).collect();
        assert_eq!(platforms, [Some("slack".to_string())], "{label}");
        assert_eq!(slack.handed_over, 2, "{label}");
        let again = store
            .claim_outbox_of(now, 10, &served, &["slack"])
            .await
            .unwrap();
        assert!(again.items.is_empty(), "{label}: Slack's row stays claimed");

        for platform in ["discord", "console"] {
            let theirs = store
                .claim_outbox_of(now, 10, &served, &[platform])
                .await
                .unwrap();
            assert_eq!(theirs.items.len(), 1, "{label} {platform}");
            let item = &theirs.items[0];
            assert_eq!(item.platform.as_deref(), Some(platform), "{label}");
            assert_eq!(
                item.notification_id, slack.items[0].notification_id,
                "{label}"
            );
            assert_eq!(theirs.handed_over, 0, "{label}");
        }
    }
}
