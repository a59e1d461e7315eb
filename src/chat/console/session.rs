//! Console sessions: a token naming a person and an expiry, signed with HMAC-SHA256. The demo
//! hands one to whoever is picked ("be anyone"); `keel serve` only accepts tokens signed with
//! `KEEL_CONSOLE_SECRET`, issued as sign-in links by `keel console-link`. A token whose person
//! was changed does not verify, so nobody can act as someone else by editing a cookie.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// The cookie holding the session token.
pub const COOKIE: &str = "keel_console";

/// The key sessions are signed with.
#[derive(Clone)]
pub struct SessionKey(Vec<u8>);

impl SessionKey {
    /// A key made up for this process (the demo: sessions end when it stops).
    pub fn random() -> SessionKey {
        let mut key = Vec::with_capacity(32);
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        SessionKey(key)
    }

    pub fn from_secret(secret: &SecretString) -> SessionKey {
        SessionKey(secret.expose_secret().as_bytes().to_vec())
    }

    /// A token for `person` valid until `expires`.
    pub fn issue(&self, person: &str, expires: DateTime<Utc>) -> String {
        let claim = format!("{person}.{}", expires.timestamp());
        format!("{claim}.{}", hex::encode(self.mac(&claim)))
    }

    /// The person a token names, if it was signed with this key and has not expired.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<String, SessionProblem> {
        let mut parts = token.rsplitn(3, '.');
        let (Some(signature), Some(expires), Some(person)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(SessionProblem::Invalid);
        };
        let signature = hex::decode(signature).map_err(|_| SessionProblem::Invalid)?;
        let claim = format!("{person}.{expires}");
        let mut mac = self.hmac();
        mac.update(claim.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| SessionProblem::Invalid)?;
        let expires: i64 = expires.parse().map_err(|_| SessionProblem::Invalid)?;
        if expires < now.timestamp() {
            return Err(SessionProblem::Expired);
        }
        Ok(person.to_string())
    }

    fn hmac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length")
    }

    fn mac(&self, claim: &str) -> Vec<u8> {
        let mut mac = self.hmac();
        mac.update(claim.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// Why a session token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionProblem {
    /// Not signed by this key (forged, edited, or from an earlier demo run).
    Invalid,
    Expired,
}

/// The session token among a request's cookies.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_token_names_its_person_until_it_expires() {
        let key = SessionKey::random();
        let now = Utc::now();
        let token = key.issue("S004", now + Duration::hours(1));
        assert_eq!(key.verify(&token, now), Ok("S004".to_string()));
        assert_eq!(
            key.verify(&token, now + Duration::hours(2)),
            Err(SessionProblem::Expired)
        );
    }

    #[test]
    fn a_token_with_another_person_or_from_another_key_is_refused() {
        let key = SessionKey::random();
        let now = Utc::now();
        let token = key.issue("S004", now + Duration::hours(1));
        let forged = token.replacen("S004", "S001", 1);
        assert_eq!(key.verify(&forged, now), Err(SessionProblem::Invalid));
        assert_eq!(
            SessionKey::random().verify(&token, now),
            Err(SessionProblem::Invalid)
        );
        for junk in ["", "S001", "S001.1.zz", "..", "S001.notanumber.00"] {
            assert_eq!(
                key.verify(junk, now),
                Err(SessionProblem::Invalid),
                "{junk}"
            );
        }
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(
            token_from_cookies("a=1; keel_console=S1.2.ab; b=2"),
            Some("S1.2.ab")
        );
        assert_eq!(token_from_cookies("a=1"), None);
    }
}
