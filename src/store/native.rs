//! SQLite driven natively (rusqlite over the same SQLite library sqlx links): the writer
//! connection and the readers.
//!
//! sqlx runs every SQLite statement on a worker thread of its own and hands each result back
//! through a channel: two thread wake-ups per statement, 10–70 µs on a 2-core machine, where
//! SQLite needs a few microseconds to run a small statement. keel's transactions are a dozen
//! small statements each, all on one connection behind [`super::group_commit`], and every
//! submission reads a few rows, so SQLite's statements run where the caller runs, from a cache
//! of prepared statements. What may wait goes to a blocking thread: opening a transaction
//! (another process may hold the lock), committing (the disk) and bulk statements. Postgres
//! and the migrations stay on sqlx.

use super::statement::{Param, Row, Statement, Value};
use anyhow::{Context, Result, bail, ensure};
use rusqlite::types::ValueRef;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Statements kept prepared: a transition uses about ten shapes, an import a few more.
const PREPARED_STATEMENTS: usize = 256;

/// Bulk statements above this many values run on a blocking thread.
pub(super) const INLINE_PARAMS: usize = 256;

pub(super) struct Writer {
    conn: rusqlite::Connection,
    wal_file: Option<Arc<std::fs::File>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Writer")
    }
}

/// The writer's page cache, in KiB: the pages a capture touches (the tables' and indexes' newest
/// leaves and the inner pages above them) stay in it; the rest is read back from the operating
/// system's cache, which holds the file anyway. Larger caches bought no measurable speed and
/// kept tens of MiB after every busy spell (see the README's memory figures).
const WRITER_CACHE_KIB: u32 = 16_384;

/// Each reader's page cache, in KiB (readers are many and short-lived, see [`Readers`]).
const READER_CACHE_KIB: u32 = 4_096;

impl Writer {
    /// Opens the database file for writing: WAL, foreign keys, and the log synced by keel
    /// where it can find it (see [`open_wal`]), by SQLite at every commit otherwise.
    pub(super) fn open(path: &Path) -> Result<Writer> {
        let conn = connect(
            path,
            "writer",
            &format!(
                "pragma foreign_keys = on; pragma cache_size = -{WRITER_CACHE_KIB}; \
                 pragma temp_store = memory; pragma threads = 2;"
            ),
        )?;
        let mode: String = conn
            .query_row("pragma journal_mode = wal", [], |row| row.get(0))
            .context("switching the SQLite database to WAL")?;
        let wal_file = if mode.eq_ignore_ascii_case("wal") {
            match open_wal(&conn) {
                Ok(file) => Some(Arc::new(file)),
                Err(error) => {
                    tracing::warn!("{error:#}: every commit waits for the disk itself");
                    None
                }
            }
        } else {
            None
        };
        // With a log keel can sync, group commit syncs it itself, outside the writer (see
        // `WalFile` in group_commit.rs); otherwise SQLite syncs every commit.
        let synchronous = if wal_file.is_some() { "normal" } else { "full" };
        conn.execute_batch(&format!("pragma synchronous = {synchronous}"))?;
        // Checkpoints run beside the writer, not inside its commits (see checkpoint.rs).
        if mode.eq_ignore_ascii_case("wal") {
            conn.execute_batch("pragma wal_autocheckpoint = 0")?;
        }
        Ok(Writer { conn, wal_file })
    }

    /// The write-ahead log's file, when keel syncs it (see [`Writer::open`]).
    pub(super) fn wal_file(&self) -> Option<Arc<std::fs::File>> {
        self.wal_file.clone()
    }

    /// Runs SQL without values (transaction control), every statement in it.
    pub(super) fn execute_sql(&self, sql: &str) -> Result<()> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }

    /// Whether a transaction is open on the connection.
    pub(super) fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    /// Runs one statement and returns the rows it gives (none for most writes).
    pub(super) fn run(&self, statement: &Statement) -> Result<Vec<Row>> {
        run(&self.conn, statement)
    }
}

/// Opens the write-ahead log SQLite writes for `conn`'s database (its name as SQLite resolved
/// it, symbolic links followed), creating it first with a read, and syncs its directory so the
/// log's name is on disk before any commit relies on it.
fn open_wal(conn: &rusqlite::Connection) -> Result<std::fs::File> {
    conn.query_row("select count(*) from sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    })?;
    let database = conn
        .path()
        .filter(|path| !path.is_empty())
        .context("the database has no file name")?;
    let mut name = std::ffi::OsString::from(database);
    name.push("-wal");
    let path = PathBuf::from(name);
    let file = std::fs::File::open(&path)
        .with_context(|| format!("opening the write-ahead log {}", path.display()))?;
    if let Some(directory) = path.parent() {
        std::fs::File::open(directory)
            .and_then(|directory| directory.sync_all())
            .with_context(|| format!("syncing the directory {}", directory.display()))?;
    }
    Ok(file)
}

/// A pool of read connections, used where the reader runs (WAL lets them read while the writer
/// writes). Each is taken for one statement, so a pool of a handful serves any number of tasks.
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    /// Idle connections kept at most.
    keep: usize,
    /// Reads run so far: how busy the store is (see [`super::Store::activity`]).
    reads: AtomicU64,
}

impl Readers {
    pub(super) fn new(path: &Path, keep: usize) -> Readers {
        Readers {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            keep: keep.max(1),
            reads: AtomicU64::new(0),
        }
    }

    /// How many reads have run.
    pub(super) fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    /// Closes the idle connections, and with them their page caches; the next read opens one.
    pub(super) fn close_idle(&self) {
        let closed = self.idle.lock().map(|mut idle| std::mem::take(&mut *idle));
        drop(closed);
    }

    /// Runs a read on an idle connection (a new one when none is idle).
    pub(super) fn read(&self, statement: &Statement) -> Result<Vec<Row>> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => connect(
                &self.path,
                "reader",
                &format!(
                    "pragma query_only = on; pragma cache_size = -{READER_CACHE_KIB}; \
                     pragma temp_store = memory;"
                ),
            )?,
        };
        let rows = run(&conn, statement);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < self.keep
        {
            idle.push(conn);
        }
        rows
    }
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Readers")
    }
}

/// A connection to the database file as `role` (writer or reader), with `pragmas` set, waiting
/// up to five seconds for another process's lock, and a cache of prepared statements.
pub(super) fn connect(path: &Path, role: &str, pragmas: &str) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)
        .with_context(|| format!("opening a SQLite {role} on {}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(pragmas)
        .with_context(|| format!("setting up a SQLite {role}"))?;
    conn.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
    // SQLite's own `lower` folds ASCII only; questions compare names in any language.
    conn.create_scalar_function(
        "keel_lower",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(ctx
                .get::<Option<String>>(0)?
                .map(|text| text.to_lowercase()))
        },
    )?;
    Ok(conn)
}

/// Runs one statement on `conn` and returns the rows it gives.
fn run(conn: &rusqlite::Connection, statement: &Statement) -> Result<Vec<Row>> {
    try_run(conn, statement).with_context(|| statement.doing.clone())
}

fn try_run(conn: &rusqlite::Connection, statement: &Statement) -> Result<Vec<Row>> {
    let mut prepared = conn.prepare_cached(&statement.sql)?;
    let count = prepared.parameter_count();
    let numbered = count > 0 && prepared.parameter_name(1).is_some();
    ensure!(
        count == statement.params.len(),
        "{count} placeholders for {} values",
        statement.params.len()
    );
    for (i, param) in statement.params.iter().enumerate() {
        let index = if numbered {
            let name = format!("${}", i + 1);
            match prepared.parameter_index(&name)? {
                Some(index) => index,
                None => bail!("placeholder {name} is missing"),
            }
        } else {
            i + 1
        };
        match param {
            Param::Text(text) => prepared.raw_bind_parameter(index, text)?,
            Param::Int(int) => prepared.raw_bind_parameter(index, int)?,
            Param::Real(real) => prepared.raw_bind_parameter(index, real)?,
        }
    }
    let columns = prepared.column_count();
    let mut rows = prepared.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..columns)
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(int) => Value::Int(int),
                    ValueRef::Real(real) => Value::Real(real),
                    ValueRef::Text(text) => {
                        Value::Text(String::from_utf8(text.to_vec()).context("a text column")?)
                    }
                    ValueRef::Blob(_) => bail!("column {i} is a blob"),
                })
            })
            .collect::<Result<_>>()?;
        out.push(Row(values));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer() -> Result<(tempfile::TempDir, Writer)> {
        let dir = tempfile::tempdir()?;
        let writer = Writer::open(&dir.path().join("w.db"))?;
        writer.execute_sql("create table t (a integer primary key, b text)")?;
        Ok((dir, writer))
    }

    #[test]
    fn numbered_and_anonymous_placeholders_bind_their_values() -> Result<()> {
        let (_dir, writer) = writer()?;
        let numbered = Statement::new("insert into t (b, a) values ($2, $1)", "inserting")
            .bind(1_i64)
            .bind("one");
        writer.run(&numbered)?;
        let anonymous = Statement::new("insert into t (a, b) values (?, ?), (?, ?)", "inserting")
            .bind(2_i64)
            .bind(Param::Text(None))
            .bind(3_i64)
            .bind("three");
        writer.run(&anonymous)?;
        let rows = writer.run(&Statement::new("select a, b from t order by a", "reading"))?;
        assert_eq!(
            rows,
            vec![
                Row(vec![Value::Int(1), Value::Text("one".into())]),
                Row(vec![Value::Int(2), Value::Null]),
                Row(vec![Value::Int(3), Value::Text("three".into())]),
            ]
        );
        Ok(())
    }

    #[test]
    fn placeholders_and_values_must_match_and_errors_say_what_was_being_done() -> Result<()> {
        let (_dir, writer) = writer()?;
        let short = Statement::new("insert into t (a, b) values ($1, $2)", "adding a").bind(1_i64);
        let error = writer.run(&short).unwrap_err();
        assert!(format!("{error:#}").contains("adding a"), "{error:#}");
        let twice = Statement::new("insert into t (a) values ($1)", "adding twice").bind(5_i64);
        writer.run(&twice)?;
        let error = writer.run(&twice).unwrap_err();
        assert!(format!("{error:#}").contains("UNIQUE"), "{error:#}");
        Ok(())
    }

    #[test]
    fn readers_see_what_the_writer_committed_and_nothing_before() -> Result<()> {
        let (dir, writer) = writer()?;
        let readers = Readers::new(&dir.path().join("w.db"), 2);
        let count = Statement::new("select count(*) from t", "counting");
        writer.execute_sql("begin immediate; insert into t (a) values (1)")?;
        assert_eq!(readers.read(&count)?, vec![Row(vec![Value::Int(0)])]);
        writer.execute_sql("commit")?;
        assert_eq!(readers.read(&count)?, vec![Row(vec![Value::Int(1)])]);
        let write = Statement::new("insert into t (a) values (2)", "writing");
        let error = readers.read(&write).unwrap_err();
        assert!(format!("{error:#}").contains("readonly"), "{error:#}");
        Ok(())
    }

    #[test]
    fn the_log_synced_is_the_one_sqlite_writes_even_through_a_symbolic_link() -> Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("real"))?;
        let real = dir.path().join("real").join("db.sqlite");
        std::fs::File::create(&real)?;
        let link = dir.path().join("link.sqlite");
        std::os::unix::fs::symlink(&real, &link)?;
        let writer = Writer::open(&link)?;
        assert!(
            writer.wal_file().is_some(),
            "the log is found and synced by keel"
        );
        assert!(dir.path().join("real").join("db.sqlite-wal").exists());
        Ok(())
    }
}
