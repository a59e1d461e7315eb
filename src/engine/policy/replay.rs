//! Replaying past requests through a policy with the engine that decides new ones: the anomaly
//! check as the importer scores history ([`anomaly::score_history`]), the decision table, and
//! approver routing. Each request is decided as if submitted at its own submission time.
//!
//! What replay cannot know: rules and routing read the referenced records and the directory as
//! they are today (a project completed since, a manager who changed), not as they were then.

use super::{Outcome, Replayed};
use crate::domain::{Directory, Fields, Person, RecordSchema, Request, Workflow};
use crate::engine::anomaly;
use crate::engine::decision::{DecisionTable, Verdict};
use crate::engine::routing::{RoutingInput, resolve_step};
use crate::engine::rules;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// One workflow's policy: its definition and compiled table, and what its rules read.
pub struct Policy<'a> {
    pub workflow: &'a Workflow,
    pub table: &'a DecisionTable,
    pub schema: &'a RecordSchema,
    /// The staff record type (`requester` in rules).
    pub staff_type: &'a str,
}

/// One past request with what its rules read, as it is today.
pub struct Case<'a> {
    pub request: &'a Request,
    /// The requester's staff record (empty when unknown).
    pub requester_record: &'a Fields,
    /// The records its `ref` fields point at, by form field name.
    pub refs: BTreeMap<String, Fields>,
}

/// Replays `cases` through `policy`: one result per case, in the order given. `history_limit`
/// is how many earlier values of its group the anomaly check compares a request with.
pub fn replay(
    policy: &Policy,
    cases: &[Case],
    directory: &Directory,
    history_limit: usize,
) -> Vec<Replayed> {
    let unusual = unusual(policy.workflow, cases, history_limit);
    cases
        .iter()
        .zip(unusual)
        .map(|(case, unusual)| replay_one(policy, case, directory, unusual))
        .collect()
}

/// Whether the workflow's anomaly check flags each case, scored in submission order against
/// the earlier ones.
fn unusual(workflow: &Workflow, cases: &[Case], limit: usize) -> Vec<bool> {
    let Some(spec) = &workflow.anomaly else {
        return vec![false; cases.len()];
    };
    let mut order: Vec<usize> = (0..cases.len()).collect();
    order.sort_by_key(|&i| cases[i].request.submitted_at);
    let past: Vec<anomaly::Past> = order
        .iter()
        .map(|&i| anomaly::past_of(spec, cases[i].request))
        .collect();
    let scored = anomaly::score_history(spec, &past, limit, &workflow.title.to_lowercase());
    let mut flagged = vec![false; cases.len()];
    for (&i, flag) in order.iter().zip(scored) {
        flagged[i] = flag.is_some();
    }
    flagged
}

fn replay_one(policy: &Policy, case: &Case, directory: &Directory, unusual: bool) -> Replayed {
    let request = case.request;
    let bindings = rules::bindings_with_staff(
        policy.workflow,
        policy.schema,
        Some(policy.staff_type),
        &request.fields,
        case.requester_record,
        &case.refs,
        request.submitted_at,
    );
    let decision = policy.table.decide(policy.workflow, &bindings, unusual);
    let mut flags: Vec<String> = unusual.then(|| "anomaly".to_string()).into_iter().collect();
    flags.extend(decision.flags.iter().map(|f| f.source.clone()));
    let outcome = match &decision.verdict {
        Verdict::Approve => Outcome::AutoApproved,
        Verdict::Reject => Outcome::AutoRejected,
        Verdict::Route(chain) => route(policy.workflow, chain, case, directory),
    };
    Replayed {
        outcome,
        rule: decision.rule,
        flags,
    }
}

/// The approvers of every step of `chain_name`, as routing resolves them today.
fn route(workflow: &Workflow, chain_name: &str, case: &Case, directory: &Directory) -> Outcome {
    let Some(chain) = workflow.chains.get(chain_name) else {
        return Outcome::Unroutable {
            reason: format!("the chain `{chain_name}` does not exist"),
        };
    };
    let known = case
        .request
        .requester
        .as_deref()
        .and_then(|id| directory.get(id));
    let unknown;
    let requester = match known {
        Some(person) => person,
        None => {
            unknown = unknown_requester(case.request.requester.as_deref());
            &unknown
        }
    };
    let input = RoutingInput {
        directory,
        requester,
        form: &case.request.fields,
        refs: &case.refs,
    };
    let mut approvers: Vec<String> = Vec::new();
    for step in &chain.steps {
        match resolve_step(step, &input) {
            Ok(ids) => {
                for id in ids {
                    if !approvers.contains(&id) {
                        approvers.push(id);
                    }
                }
            }
            Err(reason) => return Outcome::Unroutable { reason },
        }
    }
    Outcome::Routed {
        chain: chain_name.to_string(),
        approvers,
    }
}

/// Stands in for a requester the history does not name (imported purchase orders) or the
/// directory no longer holds: routing by role or record works, by the requester's manager not.
fn unknown_requester(id: Option<&str>) -> Person {
    Person {
        id: id.unwrap_or_default().to_string(),
        name: "an unknown requester".to_string(),
        email: None,
        role: String::new(),
        title: None,
        manager_id: None,
        approval_limit: Decimal::ZERO,
        chat: BTreeMap::new(),
        active: false,
    }
}
