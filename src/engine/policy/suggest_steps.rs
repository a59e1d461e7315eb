//! Steps and rules that never reject: a chain step whose every decision in the history was an
//! approval makes people wait for an outcome that never differed, and a `reject` row that
//! never matched guards against something that has not happened.

use super::Outcome;
use super::diff;
use super::suggest::{History, MIN_EVIDENCE, Suggestion, decided_by_people, months};
use crate::domain::Outcome as RuleOutcome;
use crate::engine::stats::median;
use serde_json::json;
use std::collections::BTreeMap;

/// Decisions people made on requests today's policy routes, by (rule, chain).
#[derive(Default)]
struct Tally {
    approved: usize,
    rejected: usize,
    waits: Vec<f64>,
    since: Option<chrono::DateTime<chrono::Utc>>,
}

pub(super) fn never_rejecting_steps(history: &History) -> Vec<Suggestion> {
    let workflow = history.workflow;
    let title = workflow.title.to_lowercase();
    let mut tallies: BTreeMap<(Option<&str>, &str), Tally> = BTreeMap::new();
    for (fact, replayed) in history.facts.iter().zip(history.today) {
        let (Outcome::Routed { chain, .. }, Some(approved)) =
            (&replayed.outcome, decided_by_people(fact))
        else {
            continue;
        };
        let tally = tallies
            .entry((replayed.rule.as_deref(), chain.as_str()))
            .or_default();
        if approved {
            tally.approved += 1;
        } else {
            tally.rejected += 1;
        }
        tally.waits.extend(fact.waited);
        let at = fact.request.submitted_at;
        tally.since = Some(tally.since.map_or(at, |s| s.min(at)));
    }
    let mut out = Vec::new();
    for ((rule, chain), mut tally) in tallies {
        if tally.rejected > 0 || tally.approved < MIN_EVIDENCE {
            continue;
        }
        let wait = median(&mut tally.waits).unwrap_or(0.0);
        let since = tally
            .since
            .map(|s| s.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let routed_by = match rule {
            Some(rule) => format!("rule {rule}"),
            None => "no rule: the default chain".to_string(),
        };
        let per_month = tally.approved as f64 / months(history);
        let evidence = format!(
            "The {chain} chain ({routed_by}) approved all {} {title}s people decided since \
             {since}, none rejected; they waited a median {wait:.1} business hours for an \
             outcome that never differed (~{per_month:.0} a month). Consider approving them \
             automatically, perhaps below an amount, and reviewing a sample afterwards.",
            tally.approved
        );
        let diff = rule.zip(history.file).and_then(|(rule, (path, text))| {
            let new = diff::route_to_approve(text, rule)?;
            Some(diff::unified(path, text, &new))
        });
        out.push(Suggestion {
            kind: "never_rejects",
            workflow: workflow.name.clone(),
            title: format!("The {chain} chain never rejects a {title}"),
            evidence,
            numbers: json!({
                "chain": chain, "rule": rule, "approved": tally.approved, "rejected": 0,
                "median_wait_business_hours": wait, "per_month": per_month, "since": since,
            }),
            diff,
            command: None,
        });
    }
    out.extend(silent_reject_rules(history));
    out
}

/// `reject` rows that matched none of the history's requests.
fn silent_reject_rules(history: &History) -> Vec<Suggestion> {
    let workflow = history.workflow;
    let total = history.today.len();
    if total < MIN_EVIDENCE {
        return Vec::new();
    }
    workflow
        .rules
        .iter()
        .filter(|r| r.outcome == RuleOutcome::Reject)
        .filter(|r| {
            !history
                .today
                .iter()
                .any(|t| t.rule.as_deref() == Some(&r.name))
        })
        .map(|rule| Suggestion {
            kind: "never_rejects",
            workflow: workflow.name.clone(),
            title: format!("Rule {} never rejects anything", rule.name),
            evidence: format!(
                "Rule {} rejected none of the {total} {}s in the history. Keep it if it guards \
                 against a mistake that has not happened yet; otherwise it can go.",
                rule.name,
                workflow.title.to_lowercase()
            ),
            numbers: json!({ "rule": rule.name, "matched": 0, "requests": total }),
            diff: None,
            command: None,
        })
        .collect()
}
