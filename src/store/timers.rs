//! Timers: scheduling them with a transition, cancelling them when the request moves on, and
//! claiming due ones so that several schedulers never fire the same timer.

use super::sql::{parse_ts, ts, value_tuples};
use super::statement::{Row, Statement};
use super::{Store, Tx};
use crate::domain::{NewTimer, Timer, TimerKind};
use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};

/// A timer from a row of `id, request_id, kind, step, due_at`.
fn timer_from_row(row: Row) -> Result<Timer> {
    let mut columns = row.columns();
    let id = columns.int()?;
    let request_id = columns.text()?;
    let kind = columns.text()?;
    let step = columns.int()?;
    let due_at = columns.text()?;
    Ok(Timer {
        id,
        kind: TimerKind::parse(&kind).ok_or_else(|| anyhow!("unknown timer kind `{kind}`"))?,
        step: usize::try_from(step).context("reading a timer's step")?,
        due_at: parse_ts(&due_at)?,
        request_id,
    })
}

impl Tx {
    /// Schedules timers with the transition that makes them necessary.
    pub async fn schedule_timers(&mut self, timers: &[NewTimer]) -> Result<()> {
        for chunk in timers.chunks(500) {
            let sql = format!(
                "insert into timers (request_id, kind, step, due_at) values {}",
                value_tuples(self.backend, chunk.len(), 4)
            );
            let mut insert = Statement::new(sql, "scheduling timers");
            for timer in chunk {
                insert.push(&timer.request_id);
                insert.push(timer.kind.as_str());
                insert.push(i64::try_from(timer.step).context("timer step out of range")?);
                insert.push(ts(&timer.due_at));
            }
            self.write(insert).await?;
        }
        Ok(())
    }

    /// Cancels the request's timers that have not fired (the wall clock's now is kept as
    /// `cancelled_at`, for operators only).
    pub async fn cancel_timers(&mut self, request_id: &str) -> Result<()> {
        let cancel = Statement::new(
            "update timers set cancelled_at = $2 \
             where request_id = $1 and fired_at is null and cancelled_at is null",
            format!("cancelling the timers of {request_id}"),
        )
        .bind(request_id)
        .bind(ts(&Utc::now()));
        self.write(cancel).await?;
        Ok(())
    }

    /// The most overdue open timer, held by this transaction until it ends: other schedulers
    /// on Postgres pass over it (`skip locked`); on SQLite the transaction excludes them anyway.
    /// Fire it, then [`Tx::finish_timer`] and commit.
    pub async fn claim_due_timer(&mut self, now: DateTime<Utc>) -> Result<Option<Timer>> {
        let sql = format!(
            "select id, request_id, kind, step, due_at from timers \
             where due_at <= $1 and fired_at is null and cancelled_at is null \
             order by due_at, id limit 1{}",
            self.backend.for_update_skip_locked()
        );
        let claim = Statement::new(sql, "claiming a due timer").bind(ts(&now));
        let row = self.fetch(claim).await?.into_iter().next();
        row.map(timer_from_row).transpose()
    }

    /// Marks a claimed timer fired, in the transaction that acted on it.
    pub async fn finish_timer(&mut self, id: i64, at: DateTime<Utc>) -> Result<()> {
        let fired = Statement::new(
            "update timers set fired_at = $2 where id = $1",
            format!("marking timer {id} fired"),
        )
        .bind(id)
        .bind(ts(&at));
        self.write(fired).await?;
        Ok(())
    }
}

impl Store {
    /// The requests with a timer due at `now`, read without claiming any (at most `limit`):
    /// what the scheduler reads before it fires them, outside their transactions.
    pub async fn due_timer_requests(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<String>> {
        let read = Statement::new(
            "select distinct request_id from timers \
             where due_at <= $1 and fired_at is null and cancelled_at is null limit $2",
            "reading the requests with due timers",
        )
        .bind(ts(&now))
        .bind(limit);
        let rows = self.read(read).await?;
        rows.into_iter().map(|row| row.columns().text()).collect()
    }
}
