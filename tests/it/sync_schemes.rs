//! Each signature scheme a source may name, verified over HTTP at `POST /hooks/{source}` and
//! applied: HubSpot v3 (method, URL, body and a millisecond timestamp), QuickBooks and Xero
//! (events in a list; Xero's intent-to-receive answered with empty bodies), Jira's
//! `sha256=` hex, Procore's static header. And the endpoint's bounds: unknown source, size.

use crate::common::app::TestApp;
use crate::common::serve::on_random_port;
use crate::common::sources::config_with_sources;
use crate::common::test_databases;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::json;

/// The five sources, each writing vendors with the same mapping: the verifier and the
/// source's own keys first (the first source's `events` is on line 8).
fn sources() -> String {
    let heads = [
        "name = \"hubspot\"\nverifier = \"hubspot_v3\"\nkeys_from = [\"KEEL_TEST_HUBSPOT_KEY\"]\nrecord_type = \"vendor\"\nevents = \"$\"",
        "name = \"quickbooks\"\nverifier = \"quickbooks\"\nkeys_from = [\"KEEL_TEST_QB_KEY\"]\nrecord_type = \"vendor\"\nevents = \"$.eventNotifications[0].dataChangeEvent.entities\"",
        "name = \"xero\"\nverifier = \"xero\"\nkeys_from = [\"KEEL_TEST_XERO_KEY\"]\nrecord_type = \"vendor\"\nevents = \"$.events\"",
        "name = \"jira\"\nverifier = \"jira\"\nkeys_from = [\"KEEL_TEST_JIRA_KEY\"]\nrecord_type = \"vendor\"\ndelivery_id = { path = \"$.timestamp\" }",
        "name = \"procore\"\nverifier = \"static_header\"\nheader = \"X-Procore-Token\"\nkeys_from = [\"KEEL_TEST_PROCORE_VALUE\"]\nrecord_type = \"vendor\"",
    ];
    let fields = "[source.fields]\nvendor_id = \"$.id\"\nname = \"$.name\"\ncategory = \"$.category\"\n\
                  payment_terms_days = \"$.terms\"\npreferred = \"$.preferred\"\n";
    heads
        .iter()
        .map(|head| format!("\n[[source]]\n{head}\n{fields}"))
        .collect()
}

const ENV: [(&str, &str); 5] = [
    ("KEEL_TEST_HUBSPOT_KEY", "hubspot-app-secret"),
    ("KEEL_TEST_QB_KEY", "intuit-verifier-token"),
    ("KEEL_TEST_XERO_KEY", "xero-webhook-key"),
    ("KEEL_TEST_JIRA_KEY", "jira-secret"),
    ("KEEL_TEST_PROCORE_VALUE", "procore-shared-value"),
];

fn vendor(id: &str) -> serde_json::Value {
    json!({"id": id, "name": format!("Vendor {id}"), "category": "steel", "terms": 30, "preferred": false})
}

fn mac(key: &str, parts: &[&str]) -> Vec<u8> {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    for part in parts {
        mac.update(part.as_bytes());
    }
    mac.finalize().into_bytes().to_vec()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

async fn post(base: &str, source: &str, headers: &[(&str, String)], body: &str) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/hooks/{source}"))
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, value.as_str());
    }
    let response = request.send().await.expect("keel answers");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

#[tokio::test]
async fn each_scheme_verifies_over_http_and_its_records_are_applied() {
    for db in test_databases().await {
        let config = config_with_sources(&sources());
        let app = TestApp::start_with_env(&db, config.path(), &ENV).await;
        let address = on_random_port(keel::http::router(app.keel.clone(), None, None, None)).await;
        let base = format!("http://{address}");
        let now_ms = (app.clock.now().timestamp() * 1000).to_string();
        let label = db.label;

        let body = json!([vendor("V950")]).to_string();
        let url = format!("{base}/hooks/hubspot");
        let good = b64(&mac("hubspot-app-secret", &["POST", &url, &body, &now_ms]));
        let bad = b64(&mac("hubspot-app-secret", &["POST", &url, "[]", &now_ms]));
        let stamp = ("x-hubspot-request-timestamp", now_ms.clone());
        assert_eq!(
            post(
                &base,
                "hubspot",
                &[("x-hubspot-signature-v3", bad), stamp.clone()],
                &body
            )
            .await
            .0,
            401,
            "[{label}]"
        );
        assert_eq!(
            post(
                &base,
                "hubspot",
                &[("x-hubspot-signature-v3", good), stamp],
                &body
            )
            .await
            .0,
            200,
            "[{label}]"
        );

        let body = json!({"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [vendor("V951")]}}]}).to_string();
        let good = b64(&mac("intuit-verifier-token", &[&body]));
        assert_eq!(
            post(
                &base,
                "quickbooks",
                &[("intuit-signature", b64(b"forged"))],
                &body
            )
            .await
            .0,
            401
        );
        assert_eq!(
            post(&base, "quickbooks", &[("intuit-signature", good)], &body)
                .await
                .0,
            200,
            "[{label}]"
        );

        // Xero's intent to receive: no events; 401 for a bad signature, 200 for a good one,
        // both with empty bodies.
        let intent = r#"{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0m3r4Nd0mt3xt"}"#;
        let (status, answer) = post(
            &base,
            "xero",
            &[("x-xero-signature", b64(b"forged"))],
            intent,
        )
        .await;
        assert_eq!((status, answer.as_str()), (401, ""), "[{label}]");
        let good = b64(&mac("xero-webhook-key", &[intent]));
        let (status, answer) = post(&base, "xero", &[("x-xero-signature", good)], intent).await;
        assert_eq!((status, answer.as_str()), (200, ""), "[{label}]");
        let body =
            json!({"events": [vendor("V952")], "firstEventSequence": 1, "lastEventSequence": 1})
                .to_string();
        let good = b64(&mac("xero-webhook-key", &[&body]));
        assert_eq!(
            post(&base, "xero", &[("x-xero-signature", good)], &body)
                .await
                .0,
            200
        );

        let mut body = vendor("V953");
        body["timestamp"] = json!(1_764_000_000_000_i64);
        let body = body.to_string();
        let good = format!("sha256={}", hex::encode(mac("jira-secret", &[&body])));
        let bad = format!("sha256={}", hex::encode(mac("other-secret", &[&body])));
        assert_eq!(
            post(&base, "jira", &[("x-hub-signature", bad)], &body)
                .await
                .0,
            401,
            "[{label}]"
        );
        assert_eq!(
            post(&base, "jira", &[("x-hub-signature", good)], &body)
                .await
                .0,
            200,
            "[{label}]"
        );

        // Procore: a static header; a 100 KiB body is within the hooks' bound (above the API's).
        let mut body = vendor("V954");
        body["padding"] = json!("x".repeat(100 * 1024));
        let body = body.to_string();
        let header = |v: &str| [("x-procore-token", v.to_string())];
        assert_eq!(
            post(&base, "procore", &header("procore-shared-valu"), &body)
                .await
                .0,
            401
        );
        assert_eq!(
            post(&base, "procore", &header("procore-shared-value"), &body)
                .await
                .0,
            200,
            "[{label}]"
        );

        let report = app.keel.apply_inbound().await.unwrap();
        assert_eq!(
            (report.applied, report.dead),
            (6, 0),
            "[{label}] {report:?}"
        );
        for id in ["V950", "V951", "V952", "V953", "V954"] {
            let record = app.keel.store().get_record("vendor", id).await.unwrap();
            assert!(record.is_some(), "[{label}] {id} applied");
        }
        assert_eq!(db.count("select count(*) from inbound_events").await, 6);

        let (status, answer) = post(&base, "nowhere", &[], "{}").await;
        assert_eq!(status, 404, "[{label}] {answer}");
        let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(1024 * 1024 + 1));
        let (status, answer) = post(&base, "procore", &header("procore-shared-value"), &huge).await;
        assert_eq!(status, 413, "[{label}]");
        assert!(answer.contains("larger than 1024 KiB"), "{answer}");
        let (status, answer) = post(
            &base,
            "procore",
            &header("procore-shared-value"),
            "not json",
        )
        .await;
        assert_eq!(status, 400, "[{label}] {answer}");
        assert_eq!(
            db.count("select count(*) from inbound_events").await,
            6,
            "[{label}] refusals queue nothing"
        );
    }
}

#[test]
fn a_source_with_an_unknown_key_or_a_missing_variable_is_refused_with_its_line() {
    let toml = sources().replacen("events = \"$\"", "events = \"$\"\nevent = \"typo\"", 1);
    let config = config_with_sources(&toml);
    let env: Vec<(String, String)> = ENV[1..]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let problems = keel::config::load_with_env(config.path(), &env).unwrap_err();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let text = text.join("\n");
    assert!(
        text.contains("sources.toml:8: unknown field `event`"),
        "{text}"
    );
    assert!(
        text.contains("sources.toml:5: the environment variable KEEL_TEST_HUBSPOT_KEY is not set"),
        "{text}"
    );
    // Sources and sync-out's [[target]] tables live side by side in one file.
    let with_target = format!(
        "{}\n[[target]]\nname = \"accounting\"\nurl = \"https://x\"\nsigning_env = [\"KEEL_TEST_TARGET_KEY\"]\n",
        sources()
    );
    let config = config_with_sources(&with_target);
    let mut env: Vec<(String, String)> = ENV
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    env.push(("KEEL_TEST_TARGET_KEY".into(), key.into()));
    let loaded = keel::config::load_with_env(config.path(), &env).expect("loads");
    assert_eq!(loaded.sources.len(), 5);
    assert_eq!(loaded.outbound.targets.len(), 1);
}
