//! `POST /discord/interactions`: every request's Ed25519 signature is verified before anything
//! else (a bad or stale one gets 401 and is never processed), PING is answered with PONG, and
//! everything else within Discord's three seconds: when the work takes longer, keel answers
//! that it is on it (a deferred, private answer) and puts the real answer in its place through
//! the interaction's webhook when done ([`within_deadline`], shared with the gateway). The
//! body's size is bounded by the router ([`crate::http::MAX_BODY`]).

use super::Discord;
use super::handle::{Response, within_deadline};
use super::payload::{AUTOCOMPLETE, DiscordInteraction, PING};
use super::signature::verify;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use std::sync::Arc;

pub async fn interactions(
    State(discord): State<Arc<Discord>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(public_key) = &discord.public_key else {
        // Only mounted in http mode, which requires the key; never process unverified bodies.
        return (StatusCode::UNAUTHORIZED, "no public key to verify with").into_response();
    };
    let checked = verify(
        public_key,
        header("x-signature-timestamp"),
        header("x-signature-ed25519"),
        &body,
        chrono::Utc::now().timestamp(),
    );
    if let Err(problem) = checked {
        let why = problem.refusal("/discord/interactions");
        return (StatusCode::UNAUTHORIZED, why).into_response();
    }
    let payload = match DiscordInteraction::parse(&body) {
        Ok(payload) => payload,
        Err(why) => return (StatusCode::BAD_REQUEST, why).into_response(),
    };
    if payload.kind == PING {
        return Json(Response::Pong.to_json()).into_response();
    }
    if payload.kind == AUTOCOMPLETE {
        // Never deferred: Discord takes only choices in answer to type-ahead.
        return Json(super::autocomplete::answer(&discord, &payload).await).into_response();
    }
    Json(within_deadline(discord, payload).await.to_json()).into_response()
}
