//! Requests inside a transition's transaction: numbering, inserting, locking and writing them.
//! The reads outside a transaction are in `request_queries.rs`.

use super::anomaly::Sampled;
use super::anomaly_window::parse_value;
use super::anomaly_windows::Sample;
use super::sql::{from_json, parse_opt_ts, parse_ts, to_json, ts};
use super::statement::{Param, Row, Statement};
use super::{Backend, StoreError, Tx};
use crate::domain::{Request, Status};
use anyhow::{Context, Result, anyhow};
use chrono::Utc;

/// The columns [`request_from_row`] reads, in a `select`.
pub(super) const REQUEST_COLUMNS: &str = "id, workflow, requester, fields, status, current_step, \
     steps, rule, flags, submitted_at, decided_at, idempotency_key, idempotency_fingerprint, \
     version";

/// A request from a row of [`REQUEST_COLUMNS`].
pub(super) fn request_from_row(row: Row) -> Result<Request> {
    let mut columns = row.columns();
    let id = columns.text()?;
    let workflow = columns.text()?;
    let requester = columns.opt_text()?;
    let fields = columns.text()?;
    let status = columns.text()?;
    let current_step = columns.int()?;
    let steps = columns.text()?;
    let rule = columns.opt_text()?;
    let flags = columns.text()?;
    let submitted_at = columns.text()?;
    let decided_at = columns.opt_text()?;
    let idempotency_key = columns.opt_text()?;
    let idempotency_fingerprint = columns.opt_text()?;
    let version = columns.int()?;
    Ok(Request {
        fields: from_json(&fields, "request fields")?,
        status: status.parse::<Status>().map_err(|e| anyhow!(e))?,
        steps: from_json(&steps, "request steps")?,
        current_step: usize::try_from(current_step).context("reading current_step")?,
        flags: from_json(&flags, "request flags")?,
        submitted_at: parse_ts(&submitted_at)?,
        decided_at: parse_opt_ts(decided_at.as_deref())?,
        id,
        workflow,
        requester,
        rule,
        idempotency_key,
        idempotency_fingerprint,
        version,
    })
}

/// Whether later requests are compared with a request in `status` (the anomaly history
/// leaves out cancelled and auto-rejected ones, see [`super::Store::anomaly_history`]).
fn counts_in_history(status: Status) -> bool {
    !matches!(status, Status::Cancelled | Status::AutoRejected)
}

/// The number in an id such as `CO-1042`.
fn number_of(id: &str) -> Option<i64> {
    id.rsplit('-').next().and_then(|n| n.parse().ok())
}

/// The statement inserting `request`, with its anomaly values when its workflow has a check;
/// `on_conflict` ends it (e.g. with `returning`).
fn insert_statement(
    request: &Request,
    sampled: Option<&Sampled>,
    backend: Backend,
    on_conflict: &str,
) -> Result<Statement> {
    let (group, value) = match sampled {
        Some(sampled) => sampled.expressions(backend, "$5")?,
        None => ("null".to_string(), "null".to_string()),
    };
    let sql = format!(
        "insert into requests (id, workflow, number, requester, fields, status, current_step, \
         steps, rule, flags, submitted_at, decided_at, idempotency_key, version, updated_at, \
         idempotency_fingerprint, anomaly_group, anomaly_value) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         {group}, {value}){on_conflict}"
    );
    Ok(
        Statement::new(sql, format!("inserting request {}", request.id))
            .bind(&request.id)
            .bind(&request.workflow)
            .bind(Param::Int(number_of(&request.id)))
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
            .bind(ts(&Utc::now()))
            .bind(request.idempotency_fingerprint.clone()),
    )
}

/// The statement writing what a transition changes in `request` over the stored one, when
/// that is older, returning its id. Its form, requester, rule and flags are fixed when it is
/// submitted, and are left alone (so are the indexes on them).
fn update_statement(request: &Request) -> Result<Statement> {
    let sql = "update requests set status = $2, current_step = $3, steps = $4, decided_at = $5, \
               version = $6, updated_at = $7 where id = $1 and version < $6 returning id";
    Ok(
        Statement::new(sql, format!("updating request {}", request.id))
            .bind(&request.id)
            .bind(request.status.as_str())
            .bind(i64::try_from(request.current_step).context("current_step out of range")?)
            .bind(to_json(&request.steps)?)
            .bind(request.decided_at.as_ref().map(ts))
            .bind(request.version)
            .bind(ts(&Utc::now())),
    )
}

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
                let row = self.fetch(take).await?.into_iter().next();
                row.context("the request counter gave no number")?
                    .columns()
                    .int()?
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
        let sampled = self
            .sampled
            .read()
            .ok()
            .and_then(|sampled| sampled.get(&request.workflow).cloned());
        let insert = insert_statement(
            request,
            sampled.as_ref(),
            self.backend,
            " on conflict do nothing returning id, anomaly_group, anomaly_value",
        )?;
        let Some(row) = self.fetch(insert).await?.into_iter().next() else {
            return Err(StoreError::Conflict {
                id: request.id.clone(),
            }
            .into());
        };
        if sampled.is_some() && counts_in_history(request.status) {
            let mut columns = row.columns();
            columns.text()?;
            let group = columns.opt_text()?;
            if let Some(value) = columns.opt_text()? {
                self.window_changes.add(Sample {
                    id: request.id.clone(),
                    workflow: request.workflow.clone(),
                    group,
                    submitted_at: request.submitted_at.timestamp_micros(),
                    value: parse_value(&value),
                });
            }
        }
        Ok(())
    }

    /// Writes the request as it is now, its `version` one past the stored one (the database
    /// refuses any other step, migration 0007). A stored version at or past this one (someone
    /// moved the request since it was read) fails with [`StoreError::Stale`], and the
    /// transaction stays usable.
    pub async fn update_request(&mut self, request: &Request) -> Result<()> {
        if self.fetch(update_statement(request)?).await?.is_empty() {
            return Err(StoreError::Stale {
                id: request.id.clone(),
                version: request.version,
            }
            .into());
        }
        // Its value leaves the history: the windows holding it are read again.
        let sampled = self
            .sampled
            .read()
            .is_ok_and(|sampled| sampled.contains_key(&request.workflow));
        if sampled && !counts_in_history(request.status) {
            self.window_changes.reload(&request.workflow);
        }
        Ok(())
    }

    /// Reads a request and holds it until the transaction ends (a row lock on Postgres; SQLite's
    /// transaction already excludes other writers). An id holding a NUL character names none
    /// (see [`super::Store::get_request`]).
    pub async fn lock_request(&mut self, id: &str) -> Result<Option<Request>> {
        if id.contains('\0') {
            return Ok(None);
        }
        let sql = format!(
            "select {REQUEST_COLUMNS} from requests where id = $1{}",
            self.backend.for_update()
        );
        let read = Statement::new(sql, format!("locking request {id}")).bind(id);
        let Some(row) = self.fetch(read).await?.into_iter().next() else {
            return Ok(None);
        };
        request_from_row(row).map(Some)
    }

    /// The request a client already submitted with this key (see [`by_idempotency_key`]), so
    /// that a retry returns it.
    pub async fn find_by_idempotency_key(
        &mut self,
        workflow: &str,
        key: &str,
    ) -> Result<Option<Request>> {
        let rows = self.fetch(by_idempotency_key(workflow, key)).await?;
        first_in_workflow(rows, workflow)
    }
}

/// The requests an idempotency key gave: in `workflow`, or in any workflow when it was given
/// with a fingerprint (a key is then one request across workflows, migration 0012; keys from
/// before are one per workflow).
pub(super) fn by_idempotency_key(workflow: &str, key: &str) -> Statement {
    let sql = format!(
        "select {REQUEST_COLUMNS} from requests where workflow = $1 and idempotency_key = $2 \
         union all \
         select {REQUEST_COLUMNS} from requests where idempotency_key = $2 \
         and idempotency_fingerprint is not null and workflow <> $1"
    );
    Statement::new(
        sql,
        format!("looking up idempotency key {key} of {workflow}"),
    )
    .bind(workflow)
    .bind(key)
}

/// Of the rows [`by_idempotency_key`] read, the request in `workflow` if there is one.
pub(super) fn first_in_workflow(rows: Vec<Row>, workflow: &str) -> Result<Option<Request>> {
    let mut found: Option<Request> = None;
    for row in rows {
        let request = request_from_row(row)?;
        if found.is_none() || request.workflow == workflow {
            found = Some(request);
        }
    }
    Ok(found)
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
