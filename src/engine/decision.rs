//! Decision tables: a workflow's rule rows evaluated top-down, first match wins, flags accumulate.
//! STUB: to be implemented.

use super::rules::{Bindings, Condition, RuleEnv, RuleError};
use crate::domain::{Flag, Workflow};

/// A workflow's rows with their compiled conditions.
#[derive(Debug)]
pub struct DecisionTable {
    pub rows: Vec<Condition>,
}

/// What the table decided for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Approve,
    Reject,
    Route(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub verdict: Verdict,
    /// The deciding row's name (`None` when no row matched and the default chain applies).
    pub rule: Option<String>,
    pub reason: String,
    /// Flags raised by `flag` rows on the way.
    pub flags: Vec<Flag>,
}

/// Compiles every row; errors are returned per row index, all at once.
pub fn compile_table(
    workflow: &Workflow,
    env: &RuleEnv,
) -> Result<DecisionTable, Vec<(usize, RuleError)>> {
    let _ = (workflow, env);
    Ok(DecisionTable { rows: Vec::new() })
}

impl DecisionTable {
    /// Evaluates the rows top-down. A flagged request is never auto-approved: an `approve` row
    /// reached after a flag (or with `already_flagged`) routes to the workflow's flagged chain.
    pub fn decide(
        &self,
        workflow: &Workflow,
        bindings: &Bindings,
        already_flagged: bool,
    ) -> Decision {
        let _ = (bindings, already_flagged);
        Decision {
            verdict: Verdict::Route(workflow.default_chain.clone()),
            rule: None,
            reason: String::new(),
            flags: Vec::new(),
        }
    }
}
