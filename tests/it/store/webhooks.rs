//! Outbound webhooks in the store: deliverers claiming at once (several keel processes on
//! PostgreSQL) never claim one payload twice, and a disabled target's payloads are not claimed.

use super::{each_store, t0};
use chrono::Duration;
use keel::sync::targets::queue::Queued;
use std::collections::HashSet;

fn queued(n: usize) -> Vec<Queued> {
    (0..n)
        .map(|i| Queued {
            target: "accounting".into(),
            rule: "approved_pos".into(),
            event_type: "request.decided",
            subject: format!("PO-{i}"),
            body: format!(r#"{{"n": {i}}}"#),
        })
        .collect()
}

#[tokio::test]
async fn concurrent_deliverers_never_claim_the_same_payload() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        tx.queue_webhooks(&queued(40), t0()).await.unwrap();
        tx.commit().await.unwrap();
        let workers = (0..4).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut claimed = Vec::new();
                loop {
                    let batch = store
                        .claim_webhooks("accounting", t0(), 3, Duration::minutes(1))
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        return claimed;
                    }
                    tokio::task::yield_now().await;
                    claimed.extend(batch.into_iter().map(|item| item.id));
                }
            })
        });
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.await.unwrap());
        }
        let distinct: HashSet<i64> = all.iter().copied().collect();
        assert_eq!((all.len(), distinct.len()), (40, 40), "[{label}]");
        // Claimed and unanswered, they come back once the claim lapses, with the same ids.
        let later = t0() + Duration::minutes(2);
        let again = store
            .claim_webhooks("accounting", later, 100, Duration::minutes(1))
            .await
            .unwrap();
        assert_eq!(again.len(), 40, "[{label}]");
        assert!(again.iter().all(|item| distinct.contains(&item.id)));
        assert_eq!(again[0].body, r#"{"n": 0}"#, "[{label}] the body as queued");
    }
}

#[tokio::test]
async fn a_disabled_targets_payloads_wait_until_it_is_enabled() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        tx.queue_webhooks(&queued(2), t0()).await.unwrap();
        tx.commit().await.unwrap();
        let hold = Duration::minutes(1);
        let first = store
            .claim_webhooks("accounting", t0(), 1, hold)
            .await
            .unwrap();
        let newly = store
            .disable_target(&first[0], "410 Gone", t0(), &[])
            .await
            .unwrap();
        assert!(newly, "[{label}]");
        let again = store
            .disable_target(&first[0], "410 Gone", t0(), &[])
            .await
            .unwrap();
        assert!(!again, "[{label}] disabled once");
        let later = t0() + Duration::hours(1);
        assert!(
            store
                .claim_webhooks("accounting", later, 10, hold)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store.enable_target("accounting").await.unwrap(),
            "[{label}]"
        );
        let both = store
            .claim_webhooks("accounting", later, 10, hold)
            .await
            .unwrap();
        assert_eq!(
            both.len(),
            2,
            "[{label}] the one that met the 410 and the one behind it"
        );
    }
}
