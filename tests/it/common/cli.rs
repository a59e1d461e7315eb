//! Running the real `keel` binary against a test database.

use super::TestDb;
use std::path::Path;
use std::process::{Command, Output};

/// The fields of Gus's change order of 18,000 on P001 (Rachel approves it), as
/// `keel request submit` takes them.
pub const LARGE_CHANGE_ORDER: [&str; 6] = [
    "--field",
    "project=P001",
    "--field",
    "amount=18000",
    "--field",
    "reason=Rock at footing 4",
];

/// `keel ARGS…` with the demo config (or `config`) on `db`; returns its output.
pub fn keel(db: &TestDb, config: &Path, args: &[&str]) -> Output {
    keel_with_env(db, config, &[], args)
}

/// As [`keel`], with more environment variables (the keys a config's sources read).
pub fn keel_with_env(db: &TestDb, config: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_keel"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("KEEL_DATABASE_URL", &db.url)
        .envs(env.iter().copied())
        .output()
        .expect("keel runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `keel ARGS…` and returns its standard output, failing the test when it fails.
pub fn keel_ok(db: &TestDb, config: &Path, args: &[&str]) -> String {
    let output = keel(db, config, args);
    assert!(
        output.status.success(),
        "[{}] keel {args:?} failed:\n{}\n{}",
        db.label,
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}
