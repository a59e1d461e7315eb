//! Change requests of owned records (migration 0019): the fields a non-owner proposed, filed
//! with the request that decides them, and applied once it is approved.

use super::Tx;
use super::sql::{from_json, to_json, ts};
use super::statement::Statement;
use crate::domain::Fields;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// A proposed change, as filed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedChange {
    pub record_type: String,
    pub key: String,
    pub fields: Fields,
    /// `csv import`, `api`, `source <name>`.
    pub writer: String,
}

impl Tx {
    /// Files `change` with request `request_id`, in the submission's transaction.
    pub async fn insert_record_change(
        &mut self,
        request_id: &str,
        change: &ProposedChange,
    ) -> Result<()> {
        let insert = Statement::new(
            "insert into record_change_requests (request_id, record_type, record_key, fields, \
             writer) values ($1, $2, $3, $4, $5)",
            format!("filing the change of {} {}", change.record_type, change.key),
        )
        .bind(request_id)
        .bind(&change.record_type)
        .bind(&change.key)
        .bind(to_json(&change.fields)?)
        .bind(&change.writer);
        self.write(insert).await
    }

    /// The change filed with `request_id` and not applied yet, marked applied at `at` (the
    /// caller writes it in the same transaction); `None` when there is none.
    pub async fn take_record_change(
        &mut self,
        request_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ProposedChange>> {
        let take = Statement::new(
            "update record_change_requests set applied_at = $2 \
             where request_id = $1 and applied_at is null \
             returning record_type, record_key, fields, writer",
            format!("taking the record change of {request_id}"),
        )
        .bind(request_id)
        .bind(ts(&at));
        let Some(row) = self.fetch(take).await?.into_iter().next() else {
            return Ok(None);
        };
        let mut columns = row.columns();
        Ok(Some(ProposedChange {
            record_type: columns.text()?,
            key: columns.text()?,
            fields: from_json(&columns.text()?, "proposed record fields")?,
            writer: columns.text()?,
        }))
    }
}
