//! The anomaly history as the windows in memory keep it: the same values the database holds,
//! after commits, rollbacks, cancellations, imports and another process's requests.

use super::{each_store, request, t0};
use crate::common::TestDb;
use chrono::Duration;
use keel::domain::Status;
use keel::store::{ANOMALY_HISTORY, Store, WINDOW_FRESH_FOR};
use serde_json::json;

/// Commits `co` requests for `vendor`: (id, amount, minutes after t0).
async fn submit(store: &Store, vendor: &str, requests: &[(&str, &str, i64)]) {
    let mut tx = store.begin().await.unwrap();
    for (id, amount, minutes) in requests {
        let form = json!({"amount": amount, "vendor": vendor});
        let at = t0() + Duration::minutes(*minutes);
        tx.insert_request(&request(id, Status::Pending, form, at))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn acme(store: &Store) -> Vec<f64> {
    store
        .anomaly_history("co", Some("acme"), t0())
        .await
        .unwrap()
}

/// A second store on `url` (another keel process), with `co`'s check registered.
async fn connect(url: &str) -> Store {
    let store = Store::connect(url, 2).await.unwrap();
    track(&store).await;
    store
}

/// `co` compares amounts per vendor.
async fn track(store: &Store) {
    store
        .track_anomaly_samples("co", Some(("amount", Some("vendor"))))
        .await
        .unwrap();
}

/// [`each_store`], with `co`'s check registered.
async fn tracked_stores() -> Vec<(TestDb, Store)> {
    let stores = each_store().await;
    for (_, store) in &stores {
        track(store).await;
    }
    stores
}

#[tokio::test]
async fn a_commit_counts_at_once_and_a_rollback_or_a_cancellation_does_not() {
    for (db, store) in tracked_stores().await {
        let label = db.label;
        submit(&store, "acme", &[("CO-1", "10.00", 1)]).await;
        assert_eq!(acme(&store).await, [10.0], "{label}");
        submit(&store, "acme", &[("CO-2", "20.00", 2)]).await;
        assert_eq!(acme(&store).await, [10.0, 20.0], "{label}: counted at once");

        let mut tx = store.begin().await.unwrap();
        let form = json!({"amount": "30.00", "vendor": "acme"});
        tx.insert_request(&request("CO-3", Status::Pending, form, t0()))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(acme(&store).await, [10.0, 20.0], "{label}: rolled back");

        let mut tx = store.begin().await.unwrap();
        let mut cancelled = tx.lock_request("CO-1").await.unwrap().unwrap();
        cancelled.status = Status::Cancelled;
        cancelled.version += 1;
        tx.update_request(&cancelled).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(acme(&store).await, [20.0], "{label}: cancelled");

        let every = store.anomaly_history_of_workflow("co", t0());
        assert_eq!(every.await.unwrap(), [20.0], "{label}");
        submit(&store, "globex", &[("CO-4", "5.00", 3)]).await;
        let every = store.anomaly_history_of_workflow("co", t0());
        assert_eq!(every.await.unwrap(), [20.0, 5.0], "{label}: every group");
        assert_eq!(acme(&store).await, [20.0], "{label}: another group");
    }
}

#[tokio::test]
async fn an_import_keeps_the_most_recent_values_in_time_order() {
    for (db, store) in tracked_stores().await {
        let label = db.label;
        submit(&store, "acme", &[("CO-5000", "1.00", 5000)]).await;
        assert_eq!(acme(&store).await, [1.0], "{label}");
        // More than a window's worth of history, older than the live request.
        let ids: Vec<String> = (0..ANOMALY_HISTORY + 5)
            .map(|n| format!("CO-{}", n + 1))
            .collect();
        let amounts: Vec<String> = (0..ANOMALY_HISTORY + 5)
            .map(|n| format!("{}.00", n + 100))
            .collect();
        let imported: Vec<(&str, &str, i64)> = ids
            .iter()
            .zip(&amounts)
            .enumerate()
            .map(|(n, (id, amount))| (id.as_str(), amount.as_str(), n as i64))
            .collect();
        submit(&store, "acme", &imported).await;
        let history = acme(&store).await;
        assert_eq!(history.len(), ANOMALY_HISTORY, "{label}");
        assert_eq!(history[0], 106.0, "{label}: the oldest six are out");
        assert_eq!(history[ANOMALY_HISTORY - 1], 1.0, "{label}: the live one");
        // A request older than a full window changes nothing; a newer one pushes one out.
        submit(&store, "acme", &[("CO-6000", "2.00", -10)]).await;
        assert_eq!(acme(&store).await, history, "{label}");
        submit(&store, "acme", &[("CO-6001", "3.00", 6000)]).await;
        let after = acme(&store).await;
        assert_eq!(after[..ANOMALY_HISTORY - 1], history[1..], "{label}");
        assert_eq!(after[ANOMALY_HISTORY - 1], 3.0, "{label}");
        let fresh = connect(&db.url).await;
        assert_eq!(
            acme(&fresh).await,
            after,
            "{label}: as the database holds it"
        );
    }
}

#[tokio::test]
async fn another_process_s_requests_count_once_the_window_is_stale() {
    for (db, store) in tracked_stores().await {
        let label = db.label;
        let other = connect(&db.url).await;
        submit(&store, "acme", &[("CO-1", "10.00", 1)]).await;
        assert_eq!(acme(&store).await, [10.0], "{label}");
        assert_eq!(acme(&other).await, [10.0], "{label}: read by the other");
        submit(&other, "acme", &[("CO-2", "20.00", 2)]).await;
        assert_eq!(acme(&other).await, [10.0, 20.0], "{label}: its own at once");
        let later = t0() + WINDOW_FRESH_FOR;
        let seen = store.anomaly_history("co", Some("acme"), later).await;
        assert_eq!(seen.unwrap(), [10.0, 20.0], "{label}: once stale");
    }
}
