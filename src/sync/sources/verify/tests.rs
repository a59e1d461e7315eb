//! Known vectors, each computed apart from keel: the Standard Webhooks one is the example of the
//! specification (`whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`); the others were computed with
//! Python's `hmac`, e.g. `base64.b64encode(hmac.new(b"intuit-verifier-token",
//! b'{"eventNotifications":[]}', hashlib.sha256).digest())`.

use super::*;
use axum::http::HeaderValue;

const SPEC_KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
const SPEC_AT: i64 = 1_614_265_330;
const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
/// The same content signed with `other-key-0123456789` (a key being rotated in).
const OTHER_SIGNATURE: &str = "v1,6pQsqCLUB3R7087xIDBjSAxNiYKwglZh9jfTyUCtfoQ=";

fn verifier(scheme: Scheme, keys: &[&str]) -> Verifier {
    Verifier {
        scheme,
        keys: keys
            .iter()
            .map(|k| SecretString::from(k.to_string()))
            .collect(),
        header: Some("x-procore-token".into()),
    }
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_str(value).unwrap());
    }
    map
}

fn check(
    verifier: &Verifier,
    pairs: &[(&'static str, &str)],
    body: &[u8],
    now: i64,
) -> Result<(), SignatureProblem> {
    let headers = headers(pairs);
    let delivery = Delivery {
        method: "POST",
        uri: "https://keel.example.com/hooks/hubspot?x=1",
        headers: &headers,
        body,
    };
    verifier.verify(&delivery, now).map_err(|r| r.problem)
}

fn standard(signature: &str) -> Vec<(&'static str, String)> {
    vec![
        ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".to_string()),
        ("webhook-timestamp", SPEC_AT.to_string()),
        ("webhook-signature", signature.to_string()),
    ]
}

fn check_standard(
    keys: &[&str],
    signature: &str,
    now: i64,
    body: &[u8],
) -> Result<(), SignatureProblem> {
    let pairs = standard(signature);
    let pairs: Vec<(&'static str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    check(&verifier(Scheme::StandardWebhooks, keys), &pairs, body, now)
}

#[test]
fn standard_webhooks_accepts_the_specification_example() {
    assert_eq!(
        check_standard(&[SPEC_KEY], SPEC_SIGNATURE, SPEC_AT + 10, SPEC_BODY),
        Ok(())
    );
}

#[test]
fn standard_webhooks_refuses_a_changed_body_and_a_stale_timestamp() {
    let changed = br#"{"test": 2432232315}"#;
    assert_eq!(
        check_standard(&[SPEC_KEY], SPEC_SIGNATURE, SPEC_AT, changed),
        Err(SignatureProblem::Mismatch)
    );
    assert_eq!(
        check_standard(&[SPEC_KEY], SPEC_SIGNATURE, SPEC_AT + 301, SPEC_BODY),
        Err(SignatureProblem::Stale)
    );
    assert_eq!(
        check_standard(&[SPEC_KEY], SPEC_SIGNATURE, SPEC_AT - 301, SPEC_BODY),
        Err(SignatureProblem::Stale)
    );
}

#[test]
fn standard_webhooks_accepts_any_of_several_signatures_and_keys_while_rotating() {
    let both = format!("{OTHER_SIGNATURE} {SPEC_SIGNATURE}");
    assert_eq!(
        check_standard(&[SPEC_KEY], &both, SPEC_AT, SPEC_BODY),
        Ok(())
    );
    let rotating = [SPEC_KEY, "other-key-0123456789"];
    assert_eq!(
        check_standard(&rotating, OTHER_SIGNATURE, SPEC_AT, SPEC_BODY),
        Ok(())
    );
    assert_eq!(
        check_standard(&rotating, SPEC_SIGNATURE, SPEC_AT, SPEC_BODY),
        Ok(())
    );
    // The old key removed: what only it signed is refused.
    assert_eq!(
        check_standard(
            &["other-key-0123456789"],
            SPEC_SIGNATURE,
            SPEC_AT,
            SPEC_BODY
        ),
        Err(SignatureProblem::Mismatch)
    );
}

#[test]
fn standard_webhooks_without_its_headers_is_missing() {
    let hub = verifier(Scheme::StandardWebhooks, &[SPEC_KEY]);
    assert_eq!(
        check(&hub, &[], SPEC_BODY, SPEC_AT),
        Err(SignatureProblem::Missing)
    );
    assert_eq!(
        check_standard(&[SPEC_KEY], "v2,abc", SPEC_AT, SPEC_BODY),
        Err(SignatureProblem::Mismatch)
    );
}

#[test]
fn hubspot_v3_signs_method_uri_body_and_timestamp_within_five_minutes() {
    let hub = verifier(Scheme::HubspotV3, &["hubspot-app-secret"]);
    let body = br#"[{"objectId":42}]"#;
    let pairs = [
        (
            "x-hubspot-signature-v3",
            "U8Mqg5NFpM244cmmhX3ZB32991LNwfO5FU/209Fpowk=",
        ),
        ("x-hubspot-request-timestamp", "1700000000000"),
    ];
    assert_eq!(check(&hub, &pairs, body, 1_700_000_100), Ok(()));
    assert_eq!(
        check(&hub, &pairs, body, 1_700_000_301),
        Err(SignatureProblem::Stale)
    );
    assert_eq!(
        check(&hub, &pairs, b"[]", 1_700_000_000),
        Err(SignatureProblem::Mismatch)
    );
    let wrong = verifier(Scheme::HubspotV3, &["another-secret"]);
    assert_eq!(
        check(&wrong, &pairs, body, 1_700_000_000),
        Err(SignatureProblem::Mismatch)
    );
}

#[test]
fn quickbooks_signs_the_body_with_the_verifier_token() {
    let qb = verifier(Scheme::Quickbooks, &["intuit-verifier-token"]);
    let body = br#"{"eventNotifications":[]}"#;
    let pairs = [(
        "intuit-signature",
        "QiFZsMDK6CP9HWudqLY5Y2bjMjPlKzXhph6Q/99s8vo=",
    )];
    assert_eq!(check(&qb, &pairs, body, 0), Ok(()));
    assert_eq!(
        check(&qb, &pairs, b"{}", 0),
        Err(SignatureProblem::Mismatch)
    );
    assert_eq!(check(&qb, &[], body, 0), Err(SignatureProblem::Missing));
}

#[test]
fn xero_signs_the_intent_to_receive_body_with_the_webhook_key() {
    let xero = verifier(Scheme::Xero, &["xero-webhook-key"]);
    let body =
        br#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#;
    let pairs = [(
        "x-xero-signature",
        "Jk5oeRqkvxspr6ZqkjgzOcJkUe7yZPsZrwBHTeueGFc=",
    )];
    assert_eq!(check(&xero, &pairs, body, 0), Ok(()));
    let forged = [(
        "x-xero-signature",
        "QiFZsMDK6CP9HWudqLY5Y2bjMjPlKzXhph6Q/99s8vo=",
    )];
    assert_eq!(
        check(&xero, &forged, body, 0),
        Err(SignatureProblem::Mismatch)
    );
}

#[test]
fn jira_signs_the_body_as_sha256_hex() {
    let jira = verifier(Scheme::Jira, &["jira-secret"]);
    let body = br#"{"webhookEvent":"jira:issue_updated"}"#;
    let good = "sha256=045e45e7959be812b3226f85f3b07435f040af653499798f9dab77936c8a1c9a";
    assert_eq!(check(&jira, &[("x-hub-signature", good)], body, 0), Ok(()));
    let bad = "sha256=145e45e7959be812b3226f85f3b07435f040af653499798f9dab77936c8a1c9a";
    assert_eq!(
        check(&jira, &[("x-hub-signature", bad)], body, 0),
        Err(SignatureProblem::Mismatch)
    );
    let unprefixed = "045e45e7959be812b3226f85f3b07435f040af653499798f9dab77936c8a1c9a";
    assert_eq!(
        check(&jira, &[("x-hub-signature", unprefixed)], body, 0),
        Err(SignatureProblem::Missing)
    );
}

#[test]
fn a_static_header_must_equal_one_of_the_values() {
    let procore = verifier(Scheme::StaticHeader, &["new-value", "old-value"]);
    assert_eq!(
        check(&procore, &[("x-procore-token", "old-value")], b"{}", 0),
        Ok(())
    );
    assert_eq!(
        check(&procore, &[("x-procore-token", "new-value")], b"{}", 0),
        Ok(())
    );
    assert_eq!(
        check(&procore, &[("x-procore-token", "new-valu")], b"{}", 0),
        Err(SignatureProblem::Mismatch)
    );
    assert_eq!(
        check(&procore, &[], b"{}", 0),
        Err(SignatureProblem::Missing)
    );
}

#[test]
fn a_refusal_names_no_key() {
    let qb = verifier(Scheme::Quickbooks, &["intuit-verifier-token"]);
    let headers = headers(&[("intuit-signature", "AAAA")]);
    let delivery = Delivery {
        method: "POST",
        uri: "/",
        headers: &headers,
        body: b"{}",
    };
    let refusal = qb.verify(&delivery, 0).unwrap_err();
    assert!(
        !refusal.reason.contains("intuit-verifier-token"),
        "{}",
        refusal.reason
    );
}
