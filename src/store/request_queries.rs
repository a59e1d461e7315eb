//! Reading requests outside a transaction: one, a filtered list, the pending ones, and the
//! history the anomaly check compares against.

use super::requests::{REQUEST_COLUMNS, RequestRow};
use super::sql::identifier;
use super::{RequestFilter, Store};
use crate::domain::Request;
use anyhow::{Context, Result};

/// How many past requests of a group the anomaly check compares with (the most recent).
pub const ANOMALY_HISTORY: usize = 1_000;

impl Store {
    /// A request as last committed.
    pub async fn get_request(&self, id: &str) -> Result<Option<Request>> {
        let sql = format!("select {REQUEST_COLUMNS} from requests where id = $1");
        let row: Option<RequestRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .with_context(|| format!("reading request {id}"))?;
        row.map(RequestRow::into_request).transpose()
    }

    /// Requests matching every set filter, oldest submission first.
    pub async fn list_requests(&self, filter: &RequestFilter) -> Result<Vec<Request>> {
        let mut conditions: Vec<String> = Vec::new();
        let mut values: Vec<&str> = Vec::new();
        let status = filter.status.map(|s| s.as_str());
        for (column, value) in [
            ("workflow", filter.workflow.as_deref()),
            ("status", status),
            ("requester", filter.requester.as_deref()),
        ] {
            if let Some(value) = value {
                values.push(value);
                conditions.push(format!("{column} = ${}", values.len()));
            }
        }
        let mut sql = format!("select {REQUEST_COLUMNS} from requests");
        if !conditions.is_empty() {
            sql.push_str(" where ");
            sql.push_str(&conditions.join(" and "));
        }
        sql.push_str(" order by submitted_at, id");
        if filter.limit.is_some() {
            sql.push_str(&format!(" limit ${}", values.len() + 1));
        }
        let mut query = sqlx::query_as::<_, RequestRow>(&sql);
        for value in values {
            query = query.bind(value);
        }
        if let Some(limit) = filter.limit {
            query = query.bind(limit.max(0));
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("listing requests")?;
        rows.into_iter().map(RequestRow::into_request).collect()
    }

    /// Requests waiting for a decision, oldest first.
    pub async fn pending_requests(&self) -> Result<Vec<Request>> {
        let sql = format!(
            "select {REQUEST_COLUMNS} from requests where status = 'pending' \
             order by submitted_at, id"
        );
        let rows: Vec<RequestRow> = sqlx::query_as(&sql)
            .fetch_all(&self.pool)
            .await
            .context("listing pending requests")?;
        rows.into_iter().map(RequestRow::into_request).collect()
    }

    /// Numeric values of `field` in the most recent [`ANOMALY_HISTORY`] past requests of
    /// `workflow` whose `group_field` equals `group_value` (all when `group` is `None`),
    /// excluding cancelled and auto-rejected ones. Money (`"1250.00"`) and numbers both count;
    /// absent or non-numeric values do not. Field names are config identifiers (letters, digits,
    /// `_`); with [`Store::index_request_groups`] the lookup reads only the group's rows.
    pub async fn anomaly_history(
        &self,
        workflow: &str,
        field: &str,
        group: Option<(&str, &str)>,
    ) -> Result<Vec<f64>> {
        let value = self.backend.json_text("fields", field)?;
        let mut sql = format!(
            "select cast({value} as text) from requests where workflow = $1 \
             and status not in ('cancelled', 'auto_rejected')"
        );
        if let Some((group_field, _)) = group {
            sql.push_str(&format!(
                " and {} = $2",
                self.backend.json_text("fields", group_field)?
            ));
        }
        sql.push_str(&format!(
            " order by submitted_at desc limit {ANOMALY_HISTORY}"
        ));
        let mut query = sqlx::query_as::<_, (Option<String>,)>(&sql).bind(workflow);
        if let Some((_, group_value)) = group {
            query = query.bind(group_value);
        }
        let values = query
            .fetch_all(&self.pool)
            .await
            .with_context(|| format!("reading past values of {field} in {workflow}"))?;
        // Read newest first (to keep the most recent), returned oldest first.
        Ok(values
            .into_iter()
            .rev()
            .filter_map(|(value,)| value?.trim().parse::<f64>().ok())
            .filter(|value| value.is_finite())
            .collect())
    }

    /// Indexes requests by the value of a form field within a workflow, so the anomaly check
    /// reads one group's history instead of the whole workflow's.
    pub async fn index_request_groups(&self, workflow: &str, group_field: &str) -> Result<()> {
        let expression = self.backend.json_text("fields", group_field)?;
        let name = format!(
            "requests_group_{}_{}",
            identifier(workflow)?,
            identifier(group_field)?
        );
        let sql = format!(
            "create index if not exists {name} on requests (workflow, ({expression}), submitted_at)"
        );
        sqlx::query(&sql)
            .execute(&self.writer)
            .await
            .with_context(|| format!("indexing {workflow} requests by {group_field}"))?;
        Ok(())
    }
}
