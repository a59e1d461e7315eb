//! The store against real databases: every operation on a fresh SQLite file, and on a fresh
//! PostgreSQL database when `KEEL_TEST_POSTGRES_URL` is set.

use crate::common::{TestDb, test_databases};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use keel::domain::request::{AssignedBy, Assignment, StepState};
use keel::domain::workflow::Quorum;
use keel::domain::{
    Delegation, EventDraft, Fields, NewTimer, Notification, NotificationKind, Request, Status,
    TimerKind,
};
use keel::engine::audit::GENESIS;
use keel::store::{Backend, RequestFilter, Store, StoreError};
use serde_json::json;
use std::collections::HashSet;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn fields(value: serde_json::Value) -> Fields {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn request(id: &str, status: Status, form: serde_json::Value, at: DateTime<Utc>) -> Request {
    Request {
        id: id.to_string(),
        workflow: id.split('-').next().unwrap().to_lowercase(),
        requester: Some("u-ana".into()),
        fields: fields(form),
        status,
        steps: vec![StepState {
            name: "manager".into(),
            quorum: Quorum::Any,
            approvers: vec![Assignment {
                person: "u-ben".into(),
                assigned_by: AssignedBy::Chain,
            }],
            approvals: vec![],
            started_at: Some(at),
            escalated: false,
        }],
        current_step: 0,
        rule: Some("over_limit".into()),
        flags: vec![],
        submitted_at: at,
        decided_at: None,
        idempotency_key: None,
        version: 1,
    }
}

async fn each_store() -> Vec<(TestDb, Store)> {
    let mut stores = Vec::new();
    for db in test_databases().await {
        let store = Store::connect(&db.url, 4)
            .await
            .unwrap_or_else(|e| panic!("{}: connecting: {e:#}", db.label));
        stores.push((db, store));
    }
    stores
}

#[tokio::test]
async fn connecting_creates_the_database_and_migrates_once() {
    for db in test_databases().await {
        let store = Store::connect(&db.url, 2).await.unwrap();
        let expected = if db.label == "sqlite" {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        assert_eq!(store.backend, expected);
        assert_eq!(store.migrate().await.unwrap(), 0, "{}", db.label);
        let again = Store::connect(&db.url, 2).await.unwrap();
        assert_eq!(again.migrate().await.unwrap(), 0, "{}", db.label);
        assert_eq!(store.audit_head().await.unwrap(), None, "{}", db.label);
    }
}

#[tokio::test]
async fn records_upsert_inserts_updates_and_skips_identical_rows() {
    for (db, store) in each_store().await {
        let label = db.label;
        let rows = vec![
            (
                "P-2".to_string(),
                fields(json!({"id": "P-2", "name": "Beta", "budget": "10.00"})),
            ),
            (
                "P-1".to_string(),
                fields(json!({"id": "P-1", "name": "Alpha"})),
            ),
        ];
        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("project", &rows, t0(), "import:a.csv")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (2, 0, 0),
            "{label}"
        );

        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("project", &rows, t0(), "import:a.csv")
            .await
            .unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (0, 0, 2),
            "{label}"
        );
        let changed = vec![
            (
                "P-1".to_string(),
                fields(json!({"id": "P-1", "name": "Alpha 2"})),
            ),
            ("P-2".to_string(), rows[0].1.clone()),
            ("P-3".to_string(), fields(json!({"id": "P-3"}))),
            (
                "P-3".to_string(),
                fields(json!({"id": "P-3", "name": "Gamma"})),
            ),
        ];
        let later = t0() + Duration::hours(1);
        let counts = tx
            .upsert_records("project", &changed, later, "import:b.csv")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (1, 2, 1),
            "{label}"
        );

        let listed = store.list_records("project").await.unwrap();
        let keys: Vec<_> = listed.iter().map(|r| (r.key.as_str(), r.version)).collect();
        assert_eq!(keys, [("P-1", 2), ("P-2", 1), ("P-3", 2)], "{label}");
        let p1 = store.get_record("project", "P-1").await.unwrap().unwrap();
        assert_eq!(p1.fields["name"], json!("Alpha 2"), "{label}");
        assert_eq!(p1.updated_at, later, "{label}");
        assert_eq!(p1.record_type, "project");
        assert!(store.get_record("project", "P-9").await.unwrap().is_none());
        assert!(store.get_record("client", "P-1").await.unwrap().is_none());

        let history = store.record_history("project", "P-1").await.unwrap();
        let versions: Vec<_> = history.iter().map(|r| (r.version, r.updated_at)).collect();
        assert_eq!(versions, [(1, t0()), (2, later)], "{label}");
        assert_eq!(history[0].fields["name"], json!("Alpha"), "{label}");
        assert_eq!(
            store.record_history("project", "P-3").await.unwrap().len(),
            2
        );
    }
}

#[tokio::test]
async fn an_import_in_chunks_compares_with_what_was_stored_and_refuses_a_key_twice() {
    for (db, store) in each_store().await {
        let label = db.label;
        let row = |id: &str, name: &str| (id.to_string(), fields(json!({"id": id, "name": name})));
        let mut tx = store.begin().await.unwrap();
        tx.upsert_records("project", &[row("P-1", "Alpha")], t0(), "a")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let mut stored = tx.stored_records("project").await.unwrap();
        let first = tx
            .upsert_chunk(
                &mut stored,
                &[row("P-1", "Alpha"), row("P-2", "Beta")],
                t0(),
                "b",
            )
            .await
            .unwrap();
        let second = tx
            .upsert_chunk(&mut stored, &[row("P-3", "Gamma")], t0(), "b")
            .await
            .unwrap();
        assert_eq!((first.inserted, first.unchanged), (1, 1), "{label}");
        assert_eq!(second.inserted, 1, "{label}");
        let again = tx
            .upsert_chunk(&mut stored, &[row("P-2", "Beta 2")], t0(), "b")
            .await
            .unwrap_err();
        assert!(
            format!("{again:#}").contains("already written"),
            "{label}: {again:#}"
        );
        tx.commit().await.unwrap();
        assert_eq!(
            store.list_records("project").await.unwrap().len(),
            3,
            "{label}"
        );
    }
}

#[tokio::test]
async fn records_upsert_handles_more_rows_than_one_statement_takes() {
    for (db, store) in each_store().await {
        let rows: Vec<(String, Fields)> = (0..25_000)
            .map(|i| {
                (
                    format!("K{i:06}"),
                    fields(json!({"n": i, "name": format!("row {i}")})),
                )
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("bulk", &rows, t0(), "import")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts.inserted, 25_000, "{}", db.label);
        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("bulk", &rows, t0(), "import")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts.unchanged, 25_000, "{}", db.label);
        assert_eq!(store.list_records("bulk").await.unwrap().len(), 25_000);
    }
}

#[tokio::test]
async fn requests_are_inserted_locked_updated_and_listed() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut first = request("CO-1042", Status::Pending, json!({"amount": "10.00"}), t0());
        first.idempotency_key = Some("key-1".into());
        let second = request(
            "CO-1043",
            Status::Pending,
            json!({}),
            t0() + Duration::minutes(5),
        );
        let mut other = request(
            "PTO-7",
            Status::Approved,
            json!({}),
            t0() - Duration::days(1),
        );
        other.requester = None;
        other.decided_at = Some(t0());

        let mut tx = store.begin().await.unwrap();
        for r in [&second, &first, &other] {
            tx.insert_request(r).await.unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(
            store.get_request("CO-1042").await.unwrap(),
            Some(first.clone()),
            "{label}"
        );
        assert_eq!(
            store.get_request("PTO-7").await.unwrap(),
            Some(other.clone()),
            "{label}"
        );
        assert_eq!(store.get_request("CO-9").await.unwrap(), None);

        let mut tx = store.begin().await.unwrap();
        let mut locked = tx.lock_request("CO-1042").await.unwrap().unwrap();
        assert_eq!(locked, first, "{label}");
        locked.status = Status::Approved;
        locked.decided_at = Some(t0() + Duration::hours(2));
        locked.steps[0].approvals.push(keel::domain::StepDecision {
            person: "u-ben".into(),
            on_behalf_of: None,
            at: t0() + Duration::hours(2),
        });
        locked.version = 2;
        tx.update_request(&locked).await.unwrap();
        let stale = tx.update_request(&locked).await.unwrap_err();
        assert!(
            matches!(stale.downcast_ref(), Some(StoreError::Stale { .. })),
            "{label}"
        );
        tx.commit().await.unwrap();
        assert_eq!(
            store.get_request("CO-1042").await.unwrap(),
            Some(locked.clone())
        );
        assert!(
            store
                .begin()
                .await
                .unwrap()
                .lock_request("X-1")
                .await
                .unwrap()
                .is_none()
        );

        let pending = store.pending_requests().await.unwrap();
        assert_eq!(pending, vec![second.clone()], "{label}");
        let all = store
            .list_requests(&RequestFilter::default())
            .await
            .unwrap();
        let ids: Vec<_> = all.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["PTO-7", "CO-1042", "CO-1043"], "{label}");
        let filter = RequestFilter {
            workflow: Some("co".into()),
            status: Some(Status::Approved),
            requester: Some("u-ana".into()),
            limit: Some(5),
        };
        assert_eq!(
            store.list_requests(&filter).await.unwrap(),
            vec![locked],
            "{label}"
        );
        let limited = RequestFilter {
            limit: Some(1),
            ..RequestFilter::default()
        };
        assert_eq!(
            store.list_requests(&limited).await.unwrap(),
            vec![other],
            "{label}"
        );
    }
}

/// Both the write and the commit, so that where the backend notices does not matter.
async fn update_and_commit(store: &Store, request: &Request) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    tx.update_request(request).await?;
    tx.append_events(&[draft(Some(&request.id), "approved", t0())])
        .await?;
    tx.commit().await
}

#[tokio::test]
async fn a_write_prepared_from_an_old_read_is_refused_and_leaves_nothing() {
    for (db, store) in each_store().await {
        let label = db.label;
        let first = request("CO-1", Status::Pending, json!({}), t0());
        let mut tx = store.begin().await.unwrap();
        tx.insert_request(&first).await.unwrap();
        tx.commit().await.unwrap();

        // Two writers read version 1 without locking it; the first to write wins.
        let mut approved = store.get_request("CO-1").await.unwrap().unwrap();
        let mut rejected = approved.clone();
        approved.status = Status::Approved;
        approved.version = 2;
        rejected.status = Status::Rejected;
        rejected.version = 2;
        update_and_commit(&store, &approved).await.unwrap();
        let error = update_and_commit(&store, &rejected).await.unwrap_err();
        assert!(
            matches!(error.downcast_ref(), Some(StoreError::Stale { id, .. }) if id == "CO-1"),
            "{label}: {error:#}"
        );
        assert_eq!(
            store.get_request("CO-1").await.unwrap(),
            Some(approved),
            "{label}"
        );
        assert_eq!(
            store.audit_head().await.unwrap().map(|h| h.0),
            Some(1),
            "{label}"
        );
        // Skipping a version is refused as well.
        let mut skipping = store.get_request("CO-1").await.unwrap().unwrap();
        skipping.version = 4;
        assert!(
            update_and_commit(&store, &skipping).await.is_err(),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_repeated_idempotency_key_or_id_is_a_conflict_and_the_transaction_goes_on() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut first = request("CO-1", Status::Pending, json!({}), t0());
        first.idempotency_key = Some("retry-me".into());
        let mut tx = store.begin().await.unwrap();
        tx.insert_request(&first).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let mut again = request("CO-2", Status::Pending, json!({}), t0());
        again.idempotency_key = Some("retry-me".into());
        let error = tx.insert_request(&again).await.unwrap_err();
        assert!(
            matches!(error.downcast_ref(), Some(StoreError::Conflict { .. })),
            "{label}"
        );
        let same_id = request("CO-1", Status::Pending, json!({}), t0());
        let error = tx.insert_request(&same_id).await.unwrap_err();
        assert!(
            matches!(error.downcast_ref(), Some(StoreError::Conflict { .. })),
            "{label}"
        );
        let found = tx.find_by_idempotency_key("co", "retry-me").await.unwrap();
        assert_eq!(found, Some(first.clone()), "{label}");
        assert_eq!(
            tx.find_by_idempotency_key("co", "other").await.unwrap(),
            None
        );
        assert_eq!(
            tx.find_by_idempotency_key("pto", "retry-me").await.unwrap(),
            None
        );
        // Requests without a key never conflict with each other.
        tx.insert_request(&request("CO-3", Status::Pending, json!({}), t0()))
            .await
            .unwrap();
        tx.insert_request(&request("CO-4", Status::Pending, json!({}), t0()))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn request_numbers_count_per_workflow_and_skip_past_imported_history() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1000,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1001,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("pto", 1).await.unwrap(),
            1,
            "{label}"
        );
        tx.ensure_request_number_above("co", 1464).await.unwrap();
        tx.ensure_request_number_above("co", 10).await.unwrap();
        tx.ensure_request_number_above("hire", 41).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1465,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("hire", 1).await.unwrap(),
            42,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("pto", 1).await.unwrap(),
            2,
            "{label}"
        );
        tx.rollback().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1465,
            "{label}"
        );
        tx.commit().await.unwrap();
        // A transaction dropped before its write went out gives its number back too.
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.next_request_number("co", 1000).await.unwrap(), 1466);
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1466,
            "{label}"
        );
        tx.commit().await.unwrap();
    }
}

fn draft(request_id: Option<&str>, action: &str, at: DateTime<Utc>) -> EventDraft {
    EventDraft {
        request_id: request_id.map(str::to_string),
        at,
        actor: "u-ana".into(),
        action: action.into(),
        rule: None,
        reason: Some("because".into()),
        data: json!({"step": 0, "amount": "10.00"}),
    }
}

#[tokio::test]
async fn events_are_chained_in_order_behind_the_head() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        assert!(tx.append_events(&[]).await.unwrap().is_empty());
        // Stored timestamps keep microseconds; what comes back is what was hashed.
        let odd = t0() + Duration::nanoseconds(1_234_567);
        let first = tx
            .append_events(&[
                draft(Some("CO-1"), "submitted", odd),
                draft(None, "imported", t0()),
            ])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let second = tx
            .append_events(&[draft(Some("CO-1"), "approved", t0())])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        // A rolled back append leaves no trace.
        let mut tx = store.begin().await.unwrap();
        tx.append_events(&[draft(Some("CO-1"), "cancelled", t0())])
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        // Nor does one dropped before any of it went to the database.
        let mut tx = store.begin().await.unwrap();
        tx.append_events(&[draft(Some("CO-1"), "cancelled", t0())])
            .await
            .unwrap();
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let third = tx
            .append_events(&[draft(Some("CO-1"), "commented", t0())])
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let all = store.all_events().await.unwrap();
        let seqs: Vec<_> = all.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4], "{label}");
        assert_eq!(all[..2], first[..], "{label}");
        assert_eq!(all[2..3], second[..], "{label}");
        assert_eq!(all[3..], third[..], "{label}");
        assert_eq!(
            all[0].draft.at,
            t0() + Duration::microseconds(1_234),
            "{label}"
        );
        assert_eq!(all[0].prev_hash, GENESIS, "{label}");
        for pair in all.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{label}");
        }
        assert_eq!(
            store.audit_head().await.unwrap(),
            Some((4, all[3].hash.clone()))
        );
        let timeline = store.request_events("CO-1").await.unwrap();
        let actions: Vec<_> = timeline.iter().map(|e| e.draft.action.as_str()).collect();
        assert_eq!(actions, ["submitted", "approved", "commented"], "{label}");
    }
}

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

#[tokio::test]
async fn concurrent_submitters_get_distinct_request_numbers() {
    for (db, store) in each_store().await {
        let takers = (0..4).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                for n in 0..15 {
                    let mut tx = store.begin().await.unwrap();
                    let number = tx.next_request_number("co", 1).await.unwrap();
                    // Every third one gives its number back.
                    if n % 3 == 2 {
                        tx.rollback().await.unwrap();
                    } else {
                        tx.commit().await.unwrap();
                        numbers.push(number);
                    }
                }
                numbers
            })
        });
        let mut all = Vec::new();
        for taker in takers.collect::<Vec<_>>() {
            all.extend(taker.await.unwrap());
        }
        all.sort();
        assert_eq!(all, (1..=40).collect::<Vec<_>>(), "{}", db.label);
    }
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

        store.mark_delivered(batch[0].id, now).await.unwrap();
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

#[tokio::test]
async fn delegations_apply_on_the_days_they_cover() {
    for (db, store) in each_store().await {
        let label = db.label;
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
        let away = Delegation {
            from_person: "u-ben".into(),
            to_person: "u-cy".into(),
            starts_on: day(2),
            ends_on: day(6),
        };
        let single = Delegation {
            from_person: "u-di".into(),
            to_person: "u-ben".into(),
            starts_on: day(6),
            ends_on: day(6),
        };
        let mut tx = store.begin().await.unwrap();
        tx.insert_delegation(&away, t0()).await.unwrap();
        tx.insert_delegation(&single, t0()).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            store.delegations_on(day(1)).await.unwrap().is_empty(),
            "{label}"
        );
        assert_eq!(
            store.delegations_on(day(2)).await.unwrap(),
            std::slice::from_ref(&away),
            "{label}"
        );
        assert_eq!(
            store.delegations_on(day(6)).await.unwrap(),
            [away, single],
            "{label}"
        );
        assert!(
            store.delegations_on(day(7)).await.unwrap().is_empty(),
            "{label}"
        );
    }
}

#[tokio::test]
async fn anomaly_history_reads_past_amounts_of_the_same_group() {
    for (db, store) in each_store().await {
        let label = db.label;
        let past = [
            (
                "CO-1",
                Status::Approved,
                json!({"amount": "1250.00", "vendor": "acme"}),
            ),
            (
                "CO-2",
                Status::Pending,
                json!({"amount": "80.50", "vendor": "acme"}),
            ),
            (
                "CO-3",
                Status::Rejected,
                json!({"amount": "10.00", "vendor": "globex"}),
            ),
            (
                "CO-4",
                Status::Cancelled,
                json!({"amount": "99999.00", "vendor": "acme"}),
            ),
            (
                "CO-5",
                Status::AutoRejected,
                json!({"amount": "88888.00", "vendor": "acme"}),
            ),
            ("CO-6", Status::Approved, json!({"vendor": "acme"})),
            (
                "CO-7",
                Status::Approved,
                json!({"amount": 40, "vendor": "acme"}),
            ),
            (
                "PTO-1",
                Status::Approved,
                json!({"amount": "5.00", "vendor": "acme"}),
            ),
        ];
        store
            .track_anomaly_samples("co", Some(("amount", Some("vendor"))))
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        for (i, (id, status, form)) in past.into_iter().enumerate() {
            let at = t0() + Duration::minutes(i as i64);
            tx.insert_request(&request(id, status, form, at))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let acme = store.anomaly_history("co", Some("acme")).await.unwrap();
        assert_eq!(acme, [1250.0, 80.5, 40.0], "{label}");
        assert!(
            store
                .anomaly_history("co", Some("initech"))
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
        assert!(
            store.anomaly_history("pto", None).await.unwrap().is_empty(),
            "{label}"
        );

        // New settings fill the values again from the stored forms.
        store
            .track_anomaly_samples("co", Some(("amount", None)))
            .await
            .unwrap();
        let all = store.anomaly_history("co", None).await.unwrap();
        assert_eq!(all, [1250.0, 80.5, 10.0, 40.0], "{label}");
        store
            .track_anomaly_samples("co", Some(("missing", None)))
            .await
            .unwrap();
        assert!(
            store.anomaly_history("co", None).await.unwrap().is_empty(),
            "{label}"
        );
        // Without a check, requests carry no values, and a check added later fills them.
        store.track_anomaly_samples("co", None).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let earlier = t0() - Duration::minutes(1);
        let later = request(
            "CO-9",
            Status::Approved,
            json!({"amount": "70.00"}),
            earlier,
        );
        tx.insert_request(&later).await.unwrap();
        tx.commit().await.unwrap();
        store
            .track_anomaly_samples("co", Some(("amount", None)))
            .await
            .unwrap();
        let all = store.anomaly_history("co", None).await.unwrap();
        assert_eq!(all, [70.0, 1250.0, 80.5, 10.0, 40.0], "{label}");
    }
}

#[tokio::test]
async fn two_stores_on_one_sqlite_file_take_turns_writing() {
    let databases = test_databases().await;
    let url = &databases[0].url;
    let a = Store::connect(url, 2).await.unwrap();
    let b = Store::connect(url, 2).await.unwrap();
    let writers = [a, b].map(|store| {
        tokio::spawn(async move {
            for _ in 0..25 {
                let mut tx = store.begin().await.unwrap();
                // Read first, then write: the upgrade that fails with SQLITE_BUSY under BEGIN
                // DEFERRED when two connections interleave.
                let _ = tx.find_by_idempotency_key("co", "nothing").await.unwrap();
                tx.next_request_number("co", 1).await.unwrap();
                tx.append_events(&[draft(None, "imported", t0())])
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        })
    });
    for writer in writers {
        writer.await.unwrap();
    }
    let store = Store::connect(url, 1).await.unwrap();
    assert_eq!(store.audit_head().await.unwrap().map(|h| h.0), Some(50));
}

/// Not a test of behaviour: how fast the import path writes. Run with
/// `cargo test --release --test store -- --ignored --nocapture upsert_throughput`.
#[tokio::test]
#[ignore]
async fn upsert_throughput() {
    const ROWS: usize = 200_000;
    let rows: Vec<(String, Fields)> = (0..ROWS)
        .map(|i| {
            let form = json!({
                "invoice_id": format!("INV-{i:07}"), "client": format!("C-{}", i % 500),
                "amount": format!("{}.{:02}", i % 10_000, i % 100), "status": "open",
                "due_on": "2026-04-30", "note": "net 30, paid by transfer",
            });
            (format!("INV-{i:07}"), fields(form))
        })
        .collect();
    for (db, store) in each_store().await {
        for (pass, at) in [
            ("insert", t0()),
            ("unchanged", t0()),
            ("update", t0() + Duration::days(1)),
        ] {
            let batch: Vec<(String, Fields)> = if pass == "update" {
                rows.iter()
                    .map(|(k, f)| {
                        let mut f = f.clone();
                        f.insert("status".into(), json!("paid"));
                        (k.clone(), f)
                    })
                    .collect()
            } else {
                rows.clone()
            };
            let started = std::time::Instant::now();
            let mut tx = store.begin().await.unwrap();
            let counts = tx
                .upsert_records("invoice", &batch, at, "import")
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{:>8} {pass:>9}: {ROWS} rows in {seconds:.2}s = {:.0} rows/s ({counts:?})",
                db.label,
                ROWS as f64 / seconds
            );
        }
    }
}

#[tokio::test]
async fn an_in_memory_sqlite_database_keeps_its_data_across_transactions() {
    let store = Store::connect("sqlite::memory:", 4).await.unwrap();
    let rows = vec![("K".to_string(), fields(json!({"a": 1})))];
    let mut tx = store.begin().await.unwrap();
    tx.upsert_records("thing", &rows, t0(), "test")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let record = store.get_record("thing", "K").await.unwrap().unwrap();
    assert_eq!((record.version, record.fields), (1, rows[0].1.clone()));
}

#[tokio::test]
async fn an_unknown_url_scheme_is_refused() {
    let error = Store::connect("mysql://localhost/keel", 1)
        .await
        .unwrap_err();
    assert!(
        format!("{error:#}").contains("unsupported database URL"),
        "{error:#}"
    );
}
