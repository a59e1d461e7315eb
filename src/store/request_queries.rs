//! Reading requests outside a transaction: one, a filtered list, the pending ones, and the
//! history the anomaly check compares against.

use super::requests::{REQUEST_COLUMNS, request_from_row};
use super::sql::identifier;
use super::statement::Statement;
use super::{RequestFilter, Store};
use crate::domain::Request;
use anyhow::{Context, Result};

/// How many past requests of a group the anomaly check compares with (the most recent).
pub const ANOMALY_HISTORY: usize = 1_000;

/// Joins the past values [`Store::anomaly_history`] reads (ASCII's unit separator: no number
/// contains it).
const HISTORY_SEPARATOR: char = '\u{1f}';

impl Store {
    /// A request as last committed.
    pub async fn get_request(&self, id: &str) -> Result<Option<Request>> {
        let sql = format!("select {REQUEST_COLUMNS} from requests where id = $1");
        let read = Statement::new(sql, format!("reading request {id}")).bind(id);
        let row = read.fetch_all(&self.pool).await?.into_iter().next();
        row.map(request_from_row).transpose()
    }

    /// Requests matching every set filter, oldest submission first.
    pub async fn list_requests(&self, filter: &RequestFilter) -> Result<Vec<Request>> {
        let mut read = Statement::new("", "listing requests");
        let mut conditions: Vec<String> = Vec::new();
        let status = filter.status.map(|s| s.as_str());
        for (column, value) in [
            ("workflow", filter.workflow.as_deref()),
            ("status", status),
            ("requester", filter.requester.as_deref()),
        ] {
            if let Some(value) = value {
                read.push(value);
                conditions.push(format!("{column} = ${}", read.params.len()));
            }
        }
        let mut sql = format!("select {REQUEST_COLUMNS} from requests");
        if !conditions.is_empty() {
            sql.push_str(" where ");
            sql.push_str(&conditions.join(" and "));
        }
        sql.push_str(" order by submitted_at, id");
        if let Some(limit) = filter.limit {
            read.push(limit.max(0));
            sql.push_str(&format!(" limit ${}", read.params.len()));
        }
        read.sql = sql;
        let rows = read.fetch_all(&self.pool).await?;
        rows.into_iter().map(request_from_row).collect()
    }

    /// Requests waiting for a decision, oldest first.
    pub async fn pending_requests(&self) -> Result<Vec<Request>> {
        let sql = format!(
            "select {REQUEST_COLUMNS} from requests where status = 'pending' \
             order by submitted_at, id"
        );
        let rows = Statement::new(sql, "listing pending requests")
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(request_from_row).collect()
    }

    /// Numeric values of `field` in the most recent [`ANOMALY_HISTORY`] past requests of
    /// `workflow` whose `group_field` equals `group_value` (all when `group` is `None`),
    /// excluding cancelled and auto-rejected ones. Money (`"1250.00"`) and numbers both count;
    /// absent or non-numeric values do not. Field names are config identifiers (letters, digits,
    /// `_`); with [`Store::index_anomaly_history`] the lookup reads only the group's index entries.
    pub async fn anomaly_history(
        &self,
        workflow: &str,
        field: &str,
        group: Option<(&str, &str)>,
    ) -> Result<Vec<f64>> {
        let value = self.backend.json_text("fields", field)?;
        // The workflow's name is written out (a plain name) so that SQLite can use the
        // workflow's own index.
        let workflow_name = identifier(workflow)?;
        let mut recent = format!(
            "select cast({value} as text) as value, submitted_at from requests \
             where workflow = '{workflow_name}' and status not in ('cancelled', 'auto_rejected')"
        );
        if let Some((group_field, _)) = group {
            recent.push_str(&format!(
                " and {} = $2",
                self.backend.json_text("fields", group_field)?
            ));
        }
        recent.push_str(&format!(
            " order by submitted_at desc limit {ANOMALY_HISTORY}"
        ));
        // One row back instead of a thousand: the driver hands rows over one at a time.
        let sql =
            format!("select string_agg(value, $1 order by submitted_at) from ({recent}) recent");
        let mut query =
            sqlx::query_as::<_, (Option<String>,)>(&sql).bind(HISTORY_SEPARATOR.to_string());
        if let Some((_, group_value)) = group {
            query = query.bind(group_value);
        }
        let (joined,) = query
            .fetch_one(&self.pool)
            .await
            .with_context(|| format!("reading past values of {field} in {workflow}"))?;
        Ok(joined
            .unwrap_or_default()
            .split(HISTORY_SEPARATOR)
            .filter_map(|value| value.trim().parse::<f64>().ok())
            .filter(|value| value.is_finite())
            .collect())
    }

    /// Indexes a workflow's requests for [`Store::anomaly_history`]: by the `group` field's
    /// value (when there is one) and submission time, carrying the status and `field`'s value,
    /// so the lookup reads one group's index entries and never the rows themselves (SQLite
    /// serves indexed expressions from the index; Postgres at least finds the rows by it). The
    /// index covers this workflow's requests only, so writing another workflow's requests
    /// does not compute its expressions.
    pub async fn index_anomaly_history(
        &self,
        workflow: &str,
        field: &str,
        group: Option<&str>,
    ) -> Result<()> {
        let workflow = identifier(workflow)?;
        let field = identifier(field)?;
        let value = self.backend.json_text("fields", field)?;
        let (suffix, keys) = match group {
            Some(group) => (
                format!("{}_{field}", identifier(group)?),
                format!("({}), ", self.backend.json_text("fields", group)?),
            ),
            None => (field.to_string(), String::new()),
        };
        // Earlier versions' indexes for the same lookup, now redundant.
        let group_only = group.map_or(field, |g| g);
        for old in [
            format!("requests_group_{workflow}_{group_only}"),
            format!("requests_history_{workflow}_{suffix}"),
        ] {
            let drop_old = format!("drop index if exists {old}");
            self.change_schema(Statement::new(drop_old, format!("dropping index {old}")))
                .await?;
        }
        let sql = format!(
            "create index if not exists requests_anomaly_{workflow}_{suffix} on requests \
             (workflow, {keys}submitted_at, status, ({value})) where workflow = '{workflow}'"
        );
        let doing = format!("indexing the history of {field} in {workflow}");
        self.change_schema(Statement::new(sql, doing)).await
    }
}
