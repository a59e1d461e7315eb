//! Two policies' replays of the same requests compared: which decisions change, what that does
//! to each approver's load and waiting hours, which requests become flagged, and how far the
//! replay of today's policy agrees with what actually happened.

use super::{Outcome, Replayed};
use crate::domain::{Request, Status};
use crate::engine::stats::median;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the comparison reads about one past request besides the replays.
pub struct Facts<'a> {
    pub request: &'a Request,
    /// The workflow's amount (its first money field), when it has one.
    pub amount: Option<f64>,
    /// Business hours the request waited for people (submission to decision, or to now while
    /// pending); `None` when no person decided it.
    pub waited: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Comparison {
    /// Requests replayed through both policies.
    pub requests: usize,
    /// Requests whose decision changes (kind, chain or approvers).
    pub changed: usize,
    /// Changed decisions counted by kind: `routed → auto_approved` → 34.
    pub transitions: BTreeMap<String, usize>,
    pub approvers: Vec<ApproverChange>,
    /// Requests flagged under the proposal and not today.
    pub now_flagged: Vec<FlagChange>,
    /// Requests flagged today and not under the proposal.
    pub no_longer_flagged: usize,
    pub changes: Vec<ChangedRequest>,
    /// Requests whose replay under today's policy differs in kind from what happened, by the
    /// rule deciding the replay: what replay cannot know (records changed since, an earlier
    /// policy) shows here.
    pub disagree_with_history: BTreeMap<String, usize>,
}

/// One approver's requests to decide and the business hours those waited on them.
#[derive(Debug, Clone, Serialize)]
pub struct ApproverChange {
    pub person: String,
    pub name: String,
    pub before: usize,
    pub after: usize,
    pub hours_before: f64,
    pub hours_after: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagChange {
    pub id: String,
    pub amount: Option<f64>,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangedRequest {
    pub id: String,
    pub workflow: String,
    pub amount: Option<f64>,
    pub before: String,
    pub after: String,
    pub rule_before: Option<String>,
    pub rule_after: Option<String>,
}

/// Compares `before` (today's policy) with `after` (the proposal), one replay per fact.
///
/// A request's hours on an approver are those it waited in the history when that approver was
/// one of its approvers then; otherwise (it was decided automatically then, or by someone
/// else) the approver's median wait over the history stands in, or everyone's median when they
/// decided nothing yet.
pub fn compare(
    facts: &[Facts],
    before: &[Replayed],
    after: &[Replayed],
    names: &BTreeMap<String, String>,
) -> Comparison {
    let estimate = WaitEstimate::new(facts);
    let mut out = Comparison {
        requests: facts.len(),
        ..Comparison::default()
    };
    let mut load: BTreeMap<&str, ApproverChange> = BTreeMap::new();
    for ((fact, then), now) in facts.iter().zip(before).zip(after) {
        let request = fact.request;
        for (replayed, later) in [(then, false), (now, true)] {
            for person in approvers(&replayed.outcome) {
                let hours = estimate.hours(fact, person);
                let row = load.entry(person).or_insert_with(|| ApproverChange {
                    person: person.to_string(),
                    name: name(names, person),
                    before: 0,
                    after: 0,
                    hours_before: 0.0,
                    hours_after: 0.0,
                });
                if later {
                    row.after += 1;
                    row.hours_after += hours;
                } else {
                    row.before += 1;
                    row.hours_before += hours;
                }
            }
        }
        if let Some(kind) = recorded_kind(request)
            && kind != then.outcome.kind()
        {
            let rule = then.rule.clone().unwrap_or_else(|| "(no rule)".into());
            *out.disagree_with_history.entry(rule).or_default() += 1;
        }
        match (then.flags.is_empty(), now.flags.is_empty()) {
            (true, false) => out.now_flagged.push(FlagChange {
                id: request.id.clone(),
                amount: fact.amount,
                flags: now.flags.clone(),
            }),
            (false, true) => out.no_longer_flagged += 1,
            _ => {}
        }
        if same_decision(&then.outcome, &now.outcome) {
            continue;
        }
        out.changed += 1;
        let kind = format!("{} → {}", then.outcome.kind(), now.outcome.kind());
        *out.transitions.entry(kind).or_default() += 1;
        out.changes.push(ChangedRequest {
            id: request.id.clone(),
            workflow: request.workflow.clone(),
            amount: fact.amount,
            before: describe(&then.outcome, names),
            after: describe(&now.outcome, names),
            rule_before: then.rule.clone(),
            rule_after: now.rule.clone(),
        });
    }
    out.approvers = load.into_values().filter(|a| a.before != a.after).collect();
    out.approvers.sort_by(|a, b| {
        let delta = |r: &ApproverChange| r.after.abs_diff(r.before);
        delta(b).cmp(&delta(a)).then(a.person.cmp(&b.person))
    });
    out
}

/// Whether two outcomes are the same decision: same kind, and for routed ones the same chain
/// and approvers. Two unroutable outcomes are the same whatever their reasons.
pub fn same_decision(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Outcome::Unroutable { .. }, Outcome::Unroutable { .. }) => true,
        _ => a == b,
    }
}

/// The outcome in words: "auto-approved", "routed to project_manager (Ana Ruiz)".
pub fn describe(outcome: &Outcome, names: &BTreeMap<String, String>) -> String {
    match outcome {
        Outcome::AutoApproved => "auto-approved".into(),
        Outcome::AutoRejected => "auto-rejected".into(),
        Outcome::Routed { chain, approvers } => {
            let who: Vec<String> = approvers.iter().map(|id| name(names, id)).collect();
            format!("routed to {chain} ({})", who.join(", "))
        }
        Outcome::Unroutable { reason } => format!("no approver: {reason}"),
    }
}

/// What happened to a request in the history, as an outcome kind (`None` when it says
/// nothing about the policy: cancelled before anyone was asked).
pub fn recorded_kind(request: &Request) -> Option<&'static str> {
    match request.status {
        Status::AutoApproved => Some("auto_approved"),
        Status::AutoRejected => Some("auto_rejected"),
        _ if !request.steps.is_empty() => Some("routed"),
        _ => None,
    }
}

fn approvers(outcome: &Outcome) -> &[String] {
    match outcome {
        Outcome::Routed { approvers, .. } => approvers,
        _ => &[],
    }
}

fn name(names: &BTreeMap<String, String>, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_string())
}

/// The people a request waited on in the history.
fn recorded_approvers(request: &Request) -> impl Iterator<Item = &str> {
    request
        .steps
        .iter()
        .flat_map(|s| &s.approvers)
        .map(|a| a.person.as_str())
}

/// Median recorded waits per approver and overall.
struct WaitEstimate {
    by_person: BTreeMap<String, f64>,
    overall: f64,
}

impl WaitEstimate {
    fn new(facts: &[Facts]) -> WaitEstimate {
        let mut waits: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut all = Vec::new();
        for fact in facts {
            let Some(waited) = fact.waited else {
                continue;
            };
            all.push(waited);
            for person in recorded_approvers(fact.request) {
                waits.entry(person.to_string()).or_default().push(waited);
            }
        }
        WaitEstimate {
            by_person: waits
                .into_iter()
                .filter_map(|(p, mut w)| Some((p, median(&mut w)?)))
                .collect(),
            overall: median(&mut all).unwrap_or(0.0),
        }
    }

    fn hours(&self, fact: &Facts, person: &str) -> f64 {
        match fact.waited {
            Some(waited) if recorded_approvers(fact.request).any(|p| p == person) => waited,
            _ => self.by_person.get(person).copied().unwrap_or(self.overall),
        }
    }
}
