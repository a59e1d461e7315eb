//! Reading requests outside a transaction: one, a filtered list, the pending ones.

use super::requests::{REQUEST_COLUMNS, by_idempotency_key, first_in_workflow, request_from_row};
use super::sql::ts;
use super::statement::Statement;
use super::{RequestFilter, Store};
use crate::domain::Request;
use anyhow::Result;

impl Store {
    /// A request as last committed. An id holding a NUL character names none (PostgreSQL cannot
    /// compare one, and no id has one), so it is not asked for.
    pub async fn get_request(&self, id: &str) -> Result<Option<Request>> {
        if id.contains('\0') {
            return Ok(None);
        }
        let sql = format!("select {REQUEST_COLUMNS} from requests where id = $1");
        let read = Statement::new(sql, format!("reading request {id}")).bind(id);
        let row = self.read(read).await?.into_iter().next();
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
        if let Some(since) = &filter.since {
            read.push(ts(since));
            conditions.push(format!("submitted_at >= ${}", read.params.len()));
        }
        if let Some((at, id)) = &filter.after {
            read.push(ts(at));
            read.push(id);
            let (at, id) = (read.params.len() - 1, read.params.len());
            conditions.push(format!(
                "(submitted_at > ${at} or (submitted_at = ${at} and id > ${id}))"
            ));
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
        let rows = self.read(read.bulk()).await?;
        rows.into_iter().map(request_from_row).collect()
    }

    /// The request an idempotency key gave, as last committed (a reader; the writer is not
    /// waited for).
    pub async fn request_by_idempotency_key(
        &self,
        workflow: &str,
        key: &str,
    ) -> Result<Option<Request>> {
        let rows = self.read(by_idempotency_key(workflow, key)).await?;
        first_in_workflow(rows, workflow)
    }

    /// Requests waiting for a decision, oldest first.
    pub async fn pending_requests(&self) -> Result<Vec<Request>> {
        let sql = format!(
            "select {REQUEST_COLUMNS} from requests where status = 'pending' \
             order by submitted_at, id"
        );
        let rows = self
            .read(Statement::new(sql, "listing pending requests").bulk())
            .await?;
        rows.into_iter().map(request_from_row).collect()
    }
}
