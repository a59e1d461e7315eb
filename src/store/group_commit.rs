//! Group commit for SQLite: many transactions, one fsync.
//!
//! With `synchronous = full`, every SQLite commit waits for the disk, which caps a single writer
//! at the disk's flush rate (about 1,600 commits a second here), however small the transaction.
//! keel's transactions are small and concurrent, so they share commits the way database servers
//! do: each [`super::Tx`] is a savepoint inside one outer `BEGIN IMMEDIATE` transaction on the
//! single writer connection. Releasing the savepoint does not acknowledge anything: `commit`
//! returns only once the outer transaction holding it has been committed to disk. The first
//! committer of an outer transaction (its *leader*) queues for the connection behind everyone
//! already waiting, so all of them join the batch, then commits it and wakes the others.
//!
//! A transaction rolled back (or dropped) is undone to its savepoint and leaves the others in the
//! batch untouched. If the outer commit fails, every transaction in that batch gets the error:
//! none of them was acknowledged, none is half-written. The outer transaction is closed as soon as
//! its last member has finished, so another process sharing the file is never locked out long.

use super::batch::Batch;
use anyhow::{Context, Result, bail};
use sqlx::AnyConnection;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// How many failed batches are remembered for members that look late.
const REMEMBERED_FAILURES: usize = 64;

/// The writer connection and where its outer transaction stands.
pub(super) struct Slot {
    /// Taken from the writer pool while an outer transaction is open, returned after.
    conn: Option<PoolConnection<Any>>,
    /// The number of the current (or last) outer transaction.
    epoch: u64,
    open: bool,
    /// A member was dropped without finishing: undo its savepoint before anything else.
    dirty: bool,
    /// The audit head as this outer transaction has moved it (see [`Member::audit_head`]).
    audit_head: Option<(i64, String)>,
}

#[derive(Debug, Clone, Default)]
struct Flushed {
    epoch: u64,
    failed: VecDeque<u64>,
}

pub(super) struct GroupCommit {
    pool: AnyPool,
    slot: Arc<Mutex<Slot>>,
    flushed: watch::Sender<Flushed>,
    /// The epoch whose leader is committing it, 0 when none.
    leader: AtomicU64,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupCommit")
    }
}

/// One member's hold on the writer connection, inside its savepoint.
pub(super) struct Member {
    group: Arc<GroupCommit>,
    slot: Option<OwnedMutexGuard<Slot>>,
}

impl GroupCommit {
    pub(super) fn new(pool: AnyPool) -> Arc<GroupCommit> {
        let slot = Slot {
            conn: None,
            epoch: 0,
            open: false,
            dirty: false,
            audit_head: None,
        };
        Arc::new(GroupCommit {
            pool,
            slot: Arc::new(Mutex::new(slot)),
            flushed: watch::Sender::new(Flushed::default()),
            leader: AtomicU64::new(0),
        })
    }

    /// Joins the open outer transaction (opening one if needed) inside a new savepoint.
    pub(super) async fn begin(self: &Arc<Self>) -> Result<Member> {
        let mut slot = self.slot.clone().lock_owned().await;
        undo_dropped(&mut slot).await?;
        if !slot.open {
            if slot.conn.is_none() {
                slot.conn = Some(
                    self.pool
                        .acquire()
                        .await
                        .context("acquiring the SQLite writer")?,
                );
            }
            let conn = connection(&mut slot)?;
            if let Err(error) = conn.execute("begin immediate; savepoint keel_tx").await {
                // Leave no half-opened transaction behind on the connection.
                let _ = conn.execute("rollback").await;
                return Err(error).context("starting a transaction");
            }
            slot.open = true;
            slot.epoch += 1;
            // Another process may have appended events since the last outer transaction.
            slot.audit_head = None;
        } else {
            connection(&mut slot)?
                .execute("savepoint keel_tx")
                .await
                .context("starting a savepoint")?;
        }
        Ok(Member {
            group: self.clone(),
            slot: Some(slot),
        })
    }

    /// Returns once outer transaction `epoch` is on disk (or has failed).
    async fn flush(&self, epoch: u64) -> Result<()> {
        let mut flushed = self.flushed.subscribe();
        loop {
            {
                let state = flushed.borrow_and_update();
                if state.failed.contains(&epoch) {
                    bail!("the batch this transaction was committed in failed to reach the disk");
                }
                if state.epoch >= epoch {
                    return Ok(());
                }
            }
            if self
                .leader
                .compare_exchange(0, epoch, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                // Queue behind everyone waiting for the connection: they join this batch.
                let mut slot = self.slot.lock().await;
                let outcome = commit_outer(&mut slot, epoch).await;
                self.leader.store(0, Ordering::Release);
                self.flushed.send_modify(|state| {
                    state.epoch = state.epoch.max(epoch);
                    if outcome.is_err() {
                        state.failed.push_back(epoch);
                        if state.failed.len() > REMEMBERED_FAILURES {
                            state.failed.pop_front();
                        }
                    }
                });
                drop(slot);
                return outcome;
            }
            if flushed.changed().await.is_err() {
                bail!("the SQLite writer was shut down");
            }
        }
    }
}

async fn commit_outer(slot: &mut Slot, epoch: u64) -> Result<()> {
    if !slot.open || slot.epoch != epoch {
        return Ok(());
    }
    undo_dropped(slot).await?;
    slot.open = false;
    slot.audit_head = None;
    let conn = connection(slot)?;
    let committed = conn.execute("commit").await;
    if committed.is_err() {
        let _ = conn.execute("rollback").await;
    }
    slot.conn = None;
    committed
        .map(drop)
        .context("committing a batch of transactions")
}

async fn undo_dropped(slot: &mut Slot) -> Result<()> {
    if slot.dirty {
        connection(slot)?
            .execute("rollback to keel_tx; release keel_tx")
            .await
            .context("undoing an abandoned transaction")?;
        slot.dirty = false;
        // The undone member may have moved it.
        slot.audit_head = None;
    }
    Ok(())
}

fn connection(slot: &mut Slot) -> Result<&mut AnyConnection> {
    slot.conn
        .as_deref_mut()
        .context("the SQLite writer connection is not held")
}

impl Member {
    pub(super) fn conn(&mut self) -> Result<&mut AnyConnection> {
        connection(self.slot.as_mut().context("the transaction has finished")?)
    }

    /// The last event's seq and hash as this outer transaction has left them, when known. The
    /// outer transaction holds the database's write lock, so nobody else can move it meanwhile.
    pub(super) fn audit_head(&self) -> Option<(i64, String)> {
        self.slot.as_ref()?.audit_head.clone()
    }

    /// Remembers where this member's events leave the head (forgotten if it is undone).
    pub(super) fn set_audit_head(&mut self, seq: i64, hash: String) {
        if let Some(slot) = self.slot.as_mut() {
            slot.audit_head = Some((seq, hash));
        }
    }

    /// Sends the member's waiting writes with the release of its savepoint, then waits until
    /// the outer transaction holding it is on disk.
    pub(super) async fn commit(mut self, mut pending: Batch) -> Result<()> {
        let mut slot = self.slot.take().context("the transaction has finished")?;
        let released = match connection(&mut slot) {
            Ok(conn) => pending.send_then(conn, "release keel_tx").await,
            Err(error) => Err(error),
        };
        if let Err(error) = released {
            slot.dirty = true;
            let epoch = slot.epoch;
            drop(slot);
            // Undo this member and close the outer transaction for the others in it.
            if let Err(closing) = self.group.flush(epoch).await {
                tracing::error!("closing a batch after a failed commit: {closing:#}");
            }
            return Err(error).context("committing a transaction");
        }
        let epoch = slot.epoch;
        drop(slot);
        self.group.flush(epoch).await
    }

    /// Undoes this member's writes; the rest of the batch is untouched.
    pub(super) async fn rollback(mut self) -> Result<()> {
        let mut slot = self.slot.take().context("the transaction has finished")?;
        slot.dirty = true;
        undo_dropped(&mut slot).await?;
        let epoch = slot.epoch;
        drop(slot);
        self.group.flush(epoch).await
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(mut slot) = self.slot.take() {
            slot.dirty = true;
            let epoch = slot.epoch;
            drop(slot);
            // Close the outer transaction even if nobody else commits in this batch.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let group = self.group.clone();
                runtime.spawn(async move {
                    if let Err(error) = group.flush(epoch).await {
                        tracing::error!(
                            "closing a batch after an abandoned transaction: {error:#}"
                        );
                    }
                });
            }
        }
    }
}
