use super::{OutboxItem, Sink, deliver_batch};
use crate::chat::{ChatPort, Undelivered};
use crate::domain::{Notification, NotificationKind};
use async_trait::async_trait;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A platform that answers the first notification of `CO-1` slowly and refuses `CO-3`'s.
#[derive(Default)]
struct SlowPort {
    finished: Mutex<Vec<i64>>,
}

#[async_trait]
impl ChatPort for SlowPort {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), Undelivered> {
        if item.id == 1 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.finished.lock().unwrap().push(item.id);
        if item.notification.request_id == "CO-3" {
            return Err(Undelivered::new("channel_not_found"));
        }
        Ok(())
    }
}

fn item(id: i64, request: &str) -> OutboxItem {
    OutboxItem {
        id,
        notification: Notification {
            to: "E1".into(),
            kind: NotificationKind::ApprovalRequested,
            request_id: request.into(),
            text: String::new(),
            card: None,
        },
        attempts: 0,
        created_at: chrono::Utc::now(),
    }
}

#[tokio::test]
async fn a_slow_request_does_not_hold_up_the_others_and_keeps_its_own_order() {
    let port = Arc::new(SlowPort::default());
    let sink = Sink::Chat(vec![port.clone()]);
    let batch = vec![
        item(1, "CO-1"),
        item(2, "CO-2"),
        item(3, "CO-1"),
        item(4, "CO-3"),
        item(5, "CO-2"),
    ];
    let outcomes = deliver_batch(&sink, batch, super::BATCH_BUDGET).await;

    let finished = port.finished.lock().unwrap().clone();
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

#[async_trait]
impl ChatPort for HungPort {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), Undelivered> {
        if item.notification.request_id == "CO-1" {
            self.released.notified().await;
            return Ok(());
        }
        let mut delivered = self.delivered.lock().unwrap();
        *delivered += 1;
        if *delivered == self.others {
            self.released.notify_one();
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_request_whose_platform_hangs_keeps_one_place_and_the_others_are_delivered() {
    let others = super::PARALLEL_REQUESTS * 2;
    let port = Arc::new(HungPort {
        others,
        delivered: Mutex::default(),
        released: tokio::sync::Notify::new(),
    });
    let sink = Sink::Chat(vec![port.clone()]);
    let batch = (1..=others as i64 + 1)
        .map(|id| item(id, &format!("CO-{id}")))
        .collect();
    let outcomes = tokio::time::timeout(
        Duration::from_secs(30),
        deliver_batch(&sink, batch, super::BATCH_BUDGET),
    )
    .await
    .expect("CO-1 held up the requests after it");
    assert_eq!(outcomes.len(), others + 1);
}

/// A platform that never answers `CO-1`.
struct NeverPort;

#[async_trait]
impl ChatPort for NeverPort {
    async fn deliver(&self, item: &OutboxItem) -> Result<(), Undelivered> {
        if item.notification.request_id == "CO-1" {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

#[tokio::test]
async fn what_is_not_delivered_within_the_budget_is_given_up_to_be_tried_again() {
    let sink = Sink::Chat(vec![Arc::new(NeverPort)]);
    let batch = vec![item(1, "CO-1"), item(2, "CO-2"), item(3, "CO-1")];
    let outcomes = tokio::time::timeout(
        Duration::from_secs(30),
        deliver_batch(&sink, batch, Duration::from_millis(100)),
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

#[test]
fn a_refusal_for_good_on_one_platform_does_not_undo_a_delivery_on_another() {
    let refused = || {
        Err(Undelivered {
            permanent: true,
            ..Undelivered::new("no slack_user")
        })
    };
    let down = || Err(Undelivered::new("HTTP 500"));
    assert_eq!(super::combined(vec![Ok(()), refused()]), Ok(()));
    assert_eq!(super::combined(vec![refused(), refused()]), refused());
    assert_eq!(super::combined(vec![refused(), down(), Ok(())]), down());
    assert_eq!(super::combined(vec![Ok(()), Ok(())]), Ok(()));
}

#[test]
fn backoff_doubles_and_is_capped_at_an_hour() {
    assert_eq!(super::backoff(0).num_seconds(), 5);
    assert_eq!(super::backoff(3).num_seconds(), 40);
    assert_eq!(super::backoff(50).num_seconds(), 3_600);
}
