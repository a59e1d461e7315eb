//! Requests inside a transition's transaction: numbering, inserting, locking and writing them.
//! The reads outside a transaction are in `request_queries.rs`.

use super::batch::{Param, Statement};
use super::sql::{from_json, parse_opt_ts, parse_ts, to_json, ts};
use super::{Backend, StoreError, Tx};
use crate::domain::{Request, Status};
use anyhow::{Context, Result, anyhow};
use chrono::Utc;
use sqlx::{FromRow, Row};

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
fn bind_state(statement: Statement, request: &Request) -> Result<Statement> {
    Ok(statement
        .bind(request.requester.clone())
        .bind(to_json(&request.fields)?)
        .bind(request.status.as_str())
        .bind(i64::try_from(request.current_step).context("current_step out of range")?)
        .bind(to_json(&request.steps)?)
        .bind(request.rule.clone())
        .bind(to_json(&request.flags)?)
        .bind(ts(&request.submitted_at))
        .bind(request.decided_at.as_ref().map(ts))
        .bind(request.idempotency_key.clone())
        .bind(request.version)
        .bind(ts(&Utc::now())))
}

/// The number in an id such as `CO-1042`.
fn number_of(id: &str) -> Option<i64> {
    id.rsplit('-').next().and_then(|n| n.parse().ok())
}

/// The statement inserting `request`; `on_conflict` ends it (e.g. with `returning`).
fn insert_statement(request: &Request, on_conflict: &str) -> Result<Statement> {
    let sql = format!(
        "insert into requests (id, workflow, number, requester, fields, status, current_step, \
         steps, rule, flags, submitted_at, decided_at, idempotency_key, version, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15){on_conflict}"
    );
    let insert = Statement::new(sql, format!("inserting request {}", request.id))
        .bind(&request.id)
        .bind(&request.workflow)
        .bind(Param::Int(number_of(&request.id)));
    bind_state(insert, request)
}

/// The statement writing `request` over the stored one; `condition` follows `where id = $1`.
fn update_statement(request: &Request, condition: &str) -> Result<Statement> {
    let sql = format!(
        "update requests set requester = $2, fields = $3, status = $4, current_step = $5, \
         steps = $6, rule = $7, flags = $8, submitted_at = $9, decided_at = $10, \
         idempotency_key = $11, version = $12, updated_at = $13 where id = $1{condition}"
    );
    let update = Statement::new(sql, format!("updating request {}", request.id)).bind(&request.id);
    bind_state(update, request)
}

/// What the database says when a write's version does not follow the stored one
/// (migration 0007).
pub(super) const STALE_VERSION: &str = "keel: stale request version";

impl Tx {
    /// The next number of `workflow`, the first being `first_number`. Concurrent submitters on
    /// Postgres queue on the counter row until the holder commits, so no number is given twice; a
    /// transaction that rolls back gives its number back. SQLite's outer transaction remembers
    /// the counter once read, so later members only write it.
    pub async fn next_request_number(&mut self, workflow: &str, first_number: i64) -> Result<i64> {
        let remembered = self
            .remembered()
            .and_then(|r| r.next_numbers.get(workflow).copied());
        let number = match remembered {
            Some(number) => {
                let advance = Statement::new(
                    "update request_sequences set next_number = $2 where workflow = $1",
                    format!("advancing the request numbers of {workflow}"),
                )
                .bind(workflow)
                .bind(number + 1);
                self.write(advance).await?;
                number
            }
            None => {
                let sql = format!(
                    "insert into request_sequences (workflow, next_number) values ($1, $2 + 1) \
                     on conflict (workflow) do update \
                     set next_number = {}(request_sequences.next_number, $2) + 1 \
                     returning next_number - 1",
                    self.backend.greatest()
                );
                let take =
                    Statement::new(sql, format!("taking the next request number of {workflow}"))
                        .bind(workflow)
                        .bind(first_number);
                let rows = self.fetch(take).await?;
                rows.first()
                    .context("the request counter gave no number")?
                    .try_get(0)?
            }
        };
        if let Some(remembered) = self.remembered() {
            remembered
                .next_numbers
                .insert(workflow.to_string(), number + 1);
        }
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
        let raise = Statement::new(sql, format!("raising the request numbers of {workflow}"))
            .bind(workflow)
            .bind(number);
        self.write(raise).await?;
        if let Some(remembered) = self.remembered() {
            remembered.next_numbers.remove(workflow);
        }
        Ok(())
    }

    /// Fails with [`StoreError::Conflict`] when the id or the workflow's idempotency key is taken;
    /// the transaction stays usable then.
    pub async fn insert_request(&mut self, request: &Request) -> Result<()> {
        let insert = insert_statement(request, " on conflict do nothing returning id")?;
        if self.fetch(insert).await?.is_empty() {
            return Err(StoreError::Conflict {
                id: request.id.clone(),
            }
            .into());
        }
        Ok(())
    }

    /// Inserts a request numbered by [`Tx::next_request_number`] in this transaction, after
    /// [`Tx::find_by_idempotency_key`] found its key free in it, so only a concurrent submitter
    /// on Postgres with the same key can conflict ([`StoreError::Conflict`] then). On SQLite
    /// the transaction excludes every other writer and the insert waits in the batch; a
    /// conflict there could only come from a corrupt counter, and would fail the commit.
    pub async fn insert_numbered_request(&mut self, request: &Request) -> Result<()> {
        match self.backend {
            Backend::Postgres => self.insert_request(request).await,
            Backend::Sqlite => self.write(insert_statement(request, "")?).await,
        }
    }

    /// Writes the request as it is now, its `version` one past the stored one.
    ///
    /// A request this transaction locked ([`Tx::lock_request`]) is written without a check (on
    /// SQLite the write waits in the batch). Otherwise the version is checked against the
    /// stored one: on Postgres here, failing with [`StoreError::Stale`]; on SQLite by the
    /// database when the write goes out, so the transaction's next read or its commit fails
    /// with [`StoreError::Stale`] and the transaction is undone (drop or roll it back).
    pub async fn update_request(&mut self, request: &Request) -> Result<()> {
        let stale = || {
            StoreError::Stale {
                id: request.id.clone(),
                version: request.version,
            }
            .into()
        };
        if let Some((_, stored)) = self.locked.iter_mut().find(|(id, _)| *id == request.id) {
            if request.version <= *stored {
                return Err(stale());
            }
            *stored = request.version;
            return self.write(update_statement(request, "")?).await;
        }
        match self.backend {
            Backend::Sqlite => {
                self.write(update_statement(request, "")?).await?;
                self.unconfirmed.push((request.id.clone(), request.version));
                Ok(())
            }
            Backend::Postgres => {
                let update = update_statement(request, " and version < $12 returning id")?;
                if self.fetch(update).await?.is_empty() {
                    return Err(stale());
                }
                Ok(())
            }
        }
    }

    /// Reads a request and holds it until the transaction ends (a row lock on Postgres; SQLite's
    /// transaction already excludes other writers).
    pub async fn lock_request(&mut self, id: &str) -> Result<Option<Request>> {
        let sql = format!(
            "select {REQUEST_COLUMNS} from requests where id = $1{}",
            self.backend.for_update()
        );
        let read = Statement::new(sql, format!("locking request {id}")).bind(id);
        let Some(row) = self.fetch(read).await?.into_iter().next() else {
            return Ok(None);
        };
        let request = RequestRow::from_row(&row)?.into_request()?;
        self.locked.retain(|(locked, _)| *locked != request.id);
        self.locked.push((request.id.clone(), request.version));
        Ok(Some(request))
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
        let read = Statement::new(
            sql,
            format!("looking up idempotency key {key} of {workflow}"),
        )
        .bind(workflow)
        .bind(key);
        let Some(row) = self.fetch(read).await?.into_iter().next() else {
            return Ok(None);
        };
        RequestRow::from_row(&row)?.into_request().map(Some)
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
