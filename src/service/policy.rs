//! Policy changes tested against history: every past request (imported history and requests
//! made in keel) replayed through today's workflows and a proposal's, compared, and changes the
//! history supports suggested. Reads only; writes nothing.

use super::{Keel, ServiceError, UserError};
use crate::config::{Problem, load_proposal};
use crate::domain::{FieldType, Fields, Person, Request, Status, Workflow};
use crate::engine::decision::{DecisionTable, compile_table};
use crate::engine::policy::Replayed;
use crate::engine::policy::compare::{self, Comparison, Facts};
use crate::engine::policy::replay::{Case, Policy, replay};
use crate::engine::policy::suggest::{History, Suggestion, suggest};
use crate::engine::rules::rule_env;
use crate::store::{ANOMALY_HISTORY, RequestFilter};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// What replay cannot know, said with every simulation.
pub const LIMITS: [&str; 3] = [
    "Rules and routing read records and the directory as they are today, not as they were \
     when each request was made: a project completed since, a manager who changed, a budget \
     revised.",
    "Hours for a request its approver did not wait on in the history (it was decided \
     automatically then, or by someone else) are estimated at that approver's median wait.",
    "The anomaly check scores each request against the earlier ones in keel, as the history \
     import does.",
];

/// A proposal compared with today's policy over the history.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// Where the proposal came from (its folder).
    pub proposal: String,
    pub since: Option<DateTime<Utc>>,
    /// Workflows whose definition differs from today's.
    pub changed_workflows: Vec<String>,
    /// Workflows of the proposal keel has no requests of yet: nothing to replay.
    pub new_workflows: Vec<String>,
    #[serde(flatten)]
    pub comparison: Comparison,
    pub limits: Vec<String>,
}

/// A proposal's workflows with their compiled tables.
struct Proposal {
    workflows: BTreeMap<String, Workflow>,
    tables: BTreeMap<String, DecisionTable>,
}

impl Keel {
    /// Loads the proposal in `dir` (checked as `keel check` does) and compares it with today's
    /// policy over the requests submitted since `since`. A proposal that does not load is a
    /// user error listing every problem; nothing is read from the database then.
    pub async fn simulate_policy(
        &self,
        dir: &Path,
        since: Option<DateTime<Utc>>,
    ) -> Result<Simulation, ServiceError> {
        let proposal = self.proposal(dir)?;
        let people = self.directory.get(&self.store).await?;
        let names = names(people.directory.people());
        let mut loaded = Vec::new();
        for (name, today) in &self.config.workflows {
            let requests = self.requests_of(name).await?;
            let after = proposal.workflows.get(name).unwrap_or(today);
            loaded.push((today, after, requests));
        }
        let records = self
            .records_for(
                self.config
                    .workflows
                    .values()
                    .chain(proposal.workflows.values()),
            )
            .await?;
        let (mut facts, mut before, mut after) = (Vec::new(), Vec::new(), Vec::new());
        for (today, proposed, requests) in &loaded {
            let current = self.table_of(&today.name)?;
            let table = proposal.tables.get(&proposed.name).unwrap_or(current);
            before.extend(self.replay_with(today, current, requests, &records, &people));
            after.extend(self.replay_with(proposed, table, requests, &records, &people));
            facts.extend(requests.iter().map(|r| self.facts_of(today, r)));
        }
        // Every request is replayed (the anomaly check scores each against all earlier ones);
        // those submitted since `since` are compared.
        let (facts, (before, after)): (Vec<_>, (Vec<_>, Vec<_>)) = facts
            .into_iter()
            .zip(before.into_iter().zip(after))
            .filter(|(f, _)| since.is_none_or(|s| f.request.submitted_at >= s))
            .unzip();
        let comparison = compare::compare(&facts, &before, &after, &names);
        Ok(Simulation {
            proposal: dir.display().to_string(),
            since,
            changed_workflows: proposal
                .workflows
                .iter()
                .filter(|(n, w)| self.config.workflows.get(*n).is_some_and(|t| t != *w))
                .map(|(n, _)| n.clone())
                .collect(),
            new_workflows: proposal
                .workflows
                .keys()
                .filter(|n| !self.config.workflows.contains_key(*n))
                .cloned()
                .collect(),
            comparison,
            limits: LIMITS.iter().map(|l| l.to_string()).collect(),
        })
    }

    /// Changes the whole history supports, per workflow, each with its evidence and a diff of
    /// the workflow file under the config folder.
    pub async fn suggest_policy(&self) -> Result<Vec<Suggestion>, ServiceError> {
        let people = self.directory.get(&self.store).await?;
        let names = names(people.directory.people());
        let records = self.records_for(self.config.workflows.values()).await?;
        let files = workflow_files(&self.config.dir.join("workflows"));
        let mut out = Vec::new();
        for (name, workflow) in &self.config.workflows {
            let requests = self.requests_of(name).await?;
            let table = self.table_of(name)?;
            let today = self.replay_with(workflow, table, &requests, &records, &people);
            let facts: Vec<Facts> = requests
                .iter()
                .map(|r| self.facts_of(workflow, r))
                .collect();
            let file = files
                .get(name)
                .map(|(path, text)| (path.as_str(), text.as_str()));
            out.extend(suggest(&History {
                workflow,
                amount_field: amount_field(workflow),
                facts: &facts,
                today: &today,
                file,
                names: &names,
                directory: &people.directory,
            }));
        }
        Ok(out)
    }

    fn proposal(&self, dir: &Path) -> Result<Proposal, ServiceError> {
        let workflows =
            load_proposal(dir, &self.config).map_err(|problems| rejected(dir, &problems))?;
        let mut tables = BTreeMap::new();
        for (name, workflow) in &workflows {
            let env = rule_env(workflow, &self.config.schema, &self.config.directory.record);
            // A whole-folder proposal was checked against its own records.toml; replay reads
            // today's records, so its rules must also hold against today's record types.
            let table = compile_table(workflow, &env).map_err(|errors| {
                let list: Vec<String> = errors
                    .iter()
                    .map(|(row, e)| format!("rule {}: {} ({})", row + 1, e.message, e.hint))
                    .collect();
                UserError::Invalid(format!(
                    "Workflow {name} of {} does not compile against today's record types \
                     (records.toml): {}. Nothing was compared.",
                    dir.display(),
                    list.join("; ")
                ))
            })?;
            tables.insert(name.clone(), table);
        }
        Ok(Proposal { workflows, tables })
    }

    fn table_of(&self, workflow: &str) -> anyhow::Result<&DecisionTable> {
        self.tables
            .get(workflow)
            .with_context(|| format!("the decision table of {workflow} is missing"))
    }

    async fn requests_of(&self, workflow: &str) -> anyhow::Result<Vec<Request>> {
        let filter = RequestFilter {
            workflow: Some(workflow.to_string()),
            ..RequestFilter::default()
        };
        self.store.list_requests(&filter).await
    }

    /// Every record of the types the workflows' `ref` fields point at, by type and key.
    async fn records_for<'a>(
        &self,
        workflows: impl Iterator<Item = &'a Workflow>,
    ) -> anyhow::Result<Records> {
        let mut records: Records = HashMap::new();
        for workflow in workflows {
            for (_, record_type) in workflow.record_fields() {
                if records.contains_key(record_type) {
                    continue;
                }
                let rows = self.store.list_records(record_type).await?;
                let by_key = rows.into_iter().map(|r| (r.key, r.fields)).collect();
                records.insert(record_type.to_string(), by_key);
            }
        }
        Ok(records)
    }

    fn replay_with(
        &self,
        workflow: &Workflow,
        table: &DecisionTable,
        requests: &[Request],
        records: &Records,
        people: &super::directory::People,
    ) -> Vec<Replayed> {
        let empty = Fields::new();
        let cases: Vec<Case> = requests
            .iter()
            .map(|request| Case {
                request,
                requester_record: request
                    .requester
                    .as_ref()
                    .and_then(|id| people.records.get(id))
                    .unwrap_or(&empty),
                refs: refs_of(workflow, &request.fields, records),
            })
            .collect();
        let policy = Policy {
            workflow,
            table,
            schema: &self.config.schema,
            staff_type: &self.config.directory.record,
        };
        replay(&policy, &cases, &people.directory, ANOMALY_HISTORY)
    }

    fn facts_of<'a>(&self, workflow: &Workflow, request: &'a Request) -> Facts<'a> {
        let calendar = &self.config.settings.company.calendar;
        let by_people = !request.steps.is_empty()
            && !matches!(request.status, Status::AutoApproved | Status::AutoRejected);
        let end = request.decided_at.unwrap_or_else(|| self.clock.now());
        Facts {
            request,
            amount: amount_field(workflow).and_then(|f| number(request.fields.get(f)?)),
            waited: by_people.then(|| calendar.business_hours_between(request.submitted_at, end)),
        }
    }
}

type Records = HashMap<String, HashMap<String, Fields>>;

/// The records a request's `ref` fields point at (a key no longer stored is left out: rules
/// reading it do not match, as for a live request missing the field).
fn refs_of(workflow: &Workflow, fields: &Fields, records: &Records) -> BTreeMap<String, Fields> {
    workflow
        .record_fields()
        .filter_map(|(field, record_type)| {
            let key = fields.get(&field.name)?.as_str()?;
            let record = records.get(record_type)?.get(key)?;
            Some((field.name.clone(), record.clone()))
        })
        .collect()
}

/// The first money field: what thresholds and amounts in reports are about.
fn amount_field(workflow: &Workflow) -> Option<&str> {
    workflow
        .fields
        .iter()
        .find(|f| f.field_type == FieldType::Money)
        .map(|f| f.name.as_str())
}

fn number(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn names(people: Vec<&Person>) -> BTreeMap<String, String> {
    people
        .into_iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect()
}

fn rejected(dir: &Path, problems: &[Problem]) -> ServiceError {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    UserError::Invalid(format!(
        "The proposal in {} does not load ({} problem(s)); nothing was compared:\n{}",
        dir.display(),
        problems.len(),
        list.join("\n")
    ))
    .into()
}

/// Each workflow file's path (as `workflows/NAME.toml`) and text, by the workflow's name.
fn workflow_files(dir: &Path) -> HashMap<String, (String, String)> {
    let mut files = HashMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let name = toml::from_str::<toml::Table>(&text)
            .ok()
            .and_then(|t| t.get("name")?.as_str().map(String::from));
        if let Some(name) = name {
            let label = format!("workflows/{}", entry.file_name().to_string_lossy());
            files.insert(name, (label, text));
        }
    }
    files
}
