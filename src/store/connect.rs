//! Opening the pools for a database URL, applying the migrations of its backend, and making
//! sure the database takes writes, or saying plainly why not ([`super::Unavailable`]).

use super::checkpoint::Checkpointer;
use super::group_commit::GroupCommit;
use super::native::{Readers, Writer};
use super::unavailable::{postgres_place, sqlite_file, sqlite_unwritable};
use super::{Backend, Store};
use crate::config::redact_url;
use anyhow::{Context, Result, bail};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migrate, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor};
use std::collections::HashSet;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Set on sqlx's SQLite connection (journal_mode is a property of the file, set when it is
/// created, and again here in case the file came from elsewhere).
const SQLITE_PRAGMAS: &str = "pragma journal_mode = wal; pragma synchronous = full; \
     pragma foreign_keys = on; pragma busy_timeout = 5000;";

/// How long the first connection to PostgreSQL may take before keel says it cannot reach it.
const POSTGRES_CONNECT_SECONDS: u64 = 10;

/// Opens the store, applies pending migrations and checks that it takes a write; a database
/// that cannot be reached or written is an [`super::Unavailable`] saying which and why.
pub(super) async fn open_ready(url: &str, max_connections: u32) -> Result<Store> {
    let explain = |error: anyhow::Error| match sqlite_file(url) {
        Some(path) if url.starts_with("sqlite:") => match sqlite_unwritable(&path, &error) {
            Some(unavailable) => anyhow::Error::new(unavailable),
            None => error,
        },
        _ => error,
    };
    let store = open(url, max_connections).await.map_err(explain)?;
    migrate(&store).await.map_err(explain)?;
    if let Err(error) = store.probe_write().await {
        return Err(match store.backend {
            Backend::Sqlite => explain(error.context("writing a test row")),
            Backend::Postgres => match postgres_place(url) {
                Some(place) => place.refuses_writes(&error).into(),
                None => error,
            },
        });
    }
    Ok(store)
}

async fn open(url: &str, max_connections: u32) -> Result<Store> {
    install_default_drivers();
    let max_connections = max_connections.max(1);
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        reach_postgres(url).await?;
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await
            .context("connecting to PostgreSQL")?;
        return Ok(Store {
            backend: Backend::Postgres,
            pool,
            group: None,
            readers: None,
            sampled: Default::default(),
            windows: Default::default(),
            facts: Default::default(),
            telemetry: Default::default(),
            _checkpointer: None,
            _scratch: None,
        });
    }
    if !url.starts_with("sqlite:") {
        bail!(
            "unsupported database URL scheme in `{}`: use sqlite: or postgres://",
            redact_url(url)
        );
    }
    // The writer and the readers are separate connections, so an in-memory database, which
    // lives in one connection, becomes a scratch file that goes with the store.
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let (url, scratch) = if in_memory {
        let dir = tempfile::tempdir().context("creating a scratch database directory")?;
        let url = format!("sqlite://{}", dir.path().join("keel.db").display());
        (url, Some(Arc::new(dir)))
    } else {
        (url.to_string(), None)
    };
    let path = create_sqlite_file(&url).await?;
    let pool = sqlite_pool(&url).await?;
    let writer = Writer::open(&path)?;
    let checkpointer = Checkpointer::start(&path)?;
    Ok(Store {
        backend: Backend::Sqlite,
        pool,
        group: Some(GroupCommit::new(writer)),
        readers: Some(Arc::new(Readers::new(&path, max_connections as usize))),
        sampled: Default::default(),
        windows: Default::default(),
        facts: Default::default(),
        telemetry: Default::default(),
        _checkpointer: Some(Arc::new(checkpointer)),
        _scratch: scratch,
    })
}

/// Connects to PostgreSQL once, briefly, so that a server that cannot be reached is reported
/// at once with the real cause, not after the pool's wait as "pool timed out".
async fn reach_postgres(url: &str) -> Result<()> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .with_context(|| format!("reading the PostgreSQL URL `{}`", redact_url(url)))?;
    let place = super::unavailable::PostgresPlace::of(&options);
    let attempt = tokio::time::timeout(
        Duration::from_secs(POSTGRES_CONNECT_SECONDS),
        sqlx::PgConnection::connect_with(&options),
    )
    .await;
    match attempt {
        Ok(Ok(connection)) => {
            // The pool opens its own; failing to close this one politely changes nothing.
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(error)) => Err(place.refused(&error).into()),
        Err(_) => Err(place.timed_out(POSTGRES_CONNECT_SECONDS).into()),
    }
}

/// Creates the file if it is missing and switches it to WAL once; returns its path.
async fn create_sqlite_file(url: &str) -> Result<PathBuf> {
    let options = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("reading the SQLite URL `{}`", redact_url(url)))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5));
    let path = options.get_filename().to_path_buf();
    let connection = options
        .connect()
        .await
        .with_context(|| format!("opening the SQLite database `{url}`"))?;
    connection
        .close()
        .await
        .context("closing the SQLite set-up connection")?;
    Ok(path)
}

/// sqlx's connection to SQLite, for the migrations only (reads and writes go through
/// [`super::native`]): one connection, closed once it has been idle a few seconds.
async fn sqlite_pool(url: &str) -> Result<sqlx::AnyPool> {
    AnyPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(60))
        .after_connect(|connection, _| {
            Box::pin(async move {
                connection.execute(SQLITE_PRAGMAS).await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .with_context(|| format!("connecting to SQLite at `{url}`"))
}

pub(super) async fn migrate(store: &Store) -> Result<usize> {
    let migrator = match store.backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    let mut connection = store
        .pool
        .acquire()
        .await
        .context("acquiring a connection to migrate")?;
    connection
        .ensure_migrations_table()
        .await
        .context("creating the migrations table")?;
    let applied: HashSet<i64> = connection
        .list_applied_migrations()
        .await
        .context("listing applied migrations")?
        .into_iter()
        .map(|m| m.version)
        .collect();
    let pending = migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !applied.contains(&m.version))
        .count();
    migrator
        .run(&mut *connection)
        .await
        .context("applying migrations")?;
    Ok(pending)
}
