//! Timers: reminders, escalations and expiries as rows with a due time, claimed by the scheduler.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    Remind,
    Escalate,
    Expire,
}

impl TimerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TimerKind::Remind => "remind",
            TimerKind::Escalate => "escalate",
            TimerKind::Expire => "expire",
        }
    }

    pub fn parse(s: &str) -> Option<TimerKind> {
        match s {
            "remind" => Some(TimerKind::Remind),
            "escalate" => Some(TimerKind::Escalate),
            "expire" => Some(TimerKind::Expire),
            _ => None,
        }
    }
}

/// A timer to schedule. `step` is the step it concerns: a timer whose step has moved on by the
/// time it fires does nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTimer {
    pub request_id: String,
    pub kind: TimerKind,
    pub step: usize,
    pub due_at: DateTime<Utc>,
}

/// A scheduled timer as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Timer {
    pub id: i64,
    pub request_id: String,
    pub kind: TimerKind,
    pub step: usize,
    pub due_at: DateTime<Utc>,
}
