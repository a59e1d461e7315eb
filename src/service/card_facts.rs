//! Reading what a workflow's `context` facts need and computing them
//! ([`crate::engine::card_facts`]): before a transition's transaction (a read on the pool
//! inside one can wait for a connection that only transactions queued behind it hold), and
//! again whenever a card is delivered or shown, so that a card shows the facts as they are.
//! A fact whose records are missing, or that the store could not read, is left off the card.

use super::Keel;
use crate::domain::plan::{
    Aggregate, CheckedFilter, CheckedMeasure, CheckedQuery, Condition, FieldPath, Op,
};
use crate::domain::{CardFact, ContextSpec, FactKind, Fields, Record, Workflow};
use crate::engine::card_facts::{self as compute, PastRequest, Wording};
use crate::engine::request_facts::RECORD_TYPE;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// The request a card is about, as far as its facts go.
pub struct Subject<'a> {
    /// Its id (empty before it has one: a submission's facts are read before it is numbered).
    pub id: &'a str,
    pub requester: Option<&'a str>,
    pub fields: &'a Fields,
    /// When it was submitted (`None` before it is: a submission's facts, read at `now`). Its
    /// facts are as of then, so an updated card still counts what came before it, not after.
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The requests one card's facts have read, by amount field and filter: two facts over the
/// same requests (this project's so far, and how they were decided) read them once.
#[derive(Default)]
pub(super) struct Read {
    past: HashMap<Vec<String>, Option<Vec<PastRequest>>>,
}

impl Keel {
    /// The workflow's context facts for `subject` at `now`, in the workflow's order.
    pub async fn card_facts(
        &self,
        workflow: &Workflow,
        subject: &Subject<'_>,
        now: DateTime<Utc>,
    ) -> Vec<CardFact> {
        let now = subject.submitted_at.map_or(now, |at| at.min(now));
        let mut facts = Vec::new();
        let mut read = Read::default();
        for spec in &workflow.context {
            match self
                .card_fact(workflow, spec, subject, now, &mut read)
                .await
            {
                Ok(Some(fact)) => facts.push(fact),
                Ok(None) => {}
                Err(error) => tracing::warn!(
                    request_id = subject.id,
                    fact = spec.fact.name(),
                    "a card fact was left out: {error:#}"
                ),
            }
        }
        facts
    }

    async fn card_fact(
        &self,
        workflow: &Workflow,
        spec: &ContextSpec,
        subject: &Subject<'_>,
        now: DateTime<Utc>,
        read: &mut Read,
    ) -> anyhow::Result<Option<CardFact>> {
        let company = &self.config.settings.company;
        let noun = workflow.title.to_lowercase();
        let words = Wording {
            currency: &company.currency,
            time_zone: company.calendar.time_zone,
            noun: &noun,
        };
        let key = |field: &str| subject.fields.get(field).and_then(Value::as_str);
        let amount = subject.fields.get(&spec.amount).and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
        let reads = self.request_reads(workflow, &spec.amount);
        let reads: Vec<&str> = reads.iter().map(String::as_str).collect();
        let field = spec.field.as_deref().unwrap_or_default();
        Ok(match spec.fact {
            FactKind::Budget => {
                let Some(project) = key(field) else {
                    return Ok(None);
                };
                let Some(record) = self.store.get_record("project", project).await? else {
                    return Ok(None);
                };
                let spent = self.sum_of("invoice", "project_id", project).await?;
                compute::budget(&record, spent, &words)
            }
            FactKind::VendorReliability => {
                let Some(vendor) = key(field) else {
                    return Ok(None);
                };
                let orders = self.orders_of(vendor).await?;
                let labels = self.record_labels().await?;
                compute::vendor(&orders, &labels)
            }
            FactKind::RequestsSoFar => {
                let Some(value) = key(field) else {
                    return Ok(None);
                };
                let past = self
                    .past_requests(workflow, spec, &[(field, value)], read)
                    .await?;
                let on = workflow
                    .field(field)
                    .map_or(field.to_string(), |f| f.label.to_lowercase());
                past.and_then(|past| {
                    compute::requests_so_far(&past, subject.id, &on, now, &words, &reads)
                })
            }
            FactKind::SimilarDecisions => {
                let mut same = Vec::new();
                let mut like = Vec::new();
                for by in &spec.by {
                    let value = if by == "requester" {
                        subject.requester
                    } else {
                        key(by)
                    };
                    let Some(value) = value else {
                        return Ok(None);
                    };
                    same.push((by.as_str(), value));
                    like.push(
                        workflow
                            .field(by)
                            .map_or(by.clone(), |f| f.label.to_lowercase()),
                    );
                }
                let like = format!("same {}", like.join(" and "));
                let past = self.past_requests(workflow, spec, &same, read).await?;
                past.and_then(|past| {
                    compute::similar_decisions(&past, subject.id, spec, &like, now, &words, &reads)
                })
                .map(|mut fact| {
                    if spec.by == ["requester"] {
                        fact.owner = subject.requester.map(String::from);
                    }
                    fact
                })
            }
            FactKind::RequesterSpend => {
                let Some(requester) = subject.requester else {
                    return Ok(None);
                };
                let past = self
                    .past_requests(workflow, spec, &[("requester", requester)], read)
                    .await?;
                past.and_then(|past| {
                    compute::requester_spend(&past, subject.id, amount, now, &words, &reads)
                })
                .map(|mut fact| {
                    fact.owner = Some(requester.to_string());
                    fact
                })
            }
        })
    }

    /// What a fact over the workflow's requests reads: the requests' decisions and amounts,
    /// and the record type its history comes from (an `expense` is an expense however it is
    /// read), so that a role kept from that type is kept from the fact.
    fn request_reads(&self, workflow: &Workflow, amount: &str) -> Vec<String> {
        let mut reads = vec![
            format!("{RECORD_TYPE}.decision"),
            format!("{RECORD_TYPE}.{amount}"),
        ];
        reads.extend(workflow.history.as_ref().map(|h| h.record_type.clone()));
        reads
    }

    /// A field of a record type Ask keel knows, as a query reads it.
    fn path(&self, record_type: &str, field: &str) -> Option<FieldPath> {
        let field_type = self
            .ask_schema
            .get(record_type)?
            .field(field)?
            .field_type
            .clone();
        Some(FieldPath {
            via: None,
            field: field.to_string(),
            field_type,
            cut: None,
        })
    }

    /// The records of `record_type` whose `field` is `value` (a filter of a query).
    fn equals(&self, record_type: &str, field: &str, value: &str) -> Option<CheckedFilter> {
        Some(CheckedFilter {
            path: self.path(record_type, field)?,
            condition: Condition::Compare(Op::Eq, value.to_string()),
        })
    }

    /// What `record_type`'s `amount` adds up to over the records whose `field` is `key`.
    async fn sum_of(&self, record_type: &str, field: &str, key: &str) -> anyhow::Result<f64> {
        let (Some(filter), Some(amount)) = (
            self.equals(record_type, field, key),
            self.path(record_type, "amount"),
        ) else {
            anyhow::bail!("{record_type}.{field} or .amount is not declared");
        };
        let query = CheckedQuery {
            record: record_type.into(),
            filters: vec![filter],
            group_by: Vec::new(),
            measure: CheckedMeasure::Aggregate(Aggregate::Sum, Some(amount)),
            order: None,
            limit: 1,
        };
        let table = self.store.run_query(&query).await?;
        let first = table.rows.first().and_then(|row| row.first());
        Ok(first.and_then(Value::as_f64).unwrap_or(0.0))
    }

    /// The vendor's purchase orders, with what the reliability arithmetic reads.
    async fn orders_of(&self, vendor: &str) -> anyhow::Result<Vec<Record>> {
        let columns = ["vendor_id", "promised_date", "delivered_date"];
        let paths: Option<Vec<FieldPath>> = columns
            .iter()
            .map(|c| self.path("purchase_order", c))
            .collect();
        let (Some(paths), Some(filter)) =
            (paths, self.equals("purchase_order", "vendor_id", vendor))
        else {
            anyhow::bail!("purchase_order lacks vendor_id, promised_date or delivered_date");
        };
        let query = CheckedQuery {
            record: "purchase_order".into(),
            filters: vec![filter],
            group_by: Vec::new(),
            measure: CheckedMeasure::List(paths),
            order: None,
            limit: u32::MAX - 1,
        };
        let table = self.store.run_query(&query).await?;
        let names = table.columns.clone();
        Ok(table
            .rows
            .into_iter()
            .map(|row| Record {
                record_type: "purchase_order".into(),
                key: String::new(),
                // By the query's column names: a list leads with each record's key.
                fields: names.iter().cloned().zip(row).collect(),
                version: 0,
                updated_at: Utc::now(),
            })
            .collect())
    }

    /// The workflow's requests whose fields (or `requester`) equal `same`; `None` when the
    /// requests' table does not hold one of those fields (a ref to a type without names).
    async fn past_requests(
        &self,
        workflow: &Workflow,
        spec: &ContextSpec,
        same: &[(&str, &str)],
        read: &mut Read,
    ) -> anyhow::Result<Option<Vec<PastRequest>>> {
        let key: Vec<String> = std::iter::once(spec.amount.clone())
            .chain(same.iter().map(|(f, v)| format!("{f}={v}")))
            .collect();
        if let Some(past) = read.past.get(&key) {
            return Ok(past.clone());
        }
        let past = self.read_past_requests(workflow, spec, same).await?;
        read.past.insert(key, past.clone());
        Ok(past)
    }

    async fn read_past_requests(
        &self,
        workflow: &Workflow,
        spec: &ContextSpec,
        same: &[(&str, &str)],
    ) -> anyhow::Result<Option<Vec<PastRequest>>> {
        let mut filters: Vec<CheckedFilter> = Vec::new();
        for (field, value) in std::iter::once(&("workflow", workflow.name.as_str())).chain(same) {
            match self.equals(RECORD_TYPE, field, value) {
                Some(filter) => filters.push(filter),
                None => return Ok(None),
            }
        }
        let columns = [
            "request_id",
            "decision",
            spec.amount.as_str(),
            "submitted_at",
        ];
        let paths: Option<Vec<FieldPath>> =
            columns.iter().map(|c| self.path(RECORD_TYPE, c)).collect();
        let Some(paths) = paths else {
            return Ok(None);
        };
        let query = CheckedQuery {
            record: RECORD_TYPE.into(),
            filters,
            group_by: Vec::new(),
            measure: CheckedMeasure::List(paths),
            order: None,
            limit: u32::MAX - 1,
        };
        let table = self.store.run_query(&query).await?;
        let at = |name: &str| table.columns.iter().position(|c| c == name);
        let (Some(id), Some(decision), Some(amount), Some(submitted)) = (
            at("request_id"),
            at("decision"),
            at(&spec.amount),
            at("submitted_at"),
        ) else {
            anyhow::bail!("the requests' list lacks a column: {:?}", table.columns);
        };
        let text = |v: &Value| v.as_str().map(String::from);
        Ok(Some(
            table
                .rows
                .iter()
                .filter_map(|row| {
                    Some(PastRequest {
                        id: text(row.get(id)?)?,
                        decision: text(row.get(decision)?)?,
                        amount: row.get(amount).and_then(Value::as_f64),
                        submitted_at: row.get(submitted)?.as_str()?.parse().ok()?,
                    })
                })
                .collect(),
        ))
    }
}
