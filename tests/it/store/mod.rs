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

mod anomaly;
mod chat;
mod console;
mod delegations;
mod events;
mod facts;
mod inbound;
mod memory;
mod outbox;
mod records;
mod requests;
mod timers;
mod webhooks;

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
        idempotency_fingerprint: None,
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
        assert_eq!(store.audit_chain().await.unwrap().1, None, "{}", db.label);
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
    assert_eq!(store.audit_chain().await.unwrap().1.map(|h| h.0), Some(50));
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
