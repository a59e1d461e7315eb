//! Timers: claiming, cancelling, concurrent schedulers.

use super::*;

async fn insert_plain_requests(store: &Store, ids: &[&str]) {
    let mut tx = store.begin().await.unwrap();
    for id in ids {
        tx.insert_request(&request(id, Status::Pending, json!({}), t0()))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn timer(request_id: &str, kind: TimerKind, due_at: DateTime<Utc>) -> NewTimer {
    NewTimer {
        request_id: request_id.into(),
        kind,
        step: 0,
        due_at,
    }
}

#[tokio::test]
async fn due_timers_are_claimed_once_in_due_order_and_cancelled_ones_never() {
    for (db, store) in each_store().await {
        let label = db.label;
        insert_plain_requests(&store, &["CO-1", "CO-2"]).await;
        let mut tx = store.begin().await.unwrap();
        tx.schedule_timers(&[
            timer("CO-1", TimerKind::Escalate, t0() + Duration::hours(2)),
            timer("CO-1", TimerKind::Remind, t0() + Duration::hours(1)),
            timer("CO-1", TimerKind::Expire, t0() + Duration::days(9)),
            timer("CO-2", TimerKind::Remind, t0() + Duration::minutes(90)),
        ])
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let claim = |now: DateTime<Utc>| {
            let store = store.clone();
            async move {
                let mut tx = store.begin().await.unwrap();
                let due = tx.claim_due_timer(now).await.unwrap();
                (tx, due.map(|t| (t.id, t.request_id, t.kind, t.due_at)))
            }
        };
        let (tx, nothing) = claim(t0()).await;
        tx.commit().await.unwrap();
        assert_eq!(nothing, None, "{label}: nothing is due yet");

        let now = t0() + Duration::hours(3);
        let (mut tx, due) = claim(now).await;
        let (id, request_id, kind, due_at) = due.unwrap();
        assert_eq!(
            (request_id.as_str(), kind),
            ("CO-1", TimerKind::Remind),
            "{label}"
        );
        assert_eq!(due_at, t0() + Duration::hours(1), "{label}");
        tx.finish_timer(id, now).await.unwrap();
        tx.cancel_timers("CO-1").await.unwrap();
        tx.commit().await.unwrap();

        // A claim that rolls back leaves the timer to be claimed again.
        let (tx, due) = claim(now).await;
        let (id, request_id, ..) = due.unwrap();
        assert_eq!(request_id, "CO-2", "{label}");
        tx.rollback().await.unwrap();
        let (mut tx, again) = claim(now).await;
        assert_eq!(again.as_ref().map(|t| t.0), Some(id), "{label}");
        tx.finish_timer(id, now).await.unwrap();
        tx.commit().await.unwrap();

        let (tx, rest) = claim(t0() + Duration::days(30)).await;
        tx.commit().await.unwrap();
        assert_eq!(
            rest, None,
            "{label}: fired and cancelled timers are never claimed"
        );
    }
}

#[tokio::test]
async fn concurrent_schedulers_never_claim_the_same_timer() {
    for (db, store) in each_store().await {
        let label = db.label;
        insert_plain_requests(&store, &["CO-1"]).await;
        let timers: Vec<_> = (0..40)
            .map(|i| timer("CO-1", TimerKind::Remind, t0() + Duration::seconds(i)))
            .collect();
        let mut tx = store.begin().await.unwrap();
        tx.schedule_timers(&timers).await.unwrap();
        tx.commit().await.unwrap();

        if store.backend == Backend::Postgres {
            // Two open claims at once get different timers.
            let mut first = store.begin().await.unwrap();
            let mut second = store.begin().await.unwrap();
            let a = first
                .claim_due_timer(t0() + Duration::hours(1))
                .await
                .unwrap()
                .unwrap();
            let b = second
                .claim_due_timer(t0() + Duration::hours(1))
                .await
                .unwrap()
                .unwrap();
            assert_ne!(a.id, b.id, "{label}");
            first.rollback().await.unwrap();
            second.rollback().await.unwrap();
        }

        let workers = (0..4).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut claimed = Vec::new();
                loop {
                    let mut tx = store.begin().await.unwrap();
                    let Some(due) = tx.claim_due_timer(t0() + Duration::hours(1)).await.unwrap()
                    else {
                        return claimed;
                    };
                    tokio::task::yield_now().await;
                    tx.finish_timer(due.id, t0()).await.unwrap();
                    tx.commit().await.unwrap();
                    claimed.push(due.id);
                }
            })
        });
        let mut all = Vec::new();
        for worker in workers.collect::<Vec<_>>() {
            all.extend(worker.await.unwrap());
        }
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), 40, "{label}: every timer fired once");
        assert_eq!(distinct.len(), 40, "{label}");
    }
}
