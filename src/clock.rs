//! The clock the service reads `now` from: the system clock in production, a clock the test
//! advances by hand everywhere else, so escalations are tested without sleeping.

use chrono::{DateTime, Duration, Utc};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A manual clock standing at `at`.
    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock forward; the system clock cannot be moved and ignores this.
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(at) = self {
            let mut at = at.lock().unwrap_or_else(|e| e.into_inner());
            *at += by;
        }
    }
}
