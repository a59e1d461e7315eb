//! Slack's request signatures: `v0=` HMAC-SHA256 of `v0:{timestamp}:{body}` with the app's
//! signing secret, in `X-Slack-Signature`, with the timestamp in `X-Slack-Request-Timestamp`.
//! A request older or newer than five minutes is refused, so a captured request cannot be
//! replayed later; the comparison takes the same time whatever the signature.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub use crate::chat::signed::{SignatureProblem, WINDOW_SECONDS};

/// Checks a request's signature against the signing secret at `now` (Unix seconds).
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureProblem> {
    let (timestamp, signature) = crate::chat::signed::fresh(timestamp, signature, now)?;
    let given = signature
        .strip_prefix("v0=")
        .and_then(|hex_digits| hex::decode(hex_digits).ok())
        .ok_or(SignatureProblem::Missing)?;
    mac_of(secret, timestamp, body)
        .verify_slice(&given)
        .map_err(|_| SignatureProblem::Mismatch)
}

/// The signature Slack would send for `body` at `timestamp` (tests and load generators sign
/// their requests with it).
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let digest = mac_of(secret, timestamp, body).finalize().into_bytes();
    format!("v0={}", hex::encode(digest))
}

fn mac_of(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const NOW: i64 = 1_531_420_618;

    #[test]
    fn slacks_own_example_verifies() {
        // The example of https://api.slack.com/authentication/verifying-requests-from-slack.
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(
            verify(SECRET, Some("1531420618"), Some(signature), body, NOW),
            Ok(())
        );
        assert_eq!(sign(SECRET, "1531420618", body), signature);
    }

    #[test]
    fn a_changed_body_another_secret_or_an_old_request_is_refused() {
        let body = b"command=%2Fexpense";
        let signature = sign(SECRET, "1531420618", body);
        let check = |secret: &[u8], ts: &str, sig: &str, body: &[u8], now| {
            verify(secret, Some(ts), Some(sig), body, now)
        };
        assert_eq!(
            check(SECRET, "1531420618", &signature, b"command=%2Fpo", NOW),
            Err(SignatureProblem::Mismatch)
        );
        assert_eq!(
            check(b"another", "1531420618", &signature, body, NOW),
            Err(SignatureProblem::Mismatch)
        );
        assert_eq!(
            check(
                SECRET,
                "1531420618",
                &signature,
                body,
                NOW + WINDOW_SECONDS + 1
            ),
            Err(SignatureProblem::Stale)
        );
        assert_eq!(
            check(SECRET, "1531420618", "v1=00", body, NOW),
            Err(SignatureProblem::Missing)
        );
        assert_eq!(
            verify(SECRET, None, Some(&signature), body, NOW),
            Err(SignatureProblem::Missing)
        );
    }
}
