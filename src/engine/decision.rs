//! Decision tables: a workflow's rule rows evaluated top-down, first match wins, flags accumulate.

use super::rules::{Bindings, Condition, RuleEnv, RuleError, compile};
use crate::domain::{Flag, Outcome, Workflow};

/// A workflow's rows with their compiled conditions, in the order of `workflow.rules`.
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
    let mut rows = Vec::with_capacity(workflow.rules.len());
    let mut errors = Vec::new();
    for (index, rule) in workflow.rules.iter().enumerate() {
        match compile(&rule.when, env) {
            Ok(condition) => rows.push(condition),
            Err(error) => errors.push((index, error)),
        }
    }
    if errors.is_empty() {
        Ok(DecisionTable { rows })
    } else {
        Err(errors)
    }
}

impl DecisionTable {
    /// Evaluates the rows top-down. A flagged request is never auto-approved: an `approve` row
    /// reached after a flag (or with `already_flagged`) routes to the workflow's flagged chain.
    ///
    /// A row whose condition fails to evaluate (it reads a field the request left empty, say)
    /// does not match: the request falls through to later rows and, at worst, to people.
    pub fn decide(
        &self,
        workflow: &Workflow,
        bindings: &Bindings,
        already_flagged: bool,
    ) -> Decision {
        let mut context = None;
        let mut flags = Vec::new();
        for (rule, condition) in workflow.rules.iter().zip(&self.rows) {
            if !condition.holds(bindings, &mut context) {
                continue;
            }
            let verdict = match &rule.outcome {
                Outcome::Flag => {
                    flags.push(Flag {
                        kind: "rule".to_string(),
                        source: rule.name.clone(),
                        message: rule.reason.clone(),
                        details: serde_json::Value::Null,
                    });
                    continue;
                }
                Outcome::Approve if already_flagged || !flags.is_empty() => {
                    let chain = flagged_chain(workflow);
                    let why = flag_summary(&flags, already_flagged);
                    return Decision {
                        verdict: Verdict::Route(chain.to_string()),
                        rule: Some(rule.name.clone()),
                        reason: format!(
                            "Would be approved automatically by rule {}, but it was flagged: {why}; \
                             sent to the {chain} approval chain",
                            rule.name
                        ),
                        flags,
                    };
                }
                Outcome::Approve => Verdict::Approve,
                Outcome::Reject => Verdict::Reject,
                Outcome::Route(chain) => Verdict::Route(chain.clone()),
            };
            return Decision {
                verdict,
                rule: Some(rule.name.clone()),
                reason: rule.reason.clone(),
                flags,
            };
        }
        Decision {
            verdict: Verdict::Route(workflow.default_chain.clone()),
            rule: None,
            reason: "No rule matched; sent to the default approval chain".to_string(),
            flags,
        }
    }
}

fn flagged_chain(workflow: &Workflow) -> &str {
    workflow
        .flagged_chain
        .as_deref()
        .unwrap_or(&workflow.default_chain)
}

/// The flags in one line: the rule rows' messages, and the anomaly check when it flagged.
fn flag_summary(flags: &[Flag], already_flagged: bool) -> String {
    let mut parts: Vec<&str> = flags.iter().map(|f| f.message.as_str()).collect();
    if already_flagged {
        parts.insert(0, "unusual for its history (anomaly check)");
    }
    parts.join("; ")
}

#[cfg(test)]
#[path = "decision_tests.rs"]
mod tests;
