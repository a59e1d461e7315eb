//! `keel demo`: the demo company on SQLite with the web console open to anyone, from any folder
//! and offline. The demo's config and data are compiled into the binary and written to the demo
//! folder at every start (so they always match the binary); the database there is kept between
//! runs, and the company imported into it once. The key console sessions are signed with is
//! kept there too, so a restart does not sign everyone out.
//!
//! The demo company's history ends on a fixed day ([`HISTORY_ENDS`]). When the demo imports it
//! into an empty database, every date and timestamp is moved by the whole weeks that bring that
//! day into the current week, so that "the last 90 days", waiting times and reminders mean
//! something whatever day the demo is first run (weekdays keep). The weeks are kept in the demo
//! folder, so a restart imports the same dates and changes nothing. `keel import-all` never moves
//! dates.

use super::Outcome;
use super::serve::shutdown_signal;
use crate::clock::Clock;
use crate::config;
use crate::service::{Keel, ServiceError, UserError};
use anyhow::Context as _;
use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `config/` as it was when keel was built: settings, record types, workflows, demo-data.
static DEMO_CONFIG: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/config");

/// Where the demo keeps its database and its copy of the config, unless told otherwise.
pub fn default_home() -> PathBuf {
    std::env::home_dir()
        .map(|home| home.join(".local/share/keel/demo"))
        .unwrap_or_else(|| PathBuf::from("keel-demo"))
}

/// The file in the demo folder holding the key console sessions are signed with.
const SECRET_FILE: &str = "console-secret";

/// The file in the demo folder holding the weeks the demo's dates were moved by.
const WEEKS_FILE: &str = "dates-moved-weeks";

/// The last day of the demo company's history ("up to 2026-11-20", config/demo-data/README.md).
const HISTORY_ENDS: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 20) {
    Some(day) => day,
    None => panic!("a valid date"),
};

/// What `keel demo` was asked for.
pub struct DemoOptions {
    pub home: PathBuf,
    pub bind: String,
    /// A database URL instead of the demo folder's SQLite file.
    pub database: Option<String>,
    /// Start over: delete the demo database first.
    pub fresh: bool,
}

pub async fn demo(options: DemoOptions) -> Outcome {
    let home = &options.home;
    std::fs::create_dir_all(home)
        .with_context(|| format!("creating the demo folder {}", home.display()))?;
    let database_file = home.join("keel.db");
    if options.fresh && options.database.is_some() {
        println!("--fresh resets only the demo folder's own database, not --database.");
    }
    if options.fresh {
        remove_if_present(&home.join(WEEKS_FILE))?;
        for suffix in ["", "-wal", "-shm"] {
            let file = PathBuf::from(format!("{}{suffix}", database_file.display()));
            if file.exists() {
                std::fs::remove_file(&file)
                    .with_context(|| format!("deleting {}", file.display()))?;
            }
        }
    }
    let config_dir = home.join("config");
    // Replaced whole, so that a workflow a newer keel dropped is not loaded from an old copy.
    if config_dir.exists() {
        std::fs::remove_dir_all(&config_dir)
            .with_context(|| format!("replacing {}", config_dir.display()))?;
    }
    write_embedded(&DEMO_CONFIG, &config_dir)?;
    let url = options
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", database_file.display()));
    let secret = demo_secret(home)?;
    let keel = open(&config_dir, &url, &secret).await?;
    println!("Preparing the demo company (imported once, checked at every start)…");
    let weeks = weeks_to_move(home, &keel).await?;
    let report = keel
        .import_all_shifted(&config_dir.join("demo-data"), weeks)
        .await?;
    if report.changes() > 0 {
        println!("Imported {} changes.", report.changes());
    }
    let stop = shutdown_signal();
    let server = crate::server::start(keel, true, &options.bind).await?;
    println!();
    println!(
        "keel demo is running: open http://{}/console",
        server.address
    );
    println!("Pick anyone in the company, type /changeorder, approve from the approver's seat.");
    if !server.address.ip().is_loopback() {
        println!(
            "WARNING: {} is reachable from other machines, and in the demo anyone who reaches it can act as anyone. Use `keel serve` with sign-in links for real use.",
            server.address
        );
    }
    println!(
        "Data is kept in {} (`keel demo --fresh` starts over). Ctrl-C stops.",
        home.display()
    );
    stop.await;
    println!("Stopping…");
    server.stop().await?;
    Ok(ExitCode::SUCCESS)
}

/// Opens keel on the demo config in `dir` with its database at `url`, signing console sessions
/// with `secret` unless KEEL_CONSOLE_SECRET is set; the environment's other settings (KEEL_…)
/// still apply.
async fn open(dir: &Path, url: &str, secret: &str) -> Result<Keel, ServiceError> {
    let mut env: Vec<(String, String)> = std::env::vars().collect();
    env.retain(|(name, _)| name != "KEEL_DATABASE_URL");
    env.push(("KEEL_DATABASE_URL".into(), url.to_string()));
    if !env
        .iter()
        .any(|(name, value)| name == "KEEL_CONSOLE_SECRET" && !value.trim().is_empty())
    {
        env.push(("KEEL_CONSOLE_SECRET".into(), secret.to_string()));
    }
    let config = config::load_with_env(dir, &env).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        UserError::Invalid(format!(
            "The demo config has problems (a bad KEEL_… variable?):\n{}",
            list.join("\n")
        ))
    })?;
    Ok(Keel::open(config, Clock::System).await?)
}

/// The weeks the demo's dates are moved by: decided when the database holds no one yet (so the
/// history ends in the current week) and kept in the demo folder; a database filled before keel
/// moved dates (no file) keeps its dates.
async fn weeks_to_move(home: &Path, keel: &Keel) -> anyhow::Result<i64> {
    let path = home.join(WEEKS_FILE);
    if keel.directory_now().await?.is_empty() {
        let weeks = weeks_to_this_week(keel.today());
        std::fs::write(&path, weeks.to_string())
            .with_context(|| format!("writing {}", path.display()))?;
        return Ok(weeks);
    }
    match std::fs::read_to_string(&path) {
        Ok(text) => text
            .trim()
            .parse()
            .with_context(|| format!("{} does not hold a number of weeks", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}

/// The whole weeks that move [`HISTORY_ENDS`] into the seven days ending `today` (back, when
/// `today` is earlier).
fn weeks_to_this_week(today: NaiveDate) -> i64 {
    (today - HISTORY_ENDS).num_days().div_euclid(7)
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(error).with_context(|| format!("deleting {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The demo's session key from its folder, made on the first start (or when the file no
/// longer holds a usable one) and readable by its owner only.
fn demo_secret(home: &Path) -> anyhow::Result<String> {
    let path = home.join(SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= config::MIN_CONSOLE_SECRET => {
            return Ok(text.trim().to_string());
        }
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", path.display()));
        }
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    write_private(&path, &secret)?;
    Ok(secret)
}

/// Writes `text` to `path`, readable and writable by the owner only.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("making {} private", path.display()))?;
        }
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

/// Writes every file of `dir` under `target`, replacing what is there.
fn write_embedded(dir: &Dir<'_>, target: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(target).with_context(|| format!("creating {}", target.display()))?;
    for file in dir.files() {
        let path = target.join(
            file.path()
                .file_name()
                .context("an embedded file has no name")?,
        );
        std::fs::write(&path, file.contents())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    for sub in dir.dirs() {
        let name = sub
            .path()
            .file_name()
            .context("an embedded folder has no name")?;
        write_embedded(sub, &target.join(name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike as _;

    #[test]
    fn the_history_is_moved_by_whole_weeks_into_the_week_ending_today() {
        let day = |text: &str| text.parse::<NaiveDate>().expect("a date");
        for (today, weeks) in [
            ("2026-11-20", 0),
            ("2026-11-26", 0),
            ("2026-11-27", 1),
            ("2026-12-05", 2),
            ("2027-11-20", 52),
            ("2026-11-19", -1),
        ] {
            let moved = weeks_to_this_week(day(today));
            assert_eq!(moved, weeks, "{today}");
            let ends = HISTORY_ENDS + chrono::Duration::weeks(moved);
            assert!((0..7).contains(&(day(today) - ends).num_days()), "{today}");
            assert_eq!(ends.weekday(), HISTORY_ENDS.weekday());
        }
    }
}
