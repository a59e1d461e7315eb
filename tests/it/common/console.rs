//! keel serving over HTTP on a random port (the real server: routes, console, scheduler and
//! outbox deliverer), and a console session as a browser holds it: a cookie.

use super::TestDb;
use super::app::{TestApp, config_dir};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub struct TestServer {
    pub app: TestApp,
    pub base: String,
    server: Option<keel::server::Server>,
    client: reqwest::Client,
}

/// How the console lets people in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `keel demo`: anyone may be picked.
    Demo,
    /// `keel serve` with KEEL_CONSOLE_SECRET: sign-in links only.
    Links,
    /// `keel serve` without it.
    Closed,
}

pub const CONSOLE_SECRET: &str = "test-console-secret-of-some-length";

impl TestServer {
    pub async fn start(db: &TestDb, mode: Mode) -> TestServer {
        TestServer::start_with_env(db, mode, &[]).await
    }

    /// As [`TestServer::start`], with more environment variables (Slack's settings, say).
    pub async fn start_with_env(db: &TestDb, mode: Mode, extra: &[(&str, &str)]) -> TestServer {
        TestServer::start_in(db, mode, &config_dir(), extra).await
    }

    /// As [`TestServer::start_with_env`], with the configuration in `dir`.
    pub async fn start_in(
        db: &TestDb,
        mode: Mode,
        dir: &std::path::Path,
        extra: &[(&str, &str)],
    ) -> TestServer {
        let mut env: Vec<(&str, &str)> = extra.to_vec();
        if mode == Mode::Links {
            env.push(("KEEL_CONSOLE_SECRET", CONSOLE_SECRET));
        }
        let app = TestApp::start_with_env(db, dir, &env).await;
        let server = keel::server::start(app.keel.clone(), mode == Mode::Demo, "127.0.0.1:0")
            .await
            .expect("the server starts");
        TestServer {
            base: format!("http://{}", server.address),
            server: Some(server),
            app,
            client: reqwest::Client::new(),
        }
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("the server stops cleanly");
        }
    }

    /// A browser with no session.
    pub fn anonymous(&self) -> Session {
        Session {
            base: self.base.clone(),
            client: self.client.clone(),
            cookie: None,
        }
    }

    /// A browser that picked `person` (demo mode).
    pub async fn sign_in(&self, person: &str) -> Session {
        let mut session = self.anonymous();
        let response = self
            .client
            .post(format!("{}/console/api/session", self.base))
            .json(&json!({ "person": person }))
            .send()
            .await
            .expect("session request");
        assert_eq!(response.status(), StatusCode::OK, "signing in as {person}");
        session.cookie = Some(cookie_of(&response));
        session
    }
}

/// The `name=value` part of the response's Set-Cookie.
pub fn cookie_of(response: &reqwest::Response) -> String {
    let header = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .expect("ascii cookie");
    header.split(';').next().unwrap_or_default().to_string()
}

pub struct Session {
    pub base: String,
    pub client: reqwest::Client,
    pub cookie: Option<String>,
}

impl Session {
    pub fn with_cookie(&self, cookie: &str) -> Session {
        Session {
            base: self.base.clone(),
            client: self.client.clone(),
            cookie: Some(cookie.to_string()),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match &self.cookie {
            Some(cookie) => builder.header("cookie", cookie),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Types `text` in a conversation; returns the effects.
    pub async fn say(&self, conversation: &str, text: &str) -> Vec<Value> {
        let (status, body) = self
            .post(
                "/console/api/messages",
                &json!({ "conversation": conversation, "text": text }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{text}: {body}");
        effects(&body)
    }

    pub async fn submit_form(&self, form: &str, nonce: &str, values: Value) -> Vec<Value> {
        let (status, body) = self
            .post(
                "/console/api/forms",
                &json!({ "form": form, "nonce": nonce, "values": values }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{form}: {body}");
        effects(&body)
    }

    pub async fn click(&self, request_id: &str, action: &str, step: usize) -> Vec<Value> {
        let (status, body) = self
            .post(
                "/console/api/buttons",
                &json!({ "request_id": request_id, "action": action, "step": step }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action} {request_id}: {body}");
        effects(&body)
    }

    pub async fn messages(&self, conversation: &str) -> Vec<Value> {
        let path = format!(
            "/console/api/messages?conversation={}",
            conversation.replace('#', "%23").replace('@', "%40")
        );
        let (status, body) = self.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{conversation}: {body}");
        body["messages"].as_array().cloned().unwrap_or_default()
    }

    /// Waits (a few seconds at most) for a message of `conversation` that `matches`.
    pub async fn wait_for_message(
        &self,
        conversation: &str,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = self
                .messages(conversation)
                .await
                .into_iter()
                .rev()
                .find(|m| matches(m))
            {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no matching message arrived in {conversation}: {:?}",
                self.messages(conversation).await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn effects(body: &Value) -> Vec<Value> {
    body["effects"].as_array().cloned().unwrap_or_default()
}

/// The text of the reply among effects.
pub fn reply(effects: &[Value]) -> String {
    effects
        .iter()
        .find(|e| e["type"] == "reply")
        .and_then(|e| e["text"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// The opened form among effects.
pub fn opened_form(effects: &[Value]) -> Value {
    effects
        .iter()
        .find(|e| e["type"] == "open_form")
        .map(|e| e["form"].clone())
        .unwrap_or(Value::Null)
}

/// The field errors among effects, as (field, message).
pub fn form_errors(effects: &[Value]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter(|e| e["type"] == "form_errors")
        .flat_map(|e| e["errors"].as_array().cloned().unwrap_or_default())
        .map(|e| {
            (
                e["field"].as_str().unwrap_or_default().to_string(),
                e["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The request id in a reply such as "Change order CO-1001 submitted: …".
pub fn submitted_id(reply: &str) -> String {
    reply
        .split_whitespace()
        .find(|w| w.starts_with("CO-"))
        .unwrap_or_else(|| panic!("no request id in {reply:?}"))
        .to_string()
}
