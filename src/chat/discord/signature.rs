//! Discord's interaction signatures: Ed25519 over the timestamp followed by the raw body, with
//! the application's public key, in `X-Signature-Ed25519` (hex) and `X-Signature-Timestamp`.
//! Discord sends badly signed requests on purpose and removes an endpoint that accepts one; a
//! request more than five minutes from now is refused too, so a captured one cannot be
//! replayed later.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

pub use crate::chat::signed::SignatureProblem;

/// The application's public key (`KEEL_DISCORD_PUBLIC_KEY`, 64 hex digits), or why not.
pub fn public_key(hex_key: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(
            "KEEL_DISCORD_PUBLIC_KEY is not 64 hex digits (the Developer Portal's Public Key)",
        )?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "KEEL_DISCORD_PUBLIC_KEY is not an Ed25519 public key".to_string())
}

/// Checks a request's signature at `now` (Unix seconds).
pub fn verify(
    key: &VerifyingKey,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureProblem> {
    let (timestamp, signature) = crate::chat::signed::fresh(timestamp, signature, now)?;
    let bytes: [u8; 64] = hex::decode(signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(SignatureProblem::Missing)?;
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    key.verify(&message, &Signature::from_bytes(&bytes))
        .map_err(|_| SignatureProblem::Mismatch)
}

/// The signature Discord would send for `body` at `timestamp` with the private key `seed`
/// (tests sign their interactions with it).
pub fn sign(seed: &[u8; 32], timestamp: &str, body: &[u8]) -> String {
    let mut message = timestamp.as_bytes().to_vec();
    message.extend_from_slice(body);
    hex::encode(SigningKey::from_bytes(seed).sign(&message).to_bytes())
}

/// The public key of the private key `seed`, as the Developer Portal shows it (hex).
pub fn public_key_of(seed: &[u8; 32]) -> String {
    hex::encode(SigningKey::from_bytes(seed).verifying_key().to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: [u8; 32] = [7; 32];
    const NOW: i64 = 1_764_000_000;

    fn key() -> VerifyingKey {
        public_key(&public_key_of(&SEED)).unwrap()
    }

    #[test]
    fn a_request_signed_with_the_applications_key_verifies() {
        let body = br#"{"type":1}"#;
        let signature = sign(&SEED, "1764000000", body);
        assert_eq!(
            verify(&key(), Some("1764000000"), Some(&signature), body, NOW),
            Ok(())
        );
    }

    #[test]
    fn forged_changed_stale_or_missing_signatures_are_refused() {
        let body = br#"{"type":1}"#;
        let forged = sign(&[9; 32], "1764000000", body);
        let check =
            |ts: &str, sig: &str, body: &[u8]| verify(&key(), Some(ts), Some(sig), body, NOW);
        assert_eq!(
            check("1764000000", &forged, body),
            Err(SignatureProblem::Mismatch)
        );
        let signed = sign(&SEED, "1764000000", body);
        assert_eq!(
            check("1764000000", &signed, br#"{"type":2}"#),
            Err(SignatureProblem::Mismatch)
        );
        let old = sign(&SEED, "1763999000", body);
        assert_eq!(
            check("1763999000", &old, body),
            Err(SignatureProblem::Stale)
        );
        assert_eq!(
            check("1764000000", "zz", body),
            Err(SignatureProblem::Missing)
        );
        assert_eq!(
            verify(&key(), None, Some(&signed), body, NOW),
            Err(SignatureProblem::Missing)
        );
        assert!(public_key("abc").is_err());
    }
}
