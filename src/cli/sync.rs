//! `keel sync …` for the inbound sources: how each stands, the dead letters, queueing them
//! again after a fix, and replaying what a source delivered. A running `keel serve` applies
//! what these queue within its tick.

use super::{Outcome, open};
use crate::service::{DeadLetters, UserError};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::Path;
use std::process::ExitCode;

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "never".into(),
        |at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// `keel sync status`: one line per source.
pub async fn status(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let statuses = keel.sync_status().await?;
    if statuses.is_empty() {
        println!("No sources: add [[source]] tables to config/integrations/*.toml.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "source\trecord type\tlast success\tlag (s)\tqueued\tfailures\tdead letters\twatermark\tlast error"
    );
    for s in &statuses {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            s.name,
            s.record_type,
            when(s.last_success),
            s.lag_seconds,
            s.queued,
            s.failures,
            s.dead_letters,
            s.watermark.as_deref().unwrap_or("-"),
            s.last_error.as_deref().unwrap_or("-"),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `keel sync failures`: the dead letters with their reasons.
pub async fn failures(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let dead = keel.sync_failures().await?;
    if dead.is_empty() {
        println!("No dead letters: every event received was applied or is being retried.");
        return Ok(ExitCode::SUCCESS);
    }
    for event in &dead {
        println!(
            "{}\t{}\t{}\treceived {}\tfailed {}\n  {}",
            event.id,
            event.source,
            event.delivery_id,
            when(Some(event.received_at)),
            when(event.failed_at),
            event
                .last_error
                .as_deref()
                .unwrap_or("-")
                .replace('\n', "\n  "),
        );
    }
    eprintln!(
        "{} dead letter(s); fix the mapping or the source, then `keel sync retry ID` (or --all).",
        dead.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel sync retry ID|--all`.
pub async fn retry(dir: &Path, id: Option<i64>, all: bool) -> Outcome {
    let which = match (id, all) {
        (Some(id), false) => DeadLetters::One(id),
        (None, true) => DeadLetters::All,
        _ => {
            return Err(UserError::Invalid(
                "Give the id of one dead letter (`keel sync failures` lists them) or --all.".into(),
            )
            .into());
        }
    };
    let keel = open(dir).await?;
    let count = keel.sync_retry(which).await?;
    println!(
        "{count} event(s) queued again; keel applies them with the current mapping within its next tick."
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel sync replay SOURCE --since DATETIME`.
pub async fn replay(dir: &Path, source: &str, since: &str) -> Outcome {
    let since = parse_since(since)?;
    let keel = open(dir).await?;
    let count = keel.sync_replay(source, since).await?;
    println!(
        "{count} event(s) of {source} received since {} queued to be applied again.",
        when(Some(since))
    );
    Ok(ExitCode::SUCCESS)
}

/// An RFC 3339 timestamp or a day (its midnight, UTC).
fn parse_since(text: &str) -> Result<DateTime<Utc>, UserError> {
    if let Ok(at) = crate::domain::field::parse_timestamp(text) {
        return Ok(at);
    }
    text.parse::<NaiveDate>()
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc())
        .ok_or_else(|| {
            UserError::Invalid(format!(
                "`{text}` is not a date or time; write 2026-12-01 or 2026-12-01T09:00:00Z."
            ))
        })
}
