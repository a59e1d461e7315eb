//! Storage on SQLite (the embedded default) or PostgreSQL (several replicas), chosen by the URL
//! scheme. All SQL lives in this module.
//! STUB: signatures only; to be implemented.

use crate::domain::{
    Delegation, Event, EventDraft, Fields, NewTimer, Notification, Record, Request, Status, Timer,
};
use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to keel's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub backend: Backend,
}

/// What an upsert of records changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// A notification waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub notification: Notification,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

/// Filters for listing requests.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub workflow: Option<String>,
    pub status: Option<Status>,
    pub requester: Option<String>,
    pub limit: Option<i64>,
}

/// One open transaction. Everything a transition writes goes through one of these.
pub struct Tx {}

impl Store {
    /// Connects (creating the SQLite file if missing, WAL mode) and applies pending migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        let _ = (url, max_connections);
        unimplemented!()
    }
    pub async fn migrate(&self) -> Result<usize> {
        unimplemented!()
    }
    pub async fn begin(&self) -> Result<Tx> {
        unimplemented!()
    }

    pub async fn get_record(&self, record_type: &str, key: &str) -> Result<Option<Record>> {
        let _ = (record_type, key);
        unimplemented!()
    }
    pub async fn list_records(&self, record_type: &str) -> Result<Vec<Record>> {
        let _ = record_type;
        unimplemented!()
    }
    pub async fn record_history(&self, record_type: &str, key: &str) -> Result<Vec<Record>> {
        let _ = (record_type, key);
        unimplemented!()
    }
    pub async fn get_request(&self, id: &str) -> Result<Option<Request>> {
        let _ = id;
        unimplemented!()
    }
    pub async fn list_requests(&self, filter: &RequestFilter) -> Result<Vec<Request>> {
        let _ = filter;
        unimplemented!()
    }
    pub async fn pending_requests(&self) -> Result<Vec<Request>> {
        unimplemented!()
    }
    pub async fn request_events(&self, request_id: &str) -> Result<Vec<Event>> {
        let _ = request_id;
        unimplemented!()
    }
    pub async fn all_events(&self) -> Result<Vec<Event>> {
        unimplemented!()
    }
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        unimplemented!()
    }
    pub async fn delegations_on(&self, day: NaiveDate) -> Result<Vec<Delegation>> {
        let _ = day;
        unimplemented!()
    }
    /// Numeric values of `field` in past requests of `workflow` whose `group_field` equals
    /// `group_value` (all when `group_field` is `None`), excluding cancelled ones.
    pub async fn anomaly_history(
        &self,
        workflow: &str,
        field: &str,
        group: Option<(&str, &str)>,
    ) -> Result<Vec<f64>> {
        let _ = (workflow, field, group);
        unimplemented!()
    }
    pub async fn claim_outbox(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxItem>> {
        let _ = (now, limit);
        unimplemented!()
    }
    pub async fn mark_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        let _ = (id, at);
        unimplemented!()
    }
    pub async fn mark_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let _ = (id, error, retry_at);
        unimplemented!()
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        unimplemented!()
    }
    pub async fn upsert_records(
        &mut self,
        record_type: &str,
        rows: &[(String, Fields)],
        at: DateTime<Utc>,
        source: &str,
    ) -> Result<UpsertCounts> {
        let _ = (record_type, rows, at, source);
        unimplemented!()
    }
    pub async fn lock_request(&mut self, id: &str) -> Result<Option<Request>> {
        let _ = id;
        unimplemented!()
    }
    pub async fn find_by_idempotency_key(
        &mut self,
        workflow: &str,
        key: &str,
    ) -> Result<Option<Request>> {
        let _ = (workflow, key);
        unimplemented!()
    }
    pub async fn next_request_number(&mut self, workflow: &str, first_number: i64) -> Result<i64> {
        let _ = (workflow, first_number);
        unimplemented!()
    }
    pub async fn ensure_request_number_above(&mut self, workflow: &str, number: i64) -> Result<()> {
        let _ = (workflow, number);
        unimplemented!()
    }
    pub async fn insert_request(&mut self, request: &Request) -> Result<()> {
        let _ = request;
        unimplemented!()
    }
    pub async fn update_request(&mut self, request: &Request) -> Result<()> {
        let _ = request;
        unimplemented!()
    }
    pub async fn append_events(&mut self, drafts: &[EventDraft]) -> Result<Vec<Event>> {
        let _ = drafts;
        unimplemented!()
    }
    pub async fn enqueue(
        &mut self,
        notifications: &[Notification],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let _ = (notifications, at);
        unimplemented!()
    }
    pub async fn schedule_timers(&mut self, timers: &[NewTimer]) -> Result<()> {
        let _ = timers;
        unimplemented!()
    }
    pub async fn cancel_timers(&mut self, request_id: &str) -> Result<()> {
        let _ = request_id;
        unimplemented!()
    }
    pub async fn claim_due_timer(&mut self, now: DateTime<Utc>) -> Result<Option<Timer>> {
        let _ = now;
        unimplemented!()
    }
    pub async fn finish_timer(&mut self, id: i64, at: DateTime<Utc>) -> Result<()> {
        let _ = (id, at);
        unimplemented!()
    }
    pub async fn insert_delegation(
        &mut self,
        delegation: &Delegation,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let _ = (delegation, at);
        unimplemented!()
    }
}
