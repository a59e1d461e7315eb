//! A stand-in for a real system's REST API (QuickBooks Online, HubSpot, Procore) on a random
//! port: it serves the records of `tests/fixtures/integrations/<system>/api/` at the paths the
//! system documents, refuses a call without the bearer token it was given (401, as the real
//! APIs do), answers 404 for a record it does not hold, and keeps every call (path and query,
//! headers, body) for the test to read. A POST is answered the way QuickBooks answers a create:
//! the entity back with an id of its own, and the same answer for a repeated `requestid`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One call as received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// The path and query, as sent.
    pub target: String,
    pub headers: BTreeMap<String, String>,
    pub body: Option<Value>,
}

#[derive(Default)]
struct Api {
    /// Path (no query) → the JSON answered to a GET.
    records: BTreeMap<String, Value>,
    calls: Vec<Call>,
    /// `requestid` → the id the record it created got.
    created: BTreeMap<String, u64>,
}

#[derive(Clone)]
struct Shared {
    api: Arc<Mutex<Api>>,
    authorization: String,
}

pub struct VendorApi {
    pub base_url: String,
    shared: Shared,
}

impl VendorApi {
    /// Serves `records` (path → JSON file under `tests/fixtures/integrations/`) to callers
    /// sending `authorization`.
    pub async fn start(authorization: &str, records: &[(&str, &str)]) -> VendorApi {
        let records = records
            .iter()
            .map(|(path, file)| (path.to_string(), fixture_json(file)))
            .collect();
        let shared = Shared {
            api: Arc::new(Mutex::new(Api {
                records,
                ..Api::default()
            })),
            authorization: authorization.to_string(),
        };
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let address = super::serve::on_random_port(app).await;
        VendorApi {
            base_url: format!("http://{address}"),
            shared,
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.api.lock().unwrap().calls.clone()
    }

    /// The GETs received, path and query.
    pub fn fetched(&self) -> Vec<String> {
        let calls = self.calls().into_iter();
        calls
            .filter(|c| c.method == "GET")
            .map(|c| c.target)
            .collect()
    }
}

/// A fixture file of `tests/fixtures/integrations/`, as text.
pub fn fixture(path: &str) -> String {
    let file = format!(
        "{}/tests/fixtures/integrations/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn fixture_json(path: &str) -> Value {
    serde_json::from_str(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn answer(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let call = Call {
        method: method.to_string(),
        target: uri
            .path_and_query()
            .map_or(uri.path().to_string(), |p| p.to_string()),
        headers: headers
            .iter()
            .map(|(name, value)| {
                let value = value.to_str().unwrap_or_default().to_string();
                (name.as_str().to_string(), value)
            })
            .collect(),
        body: serde_json::from_slice(&body).ok(),
    };
    let mut api = shared.api.lock().unwrap();
    api.calls.push(call.clone());
    if call.headers.get("authorization") != Some(&shared.authorization) {
        let fault =
            json!({"fault": {"error": [{"message": "AuthenticationFailed", "code": "3200"}]}});
        return (StatusCode::UNAUTHORIZED, axum::Json(fault)).into_response();
    }
    if method == Method::POST {
        let Some(mut entity) = call.body else {
            return (StatusCode::BAD_REQUEST, "the body is not JSON").into_response();
        };
        let request_id = query_value(&uri, "requestid").unwrap_or_default();
        let next = 900 + api.created.len() as u64;
        let id = *api.created.entry(request_id).or_insert(next);
        entity["Id"] = json!(id.to_string());
        return axum::Json(json!({ "PurchaseOrder": entity })).into_response();
    }
    match api.records.get(uri.path()) {
        Some(record) => axum::Json(record.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"message": format!("no record at {}", uri.path())})),
        )
            .into_response(),
    }
}

fn query_value(uri: &Uri, name: &str) -> Option<String> {
    uri.query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| value.to_string())
    })
}
