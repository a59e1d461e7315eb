use super::{OutboxItem, deliver_batch};
use crate::chat::Undelivered;
use crate::domain::{Notification, NotificationKind};
use std::sync::Mutex;
use std::time::Duration;

type Outcome = (OutboxItem, Result<(), Undelivered>);

/// A platform that answers the first notification of `CO-1` slowly and refuses `CO-3`'s.
async fn slow(finished: &Mutex<Vec<i64>>, item: OutboxItem) -> Outcome {
    if item.id == 1 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    finished.lock().unwrap().push(item.id);
    if item.notification.request_id == "CO-3" {
        return (item, Err(Undelivered::new("channel_not_found")));
    }
    (item, Ok(()))
}

fn item(id: i64, request: &str) -> OutboxItem {
    OutboxItem {
        id,
        platform: Some("slack".into()),
        notification_id: id,
        notification: Notification {
            to: "E1".into(),
            kind: NotificationKind::ApprovalRequested,
            request_id: request.into(),
            text: String::new(),
            card: None,
        },
        attempts: 0,
        created_at: chrono::Utc::now(),
        http_request_id: None,
    }
}

#[tokio::test]
async fn a_slow_request_does_not_hold_up_the_others_and_keeps_its_own_order() {
    let finished = Mutex::default();
    let batch = vec![
        item(1, "CO-1"),
        item(2, "CO-2"),
        item(3, "CO-1"),
        item(4, "CO-3"),
        item(5, "CO-2"),
    ];
    let outcomes = deliver_batch(batch, super::BATCH_BUDGET, |item| slow(&finished, item)).await;

    let finished = finished.lock().unwrap().clone();
    let position = |id| finished.iter().position(|f| *f == id).unwrap();
    assert_eq!(finished.len(), 5);
    assert!(
        position(2) < position(1),
        "CO-2 waited for CO-1: {finished:?}"
    );
    assert!(position(1) < position(3), "CO-1 out of order: {finished:?}");
    assert!(position(2) < position(5), "CO-2 out of order: {finished:?}");
    let refused: Vec<i64> = outcomes
        .iter()
        .filter(|(_, outcome)| outcome.is_err())
        .map(|(item, _)| item.id)
        .collect();
    assert_eq!(refused, vec![4]);
}

/// A platform that answers `CO-1` only once every other request has been delivered.
struct HungPort {
    others: usize,
    delivered: Mutex<usize>,
    released: tokio::sync::Notify,
}

impl HungPort {
    async fn deliver(&self, item: OutboxItem) -> Outcome {
        if item.notification.request_id == "CO-1" {
            self.released.notified().await;
            return (item, Ok(()));
        }
        let mut delivered = self.delivered.lock().unwrap();
        *delivered += 1;
        if *delivered == self.others {
            self.released.notify_one();
        }
        (item, Ok(()))
    }
}

#[tokio::test]
async fn a_request_whose_platform_hangs_keeps_one_place_and_the_others_are_delivered() {
    let others = super::PARALLEL_REQUESTS * 2;
    let port = HungPort {
        others,
        delivered: Mutex::default(),
        released: tokio::sync::Notify::new(),
    };
    let batch = (1..=others as i64 + 1)
        .map(|id| item(id, &format!("CO-{id}")))
        .collect();
    let outcomes = tokio::time::timeout(
        Duration::from_secs(30),
        deliver_batch(batch, super::BATCH_BUDGET, |item| port.deliver(item)),
    )
    .await
    .expect("CO-1 held up the requests after it");
    assert_eq!(outcomes.len(), others + 1);
}

/// A digest to each of many people: one of them whose platform answers slowly holds one place.
#[tokio::test]
async fn digests_to_different_people_go_side_by_side() {
    let digest = |id: i64, to: &str| {
        let mut item = item(id, "");
        item.notification.kind = NotificationKind::Digest;
        item.notification.to = to.into();
        item
    };
    let finished = Mutex::default();
    let batch = vec![digest(1, "S001"), digest(2, "S003"), digest(3, "S001")];
    deliver_batch(batch, super::BATCH_BUDGET, |item| slow(&finished, item)).await;
    let finished = finished.lock().unwrap().clone();
    assert_eq!(
        finished,
        [2, 1, 3],
        "S003 waited for S001, or S001's order broke"
    );
}

/// A platform that never answers `CO-1`.
async fn never(item: OutboxItem) -> Outcome {
    if item.notification.request_id == "CO-1" {
        std::future::pending::<()>().await;
    }
    (item, Ok(()))
}

#[tokio::test]
async fn what_is_not_delivered_within_the_budget_is_given_up_to_be_tried_again() {
    let batch = vec![item(1, "CO-1"), item(2, "CO-2"), item(3, "CO-1")];
    let outcomes = tokio::time::timeout(
        Duration::from_secs(30),
        deliver_batch(batch, Duration::from_millis(100), never),
    )
    .await
    .expect("the budget ends the batch");
    let failed: Vec<(i64, bool)> = outcomes
        .iter()
        .map(|(item, outcome)| (item.id, outcome.as_ref().is_err_and(|f| !f.permanent)))
        .collect();
    assert!(
        failed.contains(&(1, true)) && failed.contains(&(3, true)),
        "{failed:?}"
    );
    assert!(failed.contains(&(2, false)), "{failed:?}");
}

#[tokio::test]
async fn a_request_on_two_platforms_is_delivered_on_both_side_by_side() {
    let mut on_console = item(2, "CO-1");
    on_console.platform = Some("console".into());
    on_console.notification_id = 1;
    let batch = vec![item(1, "CO-1"), on_console];
    // Slack's row never answers; the console's goes on beside it.
    let deliver = |item: OutboxItem| async move {
        if item.platform.as_deref() == Some("slack") {
            std::future::pending::<()>().await;
        }
        (item, Ok(()))
    };
    let outcomes = deliver_batch(batch, Duration::from_millis(200), deliver).await;
    let delivered: Vec<i64> = outcomes
        .iter()
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|(item, _)| item.id)
        .collect();
    assert_eq!(delivered, vec![2]);
}

#[test]
fn backoff_doubles_and_is_capped_at_an_hour() {
    assert_eq!(super::backoff(0).num_seconds(), 5);
    assert_eq!(super::backoff(3).num_seconds(), 40);
    assert_eq!(super::backoff(50).num_seconds(), 3_600);
}
