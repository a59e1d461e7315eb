//! The same error written to the log once a minute, not at every occurrence: a failure that
//! repeats every loop (a full disk, a database gone) otherwise buries the log in identical
//! lines. The first occurrence is written with a reference; the ones after it within the minute
//! are counted and share that reference (a person shown it finds the line that explains it);
//! the next occurrence after the minute is written again, with how many were left out.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long an error stays quiet after it was written.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Different errors remembered at most; beyond it, the quiet ones are forgotten first.
const REMEMBERED: usize = 1_000;

static ERRORS: LazyLock<Repeats> = LazyLock::new(|| Repeats::new(WINDOW));

/// Logs `error` as `what` failed, unless the same error was logged within the last minute;
/// returns the reference of the line that explains it.
pub fn error(what: &str, error: &anyhow::Error) -> String {
    let message = if what.is_empty() {
        format!("{error:#}")
    } else {
        format!("{what}: {error:#}")
    };
    match ERRORS.note(&message, Instant::now()) {
        Note::Write {
            reference,
            left_out: 0,
        } => {
            tracing::error!(reference, "{message}");
            reference
        }
        Note::Write {
            reference,
            left_out,
        } => {
            tracing::error!(
                reference,
                "{message} (repeated {left_out} times since it was last written, not written again)"
            );
            reference
        }
        Note::Quiet { reference } => reference,
    }
}

/// What to do with one occurrence of an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Write it, saying how many occurrences since the last written one were left out.
    Write { reference: String, left_out: u64 },
    /// Leave it out: the line with this reference, written less than a window ago, says it.
    Quiet { reference: String },
}

/// The errors written recently, by their text.
pub struct Repeats {
    window: Duration,
    seen: Mutex<HashMap<String, Seen>>,
}

struct Seen {
    written_at: Instant,
    reference: String,
    left_out: u64,
}

impl Repeats {
    pub fn new(window: Duration) -> Repeats {
        Repeats {
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the occurrence of `message` at `now` is written or left out.
    pub fn note(&self, message: &str, now: Instant) -> Note {
        let Ok(mut seen) = self.seen.lock() else {
            // A panic while the map was held: write everything rather than nothing.
            return Note::Write {
                reference: new_reference(),
                left_out: 0,
            };
        };
        if let Some(entry) = seen.get_mut(message) {
            if now.saturating_duration_since(entry.written_at) < self.window {
                entry.left_out += 1;
                return Note::Quiet {
                    reference: entry.reference.clone(),
                };
            }
            let left_out = std::mem::take(&mut entry.left_out);
            entry.written_at = now;
            entry.reference = new_reference();
            return Note::Write {
                reference: entry.reference.clone(),
                left_out,
            };
        }
        if seen.len() >= REMEMBERED {
            let window = self.window;
            seen.retain(|_, entry| now.saturating_duration_since(entry.written_at) < window);
            if seen.len() >= REMEMBERED {
                seen.clear();
            }
        }
        let reference = new_reference();
        seen.insert(
            message.to_string(),
            Seen {
                written_at: now,
                reference: reference.clone(),
                left_out: 0,
            },
        );
        Note::Write {
            reference,
            left_out: 0,
        }
    }
}

/// A short reference a person can quote and an operator can find in the log.
pub fn new_reference() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(note: &Note) -> &str {
        match note {
            Note::Write { reference, .. } | Note::Quiet { reference } => reference,
        }
    }

    #[test]
    fn an_error_repeated_within_the_window_is_written_once_then_summed_up() {
        let repeats = Repeats::new(Duration::from_secs(60));
        let start = Instant::now();
        let first = repeats.note("disk full", start);
        assert!(
            matches!(first, Note::Write { left_out: 0, .. }),
            "{first:?}"
        );
        for second in 1..=59 {
            let later = repeats.note("disk full", start + Duration::from_secs(second));
            assert_eq!(
                later,
                Note::Quiet {
                    reference: reference(&first).to_string()
                },
                "the repeats share the first line's reference"
            );
        }
        let after = repeats.note("disk full", start + Duration::from_secs(60));
        assert!(
            matches!(&after, Note::Write { left_out: 59, reference: new } if new != reference(&first)),
            "{after:?}"
        );
        let quiet_again = repeats.note("disk full", start + Duration::from_secs(61));
        assert_eq!(
            quiet_again,
            Note::Quiet {
                reference: reference(&after).to_string()
            }
        );
    }

    #[test]
    fn different_errors_are_each_written() {
        let repeats = Repeats::new(Duration::from_secs(60));
        let now = Instant::now();
        assert!(matches!(repeats.note("a", now), Note::Write { .. }));
        assert!(matches!(repeats.note("b", now), Note::Write { .. }));
        assert!(matches!(repeats.note("a", now), Note::Quiet { .. }));
    }

    #[test]
    fn many_different_errors_do_not_grow_the_memory_without_end() {
        let repeats = Repeats::new(Duration::from_secs(60));
        let now = Instant::now();
        for i in 0..(REMEMBERED * 3) {
            repeats.note(&format!("error {i}"), now);
        }
        let remembered = repeats.seen.lock().map(|seen| seen.len()).unwrap_or(0);
        assert!(remembered <= REMEMBERED, "{remembered}");
    }
}
