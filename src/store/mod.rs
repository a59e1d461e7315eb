//! Storage on SQLite (the embedded default) or PostgreSQL (several replicas), chosen by the URL
//! scheme. All SQL lives in this module.
//!
//! One SQL text per operation serves both backends; the few places where the dialects differ
//! (row locks, `greatest`, JSON extraction) ask [`Backend`]. Timestamps are stored as canonical
//! UTC text (they sort as text) and JSON as text. Reads go through sqlx's `Any` driver, and so
//! does everything on Postgres.
//!
//! On SQLite, writes go through one native connection ([`writer`]) inside `BEGIN IMMEDIATE`
//! transactions, so writers queue instead of failing on a read-to-write upgrade, and concurrent
//! transactions share their commit ([`group_commit`]); reads use sqlx's pool beside it (WAL
//! lets them run while the writer writes). Another process sharing the file waits up to the
//! busy timeout.

mod alerts;
mod anomaly;
mod anomaly_window;
mod anomaly_windows;
mod api_replays;
mod api_tokens;
mod ask;
mod audit_seal;
mod chat;
mod checkpoint;
mod connect;
mod console;
mod delegations;
mod deliveries;
mod digests;
mod error;
mod events;
mod facts;
mod facts_write;
mod form_drafts;
mod group_commit;
mod health;
mod inbound;
mod memory;
mod native;
mod operations;
mod outbox;
mod outbox_parked;
mod record_changes;
mod record_pages;
mod records;
mod request_facts;
mod request_queries;
mod requests;
mod source_polls;
mod sql;
mod statement;
mod timers;
mod unavailable;
mod webhooks;
mod webhooks_ops;

pub use alerts::AlertMute;
pub use anomaly::ANOMALY_HISTORY;
pub use anomaly_windows::WINDOW_FRESH_FOR;
pub use api_replays::KeptAnswer;
pub use audit_seal::SEAL_PERIOD;
pub use chat::PostedMessage;
pub use console::{ConsoleAnswer, ConsoleMessage, NewConsoleMessage};
pub use deliveries::Deliveries;
pub use error::StoreError;
pub use form_drafts::FormDraft;
pub use inbound::{InboundEvent, InboundKind, SourceCounts};
pub use operations::{
    DueTimers, OperationsCounts, PendingRequests, PlatformOutbox, RequestCount, SlaBreaches,
};
pub use outbox::{AfterFailure, CLAIM_SECONDS, Claim};
pub use outbox_parked::{FailedDelivery, OutboxCounts};
pub use record_changes::ProposedChange;
pub use record_pages::RecordPage;
pub use records::StoredRecords;
pub use source_polls::PollState;
pub use unavailable::Unavailable;
pub use webhooks::{AfterWebhookFailure, WebhookItem};
pub use webhooks_ops::{TargetStatus, WebhookFailure};

use crate::domain::Notification;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use sqlx::AnyPool;
use sqlx::{Any, Transaction};
use statement::{Row, Statement};

/// Which database a [`Store`] talks to, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool to keel's database.
#[derive(Debug, Clone)]
pub struct Store {
    pub backend: Backend,
    /// Postgres's pool for everything; on SQLite, sqlx's connection for the migrations.
    pool: AnyPool,
    /// SQLite's writer and its shared commits (`None` on Postgres).
    group: Option<std::sync::Arc<group_commit::GroupCommit>>,
    /// SQLite's native readers (`None` on Postgres).
    readers: Option<std::sync::Arc<native::Readers>>,
    /// The workflows whose requests carry anomaly values, and which.
    sampled: anomaly::SampledFields,
    /// The most recent anomaly values per workflow and group, in memory.
    windows: std::sync::Arc<anomaly_windows::AnomalyWindows>,
    /// The fact tables of every record type (see [`facts`]).
    facts: facts::FactTables,
    /// What this keel measures of itself; the store times its transactions into it.
    telemetry: std::sync::Arc<crate::telemetry::Telemetry>,
    /// SQLite's checkpoints, off the writer; stopped with the last clone.
    _checkpointer: Option<std::sync::Arc<checkpoint::Checkpointer>>,
    /// The file behind an in-memory SQLite database, removed with the last clone.
    _scratch: Option<std::sync::Arc<tempfile::TempDir>>,
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
    /// The platform it is owed on; `None` until a deliverer assigns it (see
    /// [`Store::claim_outbox`]).
    pub platform: Option<String>,
    /// The notification as queued, the same on every platform's row: what a platform's
    /// message records, so that a retry, or a row split from it, posts nothing twice.
    pub notification_id: i64,
    pub notification: Notification,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    /// The `X-Request-Id` of the HTTP request that queued it, for the delivery's log lines.
    pub http_request_id: Option<String>,
}

/// Filters for listing requests.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub workflow: Option<String>,
    pub status: Option<crate::domain::Status>,
    pub requester: Option<String>,
    /// Only requests submitted at or after this.
    pub since: Option<DateTime<Utc>>,
    /// Only requests after this (submission time, id) in the list's order: where the previous
    /// page ended.
    pub after: Option<(DateTime<Utc>, String)>,
    pub limit: Option<i64>,
}

/// One open transaction. Everything a transition writes goes through one of these.
///
/// Dropping it without [`Tx::commit`] rolls back.
pub struct Tx {
    tx: TxConnection,
    backend: Backend,
    sampled: anomaly::SampledFields,
    windows: std::sync::Arc<anomaly_windows::AnomalyWindows>,
    /// What this transaction changes in the windows, applied once it commits.
    window_changes: anomaly_windows::WindowChanges,
    facts: facts::FactTables,
    timing: TxTiming,
}

/// Times a transaction from its begin until it ends; one dropped without an outcome was rolled
/// back (dropping a [`Tx`] undoes it).
struct TxTiming {
    started: std::time::Instant,
    telemetry: std::sync::Arc<crate::telemetry::Telemetry>,
    outcome: &'static str,
}

impl Drop for TxTiming {
    fn drop(&mut self) {
        let seconds = self.started.elapsed().as_secs_f64();
        self.telemetry.transaction(self.outcome, seconds);
    }
}

enum TxConnection {
    Postgres(Transaction<'static, Any>),
    /// Writes wait in the member's batch until the next read or the commit (see [`batch`]).
    Sqlite(group_commit::Member),
}

impl Store {
    /// Connects (creating the SQLite file if missing, WAL mode), applies pending migrations and
    /// checks that the database takes writes; when it cannot be reached or written, the error
    /// is an [`Unavailable`] saying which server or file and why.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        connect::open_ready(url, max_connections).await
    }

    /// Applies the migrations not yet applied and says how many that was.
    pub async fn migrate(&self) -> Result<usize> {
        connect::migrate(self).await
    }

    /// Starts a transaction: `BEGIN IMMEDIATE` on SQLite (it holds the write lock from the start),
    /// read committed on Postgres (row locks are taken by the operations that need them).
    pub async fn begin(&self) -> Result<Tx> {
        let mut timing = TxTiming {
            started: std::time::Instant::now(),
            telemetry: self.telemetry.clone(),
            outcome: "failed",
        };
        let tx = match &self.group {
            Some(group) => TxConnection::Sqlite(group.begin().await?),
            None => {
                TxConnection::Postgres(self.pool.begin().await.context("starting a transaction")?)
            }
        };
        timing.outcome = "rolled_back";
        Ok(Tx {
            tx,
            backend: self.backend,
            sampled: self.sampled.clone(),
            windows: self.windows.clone(),
            window_changes: Default::default(),
            facts: self.facts.clone(),
            timing,
        })
    }

    /// What this keel measures of itself (see [`crate::telemetry`]).
    pub fn telemetry(&self) -> &crate::telemetry::Telemetry {
        &self.telemetry
    }

    /// Runs a read outside any transaction: on SQLite's native readers (a bulk one on a
    /// blocking thread), on Postgres through the pool.
    async fn read(&self, statement: Statement) -> Result<Vec<Row>> {
        match &self.readers {
            Some(readers) if statement.bulk => {
                let readers = readers.clone();
                tokio::task::spawn_blocking(move || readers.read(&statement))
                    .await
                    .context("the task reading SQLite failed")?
            }
            Some(readers) => readers.read(&statement),
            None => statement.fetch_all(&self.pool).await,
        }
    }
}

impl Tx {
    /// Makes everything written in this transaction durable and visible at once.
    /// On SQLite this returns once the batch holding the transaction is on disk.
    pub async fn commit(self) -> Result<()> {
        let Tx {
            tx,
            mut timing,
            windows,
            window_changes,
            ..
        } = self;
        // Registered before the database commit, so that a window loaded meanwhile knows it.
        let window_commit = windows.begin_commit(window_changes);
        let committed = match tx {
            TxConnection::Postgres(tx) => tx.commit().await.context("committing a transaction"),
            TxConnection::Sqlite(member) => member.commit().await,
        };
        if let Some(window_commit) = window_commit {
            window_commit.finish(committed.is_ok());
        }
        timing.outcome = if committed.is_ok() {
            "committed"
        } else {
            "failed"
        };
        committed
    }

    /// Runs a write whose result is not needed.
    async fn write(&mut self, statement: Statement) -> Result<()> {
        match &mut self.tx {
            TxConnection::Postgres(tx) => statement.execute(tx).await,
            TxConnection::Sqlite(member) => member.run(statement).await.map(drop),
        }
    }

    /// Runs a statement in the transaction and returns its rows.
    async fn fetch(&mut self, statement: Statement) -> Result<Vec<Row>> {
        match &mut self.tx {
            TxConnection::Postgres(tx) => statement.fetch_all(&mut **tx).await,
            TxConnection::Sqlite(member) => member.run(statement).await,
        }
    }

    /// What the SQLite outer transaction remembers instead of reading it back (`None` on
    /// Postgres, which reads and locks rows instead).
    fn remembered(&mut self) -> Option<&mut group_commit::Remembered> {
        match &mut self.tx {
            TxConnection::Postgres(_) => None,
            TxConnection::Sqlite(member) => member.remembered().ok(),
        }
    }

    /// Undoes everything written in this transaction (dropping it does the same).
    pub async fn rollback(self) -> Result<()> {
        match self.tx {
            TxConnection::Postgres(tx) => tx.rollback().await.context("rolling back a transaction"),
            TxConnection::Sqlite(member) => member.rollback().await,
        }
    }
}
