//! `/keel …`: what waits for me, my requests, and the list of commands, on any chat platform.

use super::dashboard::amount_of;
use super::{Keel, ServiceError};
use crate::domain::{Person, Request};
use crate::engine::form::truncate;
use crate::store::RequestFilter;

/// Requests listed by `/keel approvals` and `/keel requests`.
const LISTED: usize = 10;

impl Keel {
    /// `/keel approvals | requests | delegate PERSON until DATE | help`.
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
            "delegate" => self.delegate_command(actor, text).await,
            _ => Ok(self.command_list()),
        }
    }

    /// `/keel delegate @person until 2026-12-24`: the actor's approvals go to that person from
    /// today through that day. A Slack mention (`<@U123|name>`), a staff id or an email names them.
    async fn delegate_command(&self, actor: &Person, text: &str) -> Result<String, ServiceError> {
        const USAGE: &str = "Write /keel delegate @person until YYYY-MM-DD.";
        let words: Vec<&str> = text.split_whitespace().collect();
        let (Some(who), Some(&"until"), Some(until), None) =
            (words.get(1), words.get(2), words.get(3), words.get(4))
        else {
            return Ok(USAGE.into());
        };
        let who = who
            .trim_start_matches("<@")
            .trim_end_matches('>')
            .split('|')
            .next()
            .unwrap_or_default()
            .trim_start_matches('@');
        let Ok(until) = chrono::NaiveDate::parse_from_str(until, "%Y-%m-%d") else {
            return Ok(format!("`{}` is not a date. {USAGE}", truncate(until, 20)));
        };
        let today = self.today();
        let delegation = self.delegate(&actor.id, who, today, until).await?;
        let to = self.display_name(&delegation.to_person).await;
        Ok(format!(
            "From {} through {}, {to} decides what waits for you.",
            delegation.starts_on, delegation.ends_on
        ))
    }

    async fn request_lines<'a>(&self, requests: impl Iterator<Item = &'a Request>) -> String {
        let mut lines = Vec::new();
        for request in requests {
            let title = self
                .workflow(&request.workflow)
                .map(|w| w.title.clone())
                .unwrap_or_default();
            let amount = amount_of(request)
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
            "Commands: {}; /keel approvals (what waits for you), /keel requests (yours), /keel delegate @person until YYYY-MM-DD, /keel help; /ask and a question about the records.",
            workflows.join(", ")
        )
    }
}
