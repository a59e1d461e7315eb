//! Console sessions and sign-in links: tokens naming a person and an expiry, signed with
//! HMAC-SHA256. The demo starts a session for whoever is picked ("be anyone"); `keel serve` only
//! accepts tokens signed with `KEEL_CONSOLE_SECRET`, and people start from a sign-in link issued
//! by `keel console-link`. Links and sessions are signed for their purpose, so a session cookie
//! is not a link that renews itself, and a session ends when the link it came from does. A
//! token whose person was changed does not verify, so nobody acts as someone else by editing a
//! cookie.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// The cookie holding the session token.
pub const COOKIE: &str = "keel_console";

/// What a token is for; part of what is signed, never of the token's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The session cookie of a signed-in browser.
    Session,
    /// A sign-in link, exchanged for a session.
    Link,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Session => "session",
            Purpose::Link => "link",
        }
    }
}

/// The key tokens are signed with.
#[derive(Clone)]
pub struct SessionKey(Hmac<Sha256>);

impl SessionKey {
    /// A key made up for this process (its sessions end when it stops).
    pub fn random() -> SessionKey {
        let mut key = Vec::with_capacity(32);
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        key.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        SessionKey::new(&key)
    }

    pub fn from_secret(secret: &SecretString) -> SessionKey {
        SessionKey::new(secret.expose_secret().as_bytes())
    }

    fn new(key: &[u8]) -> SessionKey {
        SessionKey(Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length"))
    }

    /// A token for `person` valid until `expires`: `hex(person).expiry.hex(mac)`, safe in a
    /// cookie and in a URL whatever the person's id holds.
    pub fn issue(&self, purpose: Purpose, person: &str, expires: DateTime<Utc>) -> String {
        let claim = format!("{}.{}", hex::encode(person), expires.timestamp());
        format!("{claim}.{}", hex::encode(self.mac(purpose, &claim)))
    }

    /// The person a token names and when it expires, if it was signed with this key for this
    /// purpose and has not expired.
    pub fn verify(
        &self,
        purpose: Purpose,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), SessionProblem> {
        let mut parts = token.split('.');
        let (Some(person), Some(expires), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SessionProblem::Invalid);
        };
        let signature = hex::decode(signature).map_err(|_| SessionProblem::Invalid)?;
        let mut mac = self.0.clone();
        mac.update(purpose.as_str().as_bytes());
        mac.update(b".");
        mac.update(format!("{person}.{expires}").as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| SessionProblem::Invalid)?;
        let expires = expires
            .parse()
            .ok()
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .ok_or(SessionProblem::Invalid)?;
        if expires < now {
            return Err(SessionProblem::Expired);
        }
        let person = hex::decode(person)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(SessionProblem::Invalid)?;
        Ok((person, expires))
    }

    fn mac(&self, purpose: Purpose, claim: &str) -> Vec<u8> {
        let mut mac = self.0.clone();
        mac.update(purpose.as_str().as_bytes());
        mac.update(b".");
        mac.update(claim.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionProblem {
    /// Not signed by this key for this purpose (signed before the key changed, or edited).
    Invalid,
    Expired,
}

/// The session token among a request's cookies (other cookies may hold any bytes).
pub fn token_from_cookies(header: &[u8]) -> Option<String> {
    String::from_utf8_lossy(header).split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then(|| value.to_string())
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
        let token = key.issue(Purpose::Session, "S004", now + Duration::hours(1));
        let (person, _) = key.verify(Purpose::Session, &token, now).unwrap();
        assert_eq!(person, "S004");
        assert_eq!(
            key.verify(Purpose::Session, &token, now + Duration::hours(2)),
            Err(SessionProblem::Expired)
        );
    }

    #[test]
    fn a_token_with_another_person_another_purpose_or_key_is_refused() {
        let key = SessionKey::random();
        let now = Utc::now();
        let token = key.issue(Purpose::Session, "S004", now + Duration::hours(1));
        let forged = token.replacen(&hex::encode("S004"), &hex::encode("S001"), 1);
        assert_eq!(
            key.verify(Purpose::Session, &forged, now),
            Err(SessionProblem::Invalid)
        );
        assert_eq!(
            key.verify(Purpose::Link, &token, now),
            Err(SessionProblem::Invalid)
        );
        assert_eq!(
            SessionKey::random().verify(Purpose::Session, &token, now),
            Err(SessionProblem::Invalid)
        );
        for junk in ["", "S001", "S001.1.zz", "..", "a.b.c.d", "53.notanumber.00"] {
            assert_eq!(
                key.verify(Purpose::Session, junk, now),
                Err(SessionProblem::Invalid),
                "{junk}"
            );
        }
    }

    #[test]
    fn any_person_id_survives_a_cookie_and_a_link() {
        let key = SessionKey::random();
        let now = Utc::now();
        let awkward = "ana.m; x=y&z#é";
        let token = key.issue(Purpose::Link, awkward, now + Duration::hours(1));
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'));
        assert_eq!(key.verify(Purpose::Link, &token, now).unwrap().0, awkward);
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(
            token_from_cookies("a=1; keel_console=S1.2.ab; b=\u{e9}".as_bytes()).as_deref(),
            Some("S1.2.ab")
        );
        assert_eq!(token_from_cookies(b"a=1"), None);
    }
}
