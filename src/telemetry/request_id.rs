//! The request id: one per HTTP request, taken from `X-Request-Id` when the caller sent a
//! usable one, else made up. It is on the request's log span, echoed in the response, and kept
//! (a task-local) while the request runs, so that the outbox rows the request queues carry it
//! and their delivery logs it too.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The longest id taken from a caller; longer ones are replaced.
const MAX_LEN: usize = 128;

/// The caller's id when it is 1 to [`MAX_LEN`] letters, digits and `-_.:` (what UUIDs, trace
/// ids and load balancers' ids are made of, and nothing that could forge a log line), else a
/// new one.
pub fn chosen(given: Option<&str>) -> String {
    match given {
        Some(id)
            if !id.is_empty()
                && id.len() <= MAX_LEN
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c)) =>
        {
            id.to_string()
        }
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// Runs `work` with `id` as the current request id.
pub async fn within<F: Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// The id of the HTTP request this code runs for, if it runs for one.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

#[cfg(test)]
mod tests {
    use super::{chosen, current, within};

    #[test]
    fn a_usable_id_from_the_caller_is_kept() {
        assert_eq!(chosen(Some("req-42.a:b_c")), "req-42.a:b_c");
    }

    #[test]
    fn a_missing_empty_long_or_odd_id_is_replaced_by_a_new_one() {
        let long = "a".repeat(129);
        for given in [
            None,
            Some(""),
            Some(long.as_str()),
            Some("a b"),
            Some("x\n{\"level\""),
        ] {
            let id = chosen(given);
            assert_eq!(id.len(), 32, "{given:?} gave {id}");
            assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
        }
        assert_ne!(chosen(None), chosen(None));
    }

    #[tokio::test]
    async fn the_id_is_current_only_within_its_request() {
        assert_eq!(current(), None);
        let seen = within("r1".into(), async { current() }).await;
        assert_eq!(seen.as_deref(), Some("r1"));
        assert_eq!(current(), None);
    }
}
