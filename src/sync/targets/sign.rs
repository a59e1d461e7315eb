//! Standard Webhooks signing (<https://www.standardwebhooks.com/>): the receiver recomputes
//! `base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}"))` with the secret it
//! shares with keel and compares it with one of the space-separated `v1,<signature>` entries of
//! `webhook-signature`. Several secrets give several entries, so a key can be rotated without a
//! moment where the receiver refuses keel's payloads.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of a Standard Webhooks secret; the rest is the key in base64.
pub const SECRET_PREFIX: &str = "whsec_";

/// The key in a `whsec_<base64>` secret, or why it is not one.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, String> {
    let encoded = secret.trim().strip_prefix(SECRET_PREFIX).ok_or_else(|| {
        format!("a signing secret starts with `{SECRET_PREFIX}` followed by the key in base64")
    })?;
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| format!("the part after `{SECRET_PREFIX}` is not valid base64"))?;
    if key.len() < 16 {
        return Err("the key is shorter than 16 bytes; generate 24 to 64 random bytes".into());
    }
    Ok(key)
}

/// The value of `webhook-signature` for `body` sent as `id` at `timestamp` (Unix seconds):
/// one `v1,<base64>` entry per key, separated by spaces.
pub fn signature(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &[u8]) -> String {
    keys.iter()
        .map(|key| {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(key).expect("HMAC-SHA256 takes a key of any length");
            mac.update(id.as_bytes());
            mac.update(b".");
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The three headers of a signed payload.
pub fn headers(
    keys: &[Vec<u8>],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    [
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature(keys, id, timestamp, body)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification and of Svix's libraries.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_specifications_example_signs_as_published() {
        let key = decode_secret(SPEC_SECRET).unwrap();
        assert_eq!(
            signature(&[key], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn every_key_adds_an_entry_so_keys_can_be_rotated() {
        let old = decode_secret(SPEC_SECRET).unwrap();
        let new = b"another key of enough length".to_vec();
        let both = signature(&[old, new.clone()], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        let entries: Vec<&str> = both.split(' ').collect();
        assert_eq!(entries[0], SPEC_SIGNATURE);
        assert_eq!(
            entries[1],
            signature(&[new], SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
        );
    }

    #[test]
    fn a_changed_body_id_or_timestamp_changes_the_signature() {
        let key = vec![decode_secret(SPEC_SECRET).unwrap()];
        let base = signature(&key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        assert_ne!(base, signature(&key, SPEC_ID, SPEC_TIMESTAMP, b"{}"));
        assert_ne!(
            base,
            signature(&key, "msg_other", SPEC_TIMESTAMP, SPEC_BODY)
        );
        assert_ne!(
            base,
            signature(&key, SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY)
        );
    }

    #[test]
    fn secrets_without_the_prefix_or_not_base64_are_refused() {
        assert!(decode_secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(decode_secret("whsec_not base64!").is_err());
        assert!(decode_secret("whsec_c2hvcnQ=").is_err());
    }

    #[test]
    fn headers_carry_the_id_the_timestamp_and_the_signature() {
        let key = vec![decode_secret(SPEC_SECRET).unwrap()];
        let headers = headers(&key, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);
        assert_eq!(headers[0], ("webhook-id", SPEC_ID.to_string()));
        assert_eq!(headers[1], ("webhook-timestamp", "1614265330".to_string()));
        assert_eq!(
            headers[2],
            ("webhook-signature", SPEC_SIGNATURE.to_string())
        );
    }
}
