//! Turns one parsed workflow file into a [`Workflow`], reporting every reference that does not
//! resolve: field types, ref targets, chains, approvers, anomaly and history columns.

use super::Problem;
use super::records::is_identifier;
use super::source::Source;
use super::workflow_file::{ApproverFile, HistoryFile, OutcomeKind, WorkflowFile};
use crate::domain::request::Status;
use crate::domain::{
    AnomalySpec, ApproverSpec, Chain, FieldType, FormField, HistoryMapping, Outcome, RecordSchema,
    RecordType, RuleSpec, StepSpec, Timing, Workflow,
};
use std::collections::BTreeMap;
use toml::Spanned;

const DEFAULT_MAX_LEN: usize = 2_000;

/// The workflow the file describes; check `problems` to know whether it is valid.
pub(super) fn convert(
    source: &Source,
    file: &WorkflowFile,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
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
    let fields = form_fields(source, file, schema, problems);
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
    workflow.chains = chains;
    workflow.rules = rules;
    workflow.anomaly = anomaly;
    workflow.history = history;
    workflow
}

fn form_fields(
    source: &Source,
    file: &WorkflowFile,
    schema: &RecordSchema,
    problems: &mut Vec<Problem>,
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
        fields.push(FormField {
            name: name.clone(),
            label: raw.label.clone().unwrap_or_else(|| name.replace('_', " ")),
            field_type,
            required: raw.required,
            max_len: raw.max_len.unwrap_or(DEFAULT_MAX_LEN),
            help: raw.help.clone(),
        });
    }
    fields
}

struct Check<'a> {
    source: &'a Source,
    schema: &'a RecordSchema,
    workflow: &'a Workflow,
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

    fn approver(
        &self,
        raw: &Spanned<ApproverFile>,
        problems: &mut Vec<Problem>,
    ) -> Option<ApproverSpec> {
        let a = raw.get_ref();
        let given = [
            a.person.is_some(),
            a.role.is_some(),
            a.manager_of.is_some(),
            a.record_field.is_some(),
            a.authority.is_some(),
        ];
        let mut fail = |message: String, hint: &str| {
            problems.push(self.source.at(raw, message, hint));
            None
        };
        if given.iter().filter(|g| **g).count() != 1 {
            return fail("an approver names exactly one of person, role, manager_of, record_field or authority".into(), "e.g. { role = \"cfo\" } or { manager_of = \"requester\" }");
        }
        if a.roles.is_some() && a.authority.is_none() {
            return fail(
                "`roles` only goes with `authority`".into(),
                "e.g. { authority = \"amount\", roles = [\"coo\", \"cfo\"] }",
            );
        }
        if let Some(person) = &a.person {
            return Some(ApproverSpec::Person(person.clone()));
        }
        if let Some(role) = &a.role {
            return Some(ApproverSpec::Role(role.clone()));
        }
        if let Some(of) = &a.manager_of {
            return match of.as_str() {
                "requester" => Some(ApproverSpec::ManagerOfRequester),
                other => fail(
                    format!("manager_of `{other}` is not supported"),
                    "write { manager_of = \"requester\" }",
                ),
            };
        }
        if let Some(path) = &a.record_field {
            let Some((form_field, record_field)) = path.split_once('.') else {
                return fail(
                    format!("record_field `{path}` is not form_field.record_field"),
                    "e.g. { record_field = \"project.manager_id\" }",
                );
            };
            let target = match self.workflow.field(form_field).map(|f| &f.field_type) {
                Some(FieldType::Ref(target)) => target,
                _ => {
                    return fail(
                        format!("`{form_field}` is not a ref field of this form"),
                        "the part before the dot names a form field of type ref(…)",
                    );
                }
            };
            return match self.schema.get(target).and_then(|t| t.field(record_field)) {
                Some(_) => Some(ApproverSpec::RecordField {
                    form_field: form_field.into(),
                    record_field: record_field.into(),
                }),
                None => fail(
                    format!("record type {target} has no field `{record_field}`"),
                    "the part after the dot names a field holding a staff id",
                ),
            };
        }
        let amount = a.authority.clone().unwrap_or_default();
        match self.workflow.field(&amount).map(|f| &f.field_type) {
            Some(FieldType::Money | FieldType::Number) => Some(ApproverSpec::Authority {
                amount_field: amount,
                roles: a.roles.clone().unwrap_or_default(),
            }),
            _ => fail(
                format!("authority field `{amount}` is not a money or number field of this form"),
                "e.g. { authority = \"amount\" }",
            ),
        }
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

    fn anomaly(&self, file: &WorkflowFile, problems: &mut Vec<Problem>) -> Option<AnomalySpec> {
        let raw = file.anomaly.as_ref()?;
        let field = raw.field.get_ref();
        if !matches!(
            self.workflow.field(field).map(|f| &f.field_type),
            Some(FieldType::Money | FieldType::Number)
        ) {
            problems.push(self.source.at(
                &raw.field,
                format!("anomaly field `{field}` is not a money or number field of this form"),
                "measure an amount, e.g. field = \"amount\"",
            ));
        }
        if let Some(group) = &raw.group_by
            && self.workflow.field(group.get_ref()).is_none()
        {
            problems.push(self.source.at(
                group,
                format!(
                    "anomaly group_by `{}` is not a field of this form",
                    group.get_ref()
                ),
                "group by a form field such as project or category",
            ));
        }
        let threshold = *raw.threshold.get_ref();
        if threshold.is_nan() || threshold <= 0.0 {
            problems.push(self.source.at(
                &raw.threshold,
                "anomaly threshold must be above 0",
                "3.5 is the usual cut",
            ));
        }
        Some(AnomalySpec {
            field: field.clone(),
            group_by: raw.group_by.as_ref().map(|g| g.get_ref().clone()),
            threshold: *raw.threshold.get_ref(),
            min_history: raw.min_history,
        })
    }

    fn history(&self, raw: &HistoryFile, problems: &mut Vec<Problem>) -> HistoryMapping {
        let record_type = self.schema.get(raw.record_type.get_ref());
        if record_type.is_none() {
            problems.push(self.source.at(
                &raw.record_type,
                format!(
                    "history record type `{}` is not declared",
                    raw.record_type.get_ref()
                ),
                "name the record type holding past requests, as in records.toml",
            ));
        }
        let column = |c: &Spanned<String>, problems: &mut Vec<Problem>| {
            self.column(record_type, c, problems)
        };
        let mut mapping = HistoryMapping {
            record_type: raw.record_type.get_ref().clone(),
            id: column(&raw.id, problems),
            requester: raw.requester.as_ref().map(|c| column(c, problems)),
            submitted_at: column(&raw.submitted_at, problems),
            status: column(&raw.status, problems),
            status_map: BTreeMap::new(),
            approver: raw.approver.as_ref().map(|c| column(c, problems)),
            decided_at: raw.decided_at.as_ref().map(|c| column(c, problems)),
            fields: BTreeMap::new(),
        };
        for (form_field, col) in &raw.fields {
            let col_name = column(col, problems);
            if self.workflow.field(form_field).is_none() {
                problems.push(self.source.at(
                    col,
                    format!("history maps `{form_field}`, which is not a field of this form"),
                    "the keys of [history.fields] are form field names",
                ));
            }
            mapping.fields.insert(form_field.clone(), col_name);
        }
        for (value, status) in &raw.status_map {
            if status.get_ref().parse::<Status>().is_err() {
                problems.push(self.source.at(status, format!("`{}` is not a request status", status.get_ref()), "use pending, approved, auto_approved, rejected, auto_rejected, cancelled or expired"));
            }
            mapping
                .status_map
                .insert(value.clone(), status.get_ref().clone());
        }
        mapping
    }

    /// The column's name, reported when the history's record type lacks it.
    fn column(
        &self,
        record_type: Option<&RecordType>,
        c: &Spanned<String>,
        problems: &mut Vec<Problem>,
    ) -> String {
        if let Some(t) = record_type
            && t.field(c.get_ref()).is_none()
        {
            let known: Vec<&str> = t.fields.iter().map(|f| f.name.as_str()).collect();
            problems.push(self.source.at(
                c,
                format!("{} has no column `{}`", t.name, c.get_ref()),
                format!("use one of: {}", known.join(", ")),
            ));
        }
        c.get_ref().clone()
    }
}
