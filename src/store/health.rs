//! Whether the database takes writes: a write that leaves nothing behind, committed like any
//! other, so that a full disk or a read-only file or server is found by a health check (and at
//! start-up) before a person's action finds it.

use super::Store;
use super::statement::Statement;
use anyhow::Result;

impl Store {
    /// Inserts a row into `health_probe` (a table only the probe writes) and deletes it again in
    /// one committed transaction.
    pub async fn probe_write(&self) -> Result<()> {
        let marker = format!("keel-write-probe-{}", uuid::Uuid::new_v4().simple());
        let mut tx = self.begin().await?;
        tx.write(
            Statement::new(
                "insert into health_probe (id) values ($1)",
                "writing the health check's row",
            )
            .bind(&marker),
        )
        .await?;
        tx.write(
            Statement::new(
                "delete from health_probe where id = $1",
                "deleting the health check's row",
            )
            .bind(&marker),
        )
        .await?;
        tx.commit().await
    }
}
