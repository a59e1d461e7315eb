//! `keel sync status|failures|retry|enable|replay`: the integrations, both ways. Sources (events
//! coming in) and targets (webhooks going out) each have their own table and ids, so what
//! failed is listed as `E12` (an event that came in) or `W7` (a webhook going out), and retried
//! by that id. A running `keel serve` acts on what these queue within its tick.

use super::outbox::Retried;
use super::terminal::shown;
use super::{Outcome, open};
use crate::service::{DeadLetters, Keel, RetryTarget, UserError};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::Path;
use std::process::ExitCode;

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "never".into(),
        |at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// `keel sync status`: a line per source, then a line per target.
pub async fn status(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let sources = keel.sync_status().await?;
    let targets = keel.target_status().await?;
    if sources.is_empty() && targets.is_empty() {
        println!("No sources or targets: config/integrations/*.toml declares none.");
        return Ok(ExitCode::SUCCESS);
    }
    if !sources.is_empty() {
        println!(
            "source\trecord type\tlast success\tlag (s)\tqueued\tfailures\tdead letters\twatermark\tlast error"
        );
    }
    for s in &sources {
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
            shown(s.last_error.as_deref().unwrap_or("-")),
        );
    }
    if !targets.is_empty() {
        println!("target\tlast success\tlag\tpending\tfailing\tdead letters\tstate");
    }
    let now = keel.clock.now();
    for (name, status) in &targets {
        let lag = status.oldest_pending_at.map_or_else(
            || "0 s".to_string(),
            |at| format!("{} s", (now - at).num_seconds().max(0)),
        );
        let state = match &status.disabled {
            Some((at, reason)) => format!(
                "disabled since {} ({}); `keel sync enable {name}`",
                when(Some(*at)),
                shown(reason)
            ),
            None if !keel.config.outbound.targets.contains_key(name) => {
                "no longer configured".to_string()
            }
            None => "enabled".to_string(),
        };
        println!(
            "{name}\t{}\t{lag}\t{}\t{}\t{}\t{state}",
            when(status.last_success_at),
            status.pending,
            status.failing,
            status.dead,
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `keel sync failures`: dead letters of the sources (E…), then webhooks not delivered (W…).
pub async fn failures(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let dead = keel.sync_failures().await?;
    let failed = keel.webhook_failures().await?;
    if dead.is_empty() && failed.is_empty() {
        println!(
            "No dead letters and no failed webhooks: everything received was applied and everything sent was delivered, or is being retried."
        );
        return Ok(ExitCode::SUCCESS);
    }
    for event in &dead {
        println!(
            "E{}\t{}\t{}\treceived {}\tfailed {}\n  {}",
            event.id,
            event.source,
            shown(&event.delivery_id),
            when(Some(event.received_at)),
            when(event.failed_at),
            shown(event.last_error.as_deref().unwrap_or("-")).replace('\n', "\n  "),
        );
    }
    if !failed.is_empty() {
        println!("id\ttarget\trule\tsubject\tattempts\tlast status\tnext try\tlast error");
    }
    for failure in &failed {
        let item = &failure.item;
        let next = match failure.dead_at {
            Some(at) => format!("dead letter since {}", when(Some(at))),
            None => when(failure.next_attempt_at),
        };
        let status = failure.last_status.map(|s| s.to_string());
        println!(
            "W{}\t{}\t{}\t{}\t{}\t{}\t{next}\t{}",
            item.id,
            item.target,
            item.rule,
            shown(&item.subject),
            item.attempts,
            status.as_deref().unwrap_or("-"),
            shown(failure.last_error.as_deref().unwrap_or("-")),
        );
    }
    eprintln!(
        "{} dead letter(s), {} failed webhook(s); fix the mapping, the source or the target, then `keel sync retry ID` (or --all).",
        dead.len(),
        failed.len()
    );
    Ok(ExitCode::SUCCESS)
}

const WEBHOOKS: Retried = Retried {
    one: "Webhook",
    many: "webhooks",
    none: "No failed webhooks to retry.",
    listed_by: "one failed webhook (`keel sync failures` lists them)",
};

/// `keel sync retry E12|W7|--all`.
pub async fn retry(dir: &Path, id: Option<&str>, all: bool) -> Outcome {
    let listed = "`keel sync failures` lists them";
    let which = match (id, all) {
        (None, true) => None,
        (Some(id), false) => Some(parse_id(id, listed)?),
        _ => {
            let told = format!("Give the id of one failure (E12 or W7; {listed}) or --all.");
            return Err(UserError::Invalid(told).into());
        }
    };
    let keel = open(dir).await?;
    match which {
        None => {
            retry_events(&keel, DeadLetters::All).await?;
            WEBHOOKS.say(&keel.retry_webhooks(RetryTarget::All).await?);
        }
        Some(Failure::Event(id)) => retry_events(&keel, DeadLetters::One(id)).await?,
        Some(Failure::Webhook(id)) => {
            WEBHOOKS.say(&keel.retry_webhooks(RetryTarget::One(id)).await?)
        }
    }
    Ok(ExitCode::SUCCESS)
}

enum Failure {
    Event(i64),
    Webhook(i64),
}

fn parse_id(id: &str, listed: &str) -> Result<Failure, UserError> {
    let number = |rest: &str| rest.parse::<i64>().ok();
    let id = id.trim();
    let parsed = match id.split_at_checked(1) {
        Some(("E" | "e", rest)) => number(rest).map(Failure::Event),
        Some(("W" | "w", rest)) => number(rest).map(Failure::Webhook),
        _ => None,
    };
    parsed.ok_or_else(|| {
        UserError::Invalid(format!(
            "`{}` is not a failure's id: write E12 for an event that came in or W7 for a webhook going out ({listed}).",
            shown(id)
        ))
    })
}

async fn retry_events(keel: &Keel, which: DeadLetters) -> Result<(), crate::service::ServiceError> {
    let count = keel.sync_retry(which).await?;
    println!(
        "{count} event(s) queued again; keel applies them with the current mapping within its next tick."
    );
    Ok(())
}

/// `keel sync enable TARGET`.
pub async fn enable(dir: &Path, target: &str) -> Outcome {
    let keel = open(dir).await?;
    if keel.enable_target(target).await? {
        println!("{target} is enabled; its waiting webhooks go out within keel's next tick.");
    } else {
        println!("{target} was not disabled; nothing changed.");
    }
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
