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

use super::batch::{Batch, Statement};
use anyhow::{Context, Result, bail};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// How many failed batches are remembered for members that look late.
const REMEMBERED_FAILURES: usize = 64;

/// Opens every member's transaction, sent with its first statement.
const SAVEPOINT: &str = "savepoint keel_tx";

/// The writer connection and where its outer transaction stands.
pub(super) struct Slot {
    /// Taken from the writer pool while an outer transaction is open, returned after.
    conn: Option<PoolConnection<Any>>,
    /// The number of the current (or last) outer transaction.
    epoch: u64,
    open: bool,
    /// A member was dropped without finishing: undo its savepoint before anything else.
    dirty: bool,
    /// What this outer transaction has written and need not be read back (see [`Remembered`]).
    remembered: Remembered,
}

/// Values the outer transaction wrote and keeps in memory so that members need not read them:
/// it holds the database's write lock, so nobody else can change them meanwhile. Forgotten when
/// an outer transaction opens (another process may have written in between), when a member is
/// undone (it may have moved them) and at the outer commit.
#[derive(Debug, Default)]
pub(super) struct Remembered {
    /// The last event's seq and hash.
    pub(super) audit_head: Option<(i64, String)>,
    /// The next request number per workflow.
    pub(super) next_numbers: HashMap<String, i64>,
}

impl Remembered {
    fn forget(&mut self) {
        self.audit_head = None;
        self.next_numbers.clear();
    }
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

/// One member's hold on the writer connection, inside its savepoint. The savepoint and the
/// member's writes wait in `pending` until it reads or commits (see [`Batch`]).
pub(super) struct Member {
    group: Arc<GroupCommit>,
    slot: Option<OwnedMutexGuard<Slot>>,
    pending: Batch,
}

impl GroupCommit {
    pub(super) fn new(pool: AnyPool) -> Arc<GroupCommit> {
        let slot = Slot {
            conn: None,
            epoch: 0,
            open: false,
            dirty: false,
            remembered: Remembered::default(),
        };
        Arc::new(GroupCommit {
            pool,
            slot: Arc::new(Mutex::new(slot)),
            flushed: watch::Sender::new(Flushed::default()),
            leader: AtomicU64::new(0),
        })
    }

    /// Joins the open outer transaction (opening one if needed). The member's savepoint goes
    /// out with its first statement.
    pub(super) async fn begin(self: &Arc<Self>) -> Result<Member> {
        let mut slot = self.slot.clone().lock_owned().await;
        self.undo_dropped(&mut slot).await?;
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
            if let Err(error) = conn.execute("begin immediate").await {
                // Leave no half-opened transaction behind on the connection.
                let _ = conn.execute("rollback").await;
                return Err(error).context("starting a transaction");
            }
            slot.open = true;
            slot.epoch += 1;
            // Another process may have written since the last outer transaction.
            slot.remembered.forget();
        }
        Ok(Member {
            group: self.clone(),
            slot: Some(slot),
            pending: Batch::prefixed(SAVEPOINT),
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
                let outcome = self.commit_outer(&mut slot, epoch).await;
                self.leader.store(0, Ordering::Release);
                self.report(epoch, outcome.is_ok());
                drop(slot);
                return outcome;
            }
            if flushed.changed().await.is_err() {
                bail!("the SQLite writer was shut down");
            }
        }
    }
}

impl GroupCommit {
    /// Tells the members waiting for `epoch` how it ended.
    fn report(&self, epoch: u64, committed: bool) {
        self.flushed.send_modify(|state| {
            state.epoch = state.epoch.max(epoch);
            if !committed {
                state.failed.push_back(epoch);
                if state.failed.len() > REMEMBERED_FAILURES {
                    state.failed.pop_front();
                }
            }
        });
    }

    async fn commit_outer(&self, slot: &mut Slot, epoch: u64) -> Result<()> {
        if !slot.open || slot.epoch != epoch {
            return Ok(());
        }
        self.undo_dropped(slot).await?;
        slot.open = false;
        slot.remembered.forget();
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

    /// Undoes a member that was dropped or failed. If even that fails, the whole outer
    /// transaction is rolled back and reported failed to every member in it, so the writer
    /// never stays stuck on a savepoint it cannot undo.
    async fn undo_dropped(&self, slot: &mut Slot) -> Result<()> {
        if !slot.dirty {
            return Ok(());
        }
        slot.dirty = false;
        // The undone member may have moved them.
        slot.remembered.forget();
        let undone = connection(slot)?
            .execute("rollback to keel_tx; release keel_tx")
            .await;
        if let Err(error) = undone {
            let conn = connection(slot)?;
            let _ = conn.execute("rollback").await;
            slot.open = false;
            slot.conn = None;
            self.report(slot.epoch, false);
            return Err(error).context("undoing an abandoned transaction");
        }
        Ok(())
    }
}

fn connection(slot: &mut Slot) -> Result<&mut AnyConnection> {
    slot.conn
        .as_deref_mut()
        .context("the SQLite writer connection is not held")
}

impl Member {
    fn slot(&mut self) -> Result<&mut Slot> {
        Ok(self.slot.as_mut().context("the transaction has finished")?)
    }

    /// The connection, once the member's waiting writes (and its savepoint) have been sent, so
    /// that what runs on it next sees them.
    pub(super) async fn conn(&mut self) -> Result<&mut AnyConnection> {
        let slot = self.slot.as_mut().context("the transaction has finished")?;
        let conn = connection(slot)?;
        self.pending.send(conn).await?;
        Ok(conn)
    }

    /// Queues a write whose result is not needed; it goes out with the next read or the commit.
    pub(super) async fn write(&mut self, statement: Statement) -> Result<()> {
        let slot = self.slot.as_mut().context("the transaction has finished")?;
        self.pending.add(statement, connection(slot)?).await
    }

    /// Runs a read after the waiting writes, in the same round trip.
    pub(super) async fn fetch(&mut self, read: Statement) -> Result<Vec<AnyRow>> {
        let slot = self.slot.as_mut().context("the transaction has finished")?;
        self.pending.fetch_then(connection(slot)?, read).await
    }

    /// What the outer transaction remembers, for this member to use and update.
    pub(super) fn remembered(&mut self) -> Result<&mut Remembered> {
        Ok(&mut self.slot()?.remembered)
    }

    /// Sends the member's waiting writes with the release of its savepoint, then waits until
    /// the outer transaction holding it is on disk.
    pub(super) async fn commit(mut self) -> Result<()> {
        let mut slot = self.slot.take().context("the transaction has finished")?;
        let mut pending = std::mem::take(&mut self.pending);
        let released = if pending.is_empty() && !pending.has_sent() {
            // Nothing was read or written: no savepoint to release.
            Ok(())
        } else {
            match connection(&mut slot) {
                Ok(conn) => pending.send_then(conn, "release keel_tx").await,
                Err(error) => Err(error),
            }
        };
        let epoch = slot.epoch;
        if let Err(error) = released {
            slot.dirty |= pending.has_sent();
            slot.remembered.forget();
            drop(slot);
            // Undo this member and close the outer transaction for the others in it.
            if let Err(closing) = self.group.flush(epoch).await {
                tracing::error!("closing a batch after a failed commit: {closing:#}");
            }
            return Err(error).context("committing a transaction");
        }
        drop(slot);
        self.group.flush(epoch).await
    }

    /// Undoes this member's writes; the rest of the batch is untouched.
    pub(super) async fn rollback(mut self) -> Result<()> {
        let mut slot = self.slot.take().context("the transaction has finished")?;
        slot.dirty |= self.pending.has_sent();
        // It may have moved them in memory, sent or not.
        slot.remembered.forget();
        self.group.undo_dropped(&mut slot).await?;
        let epoch = slot.epoch;
        drop(slot);
        self.group.flush(epoch).await
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(mut slot) = self.slot.take() {
            // Writes still waiting were never sent: only what went out needs undoing.
            slot.dirty |= self.pending.has_sent();
            slot.remembered.forget();
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::any::AnyPoolOptions;

    async fn one_connection() -> Result<AnyPool> {
        sqlx::any::install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await?;
        pool.execute("create table t (a integer primary key)")
            .await?;
        Ok(pool)
    }

    fn insert(a: i64) -> Statement {
        Statement::new("insert into t (a) values ($1)", "inserting").bind(a)
    }

    async fn rows(group: &Arc<GroupCommit>) -> Result<Vec<i64>> {
        let mut member = group.begin().await?;
        let read = Statement::new("select a from t order by a", "reading");
        let rows = member.fetch(read).await?;
        member.commit().await?;
        Ok(rows
            .iter()
            .map(|row| sqlx::Row::try_get(row, 0))
            .collect::<Result<_, _>>()?)
    }

    #[tokio::test]
    async fn writes_wait_until_a_read_or_the_commit_and_a_drop_undoes_only_what_was_sent()
    -> Result<()> {
        let group = GroupCommit::new(one_connection().await?);
        let mut never_sent = group.begin().await?;
        never_sent.write(insert(1)).await?;
        drop(never_sent);
        let mut sent = group.begin().await?;
        sent.write(insert(2)).await?;
        sent.conn().await?;
        drop(sent);
        let mut kept = group.begin().await?;
        kept.write(insert(3)).await?;
        kept.commit().await?;
        assert_eq!(rows(&group).await?, [3]);
        Ok(())
    }

    #[tokio::test]
    async fn a_member_dropped_before_sending_anything_leaves_nothing_remembered() -> Result<()> {
        let group = GroupCommit::new(one_connection().await?);
        let mut first = group.begin().await?;
        first.write(insert(1)).await?;
        first.remembered()?.audit_head = Some((7, "never written".into()));
        first.remembered()?.next_numbers.insert("co".into(), 8);
        drop(first);
        let mut second = group.begin().await?;
        assert_eq!(second.remembered()?.audit_head, None);
        assert!(second.remembered()?.next_numbers.is_empty());
        second.commit().await?;
        assert_eq!(rows(&group).await?, Vec::<i64>::new());
        Ok(())
    }

    #[tokio::test]
    async fn a_member_that_cannot_be_undone_fails_its_batch_and_leaves_the_writer_usable()
    -> Result<()> {
        let group = GroupCommit::new(one_connection().await?);
        let mut broken = group.begin().await?;
        broken.write(insert(1)).await?;
        // Its savepoint disappears behind its back, so it cannot be undone on its own.
        broken.conn().await?.execute("release keel_tx").await?;
        let epoch = broken.slot()?.epoch;
        drop(broken);
        assert!(
            group.flush(epoch).await.is_err(),
            "its batch is reported failed"
        );
        let mut next = group.begin().await?;
        next.write(insert(2)).await?;
        next.commit().await?;
        assert_eq!(rows(&group).await?, [2]);
        Ok(())
    }
}
