//! A stand-in "accounting system" receiving keel's outbound webhooks on a random port, the way
//! a Standard Webhooks receiver does: it checks `webhook-signature` against its secret (any of
//! the space-separated `v1,` entries), records every attempt with its `webhook-id` and its
//! URL's query, and answers as the test tells it: accept (204), fail (500), hang, or 410 Gone.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The receiver's secret, as keel's environment holds it.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accept,
    Fail,
    /// Holds the call until [`Accounting::release`] (then accepts) or until keel gives up.
    Hang,
    Gone,
}

/// One attempt as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub body: Value,
    /// The signature matched the secret.
    pub verified: bool,
    /// An extra header keel was told to send (`x-tenant`).
    pub tenant: Option<String>,
    /// The URL's query (`requestid=…` for a target URL with `{webhook_id}`).
    pub query: Option<String>,
    /// What the stand-in answered (a hung call released late counts as accepted).
    pub answered: Answer,
}

#[derive(Clone)]
struct Shared {
    answer: Arc<Mutex<Answer>>,
    received: Arc<Mutex<Vec<Received>>>,
    released: watch::Sender<bool>,
    /// Calls being held, as they arrive.
    hanging: watch::Sender<usize>,
}

pub struct Accounting {
    pub url: String,
    shared: Shared,
}

impl Accounting {
    pub async fn start() -> Accounting {
        let shared = Shared {
            answer: Arc::new(Mutex::new(Answer::Accept)),
            received: Arc::default(),
            released: watch::channel(false).0,
            hanging: watch::channel(0).0,
        };
        let app = axum::Router::new()
            .route("/hooks/keel", axum::routing::post(receive))
            .with_state(shared.clone());
        let address = super::serve::on_random_port(app).await;
        Accounting {
            url: format!("http://{address}/hooks/keel"),
            shared,
        }
    }

    pub fn answer(&self, answer: Answer) {
        *self.shared.answer.lock().unwrap() = answer;
    }

    /// Lets every hung call (and every later one while hanging) answer 204.
    pub fn release(&self) {
        self.shared.released.send_replace(true);
    }

    /// Returns once `count` calls are being held.
    pub async fn hanging(&self, count: usize) {
        let mut hanging = self.shared.hanging.subscribe();
        let _ = hanging.wait_for(|held| *held >= count).await;
    }

    /// Every attempt, in the order received.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The payloads accepted, each id once per acceptance.
    pub fn accepted(&self) -> Vec<Received> {
        let received = self.received();
        received
            .into_iter()
            .filter(|r| r.answered == Answer::Accept)
            .collect()
    }
}

async fn receive(
    axum::extract::State(shared): axum::extract::State<Shared>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let id = header("webhook-id").unwrap_or_default();
    let timestamp = header("webhook-timestamp").unwrap_or_default();
    let signatures = header("webhook-signature").unwrap_or_default();
    let verified = verify(&id, &timestamp, &body, &signatures);
    let mut answered = *shared.answer.lock().unwrap();
    if answered == Answer::Hang {
        let mut released = shared.released.subscribe();
        shared.hanging.send_modify(|held| *held += 1);
        let _ = released.wait_for(|released| *released).await;
        answered = Answer::Accept;
    }
    shared.received.lock().unwrap().push(Received {
        id,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        verified,
        tenant: header("x-tenant"),
        query,
        answered,
    });
    match answered {
        Answer::Accept | Answer::Hang => axum::http::StatusCode::NO_CONTENT,
        Answer::Fail => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        Answer::Gone => axum::http::StatusCode::GONE,
    }
}

/// Standard Webhooks verification, written apart from keel's signing: HMAC-SHA256 of
/// `id.timestamp.body` with the secret's key, compared with each `v1,` entry.
fn verify(id: &str, timestamp: &str, body: &[u8], signatures: &str) -> bool {
    let key = STANDARD
        .decode(SECRET.trim_start_matches("whsec_"))
        .expect("the stand-in's secret is base64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    signatures
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .any(|signature| signature == expected)
}
