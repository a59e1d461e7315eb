//! `keel outbox failed` and `keel outbox retry`: the notifications keel parked, and sending them
//! again once whatever stopped them is fixed.

use super::{Outcome, open};
use crate::service::{RetryTarget, UserError};
use std::path::Path;
use std::process::ExitCode;

/// `keel outbox failed`: one line per parked notification, most recently parked first.
pub async fn failed(dir: &Path) -> Outcome {
    let keel = open(dir).await?;
    let parked = keel.parked_notifications().await?;
    if parked.is_empty() {
        println!("No parked notifications: everything was delivered or is being retried.");
        return Ok(ExitCode::SUCCESS);
    }
    let directory = keel.directory_now().await?;
    println!("id\tplatform\trequest\trecipient\tkind\tattempts\tparked at\tnext try\tlast error");
    for failed in &parked {
        let notification = &failed.item.notification;
        let recipient = directory.get(&notification.to).map_or_else(
            || notification.to.clone(),
            |p| format!("{} ({})", p.name, p.id),
        );
        let next = failed.retry_at.map_or_else(
            || "held until `keel outbox retry`".to_string(),
            |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
        );
        println!(
            "{}\t{}\t{}\t{recipient}\t{}\t{}\t{}\t{next}\t{}",
            failed.item.id,
            failed.item.platform.as_deref().unwrap_or("-"),
            notification.request_id,
            notification.kind.describe(),
            failed.item.attempts,
            failed.failed_at.format("%Y-%m-%d %H:%M UTC"),
            failed.last_error.as_deref().unwrap_or("-"),
        );
    }
    eprintln!(
        "{} parked; `keel outbox retry ID` (or --all) sends them again at once.",
        parked.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `keel outbox retry ID|--all`: makes parked notifications due at once; a running `keel serve`
/// delivers them within its tick.
pub async fn retry(dir: &Path, id: Option<i64>, all: bool) -> Outcome {
    let what = Retried {
        one: "Notification",
        many: "notifications",
        none: "No parked notifications to retry.",
        listed_by: "one parked notification (`keel outbox failed` lists them)",
    };
    let target = what.target(id, all)?;
    let keel = open(dir).await?;
    what.say(&keel.retry_parked(target).await?);
    Ok(ExitCode::SUCCESS)
}

/// What a `retry ID|--all` command retries, in its sentences (`keel outbox retry`, `keel sync
/// retry`).
pub(super) struct Retried {
    pub one: &'static str,
    pub many: &'static str,
    pub none: &'static str,
    pub listed_by: &'static str,
}

impl Retried {
    /// One id or `--all`, never both or neither.
    pub fn target(&self, id: Option<i64>, all: bool) -> Result<RetryTarget, UserError> {
        match (id, all) {
            (Some(id), false) => Ok(RetryTarget::One(id)),
            (None, true) => Ok(RetryTarget::All),
            _ => Err(UserError::Invalid(format!(
                "Give the id of {} or --all.",
                self.listed_by
            ))),
        }
    }

    /// Says which were made due.
    pub fn say(&self, ids: &[i64]) {
        match ids {
            [] => println!("{}", self.none),
            [id] => println!(
                "{} {id} is due again; keel sends it within its next tick.",
                self.one
            ),
            ids => println!(
                "{} {} are due again; keel sends them within its next tick.",
                ids.len(),
                self.many
            ),
        }
    }
}
