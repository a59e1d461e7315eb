//! Changes the history supports, each with its evidence in words and numbers and, where the
//! workflow file can express it, a diff of that file. Nothing here is applied: a person reads
//! the suggestion, runs `keel policy simulate` on the changed file and decides.
//!
//! The detectors are general: thresholds are round numbers chosen from the amounts in the
//! history, and the bars they must clear are the constants below.

use super::compare::Facts;
use super::suggest_steps::never_rejecting_steps;
use super::{Outcome, Replayed, diff};
use crate::domain::{ApproverSpec, Directory, Outcome as RuleOutcome, Status, Workflow};
use crate::engine::stats::median;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// Fewest decisions a suggestion rests on.
pub const MIN_EVIDENCE: usize = 20;
/// Fewest decisions an approver's median wait is judged on.
pub const MIN_DECISIONS: usize = 5;
/// Share of people's decisions that must have been approvals for a threshold to be suggested.
pub const APPROVED_SHARE: f64 = 0.95;

/// One workflow's history as the detectors read it.
pub struct History<'a> {
    pub workflow: &'a Workflow,
    /// The money field thresholds are on (`amount`), when the workflow has one.
    pub amount_field: Option<&'a str>,
    pub facts: &'a [Facts<'a>],
    /// Each request replayed through today's policy.
    pub today: &'a [Replayed],
    /// The workflow file: its path as shown in diffs, and its text.
    pub file: Option<(&'a str, &'a str)>,
    pub names: &'a BTreeMap<String, String>,
    pub directory: &'a Directory,
}

#[derive(Debug, Clone, Serialize)]
pub struct Suggestion {
    /// `auto_approve_threshold`, `slow_approver` or `never_rejects`.
    pub kind: &'static str,
    pub workflow: String,
    pub title: String,
    pub evidence: String,
    /// The numbers behind the evidence, for machines.
    pub numbers: serde_json::Value,
    /// A unified diff of the workflow file, when the change is one the file can express.
    pub diff: Option<String>,
    /// A command that makes the change instead, when it is not config (a delegation).
    pub command: Option<String>,
}

/// Every suggestion for one workflow.
pub fn suggest(history: &History) -> Vec<Suggestion> {
    let mut out = Vec::new();
    out.extend(threshold(history));
    out.extend(slow_approvers(history));
    out.extend(never_rejecting_steps(history));
    out
}

/// Months the history spans (at least one), for rates per month.
pub(super) fn months(history: &History) -> f64 {
    let times = history.facts.iter().map(|f| f.request.submitted_at);
    match (times.clone().min(), times.max()) {
        (Some(first), Some(last)) => ((last - first).num_days() as f64 / 30.44).max(1.0),
        _ => 1.0,
    }
}

pub(super) fn decided_by_people(fact: &Facts) -> Option<bool> {
    match fact.request.status {
        Status::Approved => Some(true),
        Status::Rejected => Some(false),
        _ => None,
    }
}

/// Round cut-points (1, 2, 2.5 and 5 times a power of ten) between `low` and `high`.
fn round_numbers(low: f64, high: f64) -> Vec<f64> {
    let mut cuts = Vec::new();
    for exponent in -2..=12 {
        for mantissa in [1.0, 2.0, 2.5, 5.0] {
            let cut = mantissa * 10f64.powi(exponent);
            if cut >= low && cut <= high {
                cuts.push(cut);
            }
        }
    }
    cuts
}

/// Money with thousands separators and always its cents: 2,806.00.
pub fn money_cents(value: f64) -> String {
    let text = money(value);
    match text.split_once('.') {
        Some(_) => text,
        None => format!("{text}.00"),
    }
}

/// Money in words: 25,000 or 2,500.50.
pub fn money(value: f64) -> String {
    let cents = (value * 100.0).round() as i64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match cents % 100 {
        0 => grouped,
        rest => format!("{grouped}.{rest:02}"),
    }
}

/// The largest round amount up to which the requests people decide today were approved at
/// least [`APPROVED_SHARE`] of the time. Only the lower half of what people decide is
/// considered (the cut stays at or below the median amount): beyond it, a threshold would
/// no longer take routine work off people but the policy itself.
fn threshold(history: &History) -> Option<Suggestion> {
    let field = history.amount_field?;
    let workflow = history.workflow;
    let decided: Vec<(f64, bool, f64)> = history
        .facts
        .iter()
        .zip(history.today)
        .filter(|(_, r)| matches!(r.outcome, Outcome::Routed { .. }) && r.flags.is_empty())
        .filter_map(|(f, _)| Some((f.amount?, decided_by_people(f)?, f.waited.unwrap_or(0.0))))
        .collect();
    if decided.len() < MIN_EVIDENCE {
        return None;
    }
    let mut amounts: Vec<f64> = decided.iter().map(|d| d.0).collect();
    let cap = median(&mut amounts)?;
    let low = amounts.first().copied()?;
    let (cut, within) = round_numbers(low, cap)
        .into_iter()
        .rev()
        .map(|cut| {
            let within: Vec<&(f64, bool, f64)> = decided.iter().filter(|d| d.0 <= cut).collect();
            (cut, within)
        })
        .find(|(_, w)| {
            let approved = w.iter().filter(|d| d.1).count();
            w.len() >= MIN_EVIDENCE && approved as f64 >= APPROVED_SHARE * w.len() as f64
        })?;
    let (n, m) = (within.iter().filter(|d| d.1).count(), within.len());
    let mut waits: Vec<f64> = within.iter().map(|d| d.2).collect();
    let wait = median(&mut waits).unwrap_or(0.0);
    let per_month = m as f64 / months(history);
    let share = 100.0 * n as f64 / m as f64;
    let title = workflow.title.to_lowercase();
    let evidence = format!(
        "{title}s up to {} that people decide today were approved {share:.0}% of the time \
         ({n} of {m}), median wait {wait:.1} business hours: auto-approving them saves \
         ~{per_month:.0} approver decisions a month",
        money(cut)
    );
    let when = format!("request.{field} <= {cut:.1}");
    Some(Suggestion {
        kind: "auto_approve_threshold",
        workflow: workflow.name.clone(),
        title: format!("Auto-approve {title}s up to {}", money(cut)),
        evidence: capitalised(&evidence),
        numbers: json!({
            "threshold": cut, "approved": n, "decided": m, "share": share,
            "median_wait_business_hours": wait, "decisions_saved_per_month": per_month,
        }),
        diff: history
            .file
            .and_then(|(path, text)| threshold_diff(workflow, field, cut, &when, path, text)),
        command: None,
    })
}

/// Raises the existing `approve` row of the form `request.FIELD <= N` (or `<`), or adds a row
/// before the first row that approves or routes.
fn threshold_diff(
    workflow: &Workflow,
    field: &str,
    cut: f64,
    when: &str,
    path: &str,
    text: &str,
) -> Option<String> {
    let prefix = format!("request.{field} <");
    let existing = workflow.rules.iter().find(|r| {
        r.outcome == RuleOutcome::Approve
            && r.when.trim().starts_with(&prefix)
            && r.when
                .trim()
                .trim_start_matches(&prefix)
                .trim_start_matches('=')
                .trim()
                .parse::<f64>()
                .is_ok_and(|n| n < cut)
    });
    let new = match existing {
        Some(rule) => diff::set_rule_when(text, &rule.name, when)?,
        None => {
            let before = workflow
                .rules
                .iter()
                .find(|r| matches!(r.outcome, RuleOutcome::Approve | RuleOutcome::Route(_)))?;
            let block = format!(
                "[[rules]]\nname = \"up_to_{cut:.0}\"\nwhen = \"{when}\"\noutcome = \"approve\"\n\
                 reason = \"{}s up to {} are approved automatically\"",
                workflow.title,
                money(cut)
            );
            diff::insert_rule(text, &before.name, &block)?
        }
    };
    Some(diff::unified(path, text, &new))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Approvers whose median wait (business hours) is past the workflow's reminder point: most of
/// their requests need chasing. Suggested: their manager as a delegate, or as a co-approver
/// where a chain step names them by person or role.
fn slow_approvers(history: &History) -> Vec<Suggestion> {
    let timing = &history.workflow.timing;
    let Some(sla) = timing.remind_after_business_hours else {
        return Vec::new();
    };
    let mut waits: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for fact in history.facts {
        let Some(waited) = fact.waited else {
            continue;
        };
        for step in &fact.request.steps {
            for a in &step.approvers {
                waits.entry(a.person.as_str()).or_default().push(waited);
            }
        }
    }
    let mut slow: Vec<(&str, usize, f64)> = waits
        .into_iter()
        .filter(|(_, w)| w.len() >= MIN_DECISIONS)
        .filter_map(|(p, mut w)| Some((p, w.len(), median(&mut w)?)))
        .filter(|(_, _, m)| *m > f64::from(sla))
        .collect();
    slow.sort_by(|a, b| b.2.total_cmp(&a.2));
    slow.into_iter()
        .map(|(person, count, wait)| slow_approver(history, person, count, wait, sla))
        .collect()
}

fn slow_approver(history: &History, person: &str, count: usize, wait: f64, sla: u32) -> Suggestion {
    let workflow = history.workflow;
    let name = history.names.get(person).map_or(person, String::as_str);
    let manager = history
        .directory
        .get(person)
        .and_then(|p| p.manager_id.as_deref())
        .and_then(|m| history.directory.get(m))
        .filter(|m| m.active);
    let escalate = workflow
        .timing
        .escalate_after_business_hours
        .map(|h| format!(" and escalates after {h}"))
        .unwrap_or_default();
    let mut evidence = format!(
        "{name} ({person}) took a median of {wait:.1} business hours over {count} {}s; the \
         workflow reminds after {sla}{escalate}: most of their requests wait past the reminder.",
        workflow.title.to_lowercase()
    );
    let (diff, command) = match manager {
        Some(manager) => {
            evidence.push_str(&format!(
                " Give them a delegate ({} is their manager) or a co-approver on the step.",
                manager.name
            ));
            let co = format!("{{ person = \"{}\" }}", manager.id);
            let diff = history.file.and_then(|(path, text)| {
                let (chain, step) = step_naming(history, person)?;
                let new = diff::add_approver(text, chain, step, &co)?;
                Some(diff::unified(path, text, &new))
            });
            let command = format!(
                "keel delegate --as {person} --to {} --until YYYY-MM-DD",
                manager.id
            );
            (diff, Some(command))
        }
        None => {
            evidence.push_str(" Give them a delegate or a co-approver on the step.");
            (None, None)
        }
    };
    Suggestion {
        kind: "slow_approver",
        workflow: workflow.name.clone(),
        title: format!("{name} is slower than the reminder point"),
        evidence,
        numbers: json!({
            "person": person, "decisions": count, "median_wait_business_hours": wait,
            "remind_after_business_hours": sla,
            "escalate_after_business_hours": workflow.timing.escalate_after_business_hours,
            "delegate": manager.map(|m| &m.id),
        }),
        diff,
        command,
    }
}

/// The chain and step that name `person`, by id or by their role, if one does.
fn step_naming<'a>(history: &'a History, person: &str) -> Option<(&'a str, &'a str)> {
    let role = history.directory.get(person).map(|p| p.role.as_str());
    history.workflow.chains.iter().find_map(|(chain, spec)| {
        spec.steps.iter().find_map(|step| {
            step.approvers
                .iter()
                .any(|a| match a {
                    ApproverSpec::Person(id) => id == person,
                    ApproverSpec::Role(r) => Some(r.as_str()) == role,
                    _ => false,
                })
                .then_some((chain.as_str(), step.name.as_str()))
        })
    })
}
