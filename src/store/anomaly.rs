//! The values the anomaly check compares a new request with: each request's anomaly field and
//! grouping field, as its workflow's `[anomaly]` settings name them, kept in columns of their own
//! (migration 0008) so that one covering index serves the lookup.
//!
//! The columns are written with the request, from the settings registered at start-up; when a
//! workflow's settings differ from the ones its columns were filled from (or the columns are
//! new), they are filled again from the stored forms.

use super::anomaly_window::parse_value;
use super::anomaly_windows::{LoadedRow, Lookup, Scope, WindowKey};
use super::sql::{identifier, parse_ts};
use super::statement::Statement;
use super::{Backend, Store};
use anyhow::Result;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// How many past requests of a group the anomaly check compares with (the most recent).
pub const ANOMALY_HISTORY: usize = 1_000;

/// A workflow's anomaly settings: the form field compared, and the one grouping it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sampled {
    field: String,
    group: Option<String>,
}

/// The settings of every workflow with an anomaly check, shared by a store and its
/// transactions.
pub(super) type SampledFields = Arc<RwLock<HashMap<String, Sampled>>>;

impl Sampled {
    /// The expressions giving the group and the value from the form bound or stored as
    /// `fields` (a column, or a placeholder such as `$5`).
    pub(super) fn expressions(&self, backend: Backend, fields: &str) -> Result<(String, String)> {
        let group = match &self.group {
            Some(group) => backend.json_text(fields, group)?,
            None => "null".to_string(),
        };
        let value = format!("cast({} as text)", backend.json_text(fields, &self.field)?);
        Ok((group, value))
    }
}

impl Store {
    /// Registers `workflow`'s anomaly settings (`None`: it has no check) so that its requests
    /// are written with their values, filling the columns again from the stored forms when
    /// the settings changed since they were filled.
    pub async fn track_anomaly_samples(
        &self,
        workflow: &str,
        settings: Option<(&str, Option<&str>)>,
    ) -> Result<()> {
        let sampled = match settings {
            Some((field, group)) => Some(Sampled {
                field: identifier(field)?.to_string(),
                group: group.map(identifier).transpose()?.map(str::to_string),
            }),
            None => None,
        };
        let mut tx = self.begin().await?;
        let read = Statement::new(
            "select group_field, value_field from anomaly_specs where workflow = $1",
            format!("reading the anomaly settings of {workflow}"),
        )
        .bind(workflow);
        let stored = match tx.fetch(read).await?.into_iter().next() {
            Some(row) => {
                let mut columns = row.columns();
                let group = columns.opt_text()?;
                Some(Sampled {
                    field: columns.text()?,
                    group,
                })
            }
            None => None,
        };
        let unchanged = stored == sampled;
        if !(unchanged && sampled.is_none()) {
            let (group, value) = match &sampled {
                Some(sampled) => sampled.expressions(self.backend, "fields")?,
                None => ("null".to_string(), "null".to_string()),
            };
            // The same settings: only rows written without values (by a process with other
            // settings, or an older version of keel) need them. New settings: every row.
            let missing_only = if unchanged {
                " and anomaly_value is null"
            } else {
                ""
            };
            let fill = Statement::new(
                format!(
                    "update requests set anomaly_group = {group}, anomaly_value = {value} \
                     where workflow = $1{missing_only}"
                ),
                format!("filling the anomaly values of {workflow}"),
            )
            .bind(workflow)
            .bulk();
            tx.write(fill).await?;
        }
        if !unchanged {
            // The expression index keel made for this lookup before these columns existed.
            if let Some(group) = sampled.as_ref().and_then(|sampled| sampled.group.as_ref()) {
                let old = format!("requests_group_{}_{group}", identifier(workflow)?);
                let drop_old = format!("drop index if exists {old}");
                tx.write(Statement::new(drop_old, format!("dropping index {old}")))
                    .await?;
            }
            let remember = match &sampled {
                Some(sampled) => Statement::new(
                    "insert into anomaly_specs (workflow, group_field, value_field) \
                     values ($1, $2, $3) on conflict (workflow) do update \
                     set group_field = excluded.group_field, value_field = excluded.value_field",
                    format!("saving the anomaly settings of {workflow}"),
                )
                .bind(workflow)
                .bind(sampled.group.clone())
                .bind(&sampled.field),
                None => Statement::new(
                    "delete from anomaly_specs where workflow = $1",
                    format!("forgetting the anomaly settings of {workflow}"),
                )
                .bind(workflow),
            };
            tx.write(remember).await?;
        }
        // Every value may have changed: the windows are read again.
        tx.window_changes.reload(workflow);
        tx.commit().await?;
        if let Ok(mut registered) = self.sampled.write() {
            match sampled {
                Some(sampled) => registered.insert(workflow.to_string(), sampled),
                None => registered.remove(workflow),
            };
        }
        Ok(())
    }

    /// Numeric values of the anomaly field in the most recent [`ANOMALY_HISTORY`] past requests
    /// of `workflow` in the group `group` (all when the workflow does not group), oldest first,
    /// excluding cancelled and auto-rejected ones. Money (`"1250.00"`) and numbers both count;
    /// absent or non-numeric values do not. Read from memory (see [`super::anomaly_windows`]):
    /// this process's commits count at once, other processes' after at most
    /// [`super::WINDOW_FRESH_FOR`] by `now`.
    pub async fn anomaly_history(
        &self,
        workflow: &str,
        group: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<f64>> {
        let scope = Scope::Group(group.map(str::to_string));
        self.anomaly_window(workflow, scope, now).await
    }

    /// The same values over every group of `workflow`: what a group with too short a history
    /// of its own is compared with.
    pub async fn anomaly_history_of_workflow(
        &self,
        workflow: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<f64>> {
        self.anomaly_window(workflow, Scope::EveryGroup, now).await
    }

    async fn anomaly_window(
        &self,
        workflow: &str,
        scope: Scope,
        now: DateTime<Utc>,
    ) -> Result<Vec<f64>> {
        let key = WindowKey {
            workflow: workflow.to_string(),
            scope,
        };
        let load = match self.windows.lookup(key.clone(), now) {
            Lookup::Ready(values) => return Ok(values),
            Lookup::Load(load) => load,
        };
        let rows = self.read(load_statement(&key)).await?;
        let rows = rows
            .into_iter()
            .map(|row| {
                let mut columns = row.columns();
                let id = columns.text()?;
                let submitted_at = parse_ts(&columns.text()?)?.timestamp_micros();
                let value = parse_value(&columns.text()?);
                Ok(LoadedRow {
                    id,
                    submitted_at,
                    value,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(load.finish(rows, now))
    }
}

/// The statement reading `key`'s window: its most recent rows, newest first, each with its
/// request's id (to tell which commits it holds). The group's walks `requests_anomaly`
/// (migration 0023) in order, covered; every group's walks `requests_workflow` in order.
fn load_statement(key: &WindowKey) -> Statement {
    let scope = match &key.scope {
        Scope::Group(Some(_)) => "anomaly_group = $2",
        Scope::Group(None) => "anomaly_group is null",
        Scope::EveryGroup => "anomaly_group is not null",
    };
    let sql = format!(
        "select id, submitted_at, anomaly_value from requests \
         where workflow = $1 and {scope} and anomaly_value is not null \
         and status not in ('cancelled', 'auto_rejected') \
         order by submitted_at desc limit {ANOMALY_HISTORY}"
    );
    let workflow = &key.workflow;
    let mut read = Statement::new(sql, format!("reading past anomaly values of {workflow}"))
        .bind(workflow)
        .bulk();
    if let Scope::Group(Some(group)) = &key.scope {
        read.push(group);
    }
    read
}
