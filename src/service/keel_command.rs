//! `/keel …`: what waits for me, my requests, and the list of commands, on any chat platform.

use super::{Keel, ServiceError};
use crate::domain::{Person, Request};
use crate::store::RequestFilter;

/// Requests listed by `/keel approvals` and `/keel requests`.
const LISTED: usize = 10;

impl Keel {
    /// `/keel approvals | requests | help`.
    pub(super) async fn keel_command(
        &self,
        actor: &Person,
        text: &str,
    ) -> Result<String, ServiceError> {
        match text.split_whitespace().next().unwrap_or("help") {
            "approvals" => {
                let (_, waiting) = self.pending_for(&actor.id).await?;
                if waiting.is_empty() {
                    return Ok("Nothing is waiting for your approval.".into());
                }
                let lines = self.request_lines(waiting.iter().take(LISTED)).await;
                Ok(format!(
                    "{} waiting for you{}:\n{lines}",
                    waiting.len(),
                    if waiting.len() > LISTED {
                        " (oldest first, the first 10)"
                    } else {
                        ""
                    }
                ))
            }
            "requests" => {
                let filter = RequestFilter {
                    requester: Some(actor.id.clone()),
                    ..RequestFilter::default()
                };
                let mine = self.list_requests(&filter).await?;
                if mine.is_empty() {
                    return Ok("You have not submitted any request.".into());
                }
                let lines = self.request_lines(mine.iter().rev().take(LISTED)).await;
                Ok(format!("Your latest requests:\n{lines}"))
            }
            _ => Ok(self.command_list()),
        }
    }

    async fn request_lines<'a>(&self, requests: impl Iterator<Item = &'a Request>) -> String {
        let mut lines = Vec::new();
        for request in requests {
            let title = self
                .workflow(&request.workflow)
                .map(|w| w.title.clone())
                .unwrap_or_default();
            let amount = request
                .fields
                .get("amount")
                .and_then(|v| v.as_str())
                .map(|a| format!(" {a}"))
                .unwrap_or_default();
            let requester = match &request.requester {
                Some(id) => format!(" from {}", self.display_name(id).await),
                None => String::new(),
            };
            lines.push(format!(
                "• {} {title}{amount}{requester}: {}",
                request.id, request.status
            ));
        }
        lines.join("\n")
    }

    /// Every command, for help and for a mistyped one.
    pub fn command_list(&self) -> String {
        let workflows: Vec<String> = self
            .config
            .workflows
            .values()
            .map(|w| format!("/{} ({})", w.command, w.title.to_lowercase()))
            .collect();
        format!(
            "Commands: {}; /keel approvals (what waits for you), /keel requests (yours), /keel help.",
            workflows.join(", ")
        )
    }
}
