//! REST API tokens (`keel token …`): what keel keeps of one, and whether a call may still use
//! it. The token itself is shown once, when it is made, and kept only as its SHA-256.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use std::fmt;

/// How every token made by `keel token create` starts: it tells a token keel made from the
/// bootstrap `KEEL_API_TOKEN` an operator chose, and a leaked one is easy to search for.
pub const TOKEN_PREFIX: &str = "keel_";

/// One token as stored, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub name: String,
    /// The staff id it acts as.
    pub person: String,
    /// Its scopes as written (`records:read:project`), in the order given.
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Why a call's token is refused (HTTP 401); the `Display` is what the caller reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRefusal {
    /// No token has this hash: mistyped, or never made here.
    Unknown,
    Revoked {
        name: String,
        at: DateTime<Utc>,
    },
    Expired {
        name: String,
        at: DateTime<Utc>,
    },
    /// The token's person left the directory or is no longer active.
    PersonGone {
        name: String,
        person: String,
    },
}

impl fmt::Display for TokenRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = |at: &DateTime<Utc>| at.format("%Y-%m-%d %H:%M UTC").to_string();
        match self {
            TokenRefusal::Unknown => f.write_str(
                "this token is not one keel made (mistyped or from another keel): \
                 ask an admin for one (keel token create)",
            ),
            TokenRefusal::Revoked { name, at } => write!(
                f,
                "the token {name} was revoked on {}: ask an admin for a new one",
                day(at)
            ),
            TokenRefusal::Expired { name, at } => write!(
                f,
                "the token {name} expired on {}: ask an admin for a new one",
                day(at)
            ),
            TokenRefusal::PersonGone { name, person } => write!(
                f,
                "the token {name} acts as {person}, who is no longer an active member of \
                 staff: ask an admin for a token of someone who is"
            ),
        }
    }
}

/// How long a token's `last_used_at` may lag: calls in between do not write it, so that a
/// busy script does not make every call a write.
const LAST_USE_GRAIN: i64 = 60;

impl ApiToken {
    /// Why the token may not be used at `now`, if it may not.
    pub fn refusal(&self, now: DateTime<Utc>) -> Option<TokenRefusal> {
        if let Some(at) = self.revoked_at {
            return Some(TokenRefusal::Revoked {
                name: self.name.clone(),
                at,
            });
        }
        match self.expires_at {
            Some(at) if at <= now => Some(TokenRefusal::Expired {
                name: self.name.clone(),
                at,
            }),
            _ => None,
        }
    }

    /// Whether a call at `now` should record itself as the token's last use.
    pub fn last_use_is_stale(&self, now: DateTime<Utc>) -> bool {
        self.last_used_at
            .is_none_or(|at| now - at >= Duration::seconds(LAST_USE_GRAIN))
    }
}

/// The token for 32 random bytes: the prefix and the bytes in URL-safe base64 (no padding), so
/// that it fits a header or a shell variable as it is.
pub fn token_from(random: &[u8; 32]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random);
    format!("{TOKEN_PREFIX}{text}")
}

/// What is stored of a token and looked up when it is presented: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0)
            .single()
            .expect("a valid time")
    }

    fn token() -> ApiToken {
        ApiToken {
            name: "ci".into(),
            person: "S010".into(),
            scopes: vec!["requests:act".into()],
            created_at: at(8),
            expires_at: Some(at(12)),
            revoked_at: None,
            last_used_at: None,
        }
    }

    #[test]
    fn a_token_works_until_it_expires_and_not_after_it_is_revoked() {
        assert_eq!(token().refusal(at(11)), None);
        let expired = token().refusal(at(12));
        assert_eq!(
            expired,
            Some(TokenRefusal::Expired {
                name: "ci".into(),
                at: at(12)
            })
        );
        assert!(
            expired
                .map(|r| r.to_string())
                .unwrap_or_default()
                .contains("expired on 2026-11-23 12:00 UTC")
        );
        let revoked = ApiToken {
            revoked_at: Some(at(9)),
            ..token()
        };
        assert!(matches!(
            revoked.refusal(at(10)),
            Some(TokenRefusal::Revoked { .. })
        ));
        let forever = ApiToken {
            expires_at: None,
            ..token()
        };
        assert_eq!(forever.refusal(at(23)), None);
    }

    #[test]
    fn a_token_is_its_prefix_and_43_url_safe_characters_and_its_hash_is_hex_sha256() {
        let made = token_from(&[0xfb; 32]);
        assert!(made.starts_with("keel_"), "{made}");
        assert_eq!(made.len(), 5 + 43);
        assert!(!made.contains(['+', '/', '=']), "{made}");
        assert_ne!(token_from(&[0; 32]), made);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_last_use_is_written_at_most_once_a_minute() {
        assert!(token().last_use_is_stale(at(9)));
        let used = ApiToken {
            last_used_at: Some(at(9)),
            ..token()
        };
        assert!(!used.last_use_is_stale(at(9) + Duration::seconds(59)));
        assert!(used.last_use_is_stale(at(9) + Duration::seconds(60)));
    }
}
