//! A client of keel's REST API for the `api_*` tests: keel serving on a random port with a
//! bootstrap token, and calls that return the status, the headers and the JSON answer.

use super::TestDb;
use super::console::{Mode, TestServer};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The bootstrap token the tests serve with.
pub const TOKEN: &str = "api-tests-bootstrap-token-0123456789abcdef";

/// One answer of the API.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The error's `code`, or "" when the answer is not an error.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// The error's `message`, or "".
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// keel serving the REST API (demo config, core records imported) with [`TOKEN`].
pub async fn serve(db: &TestDb) -> TestServer {
    TestServer::start_with_env(db, Mode::Closed, &[("KEEL_API_TOKEN", TOKEN)]).await
}

/// `method path` with the token, extra headers and an optional JSON body.
pub async fn call(
    server: &TestServer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.base))
        .bearer_auth(TOKEN);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("calling keel");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
    }
}

pub async fn get(server: &TestServer, path: &str) -> Answer {
    call(server, Method::GET, path, &[], None).await
}

pub async fn post(
    server: &TestServer,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> Answer {
    call(server, Method::POST, path, headers, Some(body)).await
}

/// Every item of a list route, following `next_cursor` page by page (`limit` per page).
pub async fn every_page(server: &TestServer, path: &str, limit: usize) -> (Vec<Value>, usize) {
    let joiner = if path.contains('?') { '&' } else { '?' };
    let mut items = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{path}{joiner}limit={limit}");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let answer = get(server, &url).await;
        assert_eq!(answer.status, StatusCode::OK, "{url}: {}", answer.body);
        items.extend(answer.body["items"].as_array().cloned().unwrap_or_default());
        pages += 1;
        match answer.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return (items, pages),
        }
    }
}
