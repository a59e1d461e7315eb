//! Who is calling the REST API and what they may do. Every route takes a [`Caller`] (an axum
//! extractor reading `Authorization: Bearer …`) and asks it for the [`Scope`] the route needs
//! before doing anything, so a route cannot forget to check and a refusal names what is
//! missing. `KEEL_API_TOKEN` is the bootstrap admin token: every scope, acting as anyone. A
//! token from `keel token create` (`keel_…`) holds its scopes and acts as its person.

use super::error::ApiError;
use crate::domain::ApiToken;
use crate::domain::api_token::TOKEN_PREFIX;
use crate::service::Keel;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use secrecy::ExposeSecret;
use std::fmt;

/// What a route needs. Written `records:read:project`, `requests:submit:expense`,
/// `requests:act`, `act-as`, `audit:read`, `people:read`, `ask`; a `*` in place of a record
/// type or workflow grants them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    RecordsRead(String),
    RecordsWrite(String),
    RequestsRead,
    RequestsSubmit(String),
    /// Acting on requests, as the token's own person.
    RequestsAct,
    /// Acting or submitting as someone other than the token's person.
    ActAs,
    AuditRead,
    PeopleRead,
    Ask,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::RecordsRead(t) => write!(f, "records:read:{t}"),
            Scope::RecordsWrite(t) => write!(f, "records:write:{t}"),
            Scope::RequestsRead => f.write_str("requests:read"),
            Scope::RequestsSubmit(w) => write!(f, "requests:submit:{w}"),
            Scope::RequestsAct => f.write_str("requests:act"),
            Scope::ActAs => f.write_str("act-as"),
            Scope::AuditRead => f.write_str("audit:read"),
            Scope::PeopleRead => f.write_str("people:read"),
            Scope::Ask => f.write_str("ask"),
        }
    }
}

/// The caller of one API request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name (`bootstrap` for `KEEL_API_TOKEN`), for logs and the audit trail.
    pub token: String,
    /// The staff id the token belongs to; `None` for the bootstrap token.
    pub person: Option<String>,
    /// `None`: every scope (the bootstrap token).
    granted: Option<Vec<Scope>>,
}

impl Caller {
    /// The bootstrap admin: every scope, acting as anyone.
    pub fn bootstrap() -> Caller {
        Caller {
            token: "bootstrap".into(),
            person: None,
            granted: None,
        }
    }

    /// Whether the caller holds `scope`.
    pub fn holds(&self, scope: &Scope) -> bool {
        match &self.granted {
            None => true,
            Some(granted) => granted.iter().any(|g| grants(g, scope)),
        }
    }

    /// Ok when the caller holds `scope`; else a 403 naming it.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.holds(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the token `{}` does not grant `{scope}`; ask an admin for a token with it \
                 (keel token create --scope {scope})",
                self.token
            )))
        }
    }

    /// Who a call acts or submits as: `asked` (a staff id or email) when given, else the
    /// token's person. Acting as anyone else needs `act-as`; the caller resolves `asked`
    /// against the directory and passes its staff id here.
    pub fn acting_as(&self, asked: Option<&str>) -> Result<String, ApiError> {
        match (asked, &self.person) {
            (Some(asked), Some(own)) if asked == own => Ok(own.clone()),
            (Some(asked), _) => {
                self.require(Scope::ActAs)?;
                Ok(asked.to_string())
            }
            (None, Some(own)) => Ok(own.clone()),
            (None, None) => Err(ApiError::BadRequest(
                "say who acts: this token belongs to no person, so the body needs \"as\"".into(),
            )),
        }
    }
}

/// Whether the granted scope `granted` covers `needed` (`*` covers every type or workflow).
fn grants(granted: &Scope, needed: &Scope) -> bool {
    let covers = |g: &str, n: &str| g == "*" || g == n;
    match (granted, needed) {
        (Scope::RecordsRead(g), Scope::RecordsRead(n))
        | (Scope::RecordsWrite(g), Scope::RecordsWrite(n))
        | (Scope::RequestsSubmit(g), Scope::RequestsSubmit(n)) => covers(g, n),
        (g, n) => g == n,
    }
}

impl Caller {
    /// The caller presenting `token`: its person and only its scopes. A stored scope that no
    /// longer reads (written by another version of keel) grants nothing.
    fn of_token(token: ApiToken) -> Caller {
        let granted = token.scopes.iter().filter_map(|s| s.parse().ok()).collect();
        Caller {
            token: token.name,
            person: Some(token.person),
            granted: Some(granted),
        }
    }
}

impl FromRequestParts<Keel> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, keel: &Keel) -> Result<Caller, ApiError> {
        let given = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if let Some(bootstrap) = &keel.config.secrets.api_token
            && constant_time_eq(given.as_bytes(), bootstrap.expose_secret().as_bytes())
        {
            return Ok(Caller::bootstrap());
        }
        // Found by the hash of what was presented: a lookup through the database's index
        // tells nothing by its timing of the token's other bytes.
        if given.starts_with(TOKEN_PREFIX) {
            return match keel.authenticate_token(given).await? {
                Ok(token) => Ok(Caller::of_token(token)),
                Err(refusal) => Err(ApiError::Unauthorized(refusal.to_string())),
            };
        }
        if given.is_empty() {
            return Err(ApiError::Unauthorized(
                "missing bearer token: send `Authorization: Bearer <token>` with a token from \
                 `keel token create` (or KEEL_API_TOKEN, the bootstrap admin token)"
                    .into(),
            ));
        }
        Err(ApiError::Unauthorized(
            "wrong bearer token: it is neither KEEL_API_TOKEN nor one from `keel token create`"
                .into(),
        ))
    }
}

pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(scopes: Vec<Scope>) -> Caller {
        Caller {
            token: "ci".into(),
            person: Some("S010".into()),
            granted: Some(scopes),
        }
    }

    #[test]
    fn a_scope_grants_its_own_type_or_every_type_with_a_star() {
        let caller = with(vec![
            Scope::RecordsRead("project".into()),
            Scope::RequestsSubmit("*".into()),
        ]);
        assert!(caller.holds(&Scope::RecordsRead("project".into())));
        assert!(!caller.holds(&Scope::RecordsRead("vendor".into())));
        assert!(!caller.holds(&Scope::RecordsWrite("project".into())));
        assert!(caller.holds(&Scope::RequestsSubmit("expense".into())));
        assert!(Caller::bootstrap().holds(&Scope::ActAs));
    }

    #[test]
    fn a_token_acts_as_its_person_unless_it_may_act_as_others() {
        let caller = with(vec![Scope::RequestsAct]);
        assert_eq!(caller.acting_as(None).ok(), Some("S010".into()));
        assert_eq!(caller.acting_as(Some("S010")).ok(), Some("S010".into()));
        assert!(caller.acting_as(Some("S001")).is_err());
        let admin = with(vec![Scope::RequestsAct, Scope::ActAs]);
        assert_eq!(admin.acting_as(Some("S001")).ok(), Some("S001".into()));
    }
}
