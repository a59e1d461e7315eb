//! Group commit for SQLite: many transactions, one fsync.
//!
//! A durable commit waits for the disk, which caps a single writer at the disk's flush rate
//! (about 1,600 a second here), however small the transaction. keel's transactions are small
//! and concurrent, so they share commits the way database servers do: each [`super::Tx`] is a
//! savepoint inside one outer `BEGIN IMMEDIATE` transaction on the single writer connection.
//! Releasing the savepoint does not acknowledge anything: `commit` returns only once the outer
//! transaction holding it is on disk. The first committer of an outer transaction (its
//! *leader*) queues for the connection behind everyone already waiting, so all of them join the
//! batch, commits it, lets the next batch start, and waits for the disk before it wakes the
//! others (see [`WalFile`]).
//!
//! A transaction rolled back (or dropped) is undone to its savepoint and leaves the others in the
//! batch untouched. If the outer commit fails, every transaction in that batch gets the error:
//! none of them was acknowledged, none is half-written. The outer transaction is closed as soon as
//! its last member has finished, so another process sharing the file is never locked out long.

use super::native::{INLINE_PARAMS, Writer};
use super::statement::{Row, Statement};
use anyhow::{Context, Result, bail};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex as SyncMutex, MutexGuard as SyncGuard};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// How many failed batches are remembered for members that look late.
const REMEMBERED_FAILURES: usize = 64;

/// The writer connection and where its outer transaction stands.
pub(super) struct Slot {
    /// Shared with the blocking threads that open and commit outer transactions; only ever
    /// locked by whoever holds the slot, so never contended for long.
    writer: Arc<SyncMutex<Writer>>,
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

/// The writer, once nobody else is using it.
fn lock(writer: &SyncMutex<Writer>) -> Result<SyncGuard<'_, Writer>> {
    writer
        .lock()
        .map_err(|_| anyhow::anyhow!("the SQLite writer failed in another task"))
}

impl Slot {
    fn writer(&self) -> Result<SyncGuard<'_, Writer>> {
        lock(&self.writer)
    }

    /// Runs `work` on the writer on a blocking thread, for what may wait on the disk or on
    /// another process's lock.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Writer) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || work(&*lock(&writer)?))
            .await
            .context("the SQLite writer's thread failed")?
    }
}

#[derive(Debug, Clone, Default)]
struct Flushed {
    /// The last outer transaction committed (its leader may still be waiting for the disk).
    committed: u64,
    /// Every outer transaction up to this one is on disk (those in `failed` aside).
    durable: u64,
    /// Outer transactions rolled back or not known to be on disk.
    failed: VecDeque<u64>,
    /// A sync of the log failed: nothing written after it can be trusted to reach the disk,
    /// so every later batch fails and no transaction starts until keel is restarted.
    poisoned: bool,
}

impl Flushed {
    /// How outer transaction `epoch` ended, if it has.
    fn outcome(&self, epoch: u64) -> Option<Result<()>> {
        if self.failed.contains(&epoch) || (self.poisoned && self.durable < epoch) {
            Some(Err(anyhow::anyhow!(
                "the batch this transaction was committed in failed to reach the disk"
            )))
        } else if self.durable >= epoch {
            Some(Ok(()))
        } else {
            None
        }
    }
}

pub(super) struct GroupCommit {
    slot: Arc<Mutex<Slot>>,
    flushed: watch::Sender<Flushed>,
    /// The epoch whose leader is committing it, 0 when none.
    leader: AtomicU64,
    /// The write-ahead log, made durable after each commit outside the slot.
    wal: WalFile,
    /// Transactions begun so far: how busy the store is (see [`super::Store::activity`]).
    begun: AtomicU64,
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
    pub(super) fn new(writer: Writer) -> Arc<GroupCommit> {
        let wal = WalFile {
            file: writer.wal_file(),
        };
        let slot = Slot {
            writer: Arc::new(SyncMutex::new(writer)),
            epoch: 0,
            open: false,
            dirty: false,
            remembered: Remembered::default(),
        };
        Arc::new(GroupCommit {
            slot: Arc::new(Mutex::new(slot)),
            flushed: watch::Sender::new(Flushed::default()),
            leader: AtomicU64::new(0),
            wal,
            begun: AtomicU64::new(0),
        })
    }

    /// How many transactions have begun.
    pub(super) fn begun(&self) -> u64 {
        self.begun.load(Ordering::Relaxed)
    }

    /// Empties the writer's page cache unless a transaction is open (the pages stay in the
    /// operating system's cache, so the next transaction reads them back cheaply).
    pub(super) async fn shrink_cache(&self) -> Result<()> {
        let slot = self.slot.lock().await;
        if slot.open {
            return Ok(());
        }
        slot.blocking(|writer| writer.execute_sql("pragma shrink_memory"))
            .await
    }

    /// Joins the open outer transaction (opening one if needed) inside a new savepoint.
    pub(super) async fn begin(self: &Arc<Self>) -> Result<Member> {
        self.begun.fetch_add(1, Ordering::Relaxed);
        let mut slot = self.slot.clone().lock_owned().await;
        if self.flushed.borrow().poisoned {
            bail!(
                "a write to the disk failed earlier: keel writes nothing more until it is \
                 restarted (check the disk, then restart)"
            );
        }
        self.undo_dropped(&mut slot)?;
        if slot.open {
            return self.clone().enter(slot);
        }
        // In a task of its own: if the caller gives up halfway, the member the task returns is
        // dropped, which undoes and closes what it opened.
        let group = self.clone();
        tokio::spawn(async move { group.open_outer(slot).await })
            .await
            .context("the task opening a transaction failed")?
    }

    /// Opens an outer transaction and the first member's savepoint in it. `BEGIN IMMEDIATE`
    /// takes the write lock, waiting up to the busy timeout for another process holding it.
    async fn open_outer(self: Arc<Self>, mut slot: OwnedMutexGuard<Slot>) -> Result<Member> {
        slot.blocking(|writer| {
            let begun = writer.execute_sql("begin immediate");
            if begun.is_err() && writer.in_transaction() {
                // Leave no half-opened transaction behind on the connection.
                let _ = writer.execute_sql("rollback");
            }
            begun
        })
        .await
        .context("starting a transaction")?;
        slot.open = true;
        slot.epoch += 1;
        // Another process may have written since the last outer transaction.
        slot.remembered.forget();
        self.enter(slot)
    }

    /// Starts a member's savepoint in the open outer transaction.
    fn enter(self: Arc<Self>, slot: OwnedMutexGuard<Slot>) -> Result<Member> {
        let savepoint = slot
            .writer()
            .and_then(|w| w.execute_sql("savepoint keel_tx"));
        if let Err(error) = savepoint {
            // Nobody may be left to close the outer transaction.
            let epoch = slot.epoch;
            drop(slot);
            self.close_later(epoch);
            return Err(error).context("starting a savepoint");
        }
        Ok(Member {
            group: self,
            slot: Some(slot),
        })
    }

    /// Makes sure outer transaction `epoch` gets closed, without waiting for it.
    fn close_later(self: &Arc<Self>, epoch: u64) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let group = self.clone();
            runtime.spawn(async move {
                if let Err(error) = group.flush(epoch).await {
                    tracing::error!("closing a batch: {error:#}");
                }
            });
        }
    }

    /// Returns once outer transaction `epoch` is on disk (or has failed). The first to ask for
    /// an epoch not yet committed leads it; if the caller gives up before the epoch has ended,
    /// it is led anyway.
    async fn flush(self: &Arc<Self>, epoch: u64) -> Result<()> {
        let mut guard = LeadsAnyway {
            group: self,
            epoch,
            armed: true,
        };
        let outcome = self.wait_for(epoch).await;
        guard.armed = false;
        outcome
    }

    async fn wait_for(self: &Arc<Self>, epoch: u64) -> Result<()> {
        let mut flushed = self.flushed.subscribe();
        loop {
            let committed = {
                let state = flushed.borrow_and_update();
                if let Some(outcome) = state.outcome(epoch) {
                    return outcome;
                }
                state.committed >= epoch
            };
            if !committed
                && self
                    .leader
                    .compare_exchange(0, epoch, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                // In a task of its own, so that the batch is committed and reported even if
                // this caller gives up waiting; then the outcome is read like everyone else's.
                let group = self.clone();
                tokio::spawn(async move { group.lead(epoch).await })
                    .await
                    .context("the task committing a batch failed")?;
                continue;
            }
            if flushed.changed().await.is_err() {
                bail!("the SQLite writer was shut down");
            }
        }
    }

    /// Commits outer transaction `epoch` as its leader, makes it durable and reports how it
    /// ended. The commit holds the writer; the wait for the disk does not, so the next batch
    /// runs meanwhile (see [`WalFile`]).
    async fn lead(&self, epoch: u64) {
        let committed = {
            // Queue behind everyone waiting for the connection: they join this batch.
            let mut slot = self.slot.lock().await;
            let committed = self.commit_outer(&mut slot, epoch).await;
            match &committed {
                Ok(()) => self.flushed.send_modify(|state| {
                    state.committed = state.committed.max(epoch);
                }),
                Err(error) => {
                    crate::log_limit::error("committing a batch of transactions", error);
                    self.report(epoch, false);
                }
            }
            // Whoever waits for the next batch may lead it now.
            self.leader.store(0, Ordering::Release);
            self.flushed.send_modify(|_| ());
            committed
        };
        if committed.is_ok() {
            match self.wal.sync().await {
                Ok(()) => self.report(epoch, true),
                Err(error) => {
                    tracing::error!("{error:#}; keel writes nothing more until restarted");
                    self.flushed.send_modify(|state| state.poisoned = true);
                    self.report(epoch, false);
                }
            }
        }
    }

    /// Tells the members waiting for `epoch` how it ended.
    fn report(&self, epoch: u64, durable: bool) {
        self.flushed.send_modify(|state| {
            if durable {
                // A sync covers everything committed before it, earlier batches included.
                state.durable = state.durable.max(epoch);
            } else {
                state.failed.push_back(epoch);
                if state.failed.len() > REMEMBERED_FAILURES {
                    state.failed.pop_front();
                }
            }
        });
    }

    /// Commits outer transaction `epoch`. Only its leader calls this, before anyone has
    /// committed it; if it is closed already, it was rolled back.
    async fn commit_outer(&self, slot: &mut Slot, epoch: u64) -> Result<()> {
        if !slot.open || slot.epoch != epoch {
            bail!("the batch was rolled back");
        }
        self.undo_dropped(slot)?;
        slot.open = false;
        slot.remembered.forget();
        slot.blocking(|writer| {
            let committed = writer.execute_sql("commit");
            if committed.is_err() && writer.in_transaction() {
                let _ = writer.execute_sql("rollback");
            }
            committed
        })
        .await
        .context("committing a batch of transactions")
    }

    /// Undoes a member that was dropped or failed. If even that fails, the whole outer
    /// transaction is rolled back and reported failed to every member in it, so the writer
    /// never stays stuck on a savepoint it cannot undo. What the outer transaction remembered
    /// is forgotten with it.
    fn undo_dropped(&self, slot: &mut Slot) -> Result<()> {
        if !slot.dirty {
            return Ok(());
        }
        slot.dirty = false;
        // The undone member may have moved them.
        slot.remembered.forget();
        let undone = slot
            .writer()?
            .execute_sql("rollback to keel_tx; release keel_tx");
        if let Err(error) = undone {
            let _ = slot.writer()?.execute_sql("rollback");
            slot.open = false;
            self.report(slot.epoch, false);
            return Err(error).context("undoing an abandoned transaction");
        }
        Ok(())
    }
}

/// The write-ahead log's file, synced by the leader of each batch after its commit.
///
/// The writer commits with `synchronous = normal`: SQLite writes the batch to the log without
/// waiting for the disk, the writer goes on with the next batch, and the leader syncs the log
/// file on a blocking thread before anyone in its batch is told it committed. A sync covers
/// every batch written before it, and SQLite's recovery keeps the log only up to the first
/// frame that did not reach the disk, so what is acknowledged is durable, and what is not may
/// be lost only together with everything after it. Readers may see a batch a moment before it
/// is durable; anything acting on what it read (a deliverer claiming notifications, a decision)
/// commits after it and so waits for it too. Without a log (a journal mode other than WAL) the
/// writer commits with `synchronous = full` and there is nothing to sync.
struct WalFile {
    file: Option<Arc<std::fs::File>>,
}

impl WalFile {
    async fn sync(&self) -> Result<()> {
        let Some(file) = self.file.clone() else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || file.sync_data())
            .await
            .context("the task syncing the write-ahead log failed")?
            .context("syncing the write-ahead log to disk")
    }
}

/// Leads an epoch whose waiter gave up before it ended, so that it still gets closed.
struct LeadsAnyway<'a> {
    group: &'a Arc<GroupCommit>,
    epoch: u64,
    armed: bool,
}

impl Drop for LeadsAnyway<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.group.close_later(self.epoch);
        }
    }
}

impl Member {
    fn slot(&mut self) -> Result<&mut Slot> {
        Ok(self.slot.as_mut().context("the transaction has finished")?)
    }

    /// Runs a statement in the member's savepoint and returns its rows: at once, or on a
    /// blocking thread for a bulk statement.
    pub(super) async fn run(&mut self, statement: Statement) -> Result<Vec<Row>> {
        let slot = self.slot()?;
        if !statement.bulk && statement.params.len() <= INLINE_PARAMS {
            return slot.writer()?.run(&statement);
        }
        slot.blocking(move |writer| writer.run(&statement)).await
    }

    /// What the outer transaction remembers, for this member to use and update.
    pub(super) fn remembered(&mut self) -> Result<&mut Remembered> {
        Ok(&mut self.slot()?.remembered)
    }

    /// Releases the member's savepoint, then waits until the outer transaction holding it is
    /// on disk.
    pub(super) async fn commit(mut self) -> Result<()> {
        let mut slot = self.slot.take().context("the transaction has finished")?;
        let released = slot
            .writer()
            .and_then(|writer| writer.execute_sql("release keel_tx"));
        let epoch = slot.epoch;
        if let Err(error) = released {
            slot.dirty = true;
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
        slot.dirty = true;
        self.group.undo_dropped(&mut slot)?;
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
            self.group.close_later(epoch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::statement::Value;

    fn group() -> Result<(tempfile::TempDir, Arc<GroupCommit>)> {
        let dir = tempfile::tempdir()?;
        let writer = Writer::open(&dir.path().join("group.db"))?;
        writer.execute_sql("create table t (a integer primary key)")?;
        Ok((dir, GroupCommit::new(writer)))
    }

    fn insert(a: i64) -> Statement {
        Statement::new("insert into t (a) values ($1)", "inserting").bind(a)
    }

    async fn rows(group: &Arc<GroupCommit>) -> Result<Vec<Row>> {
        let mut member = group.begin().await?;
        let rows = member
            .run(Statement::new("select a from t order by a", "reading"))
            .await?;
        member.commit().await?;
        Ok(rows)
    }

    fn ints(values: &[i64]) -> Vec<Row> {
        values.iter().map(|&v| Row(vec![Value::Int(v)])).collect()
    }

    #[tokio::test]
    async fn a_dropped_member_is_undone_and_the_others_in_its_batch_are_kept() -> Result<()> {
        let (_dir, group) = group()?;
        let mut dropped = group.begin().await?;
        dropped.run(insert(1)).await?;
        drop(dropped);
        let mut kept = group.begin().await?;
        kept.run(insert(2)).await?;
        kept.commit().await?;
        assert_eq!(rows(&group).await?, ints(&[2]));
        Ok(())
    }

    #[tokio::test]
    async fn a_dropped_member_leaves_nothing_remembered() -> Result<()> {
        let (_dir, group) = group()?;
        let mut first = group.begin().await?;
        first.remembered()?.audit_head = Some((7, "never written".into()));
        first.remembered()?.next_numbers.insert("co".into(), 8);
        drop(first);
        let mut second = group.begin().await?;
        assert_eq!(second.remembered()?.audit_head, None);
        assert!(second.remembered()?.next_numbers.is_empty());
        second.commit().await?;
        Ok(())
    }

    #[tokio::test]
    async fn a_member_that_cannot_be_undone_fails_its_batch_and_leaves_the_writer_usable()
    -> Result<()> {
        let (_dir, group) = group()?;
        let mut broken = group.begin().await?;
        broken.run(insert(1)).await?;
        // Its savepoint disappears behind its back, so it cannot be undone on its own.
        broken
            .run(Statement::new("release keel_tx", "releasing"))
            .await?;
        let epoch = broken.slot()?.epoch;
        drop(broken);
        assert!(
            group.flush(epoch).await.is_err(),
            "its batch is reported failed"
        );
        let mut next = group.begin().await?;
        next.run(insert(2)).await?;
        next.commit().await?;
        assert_eq!(rows(&group).await?, ints(&[2]));
        Ok(())
    }

    #[tokio::test]
    async fn a_batch_rolled_back_before_its_leader_commits_is_reported_failed() -> Result<()> {
        let (_dir, group) = group()?;
        let mut first = group.begin().await?;
        first.run(insert(1)).await?;
        // Queued for the writer before the first member commits: one loses its savepoint and
        // is dropped, the next cannot undo it and rolls the batch back.
        let breaker = group.clone();
        let broken = tokio::spawn(async move {
            let mut member = breaker.begin().await?;
            member
                .run(Statement::new("release keel_tx", "releasing"))
                .await?;
            drop(member);
            anyhow::Ok(())
        });
        let next = group.clone();
        let undoing = tokio::spawn(async move { next.begin().await.map(drop) });
        tokio::task::yield_now().await;
        let committed = first.commit().await;
        assert!(
            committed.is_err(),
            "the first member is not told it committed"
        );
        broken.await??;
        assert!(undoing.await?.is_err(), "undoing it failed");
        assert_eq!(rows(&group).await?, Vec::<Row>::new());
        Ok(())
    }
}
