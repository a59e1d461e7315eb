//! The dashboard's integrations panel, for admins only: how each inbound source and each
//! outbound target stands (the figures of `keel sync status`), with the `keel sync` command that
//! acts on what is stuck. Sources' last errors can quote the systems' answers and payloads, so
//! other people see no panel at all.

use super::{Keel, SourceStatus};
use crate::domain::{Directory, Person};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Integrations {
    pub sources: Vec<SourceRow>,
    pub targets: Vec<TargetRow>,
}

/// A source: events coming in (`keel sync status`'s figures), and the commands that act on
/// what is stuck (empty when nothing is).
#[derive(Debug, Serialize)]
pub struct SourceRow {
    #[serde(flatten)]
    pub status: SourceStatus,
    pub commands: Vec<String>,
}

/// A target: webhooks going out.
#[derive(Debug, Serialize)]
pub struct TargetRow {
    pub name: String,
    pub last_success: Option<DateTime<Utc>>,
    /// How long the oldest payload still owed has waited.
    pub lag_seconds: i64,
    pub pending: i64,
    pub failing: i64,
    pub dead_letters: i64,
    /// Set while a 410 Gone keeps the target disabled.
    pub disabled: Option<Disabled>,
    pub commands: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Disabled {
    pub since: DateTime<Utc>,
    pub reason: String,
}

/// Listing the dead letters with their ids, then sending them all again.
fn dead_letter_commands() -> Vec<String> {
    vec![
        "keel sync failures".to_string(),
        "keel sync retry --all".to_string(),
    ]
}

impl Keel {
    /// The integrations panel when `viewer` is an admin; `None` for everyone else.
    pub(super) async fn integrations_for(
        &self,
        viewer: &Person,
        directory: &Directory,
    ) -> anyhow::Result<Option<Integrations>> {
        if !directory.is_admin(&viewer.id) {
            return Ok(None);
        }
        let now = self.clock.now();
        let sources = self
            .sync_status()
            .await?
            .into_iter()
            .map(|status| SourceRow {
                commands: if status.dead_letters > 0 {
                    dead_letter_commands()
                } else {
                    Vec::new()
                },
                status,
            })
            .collect();
        let targets = self
            .target_status()
            .await?
            .into_iter()
            .map(|(name, t)| {
                let mut commands = Vec::new();
                if t.disabled.is_some() {
                    commands.push(format!("keel sync enable {name}"));
                }
                if t.dead > 0 {
                    commands.extend(dead_letter_commands());
                }
                TargetRow {
                    lag_seconds: t
                        .oldest_pending_at
                        .map_or(0, |at| (now - at).num_seconds().max(0)),
                    last_success: t.last_success_at,
                    pending: t.pending,
                    failing: t.failing,
                    dead_letters: t.dead,
                    disabled: t.disabled.map(|(since, reason)| Disabled { since, reason }),
                    commands,
                    name,
                }
            })
            .collect();
        Ok(Some(Integrations { sources, targets }))
    }
}
