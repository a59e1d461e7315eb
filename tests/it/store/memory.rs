//! Giving memory back when idle: the store counts its work, and emptying its caches loses
//! nothing and leaves it working.

use super::*;

#[tokio::test]
async fn emptying_the_caches_keeps_every_record_and_the_store_working() {
    for (db, store) in each_store().await {
        let label = db.label;
        let rows: Vec<(String, Fields)> = (1..=50)
            .map(|n| {
                let key = format!("P-{n}");
                (
                    key.clone(),
                    fields(json!({"id": key, "name": format!("Project {n}")})),
                )
            })
            .collect();
        let before = store.activity();
        let mut tx = store.begin().await.unwrap();
        tx.upsert_records("project", &rows, t0(), "import:a.csv")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(store.list_records("project").await.unwrap().len(), 50);
        let busy = store.activity();
        match store.backend {
            // A transaction and a read were counted.
            Backend::Sqlite => assert!(busy >= before + 2, "[{label}] {before} → {busy}"),
            Backend::Postgres => assert_eq!(busy, 0, "[{label}] the server's caches, not keel's"),
        }

        store.release_memory().await.unwrap();
        // Again while a transaction is open: it waits for the writer, or leaves it alone.
        let mut open = store.begin().await.unwrap();
        let again = tokio::spawn({
            let store = store.clone();
            async move { store.release_memory().await }
        });
        open.upsert_records("project", &rows[..1], t0(), "import:b.csv")
            .await
            .unwrap();
        open.commit().await.unwrap();
        again.await.unwrap().unwrap();

        let listed = store.list_records("project").await.unwrap();
        assert_eq!(listed.len(), 50, "[{label}]");
        let one = store.get_record("project", "P-7").await.unwrap().unwrap();
        assert_eq!(one.fields["name"], "Project 7", "[{label}]");
        let mut tx = store.begin().await.unwrap();
        tx.upsert_records("project", &rows[..2], t0(), "import:c.csv")
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
}
