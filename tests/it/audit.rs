//! The audit trail under verification: honest data always verifies (whatever numbers its events
//! hold), and every edited or unreadable event is found and named, on SQLite and PostgreSQL.

use crate::common::app::{TestApp, config_dir};
use crate::common::cli::{keel, stderr};

/// Amounts with cents that look like real change orders, and a few far outliers so that the
/// anomaly check flags some of them with its median, MAD and z-score: long floating-point
/// numbers such as 4038.8450000000003 in the events' data.
fn varied_amounts(count: usize) -> Vec<String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..count)
        .map(|n| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let cents = 250_000 + (state >> 33) % 1_200_000;
            let cents = if n % 9 == 8 { cents * 7 + 13 } else { cents };
            format!("{}.{:02}", cents / 100, cents % 100)
        })
        .collect()
}

#[tokio::test]
async fn honest_events_with_any_numbers_verify_and_an_edited_one_among_them_is_found() {
    for db in crate::common::test_databases().await {
        let app = &TestApp::start(&db).await;
        let projects = ["P001", "P002", "P003"];
        for (n, amount) in varied_amounts(60).iter().enumerate() {
            app.submit(
                "change_order",
                "S020",
                &[
                    ("project", projects[n % projects.len()]),
                    ("amount", amount),
                    ("reason", "r"),
                ],
            )
            .await;
        }
        let events = app.keel.store().all_events().await.unwrap();
        let flagged: Vec<_> = events
            .iter()
            .filter(|e| e.draft.data["details"]["median"].is_f64())
            .collect();
        assert!(
            flagged.len() >= 3,
            "[{}] the amounts should get flagged with their statistics: {} flags",
            db.label,
            flagged.len()
        );
        assert_eq!(
            app.keel.verify_audit().await.unwrap(),
            Ok(events.len()),
            "[{}] honest data reported as tampered",
            db.label
        );

        let (first, second) = (flagged[0].seq, events[events.len() / 2].seq);
        db.execute(&format!(
            "update events set reason = 'nothing to see' where seq = {first}"
        ))
        .await;
        db.execute(&format!(
            "update events set actor = 'S001' where seq = {second}"
        ))
        .await;
        let broken = app.keel.verify_audit().await.unwrap().unwrap_err();
        let named: Vec<i64> = broken.iter().map(|t| t.seq).collect();
        assert_eq!(named, vec![first, second], "[{}] {broken:?}", db.label);
    }
}

#[tokio::test]
async fn an_event_whose_stored_data_is_not_json_is_named_by_audit_verify() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let request = app
            .submit(
                "change_order",
                "S020",
                &[("project", "P001"), ("amount", "9000"), ("reason", "Rock")],
            )
            .await;
        // Sealed first (on PostgreSQL a serving keel does it within a second), so the edit
        // lands on a chained event.
        app.keel.seal_audit().await.unwrap();
        let events = app.keel.store().request_events(&request.id).await.unwrap();
        let seq = events.last().unwrap().seq;
        drop(app);
        db.execute(&format!(
            "update events set data = data || 'x' where seq = {seq}"
        ))
        .await;

        let verified = keel(&db, &config_dir(), &["audit", "verify"]);
        let said = stderr(&verified);
        assert_eq!(verified.status.code(), Some(1), "[{}] {said}", db.label);
        assert!(
            said.contains(&format!("event {seq}")) && said.contains("edited"),
            "[{}] {said}",
            db.label
        );
        assert!(
            !said.contains("Something went wrong"),
            "[{}] {said}",
            db.label
        );
    }
}
