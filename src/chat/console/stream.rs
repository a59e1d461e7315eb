//! Live updates: every message posted or updated that the signed-in person may see, as
//! server-sent events. A stream that falls behind gets a `resync` event (reload the
//! conversation) instead of silently missing messages; streams end when the server stops.

use super::signin::signed_in;
use super::{Console, view};
use crate::domain::Person;
use crate::http::error::ApiError;
use crate::service::ConsoleMessage;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::sync::watch;

struct Listener {
    console: Arc<Console>,
    person: Person,
    messages: Receiver<ConsoleMessage>,
    stop: watch::Receiver<bool>,
}

/// `GET /console/api/stream`.
pub async fn stream(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let person = signed_in(&console, &headers).await?;
    let listener = Listener {
        messages: console.live.subscribe(),
        stop: console.stop.clone(),
        console,
        person,
    };
    let events = futures_util::stream::unfold(listener, |mut listener| async move {
        let event = listener.next().await?;
        Some((Ok(event), listener))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}

impl Listener {
    /// The next event for this person, or `None` when the server stops.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if *self.stop.borrow() {
                return None;
            }
            let received = tokio::select! {
                changed = self.stop.changed() => {
                    // A dropped sender means the server is gone: end like at a stop.
                    if changed.is_err() {
                        return None;
                    }
                    continue;
                }
                received = self.messages.recv() => received,
            };
            match received {
                Ok(message) if self.console.visible(&self.person, &message.conversation) => {
                    let json = view::message(&self.console, &self.person, &message).await;
                    return Some(Event::default().event("message").data(json.to_string()));
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => {
                    return Some(Event::default().event("resync").data(""));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
