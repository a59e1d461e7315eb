//! Timers: scheduling them with a transition, cancelling them when the request moves on, and
//! claiming due ones so that several schedulers never fire the same timer.

use super::Tx;
use super::sql::{parse_ts, ts, value_tuples};
use crate::domain::{NewTimer, Timer, TimerKind};
use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct TimerRow {
    id: i64,
    request_id: String,
    kind: String,
    step: i64,
    due_at: String,
}

impl TimerRow {
    fn into_timer(self) -> Result<Timer> {
        Ok(Timer {
            id: self.id,
            kind: TimerKind::parse(&self.kind)
                .ok_or_else(|| anyhow!("unknown timer kind `{}`", self.kind))?,
            step: usize::try_from(self.step).context("reading a timer's step")?,
            due_at: parse_ts(&self.due_at)?,
            request_id: self.request_id,
        })
    }
}

impl Tx {
    /// Schedules timers with the transition that makes them necessary.
    pub async fn schedule_timers(&mut self, timers: &[NewTimer]) -> Result<()> {
        for chunk in timers.chunks(500) {
            let sql = format!(
                "insert into timers (request_id, kind, step, due_at) values {}",
                value_tuples(self.backend, chunk.len(), 4)
            );
            let mut query = sqlx::query(&sql);
            for timer in chunk {
                query = query
                    .bind(timer.request_id.clone())
                    .bind(timer.kind.as_str())
                    .bind(i64::try_from(timer.step).context("timer step out of range")?)
                    .bind(ts(&timer.due_at));
            }
            query
                .execute(self.conn()?)
                .await
                .context("scheduling timers")?;
        }
        Ok(())
    }

    /// Cancels the request's timers that have not fired (the wall clock's now is kept as
    /// `cancelled_at`, for operators only).
    pub async fn cancel_timers(&mut self, request_id: &str) -> Result<()> {
        sqlx::query(
            "update timers set cancelled_at = $2 \
             where request_id = $1 and fired_at is null and cancelled_at is null",
        )
        .bind(request_id)
        .bind(ts(&Utc::now()))
        .execute(self.conn()?)
        .await
        .with_context(|| format!("cancelling the timers of {request_id}"))?;
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
        let row: Option<TimerRow> = sqlx::query_as(&sql)
            .bind(ts(&now))
            .fetch_optional(self.conn()?)
            .await
            .context("claiming a due timer")?;
        row.map(TimerRow::into_timer).transpose()
    }

    /// Marks a claimed timer fired, in the transaction that acted on it.
    pub async fn finish_timer(&mut self, id: i64, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("update timers set fired_at = $2 where id = $1")
            .bind(id)
            .bind(ts(&at))
            .execute(self.conn()?)
            .await
            .with_context(|| format!("marking timer {id} fired"))?;
        Ok(())
    }
}
