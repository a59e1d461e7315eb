//! Records: upserts, chunked imports, history.

use super::*;

#[tokio::test]
async fn records_upsert_inserts_updates_and_skips_identical_rows() {
    for (db, store) in each_store().await {
        let label = db.label;
        let rows = vec![
            (
                "P-2".to_string(),
                fields(json!({"id": "P-2", "name": "Beta", "budget": "10.00"})),
            ),
            (
                "P-1".to_string(),
                fields(json!({"id": "P-1", "name": "Alpha"})),
            ),
        ];
        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("project", &rows, t0(), "import:a.csv")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (2, 0, 0),
            "{label}"
        );

        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("project", &rows, t0(), "import:a.csv")
            .await
            .unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (0, 0, 2),
            "{label}"
        );
        let changed = vec![
            (
                "P-1".to_string(),
                fields(json!({"id": "P-1", "name": "Alpha 2"})),
            ),
            ("P-2".to_string(), rows[0].1.clone()),
            ("P-3".to_string(), fields(json!({"id": "P-3"}))),
            (
                "P-3".to_string(),
                fields(json!({"id": "P-3", "name": "Gamma"})),
            ),
        ];
        let later = t0() + Duration::hours(1);
        let counts = tx
            .upsert_records("project", &changed, later, "import:b.csv")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            (counts.inserted, counts.updated, counts.unchanged),
            (1, 2, 1),
            "{label}"
        );

        let listed = store.list_records("project").await.unwrap();
        let keys: Vec<_> = listed.iter().map(|r| (r.key.as_str(), r.version)).collect();
        assert_eq!(keys, [("P-1", 2), ("P-2", 1), ("P-3", 2)], "{label}");
        let p1 = store.get_record("project", "P-1").await.unwrap().unwrap();
        assert_eq!(p1.fields["name"], json!("Alpha 2"), "{label}");
        assert_eq!(p1.updated_at, later, "{label}");
        assert_eq!(p1.record_type, "project");
        assert!(store.get_record("project", "P-9").await.unwrap().is_none());
        assert!(store.get_record("client", "P-1").await.unwrap().is_none());

        let history = store.record_history("project", "P-1").await.unwrap();
        let versions: Vec<_> = history.iter().map(|r| (r.version, r.updated_at)).collect();
        assert_eq!(versions, [(1, t0()), (2, later)], "{label}");
        assert_eq!(history[0].fields["name"], json!("Alpha"), "{label}");
        assert_eq!(
            store.record_history("project", "P-3").await.unwrap().len(),
            2
        );
    }
}

#[tokio::test]
async fn an_import_in_chunks_compares_with_what_was_stored_and_refuses_a_key_twice() {
    for (db, store) in each_store().await {
        let label = db.label;
        let row = |id: &str, name: &str| (id.to_string(), fields(json!({"id": id, "name": name})));
        let mut tx = store.begin().await.unwrap();
        tx.upsert_records("project", &[row("P-1", "Alpha")], t0(), "a")
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let mut stored = tx.stored_records("project").await.unwrap();
        let first = tx
            .upsert_chunk(
                &mut stored,
                &[row("P-1", "Alpha"), row("P-2", "Beta")],
                t0(),
                "b",
            )
            .await
            .unwrap();
        let second = tx
            .upsert_chunk(&mut stored, &[row("P-3", "Gamma")], t0(), "b")
            .await
            .unwrap();
        assert_eq!((first.inserted, first.unchanged), (1, 1), "{label}");
        assert_eq!(second.inserted, 1, "{label}");
        let again = tx
            .upsert_chunk(&mut stored, &[row("P-2", "Beta 2")], t0(), "b")
            .await
            .unwrap_err();
        assert!(
            format!("{again:#}").contains("already written"),
            "{label}: {again:#}"
        );
        tx.commit().await.unwrap();
        assert_eq!(
            store.list_records("project").await.unwrap().len(),
            3,
            "{label}"
        );
    }
}

#[tokio::test]
async fn records_upsert_handles_more_rows_than_one_statement_takes() {
    for (db, store) in each_store().await {
        let rows: Vec<(String, Fields)> = (0..25_000)
            .map(|i| {
                (
                    format!("K{i:06}"),
                    fields(json!({"n": i, "name": format!("row {i}")})),
                )
            })
            .collect();
        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("bulk", &rows, t0(), "import")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts.inserted, 25_000, "{}", db.label);
        let mut tx = store.begin().await.unwrap();
        let counts = tx
            .upsert_records("bulk", &rows, t0(), "import")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts.unchanged, 25_000, "{}", db.label);
        assert_eq!(store.list_records("bulk").await.unwrap().len(), 25_000);
    }
}
