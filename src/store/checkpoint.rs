//! Checkpoints off the writer. SQLite copies the write-ahead log back into the database file
//! every 1,000 pages by default, inside the commit that crosses the mark, which holds the
//! writer (and every transaction queued behind it) for the copy and its fsync: the slowest
//! percentile of decisions under load. keel turns that off on the writer and checkpoints from a
//! connection of its own a few times a second instead, without blocking writers (a `PASSIVE`
//! checkpoint copies what no reader still needs and lets the writer go on appending).

use super::native::connect;
use anyhow::Result;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the log is checkpointed.
const EVERY: Duration = Duration::from_millis(250);

/// The checkpointing thread; it stops when this is dropped.
pub(super) struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(super) fn start(path: &Path) -> Result<Checkpointer> {
        let conn = connect(path, "checkpointer", "pragma busy_timeout = 1000;")?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("keel-checkpoint".into())
            .spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    std::thread::sleep(EVERY);
                    if let Err(error) = conn.execute_batch("pragma wal_checkpoint(passive)") {
                        tracing::debug!("a checkpoint did not run: {error}");
                    }
                }
            })?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl std::fmt::Debug for Checkpointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Checkpointer")
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
