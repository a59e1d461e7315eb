//! Requests inside a transition's transaction: numbering, inserting, locking and writing them.
//! The reads outside a transaction are in `request_queries.rs`.

use super::sql::{from_json, parse_opt_ts, parse_ts, to_json, ts};
use super::{StoreError, Tx};
use crate::domain::{Request, Status};
use anyhow::{Context, Result, anyhow};
use chrono::Utc;
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// The columns [`RequestRow`] reads, in a `select`.
pub(super) const REQUEST_COLUMNS: &str = "id, workflow, requester, fields, status, current_step, \
     steps, rule, flags, submitted_at, decided_at, idempotency_key, version";

#[derive(sqlx::FromRow)]
pub(super) struct RequestRow {
    id: String,
    workflow: String,
    requester: Option<String>,
    fields: String,
    status: String,
    current_step: i64,
    steps: String,
    rule: Option<String>,
    flags: String,
    submitted_at: String,
    decided_at: Option<String>,
    idempotency_key: Option<String>,
    version: i64,
}

impl RequestRow {
    pub(super) fn into_request(self) -> Result<Request> {
        Ok(Request {
            fields: from_json(&self.fields, "request fields")?,
            status: self.status.parse::<Status>().map_err(|e| anyhow!(e))?,
            steps: from_json(&self.steps, "request steps")?,
            current_step: usize::try_from(self.current_step).context("reading current_step")?,
            flags: from_json(&self.flags, "request flags")?,
            submitted_at: parse_ts(&self.submitted_at)?,
            decided_at: parse_opt_ts(self.decided_at.as_deref())?,
            id: self.id,
            workflow: self.workflow,
            requester: self.requester,
            rule: self.rule,
            idempotency_key: self.idempotency_key,
            version: self.version,
        })
    }
}

/// Binds what a transition may change in a request, in the order both `insert_request` and
/// `update_request` expect after their key columns: requester, fields, status, current_step,
/// steps, rule, flags, submitted_at, decided_at, idempotency_key, version, updated_at.
fn bind_state<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    request: &'q Request,
) -> Result<Query<'q, Any, AnyArguments<'q>>> {
    Ok(query
        .bind(&request.requester)
        .bind(to_json(&request.fields)?)
        .bind(request.status.as_str())
        .bind(i64::try_from(request.current_step).context("current_step out of range")?)
        .bind(to_json(&request.steps)?)
        .bind(&request.rule)
        .bind(to_json(&request.flags)?)
        .bind(ts(&request.submitted_at))
        .bind(request.decided_at.as_ref().map(ts))
        .bind(&request.idempotency_key)
        .bind(request.version)
        .bind(ts(&Utc::now())))
}

/// The number in an id such as `CO-1042`.
fn number_of(id: &str) -> Option<i64> {
    id.rsplit('-').next().and_then(|n| n.parse().ok())
}

impl Tx {
    /// The next number of `workflow`, the first being `first_number`. Concurrent submitters on
    /// Postgres queue on the counter row until the holder commits, so no number is given twice; a
    /// transaction that rolls back gives its number back.
    pub async fn next_request_number(&mut self, workflow: &str, first_number: i64) -> Result<i64> {
        let sql = format!(
            "insert into request_sequences (workflow, next_number) values ($1, $2 + 1) \
             on conflict (workflow) do update \
             set next_number = {}(request_sequences.next_number, $2) + 1 \
             returning next_number - 1",
            self.backend.greatest()
        );
        let (number,): (i64,) = sqlx::query_as(&sql)
            .bind(workflow)
            .bind(first_number)
            .fetch_one(self.conn().await?)
            .await
            .with_context(|| format!("taking the next request number of {workflow}"))?;
        Ok(number)
    }

    /// Makes the next number of `workflow` greater than `number` (after importing its history,
    /// so that live requests do not reuse imported ids).
    pub async fn ensure_request_number_above(&mut self, workflow: &str, number: i64) -> Result<()> {
        let sql = format!(
            "insert into request_sequences (workflow, next_number) values ($1, $2 + 1) \
             on conflict (workflow) do update \
             set next_number = {}(request_sequences.next_number, excluded.next_number)",
            self.backend.greatest()
        );
        sqlx::query(&sql)
            .bind(workflow)
            .bind(number)
            .execute(self.conn().await?)
            .await
            .with_context(|| format!("moving the request numbers of {workflow} past {number}"))?;
        Ok(())
    }

    /// Fails with [`StoreError::Conflict`] when the id or the workflow's idempotency key is taken;
    /// the transaction stays usable then.
    pub async fn insert_request(&mut self, request: &Request) -> Result<()> {
        let insert = sqlx::query(
            "insert into requests (id, workflow, number, requester, fields, status, current_step, \
             steps, rule, flags, submitted_at, decided_at, idempotency_key, version, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             on conflict do nothing",
        )
        .bind(&request.id)
        .bind(&request.workflow)
        .bind(number_of(&request.id));
        let inserted = bind_state(insert, request)?
            .execute(self.conn().await?)
            .await
            .with_context(|| format!("inserting request {}", request.id))?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                id: request.id.clone(),
            }
            .into());
        }
        Ok(())
    }

    /// Writes the request as it is now. The caller holds its lock ([`Tx::lock_request`]) and has
    /// bumped `version`; a stored version at or past it fails with [`StoreError::Stale`].
    pub async fn update_request(&mut self, request: &Request) -> Result<()> {
        let update = sqlx::query(
            "update requests set requester = $2, fields = $3, status = $4, current_step = $5, \
             steps = $6, rule = $7, flags = $8, submitted_at = $9, decided_at = $10, \
             idempotency_key = $11, version = $12, updated_at = $13 \
             where id = $1 and version < $12",
        )
        .bind(&request.id);
        let updated = bind_state(update, request)?
            .execute(self.conn().await?)
            .await
            .with_context(|| format!("updating request {}", request.id))?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::Stale {
                id: request.id.clone(),
                version: request.version,
            }
            .into());
        }
        Ok(())
    }

    /// Reads a request and holds it until the transaction ends (a row lock on Postgres; SQLite's
    /// transaction already excludes other writers).
    pub async fn lock_request(&mut self, id: &str) -> Result<Option<Request>> {
        let sql = format!(
            "select {REQUEST_COLUMNS} from requests where id = $1{}",
            self.backend.for_update()
        );
        let row: Option<RequestRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(self.conn().await?)
            .await
            .with_context(|| format!("locking request {id}"))?;
        row.map(RequestRow::into_request).transpose()
    }

    /// The request a client already submitted with this key, so a retry returns it.
    pub async fn find_by_idempotency_key(
        &mut self,
        workflow: &str,
        key: &str,
    ) -> Result<Option<Request>> {
        let sql = format!(
            "select {REQUEST_COLUMNS} from requests where workflow = $1 and idempotency_key = $2"
        );
        let row: Option<RequestRow> = sqlx::query_as(&sql)
            .bind(workflow)
            .bind(key)
            .fetch_optional(self.conn().await?)
            .await
            .with_context(|| format!("looking up idempotency key {key} of {workflow}"))?;
        row.map(RequestRow::into_request).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::number_of;

    #[test]
    fn the_number_of_a_request_is_the_part_after_the_last_dash() {
        assert_eq!(number_of("CO-1042"), Some(1042));
        assert_eq!(number_of("PTO-REQ-7"), Some(7));
        assert_eq!(number_of("odd"), None);
    }
}
