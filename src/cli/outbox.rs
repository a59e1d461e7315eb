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
    let target = match (id, all) {
        (Some(id), false) => RetryTarget::One(id),
        (None, true) => RetryTarget::All,
        _ => {
            return Err(UserError::Invalid(
                "Give the id of one parked notification (`keel outbox failed` lists them) or --all."
                    .into(),
            )
            .into());
        }
    };
    let keel = open(dir).await?;
    let ids = keel.retry_parked(target).await?;
    match ids.as_slice() {
        [] => println!("No parked notifications to retry."),
        [id] => println!("Notification {id} is due again; keel delivers it within its next tick."),
        ids => println!(
            "{} notifications are due again; keel delivers them within its next tick.",
            ids.len()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
