//! The three real systems' documented webhook payloads (`tests/fixtures/integrations/*/`, each
//! folder's SOURCES.md names the page), signed with each system's own scheme and posted to
//! `POST /hooks/{source}` byte for byte: QuickBooks Online's `intuit-signature`, HubSpot's
//! `X-HubSpot-Signature-v3`, Procore's static header. Each is accepted and queued once (its
//! replay changes nothing), and refused when forged or tampered with. The records behind them
//! are not mapped here: the README's "Ready-made mappings" says why keel ships no mapping yet.

use crate::common::app::TestApp;
use crate::common::serve::on_random_port;
use crate::common::sources::config_with_sources;
use crate::common::vendor_api::fixture;
use crate::common::{TestDb, test_databases};
use base64::Engine as _;
use hmac::{Hmac, Mac};

/// The sources the documented payloads are posted to: each system's verifier and where its
/// events and delivery ids are. The fields are a test mapping onto `vendor` (a source must map
/// its record type's required fields to load); nothing here is applied.
fn sources() -> String {
    let fields = r#"fields = { vendor_id = "$.id", name = "$.name", category = "$.kind", payment_terms_days = "$.terms", preferred = "$.preferred" }"#;
    [
        r#"name = "quickbooks"
verifier = "quickbooks"
keys_from = ["KEEL_TEST_QBO_VERIFIER_TOKEN"]
events = "$.eventNotifications[0].dataChangeEvent.entities""#,
        r#"name = "hubspot"
verifier = "hubspot_v3"
keys_from = ["KEEL_TEST_HUBSPOT_CLIENT_SECRET"]
events = "$""#,
        r#"name = "procore"
verifier = "static_header"
header = "Authorization"
keys_from = ["KEEL_TEST_PROCORE_HOOK_AUTH"]
delivery_id = { path = "$.id" }"#,
    ]
    .iter()
    .map(|head| format!("\n[[source]]\n{head}\nrecord_type = \"vendor\"\n{fields}\n"))
    .collect()
}

const QBO_TOKEN: &str = "intuit-verifier-token-7c1d";
const HUBSPOT_SECRET: &str = "hubspot-client-secret-2b9e";
/// Procore sends the `destination_headers` a hook was created with (its documentation's
/// example sets `Authorization`).
const PROCORE_AUTH: &str = "Bearer procore-hook-8f3a";

const ENV: [(&str, &str); 3] = [
    ("KEEL_TEST_QBO_VERIFIER_TOKEN", QBO_TOKEN),
    ("KEEL_TEST_HUBSPOT_CLIENT_SECRET", HUBSPOT_SECRET),
    ("KEEL_TEST_PROCORE_HOOK_AUTH", PROCORE_AUTH),
];

fn hmac_b64(key: &str, parts: &[&str]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    for part in parts {
        mac.update(part.as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

struct Keel {
    app: TestApp,
    base: String,
    db: TestDb,
    _config: tempfile::TempDir,
}

impl Keel {
    async fn start(db: TestDb) -> Keel {
        let config = config_with_sources(&sources());
        let app = TestApp::start_with_env(&db, config.path(), &ENV).await;
        let address = on_random_port(keel::http::router(app.keel.clone(), None, None, None)).await;
        Keel {
            app,
            base: format!("http://{address}"),
            db,
            _config: config,
        }
    }

    async fn post(&self, source: &str, headers: &[(&str, String)], body: &str) -> u16 {
        let mut request = reqwest::Client::new()
            .post(format!("{}/hooks/{source}", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        request
            .send()
            .await
            .expect("keel answers")
            .status()
            .as_u16()
    }

    /// Posts and checks the answer's status, saying which backend and case failed.
    async fn expect(&self, source: &str, headers: &[(&str, String)], body: &str, want: u16) {
        let got = self.post(source, headers, body).await;
        assert_eq!(got, want, "[{}] {source}: {headers:?}", self.db.label);
    }

    async fn queued(&self, source: &str) -> i64 {
        let sql = format!("select count(*) from inbound_events where source = '{source}'");
        self.db.count(&sql).await
    }
}

#[tokio::test]
async fn quickbooks_documented_notification_verifies_with_intuit_signature() {
    for db in test_databases().await {
        let label = db.label;
        let keel = Keel::start(db).await;
        let body = fixture("quickbooks/webhook.json");
        let signed = [("intuit-signature", hmac_b64(QBO_TOKEN, &[&body]))];

        let forged = [("intuit-signature", hmac_b64("another-apps-token", &[&body]))];
        keel.expect("quickbooks", &forged, &body, 401).await;
        let tampered = body.replace("\"Vendor\"", "\"Bill\"");
        assert_ne!(tampered, body);
        keel.expect("quickbooks", &signed, &tampered, 401).await;
        assert_eq!(keel.queued("quickbooks").await, 0, "[{label}]");

        // Intuit retries a notification it got no 200 for: the same body, the same delivery.
        keel.expect("quickbooks", &signed, &body, 200).await;
        keel.expect("quickbooks", &signed, &body, 200).await;
        assert_eq!(keel.queued("quickbooks").await, 1, "[{label}]");
    }
}

#[tokio::test]
async fn hubspot_documented_events_verify_with_signature_v3() {
    for db in test_databases().await {
        let label = db.label;
        let keel = Keel::start(db).await;
        let body = fixture("hubspot/webhook.json");
        let url = format!("{}/hooks/hubspot", keel.base);
        let sign = |at_ms: i64| {
            let at = at_ms.to_string();
            let signature = hmac_b64(HUBSPOT_SECRET, &["POST", &url, &body, &at]);
            [
                ("x-hubspot-signature-v3", signature),
                ("x-hubspot-request-timestamp", at),
            ]
        };
        let now_ms = keel.app.clock.now().timestamp_millis();

        // Older than HubSpot's five minutes, or not the body that was signed.
        keel.expect("hubspot", &sign(now_ms - 6 * 60 * 1000), &body, 401)
            .await;
        let signed = sign(now_ms);
        let tampered = body.replace("subscriber", "customer");
        keel.expect("hubspot", &signed, &tampered, 401).await;
        assert_eq!(keel.queued("hubspot").await, 0, "[{label}]");

        keel.expect("hubspot", &signed, &body, 200).await;
        keel.expect("hubspot", &signed, &body, 200).await;
        assert_eq!(keel.queued("hubspot").await, 1, "[{label}]");
    }
}

#[tokio::test]
async fn procore_documented_payloads_verify_with_their_static_header() {
    for db in test_databases().await {
        let label = db.label;
        let keel = Keel::start(db).await;
        let v2 = fixture("procore/webhook-v2.json");
        let v4 = fixture("procore/webhook-v4.json");
        let header = |value: &str| [("authorization", value.to_string())];

        keel.expect("procore", &[], &v2, 401).await;
        keel.expect("procore", &header("Bearer procore-hook-8f3b"), &v2, 401)
            .await;
        assert_eq!(keel.queued("procore").await, 0, "[{label}]");

        // The legacy (v2.0) and the current (v4.0) payload formats: the event `id` is a number
        // in one and a ULID string in the other, and identifies the delivery in both.
        let good = header(PROCORE_AUTH);
        keel.expect("procore", &good, &v2, 200).await;
        keel.expect("procore", &good, &v4, 200).await;
        keel.expect("procore", &good, &v2, 200).await;
        assert_eq!(keel.queued("procore").await, 2, "[{label}]");
    }
}
