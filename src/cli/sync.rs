//! `keel sync status|failures|retry|enable`: the outbound webhook targets, what failed, sending
//! it again, and enabling a target that answered 410 Gone.

use super::outbox::Retried;
use super::terminal::shown;
use super::{Outcome, open};
use chrono::{DateTime, Utc};
use std::path::Path;
use std::process::ExitCode;

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "-".to_string(),
        |at| at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// `keel sync status`: per target, its last success, lag, pending, failing, dead letters and
/// whether it is disabled.
pub async fn status(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let targets = keel.target_status().await?;
    if targets.is_empty() {
        println!("No targets: config/integrations/*.toml declares none.");
        return Ok(ExitCode::SUCCESS);
    }
    let now = keel.clock.now();
    println!("target\tlast success\tlag\tpending\tfailing\tdead letters\tstate");
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

/// `keel sync failures`: payloads that failed and are not delivered, dead letters first.
pub async fn failures(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let failures = keel.webhook_failures().await?;
    if failures.is_empty() {
        println!("No failed webhooks: everything was delivered or has not been tried yet.");
        return Ok(ExitCode::SUCCESS);
    }
    println!("id\ttarget\trule\tsubject\tattempts\tlast status\tnext try\tlast error");
    for failure in &failures {
        let item = &failure.item;
        let next = match failure.dead_at {
            Some(at) => format!("dead letter since {}", when(Some(at))),
            None => when(failure.next_attempt_at),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{next}\t{}",
            item.id,
            item.target,
            item.rule,
            shown(&item.subject),
            item.attempts,
            failure
                .last_status
                .map_or_else(|| "-".to_string(), |s| s.to_string()),
            shown(failure.last_error.as_deref().unwrap_or("-")),
        );
    }
    eprintln!(
        "{} failed; `keel sync retry ID` (or --all) sends them again at once.",
        failures.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel sync retry ID|--all`.
pub async fn retry(dir: &Path, id: Option<i64>, all: bool) -> Outcome {
    let what = Retried {
        one: "Webhook",
        many: "webhooks",
        none: "No failed webhooks to retry.",
        listed_by: "one failed webhook (`keel sync failures` lists them)",
    };
    let target = what.target(id, all)?;
    let keel = open(dir).await?;
    what.say(&keel.retry_webhooks(target).await?);
    Ok(ExitCode::SUCCESS)
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
