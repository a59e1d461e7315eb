//! The use cases' counting points for `/metrics` (see [`crate::telemetry`]): what only the
//! running process sees, counted once its transaction committed.

use super::Keel;
use crate::domain::Request;
use crate::telemetry::Telemetry;

impl Keel {
    /// What this keel measures of itself.
    pub fn telemetry(&self) -> &Telemetry {
        self.store.telemetry()
    }

    /// Counts `request`'s decision, with how long it waited for it, when `request` is decided
    /// (a step approved on the way to the next one is not a decision).
    pub(super) fn count_decision(&self, request: &Request) {
        let Some(decided_at) = request.decided_at.filter(|_| request.status.is_final()) else {
            return;
        };
        let waited = (decided_at - request.submitted_at)
            .num_milliseconds()
            .max(0);
        let seconds = waited as f64 / 1000.0;
        self.telemetry()
            .decided(&request.workflow, request.status.as_str(), seconds);
    }
}

impl Keel {
    /// What `/metrics` reads from the database, at the clock's now; a timer is late when it is
    /// still unfired two scheduler ticks (at least a minute) after it fell due.
    pub async fn operations_counts(&self) -> anyhow::Result<crate::store::OperationsCounts> {
        let now = self.clock.now();
        let tick = self.config.settings.scheduler.tick_seconds;
        let grace = chrono::Duration::seconds(i64::try_from(tick.saturating_mul(2)).unwrap_or(60));
        let late_before = now - grace.max(chrono::Duration::minutes(1));
        self.store.operations_counts(now, late_before).await
    }
}
