//! Digests: a schedule tick claimed by the one process whose insert makes its row (sent in
//! that transaction), and what each person's last digest listed.

use super::Tx;
use super::sql::{from_json, to_json, ts};
use super::statement::Statement;
use crate::engine::digest::Item;
use anyhow::Result;
use chrono::{DateTime, Utc};

impl Tx {
    /// Claims `digest`'s tick at `due_at` for this transaction; `false` when another process
    /// (or an earlier run) has it. On PostgreSQL a concurrent claim waits for this transaction
    /// and then finds the row taken. A `skipped` tick is claimed to be passed over unsent.
    pub async fn claim_digest_tick(
        &mut self,
        digest: &str,
        due_at: DateTime<Utc>,
        now: DateTime<Utc>,
        skipped: bool,
    ) -> Result<bool> {
        let claim = Statement::new(
            "insert into digest_ticks (digest, due_at, sent_at, sent_to, skipped) \
             values ($1, $2, $3, 0, $4) on conflict (digest, due_at) do nothing returning digest",
            format!("claiming digest {digest} due at {due_at}"),
        )
        .bind(digest)
        .bind(ts(&due_at))
        .bind(ts(&now))
        .bind(i64::from(skipped));
        Ok(!self.fetch(claim).await?.is_empty())
    }

    /// Notes how many people a claimed tick was sent to.
    pub async fn finish_digest_tick(
        &mut self,
        digest: &str,
        due_at: DateTime<Utc>,
        sent_to: usize,
    ) -> Result<()> {
        let finish = Statement::new(
            "update digest_ticks set sent_to = $3 where digest = $1 and due_at = $2",
            format!("noting whom digest {digest} went to"),
        )
        .bind(digest)
        .bind(ts(&due_at))
        .bind(i64::try_from(sent_to)?);
        self.write(finish).await
    }

    /// What `person`'s last `digest` listed, if they had one.
    pub async fn digest_memory(&mut self, digest: &str, person: &str) -> Result<Option<Vec<Item>>> {
        let read = Statement::new(
            "select items from digest_memory where digest = $1 and person = $2",
            format!("reading {person}'s last {digest}"),
        )
        .bind(digest)
        .bind(person);
        let row = self.fetch(read).await?.into_iter().next();
        row.map(|row| from_json(&row.columns().text()?, "a digest's items"))
            .transpose()
    }

    /// Keeps what `person`'s `digest` listed, for the next one to compare with.
    pub async fn remember_digest(
        &mut self,
        digest: &str,
        person: &str,
        items: &[Item],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let keep = Statement::new(
            "insert into digest_memory (digest, person, items, sent_at) values ($1, $2, $3, $4) \
             on conflict (digest, person) do update set items = excluded.items, \
             sent_at = excluded.sent_at",
            format!("remembering {person}'s {digest}"),
        )
        .bind(digest)
        .bind(person)
        .bind(to_json(&items)?)
        .bind(ts(&now));
        self.write(keep).await
    }
}

impl super::Store {
    /// Whether keel has seen `digest` before (any tick of it, sent or passed over).
    pub async fn digest_seen(&self, digest: &str) -> Result<bool> {
        let read = Statement::new(
            "select 1 from digest_ticks where digest = $1 limit 1",
            format!("looking for ticks of digest {digest}"),
        )
        .bind(digest);
        Ok(!self.read(read).await?.is_empty())
    }

    /// Whether `digest`'s tick at `due_at` was claimed (sent, or passed over): a cheap look
    /// before reading a digest that another process may have sent already; the claim decides.
    pub async fn digest_tick_claimed(&self, digest: &str, due_at: DateTime<Utc>) -> Result<bool> {
        let read = Statement::new(
            "select 1 from digest_ticks where digest = $1 and due_at = $2",
            format!("looking for digest {digest} due at {due_at}"),
        )
        .bind(digest)
        .bind(ts(&due_at));
        Ok(!self.read(read).await?.is_empty())
    }
}
