//! What `/metrics` and `/readyz` read from the database at each scrape: counts that survive a
//! restart (requests by outcome, SLA breaches) and what is waiting (pending requests, due
//! timers, undelivered notifications). Each read is a grouped count over an index, so a scrape
//! stays fast as the history grows.

use super::Store;
use super::sql::{parse_opt_ts, parse_ts, ts};
use super::statement::{Columns, Statement};
use anyhow::Result;
use chrono::{DateTime, Utc};

/// How many requests of a workflow are in a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCount {
    pub workflow: String,
    /// `pending`, `approved`, `auto_approved`… (see [`crate::domain::Status`]).
    pub status: String,
    pub count: i64,
}

/// The pending requests of a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRequests {
    pub workflow: String,
    pub count: i64,
    pub oldest_submitted_at: DateTime<Utc>,
}

/// How often the requests of a workflow were reminded, escalated or expired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaBreaches {
    pub workflow: String,
    /// The audit event: `reminded`, `escalated` or `expired`.
    pub action: String,
    pub count: i64,
}

/// Open timers of a kind that are due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueTimers {
    /// `remind`, `escalate` or `expire`.
    pub kind: String,
    pub due: i64,
    /// Due before the `late_before` asked about: the scheduler is not keeping up.
    pub late: i64,
}

/// Undelivered notifications owed on a platform (`None`: not yet handed to one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformOutbox {
    pub platform: Option<String>,
    /// Waiting for their first delivery or a retry.
    pub pending: i64,
    /// Parked (see [`super::FailedDelivery`]).
    pub parked: i64,
    /// When the oldest pending one was queued.
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// Everything a scrape reads from the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationsCounts {
    pub requests: Vec<RequestCount>,
    pub pending: Vec<PendingRequests>,
    pub sla_breaches: Vec<SlaBreaches>,
    pub timers: Vec<DueTimers>,
    pub outbox: Vec<PlatformOutbox>,
}

impl Store {
    /// The counts of [`OperationsCounts`]; timers due at `now`, late when due before
    /// `late_before`.
    pub async fn operations_counts(
        &self,
        now: DateTime<Utc>,
        late_before: DateTime<Utc>,
    ) -> Result<OperationsCounts> {
        Ok(OperationsCounts {
            requests: self.request_counts().await?,
            pending: self.pending_by_workflow().await?,
            sla_breaches: self.sla_breaches().await?,
            timers: self.due_timers(now, late_before).await?,
            outbox: self.outbox_by_platform().await?,
        })
    }

    async fn request_counts(&self) -> Result<Vec<RequestCount>> {
        let read = Statement::new(
            "select workflow, status, count(*) from requests group by workflow, status \
             order by workflow, status",
            "counting requests by workflow and status",
        );
        self.rows(read, |columns| {
            Ok(RequestCount {
                workflow: columns.text()?,
                status: columns.text()?,
                count: columns.int()?,
            })
        })
        .await
    }

    async fn pending_by_workflow(&self) -> Result<Vec<PendingRequests>> {
        let read = Statement::new(
            "select workflow, count(*), min(submitted_at) from requests \
             where status = 'pending' group by workflow order by workflow",
            "counting pending requests",
        );
        self.rows(read, |columns| {
            Ok(PendingRequests {
                workflow: columns.text()?,
                count: columns.int()?,
                oldest_submitted_at: parse_ts(&columns.text()?)?,
            })
        })
        .await
    }

    async fn sla_breaches(&self) -> Result<Vec<SlaBreaches>> {
        let read = Statement::new(
            "select r.workflow, e.action, count(*) from (select request_id, action from events \
             union all select request_id, action from pending_events) e \
             join requests r on r.id = e.request_id \
             where e.action in ('reminded', 'escalated', 'expired') \
             group by r.workflow, e.action order by r.workflow, e.action",
            "counting reminders, escalations and expiries",
        );
        self.rows(read, |columns| {
            Ok(SlaBreaches {
                workflow: columns.text()?,
                action: columns.text()?,
                count: columns.int()?,
            })
        })
        .await
    }

    async fn due_timers(
        &self,
        now: DateTime<Utc>,
        late_before: DateTime<Utc>,
    ) -> Result<Vec<DueTimers>> {
        let read = Statement::new(
            "select kind, count(*), sum(case when due_at < $2 then 1 else 0 end) from timers \
             where fired_at is null and cancelled_at is null and due_at <= $1 \
             group by kind order by kind",
            "counting due timers",
        )
        .bind(ts(&now))
        .bind(ts(&late_before));
        self.rows(read, |columns| {
            Ok(DueTimers {
                kind: columns.text()?,
                due: columns.int()?,
                late: columns.int()?,
            })
        })
        .await
    }

    /// Each row of `read`, as `read_row` reads its columns.
    async fn rows<T>(
        &self,
        read: Statement,
        read_row: impl Fn(&mut Columns) -> Result<T>,
    ) -> Result<Vec<T>> {
        let rows = self.read(read).await?;
        rows.into_iter()
            .map(|row| read_row(&mut row.columns()))
            .collect()
    }

    /// Undelivered notifications by platform, for `/metrics` and `/readyz`.
    pub async fn outbox_by_platform(&self) -> Result<Vec<PlatformOutbox>> {
        let read = Statement::new(
            "select platform, count(*) - count(failed_at), count(failed_at), \
             min(case when failed_at is null then created_at end) from outbox \
             where delivered_at is null group by platform order by platform",
            "counting undelivered notifications by platform",
        );
        self.rows(read, |columns| {
            Ok(PlatformOutbox {
                platform: columns.opt_text()?,
                pending: columns.int()?,
                parked: columns.int()?,
                oldest_pending: parse_opt_ts(columns.opt_text()?.as_deref())?,
            })
        })
        .await
    }
}
