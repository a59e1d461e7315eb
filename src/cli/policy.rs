//! `keel policy simulate` and `keel policy suggest`: a proposed policy replayed over the
//! history, and changes the history supports, as text for a person or JSON for a program.

use super::{Outcome, open};
use crate::engine::policy::suggest::{Suggestion, money_cents};
use crate::service::Simulation;
use chrono::NaiveDate;
use std::fmt::Write as _;
use std::path::Path;

/// `keel policy simulate --proposal DIR [--since DATE] [--json]`.
pub async fn simulate(
    dir: &Path,
    proposal: &Path,
    since: Option<NaiveDate>,
    json: bool,
) -> Outcome {
    let keel = open(dir).await?;
    let calendar = &keel.config.settings.company.calendar;
    let since = since.and_then(|day| {
        day.and_time(chrono::NaiveTime::MIN)
            .and_local_timezone(calendar.time_zone)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
    });
    let simulation = keel.simulate_policy(proposal, since).await?;
    let out = if json {
        serde_json::to_string_pretty(&simulation).map_err(anyhow::Error::from)? + "\n"
    } else {
        simulation_text(&simulation)
    };
    super::print(&out)
}

/// `keel policy suggest [--json]`.
pub async fn suggest(dir: &Path, json: bool) -> Outcome {
    let keel = open(dir).await?;
    let suggestions = keel.suggest_policy().await?;
    let out = if json {
        serde_json::to_string_pretty(&suggestions).map_err(anyhow::Error::from)? + "\n"
    } else {
        suggestions_text(&suggestions)
    };
    super::print(&out)
}

fn amount(value: Option<f64>) -> String {
    value.map(money_cents).unwrap_or_else(|| "—".into())
}

fn rule(name: &Option<String>) -> &str {
    name.as_deref().unwrap_or("(default chain)")
}

/// The simulation for a person: totals, approvers, flags, the changed requests, the limits.
pub fn simulation_text(s: &Simulation) -> String {
    let c = &s.comparison;
    let mut out = String::new();
    let since = s
        .since
        .map(|d| format!(" submitted since {}", d.format("%Y-%m-%d")))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Proposal {} against today's policy, replayed over {} requests{since}.",
        s.proposal, c.requests
    );
    if !s.changed_workflows.is_empty() {
        let _ = writeln!(
            out,
            "Workflows it changes: {}",
            s.changed_workflows.join(", ")
        );
    }
    if !s.new_workflows.is_empty() {
        let _ = writeln!(
            out,
            "New workflows (no history to replay): {}",
            s.new_workflows.join(", ")
        );
    }
    let _ = writeln!(out, "\n{} decision(s) would change.", c.changed);
    for (kind, count) in &c.transitions {
        let kind = crate::engine::policy::transition_words(kind);
        let _ = writeln!(out, "  {kind}: {count}");
    }
    if !c.approvers.is_empty() {
        let _ = writeln!(
            out,
            "\nPer approver: requests to decide, business hours they waited"
        );
        for a in &c.approvers {
            let _ = writeln!(
                out,
                "  {} ({}): {} → {} ({:+}), {:.1} h → {:.1} h ({:+.1} h)",
                a.name,
                a.person,
                a.before,
                a.after,
                a.after as i64 - a.before as i64,
                a.hours_before,
                a.hours_after,
                a.hours_after - a.hours_before
            );
        }
    }
    let _ = writeln!(
        out,
        "\nNow flagged: {} (no longer flagged: {})",
        c.now_flagged.len(),
        c.no_longer_flagged
    );
    for f in &c.now_flagged {
        let _ = writeln!(
            out,
            "  {} {}: {}",
            f.id,
            amount(f.amount),
            f.flags.join(", ")
        );
    }
    if !c.changes.is_empty() {
        let _ = writeln!(
            out,
            "\nChanged requests (id, amount, before → after, rule before → after)"
        );
        for r in &c.changes {
            let _ = writeln!(
                out,
                "  {} {}: {} → {}; rule {} → {}",
                r.id,
                amount(r.amount),
                r.before,
                r.after,
                rule(&r.rule_before),
                rule(&r.rule_after)
            );
        }
    }
    let _ = writeln!(out, "\nWhat replay cannot know:");
    if !c.disagree_with_history.is_empty() {
        let total: usize = c.disagree_with_history.values().sum();
        let by_rule: Vec<String> = c
            .disagree_with_history
            .iter()
            .map(|(r, n)| format!("{r}: {n}"))
            .collect();
        let _ = writeln!(
            out,
            "  - Today's policy, replayed, decides {total} request(s) otherwise than they were \
             decided (by rule: {}); records that changed since, or an earlier policy.",
            by_rule.join(", ")
        );
    }
    for limit in &s.limits {
        let _ = writeln!(out, "  - {limit}");
    }
    out
}

fn suggestions_text(suggestions: &[Suggestion]) -> String {
    let mut out = String::new();
    if suggestions.is_empty() {
        out.push_str("The history supports no change to the policy.\n");
    }
    for (i, s) in suggestions.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{}] {}\n   {}",
            i + 1,
            s.workflow,
            s.title,
            s.evidence
        );
        if let Some(command) = &s.command {
            let _ = writeln!(out, "   Command: {command}");
        }
        if let Some(diff) = &s.diff {
            let _ = writeln!(out, "\n{diff}");
        }
        out.push('\n');
    }
    out.push_str("Nothing was changed: apply a diff to a copy of the config and run `keel policy simulate --proposal COPY` first.\n");
    out
}
