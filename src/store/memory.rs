//! Giving memory back once keel is idle.
//!
//! Under load SQLite's page caches fill (the writer's up to 64 MiB, each reader's up to 16 MiB)
//! and stay full, which is what keeps a busy hour fast and what an idle evening does not need.
//! Emptying them when the store has been quiet costs the next request a few reads from the
//! operating system's cache, which still holds the file.

use super::Store;
use anyhow::Result;

impl Store {
    /// A count that grows with every read and every transaction: compare two readings to know
    /// whether the store was used in between. Always 0 on PostgreSQL, whose caches are the
    /// server's.
    pub fn activity(&self) -> u64 {
        let reads = self.readers.as_ref().map_or(0, |readers| readers.reads());
        let writes = self.group.as_ref().map_or(0, |group| group.begun());
        reads + writes
    }

    /// Empties SQLite's page caches: the writer's (unless a transaction is open) and the idle
    /// readers' (closed; the next read opens a connection). Nothing to do on PostgreSQL.
    pub async fn release_memory(&self) -> Result<()> {
        if let Some(readers) = &self.readers {
            readers.close_idle();
        }
        if let Some(group) = &self.group {
            group.shrink_cache().await?;
        }
        Ok(())
    }
}
