//! Requests: inserting, locking, writing, numbering, idempotency, the anomaly history.

use super::*;

#[tokio::test]
async fn requests_are_inserted_locked_updated_and_listed() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut first = request("CO-1042", Status::Pending, json!({"amount": "10.00"}), t0());
        first.idempotency_key = Some("key-1".into());
        let second = request(
            "CO-1043",
            Status::Pending,
            json!({}),
            t0() + Duration::minutes(5),
        );
        let mut other = request(
            "PTO-7",
            Status::Approved,
            json!({}),
            t0() - Duration::days(1),
        );
        other.requester = None;
        other.decided_at = Some(t0());

        let mut tx = store.begin().await.unwrap();
        for r in [&second, &first, &other] {
            tx.insert_request(r).await.unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(
            store.get_request("CO-1042").await.unwrap(),
            Some(first.clone()),
            "{label}"
        );
        assert_eq!(
            store.get_request("PTO-7").await.unwrap(),
            Some(other.clone()),
            "{label}"
        );
        assert_eq!(store.get_request("CO-9").await.unwrap(), None);

        let mut tx = store.begin().await.unwrap();
        let mut locked = tx.lock_request("CO-1042").await.unwrap().unwrap();
        assert_eq!(locked, first, "{label}");
        locked.status = Status::Approved;
        locked.decided_at = Some(t0() + Duration::hours(2));
        locked.steps[0].approvals.push(keel::domain::StepDecision {
            person: "u-ben".into(),
            on_behalf_of: None,
            at: t0() + Duration::hours(2),
        });
        locked.version = 2;
        tx.update_request(&locked).await.unwrap();
        let stale = tx.update_request(&locked).await.unwrap_err();
        assert!(
            matches!(stale.downcast_ref(), Some(StoreError::Stale { .. })),
            "{label}"
        );
        tx.commit().await.unwrap();
        assert_eq!(
            store.get_request("CO-1042").await.unwrap(),
            Some(locked.clone())
        );
        assert!(
            store
                .begin()
                .await
                .unwrap()
                .lock_request("X-1")
                .await
                .unwrap()
                .is_none()
        );

        let pending = store.pending_requests().await.unwrap();
        assert_eq!(pending, vec![second.clone()], "{label}");
        let all = store
            .list_requests(&RequestFilter::default())
            .await
            .unwrap();
        let ids: Vec<_> = all.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["PTO-7", "CO-1042", "CO-1043"], "{label}");
        let filter = RequestFilter {
            workflow: Some("co".into()),
            status: Some(Status::Approved),
            requester: Some("u-ana".into()),
            limit: Some(5),
            ..RequestFilter::default()
        };
        assert_eq!(
            store.list_requests(&filter).await.unwrap(),
            vec![locked],
            "{label}"
        );
        let limited = RequestFilter {
            limit: Some(1),
            ..RequestFilter::default()
        };
        assert_eq!(
            store.list_requests(&limited).await.unwrap(),
            vec![other],
            "{label}"
        );
    }
}

/// Both the write and the commit, so that where the backend notices does not matter.
async fn update_and_commit(store: &Store, request: &Request) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    tx.update_request(request).await?;
    tx.append_events(&[draft(Some(&request.id), "approved", t0())])
        .await?;
    tx.commit().await
}

#[tokio::test]
async fn a_write_prepared_from_an_old_read_is_refused_and_leaves_nothing() {
    for (db, store) in each_store().await {
        let label = db.label;
        let first = request("CO-1", Status::Pending, json!({}), t0());
        let mut tx = store.begin().await.unwrap();
        tx.insert_request(&first).await.unwrap();
        tx.commit().await.unwrap();

        // Two writers read version 1 without locking it; the first to write wins.
        let mut approved = store.get_request("CO-1").await.unwrap().unwrap();
        let mut rejected = approved.clone();
        approved.status = Status::Approved;
        approved.version = 2;
        rejected.status = Status::Rejected;
        rejected.version = 2;
        update_and_commit(&store, &approved).await.unwrap();
        let error = update_and_commit(&store, &rejected).await.unwrap_err();
        assert!(
            matches!(error.downcast_ref(), Some(StoreError::Stale { id, .. }) if id == "CO-1"),
            "{label}: {error:#}"
        );
        assert_eq!(
            store.get_request("CO-1").await.unwrap(),
            Some(approved),
            "{label}"
        );
        assert_eq!(
            store.audit_chain().await.unwrap().1.map(|h| h.0),
            Some(1),
            "{label}"
        );
        // Skipping a version is refused as well.
        let mut skipping = store.get_request("CO-1").await.unwrap().unwrap();
        skipping.version = 4;
        assert!(
            update_and_commit(&store, &skipping).await.is_err(),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_repeated_idempotency_key_or_id_is_a_conflict_and_the_transaction_goes_on() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut first = request("CO-1", Status::Pending, json!({}), t0());
        first.idempotency_key = Some("retry-me".into());
        let mut tx = store.begin().await.unwrap();
        tx.insert_request(&first).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let mut again = request("CO-2", Status::Pending, json!({}), t0());
        again.idempotency_key = Some("retry-me".into());
        let error = tx.insert_request(&again).await.unwrap_err();
        assert!(
            matches!(error.downcast_ref(), Some(StoreError::Conflict { .. })),
            "{label}"
        );
        let same_id = request("CO-1", Status::Pending, json!({}), t0());
        let error = tx.insert_request(&same_id).await.unwrap_err();
        assert!(
            matches!(error.downcast_ref(), Some(StoreError::Conflict { .. })),
            "{label}"
        );
        let found = tx.find_by_idempotency_key("co", "retry-me").await.unwrap();
        assert_eq!(found, Some(first.clone()), "{label}");
        assert_eq!(
            tx.find_by_idempotency_key("co", "other").await.unwrap(),
            None
        );
        assert_eq!(
            tx.find_by_idempotency_key("pto", "retry-me").await.unwrap(),
            None
        );
        // Requests without a key never conflict with each other.
        tx.insert_request(&request("CO-3", Status::Pending, json!({}), t0()))
            .await
            .unwrap();
        tx.insert_request(&request("CO-4", Status::Pending, json!({}), t0()))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn a_key_with_a_fingerprint_is_one_request_across_workflows_and_older_keys_stay_per_workflow()
{
    for (db, store) in each_store().await {
        let label = db.label;
        let keyed = |id: &str, key: &str, fingerprint: Option<&str>| {
            let mut request = request(id, Status::Pending, json!({}), t0());
            request.idempotency_key = Some(key.into());
            request.idempotency_fingerprint = fingerprint.map(Into::into);
            request
        };
        let mut tx = store.begin().await.unwrap();
        // Keys from before fingerprints were kept: the same key in two workflows, as 0002 allowed.
        tx.insert_request(&keyed("CO-1", "old", None))
            .await
            .unwrap();
        tx.insert_request(&keyed("PTO-1", "old", None))
            .await
            .unwrap();
        let first = keyed("CO-2", "new", Some("f-1"));
        tx.insert_request(&first).await.unwrap();
        let elsewhere = tx.insert_request(&keyed("PTO-2", "new", Some("f-2"))).await;
        assert!(
            matches!(
                elsewhere.unwrap_err().downcast_ref(),
                Some(StoreError::Conflict { .. })
            ),
            "{label}"
        );
        tx.commit().await.unwrap();

        let found = store
            .request_by_idempotency_key("pto", "new")
            .await
            .unwrap();
        assert_eq!(found, Some(first), "{label}");
        let old = store
            .request_by_idempotency_key("pto", "old")
            .await
            .unwrap();
        assert_eq!(old.map(|r| r.id), Some("PTO-1".into()), "{label}");
        let old = store.request_by_idempotency_key("co", "old").await.unwrap();
        assert_eq!(old.map(|r| r.id), Some("CO-1".into()), "{label}");
        assert_eq!(
            store.request_by_idempotency_key("x", "old").await.unwrap(),
            None,
            "{label}"
        );
    }
}

#[tokio::test]
async fn request_numbers_count_per_workflow_and_skip_past_imported_history() {
    for (db, store) in each_store().await {
        let label = db.label;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1000,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1001,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("pto", 1).await.unwrap(),
            1,
            "{label}"
        );
        tx.ensure_request_number_above("co", 1464).await.unwrap();
        tx.ensure_request_number_above("co", 10).await.unwrap();
        tx.ensure_request_number_above("hire", 41).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1465,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("hire", 1).await.unwrap(),
            42,
            "{label}"
        );
        assert_eq!(
            tx.next_request_number("pto", 1).await.unwrap(),
            2,
            "{label}"
        );
        tx.rollback().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1465,
            "{label}"
        );
        tx.commit().await.unwrap();
        // A transaction dropped before its write went out gives its number back too.
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.next_request_number("co", 1000).await.unwrap(), 1466);
        drop(tx);
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            tx.next_request_number("co", 1000).await.unwrap(),
            1466,
            "{label}"
        );
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn concurrent_submitters_get_distinct_request_numbers() {
    for (db, store) in each_store().await {
        let takers = (0..4).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                for n in 0..15 {
                    let mut tx = store.begin().await.unwrap();
                    let number = tx.next_request_number("co", 1).await.unwrap();
                    // Every third one gives its number back.
                    if n % 3 == 2 {
                        tx.rollback().await.unwrap();
                    } else {
                        tx.commit().await.unwrap();
                        numbers.push(number);
                    }
                }
                numbers
            })
        });
        let mut all = Vec::new();
        for taker in takers.collect::<Vec<_>>() {
            all.extend(taker.await.unwrap());
        }
        all.sort();
        assert_eq!(all, (1..=40).collect::<Vec<_>>(), "{}", db.label);
    }
}

#[tokio::test]
async fn anomaly_history_reads_past_amounts_of_the_same_group() {
    for (db, store) in each_store().await {
        let label = db.label;
        let past = [
            (
                "CO-1",
                Status::Approved,
                json!({"amount": "1250.00", "vendor": "acme"}),
            ),
            (
                "CO-2",
                Status::Pending,
                json!({"amount": "80.50", "vendor": "acme"}),
            ),
            (
                "CO-3",
                Status::Rejected,
                json!({"amount": "10.00", "vendor": "globex"}),
            ),
            (
                "CO-4",
                Status::Cancelled,
                json!({"amount": "99999.00", "vendor": "acme"}),
            ),
            (
                "CO-5",
                Status::AutoRejected,
                json!({"amount": "88888.00", "vendor": "acme"}),
            ),
            ("CO-6", Status::Approved, json!({"vendor": "acme"})),
            (
                "CO-7",
                Status::Approved,
                json!({"amount": 40, "vendor": "acme"}),
            ),
            (
                "PTO-1",
                Status::Approved,
                json!({"amount": "5.00", "vendor": "acme"}),
            ),
        ];
        store
            .track_anomaly_samples("co", Some(("amount", Some("vendor"))))
            .await
            .unwrap();
        let mut tx = store.begin().await.unwrap();
        for (i, (id, status, form)) in past.into_iter().enumerate() {
            let at = t0() + Duration::minutes(i as i64);
            tx.insert_request(&request(id, status, form, at))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let acme = store
            .anomaly_history("co", Some("acme"), t0())
            .await
            .unwrap();
        assert_eq!(acme, [1250.0, 80.5, 40.0], "{label}");
        assert!(
            store
                .anomaly_history("co", Some("initech"), t0())
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
        assert!(
            store
                .anomaly_history("pto", None, t0())
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );

        // New settings fill the values again from the stored forms.
        store
            .track_anomaly_samples("co", Some(("amount", None)))
            .await
            .unwrap();
        let all = store.anomaly_history("co", None, t0()).await.unwrap();
        assert_eq!(all, [1250.0, 80.5, 10.0, 40.0], "{label}");
        store
            .track_anomaly_samples("co", Some(("missing", None)))
            .await
            .unwrap();
        assert!(
            store
                .anomaly_history("co", None, t0())
                .await
                .unwrap()
                .is_empty(),
            "{label}"
        );
        // Without a check, requests carry no values, and a check added later fills them.
        store.track_anomaly_samples("co", None).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let earlier = t0() - Duration::minutes(1);
        let later = request(
            "CO-9",
            Status::Approved,
            json!({"amount": "70.00"}),
            earlier,
        );
        tx.insert_request(&later).await.unwrap();
        tx.commit().await.unwrap();
        store
            .track_anomaly_samples("co", Some(("amount", None)))
            .await
            .unwrap();
        let all = store.anomaly_history("co", None, t0()).await.unwrap();
        assert_eq!(all, [70.0, 1250.0, 80.5, 10.0, 40.0], "{label}");
    }
}
