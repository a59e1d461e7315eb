//! Submitting a request: validate the form, load what the rules read, flag anomalies, decide,
//! route, and write the request with its events, notifications and timers in one transaction.

use super::card_facts::Subject;
use super::{Keel, ServiceError, UserError};
use crate::domain::{FieldType, Fields, Flag, Request, Workflow};
use crate::engine::decision::Verdict;
use crate::engine::form::{FieldError, validate_form};
use crate::engine::lifecycle::{self, Context, Submission};
use crate::engine::routing::{RoutingInput, resolve_step};
use crate::engine::{anomaly, rules};
use crate::store::{ProposedChange, StoreError};
use anyhow::Context as _;
use std::collections::BTreeMap;

/// A submission as it arrives from a person.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub workflow: String,
    /// Staff id, email or chat identity of the requester.
    pub requester: String,
    pub fields: Vec<(String, serde_json::Value)>,
    /// The same key with the same submission gives the same request, never a second one; the
    /// same key with another workflow, requester or form is refused.
    pub idempotency_key: Option<String>,
}

/// Longest idempotency key accepted.
const MAX_KEY_LEN: usize = 200;

impl Keel {
    /// Submits a request; returns it as stored (the earlier one for a repeated idempotency key
    /// given with the same submission).
    pub async fn submit(&self, new: NewRequest) -> Result<Request, ServiceError> {
        self.submit_filing(new, None).await
    }

    /// As [`Keel::submit`], filing `change` with the request (a change request of an owned
    /// record), in its transaction: applied if it is approved, at once or later.
    pub(super) async fn submit_filing(
        &self,
        new: NewRequest,
        change: Option<&ProposedChange>,
    ) -> Result<Request, ServiceError> {
        let workflow = self.workflow(&new.workflow)?.clone();
        if new.idempotency_key.as_ref().is_some_and(|k| {
            k.is_empty() || k.len() > MAX_KEY_LEN || k.chars().any(char::is_control)
        }) {
            return Err(UserError::Invalid(format!(
                "an idempotency key has 1 to {MAX_KEY_LEN} characters, none of them a control character"
            ))
            .into());
        }
        let people = self.directory.get(&self.store).await?;
        let requester = people
            .directory
            .resolve(&new.requester)
            .filter(|p| p.active)
            .ok_or_else(|| UserError::UnknownPerson(new.requester.clone()))?
            .clone();
        let fields = validate_form(&workflow, &new.fields).map_err(UserError::InvalidForm)?;
        let fingerprint = new
            .idempotency_key
            .as_ref()
            .map(|_| lifecycle::fingerprint(&workflow.name, &requester.id, &fields));
        let tried = Tried {
            workflow: &workflow.name,
            requester: &requester.id,
            fingerprint: fingerprint.as_deref(),
        };
        // A repeat is answered from a reader; the check is made again under the writer below.
        if let Some(key) = &new.idempotency_key
            && let Some(existing) = self
                .store
                .request_by_idempotency_key(&workflow.name, key)
                .await?
        {
            return tried.repeats(existing);
        }
        let refs = self.load_refs(&workflow, &fields).await?;
        let now = self.clock.now();
        let anomaly_flags = self.anomaly_flags(&workflow, &fields, now).await?;
        let empty = Fields::new();
        let requester_record = people.records.get(&requester.id).unwrap_or(&empty);
        let bindings = rules::bindings_with_staff(
            &workflow,
            &self.config.schema,
            Some(&self.config.directory.record),
            &fields,
            requester_record,
            &refs,
            now,
        );
        let table = self
            .tables
            .get(&workflow.name)
            .context("decision table missing")?;
        let decision = table.decide(&workflow, &bindings, !anomaly_flags.is_empty());
        let mut steps = Vec::new();
        if let Verdict::Route(chain_name) = &decision.verdict {
            let chain = workflow.chains.get(chain_name).ok_or_else(|| {
                UserError::Unroutable(format!("the chain `{chain_name}` does not exist"))
            })?;
            let input = RoutingInput {
                directory: &people.directory,
                requester: &requester,
                form: &fields,
                refs: &refs,
            };
            for step in &chain.steps {
                let approvers = resolve_step(step, &input).map_err(UserError::Unroutable)?;
                steps.push((step.name.clone(), step.quorum, approvers));
            }
        }
        let delegations = Vec::new();
        let calendar = &self.config.settings.company.calendar;
        let labels = self.record_labels().await?;
        let subject = Subject {
            id: "",
            requester: Some(&requester.id),
            fields: &fields,
            submitted_at: None,
        };
        let facts = self.card_facts(&workflow, &subject, now).await;
        let ctx = Context {
            now,
            workflow: &workflow,
            directory: &people.directory,
            delegations: &delegations,
            calendar,
            labels: &labels,
            currency: &self.config.settings.company.currency,
            facts: &facts,
            rejected_by: None,
            reason: None,
        };

        let mut tx = self.store.begin().await?;
        if let Some(key) = &new.idempotency_key
            && let Some(existing) = tx.find_by_idempotency_key(&workflow.name, key).await?
        {
            tx.commit().await?;
            return tried.repeats(existing);
        }
        let number = tx
            .next_request_number(&workflow.name, workflow.first_number)
            .await?;
        let submission = Submission {
            id: format!("{}-{number}", workflow.id_prefix),
            requester: requester.id.clone(),
            fields,
            idempotency_key: new.idempotency_key.clone(),
            idempotency_fingerprint: fingerprint.clone(),
            decision,
            anomaly_flags,
            steps,
        };
        let transition = lifecycle::submit(submission, &ctx);
        if let Err(error) = tx.insert_request(&transition.request).await {
            // A concurrent submission with the same key committed first (PostgreSQL): answer
            // with it, as a retry would be.
            if let (Some(StoreError::Conflict { .. }), Some(key)) =
                (error.downcast_ref(), &new.idempotency_key)
                && let Some(existing) = tx.find_by_idempotency_key(&workflow.name, key).await?
            {
                tx.rollback().await?;
                return tried.repeats(existing);
            }
            return Err(error.into());
        }
        if let Some(change) = change {
            tx.insert_record_change(&transition.request.id, change)
                .await?;
        }
        self.write_effects(&mut tx, &transition, &people.directory)
            .await?;
        tx.commit().await.context("committing a submission")?;
        self.count_decision(&transition.request);
        self.bell.ring();
        Ok(transition.request)
    }

    /// Loads the records the form's `ref` fields point at; a key that does not exist is a form
    /// error naming the field.
    async fn load_refs(
        &self,
        workflow: &Workflow,
        fields: &Fields,
    ) -> Result<BTreeMap<String, Fields>, ServiceError> {
        let mut refs = BTreeMap::new();
        let mut errors = Vec::new();
        for field in &workflow.fields {
            let (FieldType::Ref(target), Some(key)) = (&field.field_type, fields.get(&field.name))
            else {
                continue;
            };
            let key = key.as_str().unwrap_or_default();
            match self.store.get_record(target, key).await? {
                Some(record) => {
                    refs.insert(field.name.clone(), record.fields);
                }
                None => errors.push(FieldError {
                    field: field.name.clone(),
                    message: format!("there is no {target} `{key}`"),
                }),
            }
        }
        if errors.is_empty() {
            Ok(refs)
        } else {
            Err(UserError::InvalidForm(errors).into())
        }
    }

    async fn anomaly_flags(
        &self,
        workflow: &Workflow,
        fields: &Fields,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Vec<Flag>> {
        let Some(spec) = &workflow.anomaly else {
            return Ok(Vec::new());
        };
        let Some(value) = numeric(fields.get(&spec.field)) else {
            return Ok(Vec::new());
        };
        let group = spec.group_by.as_ref().and_then(|g| {
            fields
                .get(g)
                .and_then(|v| v.as_str())
                .map(|v| (g.as_str(), v))
        });
        if spec.group_by.is_some() && group.is_none() {
            return Ok(Vec::new());
        }
        let history = self
            .store
            .anomaly_history(&workflow.name, group.map(|(_, value)| value), now)
            .await?;
        // A young group is compared with the whole workflow: read it only then (rarely).
        let whole = if group.is_some() && history.len() < spec.min_history {
            self.store
                .anomaly_history_of_workflow(&workflow.name, now)
                .await?
        } else {
            Vec::new()
        };
        let compared = anomaly::Compared {
            group: &history,
            workflow: &whole,
        };
        // `check` names the field itself ("project P001").
        let title = workflow.title.to_lowercase();
        let label = group.map_or_else(|| title.clone(), |(_, value)| value.to_string());
        Ok(anomaly::check(spec, compared, value, &label, &title)
            .into_iter()
            .collect())
    }
}

fn numeric(value: Option<&serde_json::Value>) -> Option<f64> {
    match value? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Who submitted what, to compare with what an idempotency key was first given with.
struct Tried<'a> {
    workflow: &'a str,
    requester: &'a str,
    /// Given with a key only.
    fingerprint: Option<&'a str>,
}

impl Tried<'_> {
    /// The request the key gave before, when this is the same submission again (a retry, a
    /// double click); refused when the key was given with anything else. A key is one person's
    /// way of saying "the same submission again", never a way to see someone else's request,
    /// so another person is not told which request it was.
    fn repeats(&self, existing: Request) -> Result<Request, ServiceError> {
        if existing.requester.as_deref() != Some(self.requester) {
            return Err(UserError::KeyReused(
                "This idempotency key was already used for another person's request; use a new key. Nothing was submitted.".into(),
            )
            .into());
        }
        let differs = if existing.workflow != self.workflow {
            "a request of another workflow"
        } else if existing
            .idempotency_fingerprint
            .as_ref()
            .is_some_and(|stored| Some(stored.as_str()) != self.fingerprint)
        {
            "with other values"
        } else {
            return Ok(existing);
        };
        Err(UserError::KeyReused(format!(
            "This idempotency key was already used for {}, {differs}, so nothing was submitted. \
             A retry sends exactly the same request; for a new request use a new key (in chat, \
             open the form again).",
            existing.id
        ))
        .into())
    }
}
