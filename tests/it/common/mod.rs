//! What every integration test shares: fresh databases to run against. Each scenario runs on a
//! new SQLite file, and also on a new PostgreSQL database when `KEEL_TEST_POSTGRES_URL` names a
//! server (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).

pub mod accounting;
pub mod api;
pub mod app;
pub mod browser;
pub mod cli;
pub mod console;
pub mod demo_csv;
pub mod discord;
pub mod discord_gateway;
pub mod discord_user;
pub mod llm;
pub mod outbound;
pub mod pm_tool;
pub mod serve;
pub mod slack;
pub mod sources;
pub mod vendor_api;
pub mod with_slack;

use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

/// A fresh, empty database for one test. Dropping it deletes the SQLite file or drops the
/// PostgreSQL database.
pub struct TestDb {
    /// What to hand to `Store::connect`.
    pub url: String,
    /// `sqlite` or `postgres`, to say in assertion messages which backend failed.
    pub label: &'static str,
    _dir: Option<TempDir>,
    _postgres: Option<PostgresDb>,
}

/// A database created for one test on the server of `KEEL_TEST_POSTGRES_URL`.
struct PostgresDb {
    admin_url: String,
    name: String,
}

/// A new SQLite database always, and a new PostgreSQL one when `KEEL_TEST_POSTGRES_URL` is set.
/// Panics when that variable is set but the server cannot be reached: a test run that was asked
/// to cover Postgres must not pass without it.
pub async fn test_databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().expect("creating a temporary directory for SQLite");
    let path = dir.path().join("keel.db");
    let mut databases = vec![TestDb {
        url: format!("sqlite://{}", path.display()),
        label: "sqlite",
        _dir: Some(dir),
        _postgres: None,
    }];
    if let Ok(admin_url) = std::env::var("KEEL_TEST_POSTGRES_URL") {
        databases.push(create_postgres_database(admin_url).await);
    }
    databases
}

async fn create_postgres_database(admin_url: String) -> TestDb {
    let name = format!("keel_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!("KEEL_TEST_POSTGRES_URL is set to {admin_url} but it cannot be reached: {e}")
    });
    admin
        .execute(format!(r#"create database "{name}""#).as_str())
        .await
        .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
    let _ = admin.close().await;
    TestDb {
        url: with_database(&admin_url, &name),
        label: "postgres",
        _dir: None,
        _postgres: Some(PostgresDb { admin_url, name }),
    }
}

/// The URL of database `name` on the server of `url`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    format!("{server}/{name}{query}")
}

impl TestDb {
    /// A connection of its own to the test database, behind keel's back.
    async fn connect(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connecting to the test database")
    }

    /// Runs one SQL statement directly on the database, behind keel's back (to tamper with it).
    pub async fn execute(&self, sql: &str) {
        self.connect()
            .await
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.label));
    }
}

impl TestDb {
    /// The number a `select count(*) …` gives, read directly from the database.
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut self.connect().await)
            .await
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.label))
    }
}

impl TestDb {
    /// The first column of every row `sql` gives, as text: what a failed wait shows.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        sqlx::query_scalar::<_, String>(sql)
            .fetch_all(&mut self.connect().await)
            .await
            .unwrap_or_else(|e| panic!("[{}] {sql}: {e}", self.label))
    }
}

impl Drop for PostgresDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async code (or inside a runtime that cannot block): use a thread
        // with its own runtime. Failing to clean up is not a test failure.
        let cleanup = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let sql = format!(r#"drop database if exists "{name}" with (force)"#);
                    let _ = admin.execute(sql.as_str()).await;
                    let _ = admin.close().await;
                }
            });
        });
        let _ = cleanup.join();
    }
}
