//! Reading requests outside a transaction: one, a filtered list, the pending ones, and the
//! history the anomaly check compares against.

use super::requests::{REQUEST_COLUMNS, RequestRow};
use super::{RequestFilter, Store};
use crate::domain::Request;
use anyhow::{Context, Result};

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

    /// Numeric values of `field` in past requests of `workflow` whose `group_field` equals
    /// `group_value` (all when `group_field` is `None`), excluding cancelled and auto-rejected
    /// ones. Money (`"1250.00"`) and numbers both count; absent or non-numeric values do not.
    pub async fn anomaly_history(
        &self,
        workflow: &str,
        field: &str,
        group: Option<(&str, &str)>,
    ) -> Result<Vec<f64>> {
        let fields = self.backend.json("fields");
        let mut sql = format!(
            "select cast({fields} ->> $2 as text) from requests where workflow = $1 \
             and status not in ('cancelled', 'auto_rejected')"
        );
        if group.is_some() {
            sql.push_str(&format!(" and cast({fields} ->> $3 as text) = $4"));
        }
        sql.push_str(" order by submitted_at, id");
        let mut query = sqlx::query_as::<_, (Option<String>,)>(&sql)
            .bind(workflow)
            .bind(field);
        if let Some((group_field, group_value)) = group {
            query = query.bind(group_field).bind(group_value);
        }
        let values = query
            .fetch_all(&self.pool)
            .await
            .with_context(|| format!("reading past values of {field} in {workflow}"))?;
        Ok(values
            .into_iter()
            .filter_map(|(value,)| value?.trim().parse::<f64>().ok())
            .filter(|value| value.is_finite())
            .collect())
    }
}
