//! `POST /discord/interactions`: every request's Ed25519 signature is verified before anything
//! else (a bad or stale one gets 401 and is never processed), PING is answered with PONG, and
//! everything else within Discord's three seconds: when the work takes longer, keel answers
//! that it is on it (a deferred, private answer) and puts the real answer in its place through
//! the interaction's webhook when done. The body's size is bounded by the router
//! ([`crate::http::MAX_BODY`]).

use super::Discord;
use super::handle::{Response, respond};
use super::message::{EPHEMERAL, Message};
use super::payload::{AUTOCOMPLETE, DiscordInteraction, PING};
use super::signature::{SignatureProblem, verify};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// How long keel works on an interaction before deferring: inside Discord's three seconds,
/// with room for the answer's way back.
const DEFER_AFTER: Duration = Duration::from_millis(2_000);

pub async fn interactions(
    State(discord): State<Arc<Discord>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let checked = verify(
        &discord.public_key,
        header("x-signature-timestamp"),
        header("x-signature-ed25519"),
        &body,
        chrono::Utc::now().timestamp(),
    );
    if let Err(problem) = checked {
        let why = match problem {
            SignatureProblem::Missing => "missing Discord signature headers",
            SignatureProblem::Stale => "the request's timestamp is more than five minutes off",
            SignatureProblem::Mismatch => "invalid request signature",
        };
        tracing::warn!("refused a request to /discord/interactions: {why}");
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

/// The answer if it is ready in time; else a deferred answer now and the real one later.
async fn within_deadline(discord: Arc<Discord>, payload: DiscordInteraction) -> Response {
    let worker = {
        let (discord, payload) = (discord.clone(), payload.clone());
        tokio::spawn(async move { respond(&discord, &payload).await })
    };
    let mut worker = worker;
    match tokio::time::timeout(DEFER_AFTER, &mut worker).await {
        Ok(Ok(response)) => return response,
        Ok(Err(panicked)) => {
            tracing::error!("answering a Discord interaction failed: {panicked}");
            return Response::Message(Message::ephemeral(
                "Something went wrong; nothing was done.",
            ));
        }
        Err(_) => {}
    }
    tokio::spawn(async move {
        let message = match worker.await {
            Ok(Response::Message(message)) => message,
            // A modal can only be the first answer.
            Ok(_) => {
                Message::ephemeral("keel took too long to open the form: run the command again.")
            }
            Err(_) => Message::ephemeral("Something went wrong; nothing was done."),
        };
        let application = &payload.application_id;
        if let Err(failure) = discord
            .api
            .edit_original(application, &payload.token, &message)
            .await
        {
            tracing::warn!("a deferred answer to Discord was not delivered: {failure}");
        }
    });
    // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, private: "keel is thinking…".
    let deferred = json!({ "type": 5, "data": { "flags": EPHEMERAL } });
    Response::Deferred(deferred)
}
