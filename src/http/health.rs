//! `GET /healthz` and `GET /readyz`. Liveness: the process answers HTTP, so restarting it would
//! not help (a database that takes no writes is no reason to restart keel). Readiness: keel can
//! do its work, which is writing to its database and delivering what it owes; a check that
//! answered "ok" while every write failed (a full disk) would keep a broken keel in service.

use crate::service::Keel;
use crate::store::PlatformOutbox;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::time::Duration;

/// How long the check's write may take; longer is reported as a failure (SQLite waits up to
/// five seconds for another process's lock, PostgreSQL for a connection).
const PROBE_SECONDS: u64 = 3;

/// `GET /healthz`: 200 `ok` while the process serves HTTP.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: 200 `ok` when a write commits within [`PROBE_SECONDS`] and no pending
/// notification has waited longer than `server.ready_outbox_lag_seconds`; otherwise 503 with
/// the reasons as JSON (`{"status": "unavailable", "error": "…"}`), causes logged at most once
/// a minute.
pub async fn readyz(State(keel): State<Keel>) -> Response {
    let mut reasons = Vec::new();
    if let Some(reason) = cannot_write(&keel).await {
        reasons.push(reason);
    }
    match keel.store().outbox_by_platform().await {
        Ok(outbox) => {
            let limit = keel.config.settings.server.ready_outbox_lag_seconds;
            reasons.extend(outbox_behind(&outbox, keel.clock.now(), limit));
        }
        Err(error) => {
            crate::log_limit::error("the readiness check's outbox read failed", &error);
            reasons.push(format!(
                "keel cannot read its outbox: {}",
                error.root_cause()
            ));
        }
    }
    if reasons.is_empty() {
        return "ok".into_response();
    }
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "error": reasons.join("; ") })),
    )
        .into_response()
}

/// Why a write to the database failed, or `None` when it committed in time.
async fn cannot_write(keel: &Keel) -> Option<String> {
    let probe = tokio::time::timeout(
        Duration::from_secs(PROBE_SECONDS),
        keel.store().probe_write(),
    )
    .await;
    match probe {
        Ok(Ok(())) => None,
        Ok(Err(error)) => {
            crate::log_limit::error("the readiness check's write failed", &error);
            Some(format!(
                "keel cannot write to its database: {}",
                error.root_cause()
            ))
        }
        Err(_) => Some(format!(
            "keel cannot write to its database: no write finished within {PROBE_SECONDS} \
             seconds (another process holds the lock, or the disk or the server does not answer)"
        )),
    }
}

/// The platform whose oldest pending notification has waited longer than `limit_seconds`, as a
/// reason for an operator; parked notifications do not count (they have gauges of their own).
fn outbox_behind(
    outbox: &[PlatformOutbox],
    now: DateTime<Utc>,
    limit_seconds: u64,
) -> Option<String> {
    let limit = i64::try_from(limit_seconds).unwrap_or(i64::MAX);
    let (platform, waited) = outbox
        .iter()
        .filter_map(|row| {
            let queued = row.oldest_pending?;
            Some((row.platform.as_deref(), (now - queued).num_seconds()))
        })
        .max_by_key(|(_, waited)| *waited)?;
    if waited <= limit {
        return None;
    }
    let (owed, question) = match platform {
        Some(platform) => (
            format!("owed on {platform}"),
            format!("is {platform} reachable? The log says why its deliveries fail"),
        ),
        None => (
            "not yet claimed by a deliverer".to_string(),
            "are keel's deliverers running?".to_string(),
        ),
    };
    Some(format!(
        "keel is behind on its outbox: a notification {owed} has waited {waited} seconds, \
         more than server.ready_outbox_lag_seconds ({limit}); {question}"
    ))
}

#[cfg(test)]
mod tests {
    use super::outbox_behind;
    use crate::store::PlatformOutbox;
    use chrono::{DateTime, Duration, Utc};

    fn now() -> DateTime<Utc> {
        "2026-11-16T09:00:00Z".parse().expect("a time")
    }

    fn waiting(platform: &str, seconds: i64) -> PlatformOutbox {
        PlatformOutbox {
            platform: Some(platform.into()),
            pending: 1,
            parked: 0,
            oldest_pending: Some(now() - Duration::seconds(seconds)),
        }
    }

    #[test]
    fn an_outbox_within_the_limit_is_not_behind() {
        let outbox = [waiting("slack", 600), waiting("console", 3)];
        assert_eq!(outbox_behind(&outbox, now(), 600), None);
    }

    #[test]
    fn the_platform_waited_on_longest_is_named_with_how_long() {
        let outbox = [waiting("console", 700), waiting("slack", 900)];
        let reason = outbox_behind(&outbox, now(), 600).expect("behind");
        assert!(
            reason.contains("owed on slack has waited 900 seconds"),
            "{reason}"
        );
        assert!(
            reason.contains("ready_outbox_lag_seconds (600)"),
            "{reason}"
        );
    }

    #[test]
    fn parked_notifications_alone_are_not_falling_behind() {
        let parked = PlatformOutbox {
            platform: Some("slack".into()),
            pending: 0,
            parked: 3,
            oldest_pending: None,
        };
        assert_eq!(outbox_behind(&[parked], now(), 600), None);
    }
}
