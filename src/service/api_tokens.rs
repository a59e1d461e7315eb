//! REST API tokens: made for a person with a list of scopes (`keel token create`), listed,
//! revoked, and checked on every API call. The token is returned once, when made; keel keeps
//! only its hash, so a copy of the database gives no one a token.

use super::{Keel, ServiceError, UserError};
use crate::domain::api_token::{token_from, token_hash};
use crate::domain::{ApiToken, TokenRefusal};
use anyhow::Context as _;
use chrono::{DateTime, Utc};

/// What `keel token create` asks for; the scopes already checked against the config.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    /// A staff id or email.
    pub person: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What revoking a token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    Now(ApiToken),
    /// It was revoked before, at its `revoked_at`; nothing changed.
    Before(ApiToken),
}

/// Longest token name: it is typed on the command line and shown in refusals.
const MAX_NAME: usize = 64;

fn check_name(name: &str) -> Result<(), UserError> {
    let fits = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > MAX_NAME || !name.chars().all(fits) {
        return Err(UserError::Invalid(format!(
            "A token's name is 1 to {MAX_NAME} letters, digits, `-`, `_` or `.`, such as \
             `quickbooks-sync` (got `{}`).",
            crate::engine::form::truncate(name, 80)
        )));
    }
    Ok(())
}

impl Keel {
    /// Makes a token; returns it as stored and the token itself, which nothing can show again.
    pub async fn create_token(&self, new: NewToken) -> Result<(ApiToken, String), ServiceError> {
        check_name(&new.name)?;
        if new.scopes.is_empty() {
            return Err(UserError::Invalid(
                "Give the token at least one --scope (records:read:project, requests:act, …)."
                    .into(),
            )
            .into());
        }
        let now = self.clock.now();
        if let Some(at) = new.expires_at.filter(|at| *at <= now) {
            return Err(UserError::Invalid(format!(
                "--expires is in the past ({}): give a number of days (30d) or a later date.",
                at.format("%Y-%m-%d %H:%M UTC")
            ))
            .into());
        }
        let person = self.person(&new.person).await?;
        if !person.active {
            return Err(UserError::Invalid(format!(
                "{} ({}) is not an active member of staff: a token acts as its person, so \
                 make it for someone who is.",
                person.name, person.id
            ))
            .into());
        }
        let mut random = [0u8; 32];
        getrandom::fill(&mut random)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("reading random bytes for a token")?;
        let secret = token_from(&random);
        let token = ApiToken {
            name: new.name,
            person: person.id,
            scopes: new.scopes,
            created_at: now,
            expires_at: new.expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        if !self
            .store
            .insert_api_token(&token, &token_hash(&secret))
            .await?
        {
            return Err(UserError::Invalid(format!(
                "There is a token named `{}` already (revoked tokens keep their names, so that \
                 the list shows who held them): pick another name.",
                token.name
            ))
            .into());
        }
        Ok((token, secret))
    }

    /// Every token, oldest first, without their secrets (keel does not have them).
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>, ServiceError> {
        Ok(self.store.api_tokens().await?)
    }

    /// Revokes the token named `name`: calls with it are refused from now on.
    pub async fn revoke_token(&self, name: &str) -> Result<Revoked, ServiceError> {
        let Some(token) = self.store.api_token_named(name).await? else {
            return Err(UserError::Invalid(format!(
                "There is no token named `{}`; `keel token list` lists them.",
                crate::engine::form::truncate(name, 80)
            ))
            .into());
        };
        if token.revoked_at.is_some() {
            return Ok(Revoked::Before(token));
        }
        let now = self.clock.now();
        self.store.revoke_api_token(name, now).await?;
        Ok(Revoked::Now(ApiToken {
            revoked_at: Some(now),
            ..token
        }))
    }

    /// The token a call presents, when it is known, live and its person still active; its use
    /// is recorded (at most once a minute). A failure to record it is logged, and the call
    /// goes on: the last use is for people to read, not a check.
    pub async fn authenticate_token(
        &self,
        presented: &str,
    ) -> Result<Result<ApiToken, TokenRefusal>, ServiceError> {
        let Some(token) = self.store.api_token_by_hash(&token_hash(presented)).await? else {
            return Ok(Err(TokenRefusal::Unknown));
        };
        let now = self.clock.now();
        if let Some(refusal) = token.refusal(now) {
            return Ok(Err(refusal));
        }
        let directory = self.directory_now().await?;
        if !directory.get(&token.person).is_some_and(|p| p.active) {
            return Ok(Err(TokenRefusal::PersonGone {
                name: token.name,
                person: token.person,
            }));
        }
        if token.last_use_is_stale(now)
            && let Err(error) = self.store.touch_api_token(&token.name, now).await
        {
            tracing::warn!(token = %token.name, "recording the token's last use: {error:#}");
        }
        Ok(Ok(token))
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn a_token_name_is_short_and_plain() {
        assert!(check_name("quickbooks-sync.v2_a").is_ok());
        for bad in ["", "has space", "semi;colon", &"x".repeat(65)] {
            let told = check_name(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(told.contains("A token's name is 1 to 64"), "{bad}: {told}");
        }
    }
}
