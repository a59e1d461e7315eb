//! The audit chain on PostgreSQL is sealed by one sealer at a time, after the decisions that
//! wrote its events committed: unsealed events still show in their request's timeline, readers
//! of the chain seal first, concurrent decisions and sealers leave one intact chain, and what a
//! process left unsealed is sealed by another. The same scenarios run on SQLite, where events
//! are chained with their decision.

use crate::common::app::TestApp;
use keel::engine::lifecycle::Action;
use keel::service::Keel;

fn change_order(amount: &str) -> [(&'static str, String); 3] {
    [
        ("project", "P001".to_string()),
        ("amount", amount.to_string()),
        ("reason", "Rock".to_string()),
    ]
}

/// Submits a change order on P001 and has its project manager approve it.
async fn decide(keel: &Keel, amount: &str) -> String {
    let fields = change_order(amount)
        .into_iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
        .collect();
    let request = keel
        .submit(keel::service::NewRequest {
            workflow: "change_order".into(),
            requester: "S020".into(),
            fields,
            idempotency_key: None,
        })
        .await
        .expect("submit");
    let approver = TestApp::waiting_for(&request)[0].clone();
    keel.act(&request.id, &approver, Action::Approve, None)
        .await
        .expect("approve");
    request.id
}

#[tokio::test]
async fn a_decision_shows_in_its_timeline_before_it_is_sealed_and_verify_seals_it() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let id = decide(&app.keel, "9000").await;
        let before = app.keel.store().request_events(&id).await.unwrap();
        let actions: Vec<_> = before.iter().map(|e| e.draft.action.clone()).collect();
        assert_eq!(
            actions.first().map(String::as_str),
            Some("submitted"),
            "[{}]",
            db.label
        );
        assert_eq!(
            actions.last().map(String::as_str),
            Some("approved"),
            "[{}]",
            db.label
        );
        let pending = db.count("select count(*) from pending_events").await;
        let unsealed = before.iter().filter(|e| e.seq == 0).count();
        match db.label {
            // No keel serve here: nothing has sealed the decision's events yet.
            "postgres" => assert_eq!((unsealed, pending), (before.len(), before.len() as i64)),
            _ => assert_eq!((unsealed, pending), (0, 0), "SQLite chains at once"),
        }

        let verified = app.keel.verify_audit().await.unwrap();
        let after = app.keel.store().request_events(&id).await.unwrap();
        let sealed: Vec<_> = after.iter().map(|e| e.draft.clone()).collect();
        let written: Vec<_> = before.iter().map(|e| e.draft.clone()).collect();
        assert_eq!(sealed, written, "[{}] sealing keeps the events", db.label);
        assert!(
            after.windows(2).all(|pair| pair[0].seq < pair[1].seq) && after[0].seq > 0,
            "[{}] {after:?}",
            db.label
        );
        assert_eq!(db.count("select count(*) from pending_events").await, 0);
        let all = db.count("select count(*) from events").await;
        assert_eq!(verified, Ok(all as usize), "[{}]", db.label);
    }
}

#[tokio::test]
async fn concurrent_decisions_and_sealers_in_two_processes_leave_one_intact_chain() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let other = TestApp::start(&db).await.keel;
        let before = db.count("select count(*) from events").await;
        let mut tasks = Vec::new();
        for client in 0..8 {
            let keel = if client % 2 == 0 {
                app.keel.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..6 {
                    ids.push(decide(&keel, &format!("{}.00", 3_000 + client * 100 + n)).await);
                    // Sealers in both processes, some leaving a round to the other.
                    keel.store().seal_events(n % 2 == 0).await.expect("seal");
                }
                ids
            }));
        }
        let mut ids = Vec::new();
        for task in tasks {
            ids.extend(task.await.unwrap());
        }
        let verified = app.keel.verify_audit().await.unwrap();
        let all = db.count("select count(*) from events").await;
        assert_eq!(verified, Ok(all as usize), "[{}]", db.label);
        assert!(all >= before + 2 * 48, "[{}] {all} events", db.label);
        for id in ids {
            let timeline = other.store().request_events(&id).await.unwrap();
            let actions: Vec<_> = timeline.iter().map(|e| e.draft.action.as_str()).collect();
            assert_eq!(actions.first(), Some(&"submitted"), "[{}] {id}", db.label);
            assert_eq!(actions.last(), Some(&"approved"), "[{}] {id}", db.label);
            assert!(timeline.iter().all(|e| e.seq > 0), "[{}] {id}", db.label);
        }
    }
}

#[tokio::test]
async fn a_round_held_by_another_sealer_is_left_to_it_and_what_it_left_is_sealed_later() {
    for db in crate::common::test_databases().await {
        if db.label != "postgres" {
            continue;
        }
        let app = TestApp::start(&db).await;
        let id = decide(&app.keel, "9000").await;
        // Another process mid-round: it holds the head's row lock.
        use sqlx::{Connection, Executor};
        let mut holder = sqlx::PgConnection::connect(&db.url).await.unwrap();
        holder.execute("begin").await.unwrap();
        holder
            .execute("select last_seq from audit_head where id = 1 for update")
            .await
            .unwrap();
        assert_eq!(app.keel.store().seal_events(false).await.unwrap(), 0);
        let waiting = db.count("select count(*) from pending_events").await;
        assert!(waiting >= 2, "{waiting} pending");
        // It dies without sealing (kill -9 ends its connection and its lock); keel opened
        // again, as a restart would, seals what was left.
        drop(holder);
        drop(app);
        let restarted = TestApp::start(&db).await;
        let sealed = restarted.keel.seal_audit().await.unwrap();
        assert_eq!(sealed as i64, waiting);
        let timeline = restarted.keel.store().request_events(&id).await.unwrap();
        assert!(timeline.iter().all(|e| e.seq > 0), "{timeline:?}");
        let all = db.count("select count(*) from events").await;
        assert_eq!(
            restarted.keel.verify_audit().await.unwrap(),
            Ok(all as usize)
        );
    }
}
