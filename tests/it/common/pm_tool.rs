//! A stand-in "PM tool" on a random port, the kind of system keel's inbound sources read: it
//! keeps projects, signs thin Standard Webhooks about them (`{"type": "project.updated",
//! "data": {"id": …}}`, only the id, as QuickBooks, Xero and Procore do), serves each project
//! for fetch-back (`GET /projects/{id}`, 404 for an unknown one) and a paginated list of the
//! projects changed since a time for polling (`GET /projects?updated_since=…&page=n`, two a
//! page, oldest change first). Every call needs its bearer token; each fetch-back is recorded
//! with its query and headers. A test can make it answer the
//! next calls with errors (429 with Retry-After, 5xx), or hold a list page unanswered.

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};

/// The bearer token the PM tool's API takes (keel reads it from `KEEL_TEST_PM_AUTH`).
pub const API_TOKEN: &str = "Bearer pm-api-token-5d1e";
/// The key it signs webhooks with, and one being rotated out.
pub const KEY: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const OLD_KEY: &str = "whsec_b2xkLWtleS1iZWluZy1yb3RhdGVkLW91dA==";
const PAGE_SIZE: usize = 2;

#[derive(Default)]
struct Tool {
    projects: BTreeMap<String, Value>,
    /// Statuses the next API calls answer with, first to last.
    failures: VecDeque<u16>,
    /// A list page asked for with this number is held unanswered.
    hold_page: Option<u64>,
    /// The `updated_since` and `page` of every list call.
    listed: Vec<(String, u64)>,
    fetched: usize,
    calls: Vec<FetchCall>,
}

/// One fetch-back as received, answered or not.
#[derive(Debug, Clone)]
pub struct FetchCall {
    pub id: String,
    pub query: Option<String>,
    /// Lowercase names.
    pub headers: BTreeMap<String, String>,
}

#[derive(Clone)]
pub struct PmTool {
    pub base_url: String,
    tool: Arc<Mutex<Tool>>,
}

impl PmTool {
    pub async fn start() -> PmTool {
        let tool: Arc<Mutex<Tool>> = Arc::default();
        let app = axum::Router::new()
            .route("/projects", axum::routing::get(list))
            .route("/projects/{id}", axum::routing::get(fetch))
            .with_state(tool.clone());
        let address = super::serve::on_random_port(app).await;
        PmTool {
            base_url: format!("http://{address}"),
            tool,
        }
    }

    /// Adds or replaces a project (its `updated_at` says when it changed).
    pub fn put(&self, project: Value) {
        let id = project["id"].as_str().expect("a project id").to_string();
        self.tool.lock().unwrap().projects.insert(id, project);
    }

    /// The next API calls answer with these statuses instead.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.tool.lock().unwrap().failures.extend(statuses);
    }

    /// Holds list page `page` unanswered (`None` answers it again).
    pub fn hold_page(&self, page: Option<u64>) {
        self.tool.lock().unwrap().hold_page = page;
    }

    /// The `updated_since` and page of every list call so far.
    pub fn listed(&self) -> Vec<(String, u64)> {
        self.tool.lock().unwrap().listed.clone()
    }

    /// Every fetch-back call so far.
    pub fn fetch_calls(&self) -> Vec<FetchCall> {
        self.tool.lock().unwrap().calls.clone()
    }

    /// How many fetch-back calls it answered with a project.
    pub fn fetched(&self) -> usize {
        self.tool.lock().unwrap().fetched
    }
}

/// A project as the PM tool shows it, on P001's client and people.
pub fn project(id: &str, title: &str, progress: Value, updated_at: &str) -> Value {
    json!({
        "id": id,
        "title": title,
        "client": {"id": "C001"},
        "people": {"manager": "S016", "superintendent": "S020"},
        "state": "active",
        "dates": {"start": "2026-01-05", "end": "2027-06-30"},
        "money": {"budget": "1500000.00", "contract": 1750000},
        "progress": progress,
        "updated_at": updated_at,
    })
}

/// The thin webhook saying project `id` changed.
pub fn thin_event(id: &str) -> String {
    json!({"type": "project.updated", "data": {"id": id}}).to_string()
}

/// Standard Webhooks headers for `body` as delivery `id` at `timestamp`, signed with `keys`.
pub fn signed_headers(
    id: &str,
    timestamp: i64,
    body: &str,
    keys: &[&str],
) -> Vec<(String, String)> {
    let signatures: Vec<String> = keys
        .iter()
        .map(|key| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(key.trim_start_matches("whsec_"))
                .expect("a whsec_ key");
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&bytes).expect("any key length");
            mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
            let signature = mac.finalize().into_bytes();
            format!(
                "v1,{}",
                base64::engine::general_purpose::STANDARD.encode(signature)
            )
        })
        .collect();
    vec![
        ("webhook-id".into(), id.into()),
        ("webhook-timestamp".into(), timestamp.to_string()),
        ("webhook-signature".into(), signatures.join(" ")),
    ]
}

/// Posts `body` with `headers` to keel's `/hooks/{source}`; the status and body.
pub async fn post_hook(
    base: &str,
    source: &str,
    headers: &[(String, String)],
    body: &str,
) -> (u16, String) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/hooks/{source}"))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = request.send().await.expect("keel answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// The failure to answer with, if one is queued.
fn next_failure(tool: &mut Tool) -> Option<Response> {
    let status = tool.failures.pop_front()?;
    let code = StatusCode::from_u16(status).expect("a status");
    let mut response = (code, Json(json!({"error": "stand-in failure"}))).into_response();
    if status == 429 {
        response
            .headers_mut()
            .insert("retry-after", "30".parse().unwrap());
    }
    Some(response)
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(API_TOKEN)
}

async fn fetch(
    State(tool): State<Arc<Mutex<Tool>>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut tool = tool.lock().unwrap();
    tool.calls.push(FetchCall {
        id: id.clone(),
        query,
        headers: headers
            .iter()
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
            .collect(),
    });
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if let Some(failure) = next_failure(&mut tool) {
        return failure;
    }
    match tool.projects.get(&id).cloned() {
        Some(project) => {
            tool.fetched += 1;
            Json(project).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such project"})),
        )
            .into_response(),
    }
}

async fn list(
    State(tool): State<Arc<Mutex<Tool>>>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let since = query.get("updated_since").cloned().unwrap_or_default();
    let page: u64 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let held = {
        let mut tool = tool.lock().unwrap();
        tool.listed.push((since.clone(), page));
        if let Some(failure) = next_failure(&mut tool) {
            return failure;
        }
        tool.hold_page == Some(page)
    };
    if held {
        std::future::pending::<()>().await;
    }
    let tool = tool.lock().unwrap();
    let since_at = chrono::DateTime::parse_from_rfc3339(&since).ok();
    let mut changed: Vec<&Value> = tool
        .projects
        .values()
        .filter(|p| {
            let at =
                chrono::DateTime::parse_from_rfc3339(p["updated_at"].as_str().unwrap_or("")).ok();
            since_at.is_none_or(|since| at.is_some_and(|at| at >= since))
        })
        .collect();
    changed.sort_by_key(|p| p["updated_at"].as_str().unwrap_or("").to_string());
    let start = (page.max(1) as usize - 1) * PAGE_SIZE;
    let results: Vec<&Value> = changed.into_iter().skip(start).take(PAGE_SIZE).collect();
    Json(json!({"results": results, "page": page})).into_response()
}
