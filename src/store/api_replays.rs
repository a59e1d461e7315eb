//! The answers kept for `Idempotency-Key` replays of REST API POSTs.

use super::Store;
use super::sql::ts;
use super::statement::Statement;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

/// An answer given once, to give again.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptAnswer {
    /// What the request that got it hashed to.
    pub fingerprint: String,
    pub status: u16,
    pub body: String,
}

impl Store {
    /// The answer kept for `key` of the token `token`.
    pub async fn kept_answer(&self, token: &str, key: &str) -> Result<Option<KeptAnswer>> {
        let read = Statement::new(
            "select fingerprint, status, body from api_replays where token = $1 and key = $2",
            "reading a kept API answer",
        )
        .bind(token)
        .bind(key);
        let Some(row) = self.read(read).await?.into_iter().next() else {
            return Ok(None);
        };
        let mut columns = row.columns();
        Ok(Some(KeptAnswer {
            fingerprint: columns.text()?,
            status: u16::try_from(columns.int()?).context("a kept answer's status")?,
            body: columns.text()?,
        }))
    }

    /// Keeps `answer` for `key` of `token`; the first answer kept for a key stays.
    pub async fn keep_answer(
        &self,
        token: &str,
        key: &str,
        answer: &KeptAnswer,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let insert = Statement::new(
            "insert into api_replays (token, key, fingerprint, status, body, created_at) \
             values ($1, $2, $3, $4, $5, $6) on conflict (token, key) do nothing",
            "keeping an API answer for its idempotency key",
        )
        .bind(token)
        .bind(key)
        .bind(&answer.fingerprint)
        .bind(i64::from(answer.status))
        .bind(&answer.body)
        .bind(ts(&at));
        let mut tx = self.begin().await?;
        tx.write(insert).await?;
        tx.commit().await
    }
}
