//! Turns one parsed workflow file into a [`Workflow`], reporting every reference that does not
//! resolve: field types, ref targets, chains, approvers, anomaly and history columns.

use super::Problem;
use super::records::is_identifier;
use super::source::Source;
use super::workflow_bounds::bounds;
use super::workflow_file::{OutcomeKind, WorkflowFile};
use crate::domain::{
    Chain, FieldType, FormField, Outcome, RecordSchema, RuleSpec, StepSpec, Timing, Workflow,
};
use std::collections::BTreeMap;
use toml::Spanned;

const DEFAULT_MAX_LEN: usize = 2_000;

/// The workflow the file describes; check `problems` to know whether it is valid (`warnings`
/// do not make it invalid).
pub(super) fn convert(
    source: &Source,
    file: &WorkflowFile,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Workflow {
    let name = file.name.get_ref();
    if !is_identifier(name) {
        problems.push(source.at(
            &file.name,
            format!("workflow name `{name}` is not a plain identifier"),
            "use lowercase letters, digits and _, e.g. change_order",
        ));
    }
    let command = file.command.get_ref();
    if command.is_empty()
        || !command
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        problems.push(source.at(
            &file.command,
            format!("command `{command}` is not a valid slash command"),
            "lowercase letters, digits, - and _, without the slash",
        ));
    }
    let prefix = file.id_prefix.get_ref();
    if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        problems.push(source.at(
            &file.id_prefix,
            format!("id_prefix `{prefix}` must be letters and digits"),
            "e.g. CO, so ids read CO-1042",
        ));
    }
    let fields = form_fields(source, file, schema, problems, warnings);
    let mut workflow = Workflow {
        name: name.clone(),
        title: file.title.clone(),
        command: command.clone(),
        id_prefix: prefix.clone(),
        first_number: file.first_number,
        fields,
        rules: Vec::new(),
        chains: BTreeMap::new(),
        flagged_chain: file.flagged_chain.as_ref().map(|c| c.get_ref().clone()),
        default_chain: file.default_chain.get_ref().clone(),
        anomaly: None,
        timing: Timing {
            remind_after_business_hours: file.timing.remind_after_business_hours,
            escalate_after_business_hours: file.timing.escalate_after_business_hours,
            expire_after_days: file.timing.expire_after_days,
        },
        history: None,
        channel: file.channel.clone(),
        context: Vec::new(),
    };
    let check = Check {
        source,
        schema,
        workflow: &workflow,
    };
    let chains = check.chains(file, problems);
    let rules = check.rules(file, &chains, problems);
    let anomaly = check.anomaly(file, problems);
    let history = file.history.as_ref().map(|h| check.history(h, problems));
    let context = check.context(&file.context, problems);
    workflow.chains = chains;
    workflow.rules = rules;
    workflow.anomaly = anomaly;
    workflow.history = history;
    workflow.context = context;
    workflow
}

fn form_fields(
    source: &Source,
    file: &WorkflowFile,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Vec<FormField> {
    let mut fields: Vec<FormField> = Vec::new();
    for raw in &file.fields {
        let name = raw.name.get_ref();
        if !is_identifier(name) {
            problems.push(source.at(
                &raw.name,
                format!("field name `{name}` is not a plain identifier"),
                "rules read fields as request.<name>: use lowercase letters, digits and _",
            ));
        }
        if fields.iter().any(|f| &f.name == name) {
            problems.push(source.at(
                &raw.name,
                format!("field `{name}` is declared twice"),
                "give each form field its own name",
            ));
        }
        let field_type = match raw.field_type.get_ref().parse::<FieldType>() {
            Ok(FieldType::Ref(target)) if schema.get(&target).is_none() => {
                let known: Vec<&str> = schema.types.keys().map(String::as_str).collect();
                problems.push(source.at(&raw.field_type, format!("field `{name}` refers to record type `{target}`, which records.toml does not declare"), format!("use one of: {}", known.join(", "))));
                continue;
            }
            Ok(t) => t,
            Err(err) => {
                problems.push(source.at(
                    &raw.field_type,
                    format!("field `{name}`: {err}"),
                    "e.g. type = \"money\" or type = \"ref(project)\"",
                ));
                continue;
            }
        };
        let (min, max) = bounds(source, raw, &field_type, problems, warnings);
        fields.push(FormField {
            name: name.clone(),
            label: raw.label.clone().unwrap_or_else(|| name.replace('_', " ")),
            field_type,
            required: raw.required,
            max_len: raw.max_len.unwrap_or(DEFAULT_MAX_LEN),
            help: raw.help.clone(),
            min,
            max,
        });
    }
    fields
}

pub(super) struct Check<'a> {
    pub source: &'a Source,
    pub schema: &'a RecordSchema,
    pub workflow: &'a Workflow,
}

impl Check<'_> {
    fn chain_exists(
        &self,
        chains: &BTreeMap<String, Chain>,
        name: &Spanned<String>,
        what: &str,
        problems: &mut Vec<Problem>,
    ) {
        if !chains.contains_key(name.get_ref()) {
            let known: Vec<&str> = chains.keys().map(String::as_str).collect();
            problems.push(self.source.at(
                name,
                format!(
                    "{what} `{}` is not a chain of this workflow",
                    name.get_ref()
                ),
                format!(
                    "declare [chains.{}] or use one of: {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            ));
        }
    }

    fn chains(&self, file: &WorkflowFile, problems: &mut Vec<Problem>) -> BTreeMap<String, Chain> {
        let mut chains = BTreeMap::new();
        for (name, raw) in &file.chains.0 {
            let mut steps = Vec::new();
            for step in &raw.steps {
                let approvers = step
                    .approvers
                    .iter()
                    .filter_map(|a| self.approver(a, problems))
                    .collect();
                if step.approvers.is_empty() {
                    problems.push(self.source.at(
                        &file.default_chain,
                        format!("step `{}` of chain {name} has no approvers", step.name),
                        "list at least one approver",
                    ));
                }
                steps.push(StepSpec {
                    name: step.name.clone(),
                    approvers,
                    quorum: step.quorum,
                });
            }
            if steps.is_empty() {
                problems.push(self.source.at(
                    &file.default_chain,
                    format!("chain `{name}` has no steps"),
                    "add at least one step",
                ));
            }
            chains.insert(
                name.clone(),
                Chain {
                    name: name.clone(),
                    steps,
                },
            );
        }
        self.chain_exists(&chains, &file.default_chain, "default_chain", problems);
        if let Some(flagged) = &file.flagged_chain {
            self.chain_exists(&chains, flagged, "flagged_chain", problems);
        }
        chains
    }

    fn rules(
        &self,
        file: &WorkflowFile,
        chains: &BTreeMap<String, Chain>,
        problems: &mut Vec<Problem>,
    ) -> Vec<RuleSpec> {
        let mut rules: Vec<RuleSpec> = Vec::new();
        for raw in &file.rules {
            let name = raw.name.get_ref();
            if rules.iter().any(|r| &r.name == name) {
                problems.push(self.source.at(
                    &raw.name,
                    format!("rule `{name}` is declared twice"),
                    "rule names appear on the audit trail: make each unique",
                ));
            }
            let outcome = match (raw.outcome.get_ref(), &raw.chain) {
                (OutcomeKind::Route, Some(chain)) => {
                    self.chain_exists(chains, chain, "chain", problems);
                    Outcome::Route(chain.get_ref().clone())
                }
                (OutcomeKind::Route, None) => {
                    problems.push(self.source.at(
                        &raw.outcome,
                        format!("rule `{name}` routes but names no chain"),
                        "add chain = \"<name of a [chains.…] table>\"",
                    ));
                    continue;
                }
                (_, Some(chain)) => {
                    problems.push(self.source.at(
                        chain,
                        format!("rule `{name}` names a chain but its outcome is not route"),
                        "remove chain, or set outcome = \"route\"",
                    ));
                    continue;
                }
                (OutcomeKind::Approve, None) => Outcome::Approve,
                (OutcomeKind::Reject, None) => Outcome::Reject,
                (OutcomeKind::Flag, None) => Outcome::Flag,
            };
            rules.push(RuleSpec {
                name: name.clone(),
                when: raw.when.get_ref().clone(),
                outcome,
                reason: raw.reason.clone(),
            });
        }
        rules
    }
}
