//! Signing in to the console: who the request's session cookie names, sign-in links, the demo's
//! "be anyone", and signing out.

use super::session::{COOKIE, Purpose, SessionProblem, token_from_cookies};
use super::{Access, Console, view};
use crate::domain::Person;
use crate::http::error::{ApiError, json_body};
use crate::service::{ServiceError, UserError};
use axum::Json;
use axum::extract::Request;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

type Shared = State<Arc<Console>>;

/// How long a session picked in the demo lasts.
const DEMO_SESSION_DAYS: i64 = 7;
/// Longest sign-in token or person id read from a request.
const MAX_TOKEN: usize = 1_024;

/// The person of the request's session, or why there is none.
pub(super) async fn signed_in(console: &Console, headers: &HeaderMap) -> Result<Person, ApiError> {
    if console.access == Access::Closed {
        return Err(ApiError::Forbidden(
            "The console is closed: set KEEL_CONSOLE_SECRET on the server, then sign in with a link from `keel console-link PERSON`.".into(),
        ));
    }
    let token = headers
        .get(header::COOKIE)
        .and_then(|v| token_from_cookies(v.as_bytes()))
        .ok_or_else(|| ApiError::Unauthorized(sign_in_hint(console, "You are not signed in")))?;
    let (id, _) = console
        .key
        .verify(Purpose::Session, &token, Utc::now())
        .map_err(|problem| {
            ApiError::Unauthorized(sign_in_hint(console, refused(console, problem)))
        })?;
    match console.keel.person(&id).await {
        Ok(person) if person.active => Ok(person),
        Ok(_) | Err(ServiceError::User(_)) => Err(ApiError::Unauthorized(sign_in_hint(
            console,
            &format!("{id} is not an active person in the directory"),
        ))),
        Err(internal) => Err(internal.into()),
    }
}

/// Why a session was refused, as what most likely happened: a session signed with another key
/// comes from before the key changed far more often than from an edited cookie.
fn refused(console: &Console, problem: SessionProblem) -> &'static str {
    match (problem, console.access) {
        (SessionProblem::Expired, _) => "Your session has expired",
        (SessionProblem::Invalid, Access::Demo) => {
            "Your session is no longer accepted: the demo's key changed since you picked a person (its folder was reset), or the cookie was edited"
        }
        (SessionProblem::Invalid, _) => {
            "Your session is no longer accepted: KEEL_CONSOLE_SECRET changed since you signed in, or the cookie was edited"
        }
    }
}

fn sign_in_hint(console: &Console, why: &str) -> String {
    match console.access {
        Access::Demo => format!("{why}: pick a person to continue."),
        _ => format!("{why}: open your sign-in link again, or ask an administrator for one."),
    }
}

/// Whether the browser reached keel over HTTPS: keel's public URL is `https://`, or the proxy
/// in front of it says so. A forged `X-Forwarded-Proto` only makes the cookie stricter (a
/// browser keeps a `Secure` cookie off plain HTTP), so the header needs no trusted proxy.
fn over_https(console: &Console, headers: &HeaderMap) -> bool {
    let public_https = console
        .keel
        .config
        .settings
        .server
        .public_url
        .as_deref()
        .is_some_and(|url| url.starts_with("https://"));
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    public_https || forwarded_https
}

/// The cookie of a session for `person` until `expires`; `Secure` when served over HTTPS.
fn session_cookie(
    console: &Console,
    headers: &HeaderMap,
    person: &str,
    expires: DateTime<Utc>,
) -> HeaderValue {
    let token = console.key.issue(Purpose::Session, person, expires);
    let max_age = (expires - Utc::now()).num_seconds().max(0);
    let secure = if over_https(console, headers) {
        "; Secure"
    } else {
        ""
    };
    // The token is hex and digits, always a valid header value.
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("keel_console=; Path=/; Max-Age=0"))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    token: String,
}

/// `GET /console/login?token=…`: a sign-in link starts a session that ends with the link.
pub async fn login(
    State(console): Shared,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let verified = (query.token.len() <= MAX_TOKEN && console.access != Access::Closed)
        .then(|| console.key.verify(Purpose::Link, &query.token, Utc::now()));
    match verified {
        Some(Ok((person, expires))) => {
            let mut response = Redirect::to("/console").into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&console, &headers, &person, expires),
            );
            response
        }
        _ => (
            StatusCode::UNAUTHORIZED,
            "This sign-in link is not valid or has expired. Ask an administrator for a new one (keel console-link PERSON).",
        )
            .into_response(),
    }
}

/// `GET /console/api/me`: who is signed in; a 401 also says whether the picker may be used.
pub async fn me(State(console): Shared, headers: HeaderMap) -> Response {
    match signed_in(&console, &headers).await {
        Ok(person) => Json(view::me(&console, &person)).into_response(),
        Err(ApiError::Unauthorized(message)) => (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": message, "demo": console.access == Access::Demo })),
        )
            .into_response(),
        Err(other) => other.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionBody {
    person: String,
}

/// `POST /console/api/session`: "be anyone", in the demo only.
pub async fn start_session(
    State(console): Shared,
    headers: HeaderMap,
    body: Result<Json<SessionBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    if console.access != Access::Demo {
        return Err(ApiError::Forbidden(
            "Picking a person is only possible in the demo. Open the sign-in link an administrator gave you (keel console-link PERSON).".into(),
        ));
    }
    let body = json_body(body)?;
    let who: String = body.person.trim().chars().take(MAX_TOKEN).collect();
    let person = console.keel.person(&who).await?;
    if !person.active {
        return Err(ServiceError::from(UserError::UnknownPerson(person.id)).into());
    }
    let mut response = Json(view::me(&console, &person)).into_response();
    let expires = Utc::now() + Duration::days(DEMO_SESSION_DAYS);
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&console, &headers, &person.id, expires),
    );
    Ok(response)
}

/// Refuses a state-changing request another site made the browser send (the session cookie is
/// SameSite=Strict already; this also covers browsers and proxies that do not honour it).
pub async fn same_origin(request: Request, next: Next) -> Response {
    let method = request.method();
    if method == Method::GET || method == Method::HEAD {
        return next.run(request).await;
    }
    let headers = request.headers();
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let host = headers.get(header::HOST).map(HeaderValue::as_bytes);
    let foreign_origin = headers.get(header::ORIGIN).is_some_and(|origin| {
        let origin = origin.as_bytes();
        let without_scheme = origin
            .strip_prefix(b"http://")
            .or_else(|| origin.strip_prefix(b"https://"))
            .unwrap_or(origin);
        host != Some(without_scheme)
    });
    if cross_site || foreign_origin {
        return ApiError::Forbidden(
            "This request came from another site; keel's console only accepts its own pages."
                .into(),
        )
        .into_response();
    }
    next.run(request).await
}

/// `POST /console/api/logout`: forgets the session cookie.
pub async fn logout() -> Response {
    let mut response = Json(json!({})).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("keel_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}
