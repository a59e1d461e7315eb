//! REST API tokens (migration 0020): made, listed and revoked by `keel token`, found by the
//! hash of what a call presents. The token itself is never stored.

use super::Store;
use super::sql::{parse_opt_ts, parse_ts, ts};
use super::statement::{Row, Statement};
use crate::domain::ApiToken;
use anyhow::Result;
use chrono::{DateTime, Utc};

const COLUMNS: &str = "name, person, scopes, created_at, expires_at, revoked_at, last_used_at";

fn token_of(row: Row) -> Result<ApiToken> {
    let mut columns = row.columns();
    Ok(ApiToken {
        name: columns.text()?,
        person: columns.text()?,
        scopes: columns
            .text()?
            .split_whitespace()
            .map(String::from)
            .collect(),
        created_at: parse_ts(&columns.text()?)?,
        expires_at: parse_opt_ts(columns.opt_text()?.as_deref())?,
        revoked_at: parse_opt_ts(columns.opt_text()?.as_deref())?,
        last_used_at: parse_opt_ts(columns.opt_text()?.as_deref())?,
    })
}

impl Store {
    /// Keeps a new token under the hash of its secret; false (and nothing written) when its
    /// name is taken, by a live or a revoked token.
    pub async fn insert_api_token(&self, token: &ApiToken, secret_hash: &str) -> Result<bool> {
        let insert = Statement::new(
            "insert into api_tokens (name, person, scopes, secret_hash, created_at, expires_at) \
             values ($1, $2, $3, $4, $5, $6) on conflict (name) do nothing returning id",
            format!("keeping the API token {}", token.name),
        )
        .bind(&token.name)
        .bind(&token.person)
        .bind(token.scopes.join(" "))
        .bind(secret_hash)
        .bind(ts(&token.created_at))
        .bind(token.expires_at.as_ref().map(ts));
        let mut tx = self.begin().await?;
        let inserted = !tx.fetch(insert).await?.is_empty();
        tx.commit().await?;
        Ok(inserted)
    }

    /// Every token, oldest first.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        let read = Statement::new(
            format!("select {COLUMNS} from api_tokens order by created_at, name"),
            "listing the API tokens",
        );
        self.read(read).await?.into_iter().map(token_of).collect()
    }

    /// The token named `name`, if there is one.
    pub async fn api_token_named(&self, name: &str) -> Result<Option<ApiToken>> {
        let doing = format!("reading the API token {name}");
        self.api_token_where("name", name, doing).await
    }

    /// The token whose secret hashes to `secret_hash`, if there is one.
    pub async fn api_token_by_hash(&self, secret_hash: &str) -> Result<Option<ApiToken>> {
        let doing = "looking up the token of an API call".to_string();
        self.api_token_where("secret_hash", secret_hash, doing)
            .await
    }

    /// The token whose `column` (one of the unique ones) is `value`.
    async fn api_token_where(
        &self,
        column: &str,
        value: &str,
        doing: String,
    ) -> Result<Option<ApiToken>> {
        let sql = format!("select {COLUMNS} from api_tokens where {column} = $1");
        let rows = self.read(Statement::new(sql, doing).bind(value)).await?;
        rows.into_iter().next().map(token_of).transpose()
    }

    /// Revokes the token named `name` at `at`; a token already revoked keeps its first time.
    pub async fn revoke_api_token(&self, name: &str, at: DateTime<Utc>) -> Result<()> {
        let sql = "update api_tokens set revoked_at = $2 where name = $1 and revoked_at is null";
        self.stamp_api_token(sql, format!("revoking the API token {name}"), name, at)
            .await
    }

    /// Records a call made with the token named `name` at `at`.
    pub async fn touch_api_token(&self, name: &str, at: DateTime<Utc>) -> Result<()> {
        let sql = "update api_tokens set last_used_at = $2 where name = $1";
        let doing = format!("recording a use of the API token {name}");
        self.stamp_api_token(sql, doing, name, at).await
    }

    /// Runs `sql`, which sets one time (`$2`) of the token named `$1`, in a transaction.
    async fn stamp_api_token(
        &self,
        sql: &str,
        doing: String,
        name: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let stamp = Statement::new(sql, doing).bind(name).bind(ts(&at));
        let mut tx = self.begin().await?;
        tx.write(stamp).await?;
        tx.commit().await
    }
}
