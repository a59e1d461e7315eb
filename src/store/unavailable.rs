//! A database keel cannot open or write, explained for the person who runs keel: which server
//! or file, what failed, and what to do. Raised at start-up, before anything else waits on it.

use sqlx::postgres::PgConnectOptions;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

/// The database cannot be used; the text says why and what to do. The command line shows it
/// as it is, instead of "Something went wrong".
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unavailable(pub String);

/// Where a PostgreSQL URL points, for messages: `host:port`, the user and the database.
pub(super) struct PostgresPlace {
    pub address: String,
    pub user: String,
    pub database: String,
}

impl PostgresPlace {
    pub fn of(options: &PgConnectOptions) -> PostgresPlace {
        let user = options.get_username().to_string();
        PostgresPlace {
            address: format!("{}:{}", options.get_host(), options.get_port()),
            database: options.get_database().unwrap_or(&user).to_string(),
            user,
        }
    }

    /// Why a connection to this server failed, in words an operator can act on.
    pub fn refused(&self, error: &sqlx::Error) -> Unavailable {
        let PostgresPlace {
            address,
            user,
            database,
        } = self;
        let why = match error {
            sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => format!(
                "Cannot connect to PostgreSQL at {address}: connection refused, nothing listens \
                 there. Check that PostgreSQL is running and that the host and port of the \
                 database URL are right."
            ),
            sqlx::Error::Io(io) => format!(
                "Cannot connect to PostgreSQL at {address}: {io}. Check the host and port of the \
                 database URL."
            ),
            sqlx::Error::Database(db) => match db.code().as_deref() {
                Some("28P01" | "28000") => format!(
                    "PostgreSQL at {address} refused user `{user}`: {}. Check the user and the \
                     password (in KEEL_DATABASE_URL, PGPASSWORD or ~/.pgpass) and pg_hba.conf.",
                    db.message()
                ),
                Some("3D000") => format!(
                    "PostgreSQL at {address} has no database `{database}`: create it \
                     (`createdb {database}`) or fix the database name in the URL."
                ),
                _ => format!(
                    "PostgreSQL at {address} refused the connection: {}.",
                    db.message()
                ),
            },
            other => format!("Cannot connect to PostgreSQL at {address}: {other}."),
        };
        Unavailable(why)
    }

    pub fn timed_out(&self, seconds: u64) -> Unavailable {
        Unavailable(format!(
            "PostgreSQL at {} did not answer within {seconds} seconds. Check the host and port of \
             the database URL, and that no firewall drops the connection.",
            self.address
        ))
    }

    pub fn refuses_writes(&self, error: &anyhow::Error) -> Unavailable {
        Unavailable(format!(
            "PostgreSQL at {} (database `{}`) takes no writes: {}. keel writes every decision; \
             check that the database is not read-only (default_transaction_read_only, a \
             standby) and that user `{}` may write to it.",
            self.address,
            self.database,
            error.root_cause(),
            self.user
        ))
    }
}

/// The place of a PostgreSQL URL, when it can be read.
pub(super) fn postgres_place(url: &str) -> Option<PostgresPlace> {
    PgConnectOptions::from_str(url)
        .ok()
        .map(|options| PostgresPlace::of(&options))
}

/// The file of a SQLite URL.
pub(super) fn sqlite_file(url: &str) -> Option<PathBuf> {
    sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .ok()
        .map(|options| options.get_filename().to_path_buf())
}

/// Why SQLite cannot write `path`, when the file or its folder is the reason: SQLite itself
/// only says "unable to open database file" or "attempt to write a readonly database".
pub(super) fn sqlite_unwritable(path: &Path, error: &anyhow::Error) -> Option<Unavailable> {
    let mut reasons = Vec::new();
    if path.exists()
        && let Err(denied) = std::fs::OpenOptions::new().write(true).open(path)
    {
        reasons.push(format!(
            "the file is read-only for the user keel runs as ({denied})"
        ));
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if let Err(denied) = tempfile::tempfile_in(folder) {
        let name = path.file_name().map_or_else(
            || "the database".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        reasons.push(format!(
            "its folder {} is not writable ({denied}), and SQLite keeps {name}-wal and \
             {name}-shm beside the file",
            folder.display()
        ));
    }
    (!reasons.is_empty()).then(|| {
        Unavailable(format!(
            "The SQLite database {} cannot be written: {}. keel writes to it from the start; make \
             the file and its folder writable by the user keel runs as (chown or chmod u+w), or \
             point database.url at a writable place. (SQLite said: {}.)",
            path.display(),
            reasons.join("; "),
            error.root_cause()
        ))
    })
}
