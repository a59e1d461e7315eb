//! The audit chain.

use super::*;

#[tokio::test]
async fn events_are_chained_in_order_behind_the_head() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        tx.append_events(&[]).await.unwrap();
        // Stored timestamps keep microseconds; what comes back is what was hashed.
        let odd = t0() + Duration::nanoseconds(1_234_567);
        let first = [
            draft(Some("CO-1"), "submitted", odd),
            draft(None, "imported", t0()),
        ];
        tx.append_events(&first).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let second = [draft(Some("CO-1"), "approved", t0())];
        tx.append_events(&second).await.unwrap();
        tx.commit().await.unwrap();
        // A rolled back append leaves no trace.
        let mut tx = store.begin().await.unwrap();
        tx.append_events(&[draft(Some("CO-1"), "cancelled", t0())])
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        // Nor does one dropped before any of it went to the database.
        let mut tx = store.begin().await.unwrap();
        tx.append_events(&[draft(Some("CO-1"), "cancelled", t0())])
            .await
            .unwrap();
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        let third = [draft(Some("CO-1"), "commented", t0())];
        tx.append_events(&third).await.unwrap();
        tx.commit().await.unwrap();

        let all = store.all_events().await.unwrap();
        let seqs: Vec<_> = all.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4], "{label}");
        let drafts: Vec<_> = all.iter().map(|e| e.draft.clone()).collect();
        assert_eq!(drafts[1..2], first[1..], "{label}");
        assert_eq!(drafts[2..3], second[..], "{label}");
        assert_eq!(drafts[3..], third[..], "{label}");
        assert_eq!(
            all[0].draft.at,
            t0() + Duration::microseconds(1_234),
            "{label}"
        );
        assert_eq!(all[0].prev_hash, GENESIS, "{label}");
        for pair in all.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{label}");
        }
        assert_eq!(
            store.audit_chain().await.unwrap(),
            (all.clone(), Some((4, all[3].hash.clone())))
        );
        let timeline = store.request_events("CO-1").await.unwrap();
        let actions: Vec<_> = timeline.iter().map(|e| e.draft.action.as_str()).collect();
        assert_eq!(actions, ["submitted", "approved", "commented"], "{label}");
    }
}
