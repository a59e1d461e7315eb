//! Inbound events in the store: a claim renewed keeps its events, a claim that lapsed and was
//! taken over by another applier cannot mark its events applied (its round rolls back), and a
//! crashed applier's events are claimable once its claim lapses.

use super::{each_store, t0};
use chrono::Duration;
use keel::store::InboundKind;

#[tokio::test]
async fn a_lapsed_claim_taken_over_cannot_apply_and_a_renewed_one_can() {
    for (db, store) in each_store().await {
        let label = db.label;
        for n in 0..2 {
            let id = format!("delivery-{n}");
            let body = format!(r#"{{"n": {n}}}"#);
            let deliveries = [("pm", id.as_str())];
            let queued = store.queue_inbound(&deliveries, InboundKind::Hook, &body, t0());
            assert_eq!(queued.await.unwrap(), 1);
        }
        let claim = Duration::seconds(30);
        let first = store.claim_inbound(t0(), 1, claim).await.unwrap();
        assert_eq!(first.len(), 1, "[{label}]");
        let held = t0() + claim;

        // Renewed before a slow fetch-back, the claim keeps others off past its first end.
        let renewed = t0() + Duration::seconds(50);
        let ids = [first[0].id];
        store
            .renew_inbound_claims(&ids, held, renewed)
            .await
            .unwrap();
        let meanwhile = t0() + Duration::seconds(40);
        let other = store.claim_inbound(meanwhile, 5, claim).await.unwrap();
        assert_eq!(other.len(), 1, "[{label}] only the unclaimed one");
        assert_ne!(other[0].id, first[0].id, "[{label}]");
        let mut tx = store.begin().await.unwrap();
        tx.mark_inbound_applied(first[0].id, renewed, meanwhile)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        // The other applier crashes holding its event: once its claim lapses a second applier
        // takes the event, and the first one's late write is refused and rolled back.
        let lapsed = meanwhile + claim + Duration::seconds(1);
        let taken = store.claim_inbound(lapsed, 5, claim).await.unwrap();
        assert_eq!(taken.len(), 1, "[{label}] the crashed applier's event");
        let mut tx = store.begin().await.unwrap();
        let late = tx
            .mark_inbound_applied(other[0].id, meanwhile + claim, lapsed)
            .await
            .expect_err("a lapsed claim cannot apply");
        assert!(
            late.to_string().contains("another applier"),
            "[{label}] {late}"
        );
        tx.rollback().await.unwrap();
        // A renewal of the lapsed claim changes nothing either.
        store
            .renew_inbound_claims(&[other[0].id], meanwhile + claim, lapsed + claim)
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.mark_inbound_applied(taken[0].id, lapsed + claim, lapsed)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let applied = db
            .count("select count(*) from inbound_events where status = 'applied'")
            .await;
        assert_eq!(applied, 2, "[{label}]");
    }
}
