//! Whether the database takes writes: a write that leaves nothing behind, committed like any
//! other, so that a full disk or a read-only file or server is found by a health check (and at
//! start-up) before a person's action finds it.

use super::Store;
use super::statement::Statement;
use anyhow::Result;

impl Store {
    /// Inserts a row and deletes it again in one committed transaction. The row goes to
    /// `slack_events`, a table of independent rows nobody holds locks on for long, so the
    /// probe waits behind no import or request; its id is unique to the probe.
    pub async fn probe_write(&self) -> Result<()> {
        let marker = format!("keel-write-probe-{}", uuid::Uuid::new_v4().simple());
        let mut tx = self.begin().await?;
        tx.write(
            Statement::new(
                "insert into slack_events (event_id, received_at) values ($1, $2)",
                "writing the health check's row",
            )
            .bind(&marker)
            .bind("1970-01-01T00:00:00Z"),
        )
        .await?;
        tx.write(
            Statement::new(
                "delete from slack_events where event_id = $1",
                "deleting the health check's row",
            )
            .bind(&marker),
        )
        .await?;
        tx.commit().await
    }
}
