//! The ready-made configs of `config/integrations/examples/` (QuickBooks Online, HubSpot,
//! Procore) end to end, on both backends: each file is loaded as shipped, only the API host
//! pointed at a stand-in ([`VendorApi`]) serving the records at the paths each system documents.
//! Each system's webhook (the documented shape; `tests/fixtures/integrations/*/SOURCES.md`) is
//! signed with its own scheme and posted to its one URL, each source takes its own kind, reads
//! it back, and the records land in keel's demo types with their values translated; QuickBooks
//! then receives the purchase order keel approves, once.

use crate::common::app::TestApp;
use crate::common::outbound::client;
use crate::common::serve::on_random_port;
use crate::common::sources::config_with_sources;
use crate::common::vendor_api::{VendorApi, fixture};
use crate::common::{TestDb, test_databases};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use keel::domain::Fields;
use keel::engine::lifecycle::Action;
use serde_json::{Value, json};

/// The hosts the examples name, each replaced by the stand-in's address.
const HOSTS: [&str; 3] = [
    "https://quickbooks.api.intuit.com",
    "https://api.hubapi.com",
    "https://api.procore.com",
];

const QBO_TOKEN: &str = "intuit-verifier-token-7c1d";
const HUBSPOT_SECRET: &str = "hubspot-client-secret-2b9e";
const PROCORE_HOOK_AUTH: &str = "Bearer procore-hook-8f3a";
/// The API token each system's records are read (and QuickBooks' written) with.
const API_AUTH: &str = "Bearer api-token-3e7f";

const ENV: [(&str, &str); 6] = [
    ("KEEL_QBO_VERIFIER_TOKEN", QBO_TOKEN),
    ("KEEL_QBO_AUTH", API_AUTH),
    ("KEEL_HUBSPOT_CLIENT_SECRET", HUBSPOT_SECRET),
    ("KEEL_HUBSPOT_AUTH", API_AUTH),
    ("KEEL_PROCORE_HOOK_AUTH", PROCORE_HOOK_AUTH),
    ("KEEL_PROCORE_AUTH", API_AUTH),
];

/// `config/integrations/examples/<system>.toml` as shipped, its API host the stand-in's.
fn example(system: &str, api: &VendorApi) -> String {
    let path = format!(
        "{}/config/integrations/examples/{system}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    HOSTS
        .iter()
        .fold(text, |text, host| text.replace(host, &api.base_url))
}

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
    async fn start(db: TestDb, system: &str, api: &VendorApi) -> Keel {
        let config = config_with_sources(&example(system, api));
        let app = TestApp::start_with_env(&db, config.path(), &ENV).await;
        let address = on_random_port(keel::http::router(app.keel.clone(), None, None, None)).await;
        Keel {
            app,
            base: format!("http://{address}"),
            db,
            _config: config,
        }
    }

    async fn post(&self, hook: &str, headers: &[(&str, String)], body: &str) -> u16 {
        let mut request = reqwest::Client::new()
            .post(format!("{}/hooks/{hook}", self.base))
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

    async fn expect(&self, hook: &str, headers: &[(&str, String)], body: &str, want: u16) {
        let got = self.post(hook, headers, body).await;
        assert_eq!(got, want, "[{}] {hook}: {headers:?}", self.db.label);
    }

    /// Deliveries queued so far, counted once per source that took them.
    async fn queued(&self) -> i64 {
        self.db.count("select count(*) from inbound_events").await
    }

    /// The dead letters, as `source: reason`.
    async fn dead_letters(&self) -> Vec<String> {
        let sql = "select source || ': ' || last_error from inbound_events where status = 'dead'";
        self.db.texts(sql).await
    }

    /// Applies what was queued; nothing may be left in dead letters.
    async fn apply(&self) {
        let report = self.app.keel.apply_inbound().await.unwrap();
        let dead = self.dead_letters().await;
        assert!(dead.is_empty(), "[{}] {report:?} {dead:#?}", self.db.label);
    }

    async fn record(&self, record_type: &str, key: &str) -> Fields {
        let found = self.app.keel.store().get_record(record_type, key).await;
        match found.unwrap() {
            Some(record) => record.fields,
            None => panic!("[{}] no {record_type} {key}", self.db.label),
        }
    }
}

/// The fields of `fields` named in `want`, for one comparison.
fn picked(fields: &Fields, want: &Value) -> Value {
    let names = want.as_object().expect("an object").keys();
    let picked = names
        .map(|name| {
            (
                name.clone(),
                fields.get(name).cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    Value::Object(picked)
}

#[tokio::test]
async fn quickbooks_vendors_orders_and_bills_flow_in_and_an_approved_order_flows_out_once() {
    for db in test_databases().await {
        let label = db.label;
        let realm = "/v3/company/9341453253281474";
        let api = VendorApi::start(
            API_AUTH,
            &[
                (
                    &format!("{realm}/vendor/56"),
                    "quickbooks/api/vendor-56.json",
                ),
                (
                    &format!("{realm}/purchaseorder/171"),
                    "quickbooks/api/purchaseorder-171.json",
                ),
                (&format!("{realm}/bill/172"), "quickbooks/api/bill-172.json"),
            ],
        )
        .await;
        let keel = Keel::start(db, "quickbooks", &api).await;
        let body = fixture("quickbooks/webhook-purchasing.json");
        let signed = [("intuit-signature", hmac_b64(QBO_TOKEN, &[&body]))];
        let forged = [("intuit-signature", hmac_b64("another-apps-token", &[&body]))];
        keel.expect("quickbooks", &forged, &body, 401).await;
        let tampered = body.replace("\"Vendor\"", "\"Bill\"");
        assert_ne!(tampered, body);
        keel.expect("quickbooks", &signed, &tampered, 401).await;
        assert_eq!(keel.queued().await, 0, "[{label}]");
        // Intuit retries a notification it got no 200 for: the same body, the same delivery,
        // queued once for each of the three sources on the hook.
        keel.expect("quickbooks", &signed, &body, 200).await;
        keel.expect("quickbooks", &signed, &body, 200).await;
        assert_eq!(keel.queued().await, 3, "[{label}]");
        keel.apply().await;

        // Each entity read back once, from its own URL; the Customer is no source's.
        let mut fetched = api.fetched();
        fetched.sort();
        assert_eq!(
            fetched,
            [
                format!("{realm}/bill/172?minorversion=75"),
                format!("{realm}/purchaseorder/171?minorversion=75"),
                format!("{realm}/vendor/56?minorversion=75"),
            ],
            "[{label}]"
        );
        // The documentation's sample names a Customer (no source's) and Vendor 1, which this
        // company's API does not hold: a dead letter saying so, nothing written.
        let sample = fixture("quickbooks/webhook.json");
        let sample_signed = [("intuit-signature", hmac_b64(QBO_TOKEN, &[&sample]))];
        keel.expect("quickbooks", &sample_signed, &sample, 200)
            .await;
        keel.app.keel.apply_inbound().await.unwrap();
        let dead = keel.dead_letters().await;
        assert_eq!(dead.len(), 1, "[{label}] {dead:#?}");
        assert!(
            dead[0].starts_with("quickbooks_vendors: ") && dead[0].contains("404"),
            "[{label}] {dead:#?}"
        );
        assert!(
            api.fetched().last().unwrap().contains("/vendor/1?"),
            "[{label}]"
        );
        let vendor = keel.record("vendor", "56").await;
        let want = json!({"name": "Northgate Lumber", "category": "general", "payment_terms_days": 30, "preferred": false});
        assert_eq!(picked(&vendor, &want), want, "[{label}]");
        let order = keel.record("purchase_order", "171").await;
        let want = json!({"vendor_id": "56", "project_id": "P001", "status": "open", "ordered_date": "2026-11-30", "promised_date": "2026-12-14", "approver_id": "S005"});
        assert_eq!(picked(&order, &want), want, "[{label}]");
        let bill = keel.record("invoice", "172").await;
        let want = json!({"po_id": "171", "project_id": "P001", "status": "paid", "due_date": "2026-12-30"});
        assert_eq!(picked(&bill, &want), want, "[{label}]");

        // Out: an order for the vendor that came from QuickBooks, approved in keel, is created
        // there with its requestid, once (a retry would carry the same id: sync_vendor_apis).
        let fields = [
            ("vendor", "56"),
            ("project", "P001"),
            ("amount", "4200.00"),
            ("promised_date", "2026-12-20"),
        ];
        let id = keel.app.submit("purchase_order", "S010", &fields).await.id;
        keel.app
            .keel
            .act(&id, "S005", Action::Approve, None)
            .await
            .unwrap();
        let quickbooks = client(&keel.app.keel, "quickbooks");
        assert_eq!(
            keel.app.keel.deliver_webhooks(&quickbooks).await.unwrap(),
            1
        );
        assert_eq!(
            keel.app.keel.deliver_webhooks(&quickbooks).await.unwrap(),
            0
        );
        let posted: Vec<_> = api
            .calls()
            .into_iter()
            .filter(|c| c.method == "POST")
            .collect();
        assert_eq!(posted.len(), 1, "[{label}] {posted:#?}");
        let call = &posted[0];
        assert!(
            call.target
                .starts_with(&format!("{realm}/purchaseorder?requestid=")),
            "[{label}] {}",
            call.target
        );
        assert_eq!(
            call.headers.get("authorization").map(String::as_str),
            Some(API_AUTH)
        );
        // The requestid is the delivery's id; nothing is signed for an API that knows keel by
        // its token.
        let id = call.headers.get("webhook-id").expect("a webhook-id");
        assert!(
            call.target.contains(&format!("requestid={id}&")),
            "[{label}] {call:?}"
        );
        assert!(
            !call.headers.contains_key("webhook-signature"),
            "[{label}] {call:?}"
        );
        let order = call.body.clone().expect("a JSON body");
        assert_eq!(
            order["VendorRef"]["value"],
            json!("56"),
            "[{label}] {order}"
        );
        assert_eq!(
            order["Line"][0]["Amount"],
            json!("4200.00"),
            "[{label}] {order}"
        );
        assert_eq!(order["DueDate"], json!("2026-12-20"), "[{label}] {order}");
        assert!(
            order.get("rule").is_none(),
            "[{label}] the bare PurchaseOrder: {order}"
        );
    }
}

#[tokio::test]
async fn hubspot_companies_and_calls_become_clients_and_touchpoints() {
    for db in test_databases().await {
        let label = db.label;
        let api = VendorApi::start(
            API_AUTH,
            &[
                (
                    "/crm/v3/objects/companies/31234567890",
                    "hubspot/api/company-31234567890.json",
                ),
                (
                    "/crm/v3/objects/calls/75019283746",
                    "hubspot/api/call-75019283746.json",
                ),
            ],
        )
        .await;
        let keel = Keel::start(db, "hubspot", &api).await;
        let url = format!("{}/hooks/hubspot", keel.base);
        let now_ms = keel.app.clock.now().timestamp_millis().to_string();
        let sign = |body: &str| {
            let signature = hmac_b64(HUBSPOT_SECRET, &["POST", &url, body, &now_ms]);
            [
                ("x-hubspot-signature-v3", signature),
                ("x-hubspot-request-timestamp", now_ms.clone()),
            ]
        };
        // The documented example (contacts) is no source's: verified, queued, skipped.
        let contacts = fixture("hubspot/webhook.json");
        keel.expect("hubspot", &sign(&contacts), &contacts, 200)
            .await;
        let body = fixture("hubspot/webhook-crm.json");
        let tampered = body.replace("customer", "lead");
        keel.expect("hubspot", &sign(&body), &tampered, 401).await;
        // Older than HubSpot's five minutes.
        let stale_ms = (keel.app.clock.now().timestamp_millis() - 6 * 60 * 1000).to_string();
        let stale = [
            (
                "x-hubspot-signature-v3",
                hmac_b64(HUBSPOT_SECRET, &["POST", &url, &body, &stale_ms]),
            ),
            ("x-hubspot-request-timestamp", stale_ms),
        ];
        keel.expect("hubspot", &stale, &body, 401).await;
        keel.expect("hubspot", &sign(&body), &body, 200).await;
        keel.expect("hubspot", &sign(&body), &body, 200).await;
        assert_eq!(
            keel.queued().await,
            3 * 2,
            "[{label}] two deliveries, three sources each"
        );
        keel.apply().await;

        // The company read once per event naming it (created, then changed), the call once,
        // the deal by no one.
        let fetched = api.fetched();
        assert_eq!(fetched.len(), 3, "[{label}] {fetched:#?}");
        assert!(fetched.iter().all(|f| !f.contains("deal")), "[{label}]");
        let client = keel.record("client", "31234567890").await;
        let want = json!({"name": "Harbor Point Clinics", "industry": "healthcare", "account_manager_id": "S046", "client_since": "2025-03-11", "status": "active"});
        assert_eq!(picked(&client, &want), want, "[{label}]");
        let call = keel.record("client_touchpoint", "75019283746").await;
        let want = json!({"client_id": "31234567890", "occurred_on": "2026-12-01", "kind": "call", "staff_id": "S046"});
        assert_eq!(picked(&call, &want), want, "[{label}]");
    }
}

#[tokio::test]
async fn procore_projects_change_orders_and_commitments_are_read_under_their_company_and_project() {
    for db in test_databases().await {
        let label = db.label;
        let api = VendorApi::start(
            API_AUTH,
            &[
                (
                    "/rest/v1.0/projects/2468013579",
                    "procore/api/project-2468013579.json",
                ),
                (
                    "/rest/v1.0/change_order_packages/640021",
                    "procore/api/change_order_package-640021.json",
                ),
                (
                    "/rest/v1.0/purchase_order_contracts/88120",
                    "procore/api/purchase_order_contract-88120.json",
                ),
            ],
        )
        .await;
        let keel = Keel::start(db, "procore", &api).await;
        let deliveries: Vec<Value> =
            serde_json::from_str(&fixture("procore/webhook-resources.json")).unwrap();
        let header = [("authorization", PROCORE_HOOK_AUTH.to_string())];
        let rfi = fixture("procore/webhook-v2.json");
        keel.expect("procore", &[], &rfi, 401).await;
        let wrong = [("authorization", "Bearer procore-hook-8f3b".to_string())];
        keel.expect("procore", &wrong, &rfi, 401).await;
        assert_eq!(keel.queued().await, 0, "[{label}]");
        // The legacy (v2.0) and the current (v4.0) formats: the event `id` is a number in one
        // and a ULID string in the other, and identifies the delivery in both. Neither is about
        // a resource a source takes.
        let v4 = fixture("procore/webhook-v4.json");
        keel.expect("procore", &header, &rfi, 200).await;
        keel.expect("procore", &header, &v4, 200).await;
        keel.expect("procore", &header, &rfi, 200).await;
        assert_eq!(keel.queued().await, 3 * 2, "[{label}]");
        for delivery in &deliveries {
            keel.expect("procore", &header, &delivery.to_string(), 200)
                .await;
            // Procore retries a delivery it got no 2xx for: the same id, applied once.
            keel.expect("procore", &header, &delivery.to_string(), 200)
                .await;
            // The project first: the change order and the commitment refer to it.
            keel.apply().await;
        }

        let calls = api.calls();
        let gets: Vec<_> = calls.iter().filter(|c| c.method == "GET").collect();
        assert_eq!(gets.len(), 3, "[{label}] {gets:#?}");
        assert!(
            gets.iter()
                .all(|c| c.headers.get("procore-company-id").map(String::as_str)
                    == Some("1357908642")),
            "[{label}] {gets:#?}"
        );
        assert_eq!(
            gets[0].target,
            "/rest/v1.0/projects/2468013579?company_id=1357908642"
        );
        assert_eq!(
            gets[1].target,
            "/rest/v1.0/change_order_packages/640021?project_id=2468013579"
        );
        let project = keel.record("project", "2468013579").await;
        let want = json!({"name": "Harbor Point Clinic Fit-Out", "status": "active", "start_date": "2026-01-12", "planned_end": "2027-02-26", "client_id": "C001"});
        assert_eq!(picked(&project, &want), want, "[{label}]");
        let change = keel.record("change_order", "640021").await;
        let want = json!({"project_id": "2468013579", "submitted_by": "S023", "status": "pending", "reason": "Added fire dampers at level 2 corridor"});
        assert_eq!(picked(&change, &want), want, "[{label}]");
        let commitment = keel.record("purchase_order", "88120").await;
        let want = json!({"vendor_id": "V001", "project_id": "2468013579", "status": "open", "promised_date": "2027-01-09"});
        assert_eq!(picked(&commitment, &want), want, "[{label}]");
    }
}
