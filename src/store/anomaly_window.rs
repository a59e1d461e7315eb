//! One scope's most recent anomaly values, in memory: what the anomaly check compares a new
//! request with, kept by [`super::anomaly_windows`] so that a submission reads no rows for it.

use std::collections::VecDeque;

/// The values of one scope (a group of a workflow, or every group of it) as the anomaly
/// history query would read them: the most recent `limit` requests' stored values, oldest
/// first.
///
/// Holding fewer than `limit` means it holds every one: a window is only ever loaded whole
/// (newest `limit` of the database) and grown by commits, never trimmed otherwise.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Window {
    /// (submitted_at in microseconds since the epoch, value), sorted by time. A stored value
    /// that is not a finite number is NaN: it takes its place among the most recent as it
    /// takes a row of the query, and [`Window::values`] leaves it out as the query's reader did.
    samples: VecDeque<(i64, f64)>,
}

/// The number a stored `anomaly_value` text stands for, NaN when none (see [`Window`]).
pub(super) fn parse_value(text: &str) -> f64 {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .unwrap_or(f64::NAN)
}

impl Window {
    /// The window of `rows` (at most `limit`, in any order: the load query reads them
    /// newest first).
    pub(super) fn from_rows(rows: impl IntoIterator<Item = (i64, f64)>) -> Window {
        let mut samples: VecDeque<(i64, f64)> = rows.into_iter().collect();
        samples
            .make_contiguous()
            .sort_by_key(|(submitted_at, _)| *submitted_at);
        Window { samples }
    }

    /// Counts a request submitted at `submitted_at` with `value`, dropping the oldest when
    /// the window is past `limit` (a request older than every one of a full window is not
    /// among the most recent and changes nothing).
    pub(super) fn add(&mut self, submitted_at: i64, value: f64, limit: usize) {
        let full = self.samples.len() >= limit;
        if full
            && self
                .samples
                .front()
                .is_some_and(|(at, _)| *at > submitted_at)
        {
            return;
        }
        let at = self.samples.partition_point(|(at, _)| *at <= submitted_at);
        self.samples.insert(at, (submitted_at, value));
        while self.samples.len() > limit {
            self.samples.pop_front();
        }
    }

    /// The numbers of the window, oldest first.
    pub(super) fn values(&self) -> Vec<f64> {
        self.samples
            .iter()
            .map(|(_, value)| *value)
            .filter(|value| value.is_finite())
            .collect()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.samples.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{Window, parse_value};

    #[test]
    fn a_loaded_window_reads_oldest_first() {
        let window = Window::from_rows([(30, 3.0), (20, 2.0), (10, 1.0)]);
        assert_eq!(window.values(), [1.0, 2.0, 3.0]);
    }

    #[test]
    fn a_new_value_goes_in_time_order_and_pushes_out_the_oldest_when_full() {
        let mut window = Window::from_rows([(30, 3.0), (20, 2.0), (10, 1.0)]);
        window.add(25, 2.5, 3);
        assert_eq!(window.values(), [2.0, 2.5, 3.0]);
        window.add(40, 4.0, 3);
        assert_eq!(window.values(), [2.5, 3.0, 4.0]);
    }

    #[test]
    fn a_value_older_than_a_full_window_is_not_among_the_most_recent() {
        let mut window = Window::from_rows([(30, 3.0), (20, 2.0)]);
        window.add(5, 0.5, 2);
        assert_eq!(window.values(), [2.0, 3.0]);
    }

    #[test]
    fn a_window_short_of_its_limit_keeps_an_older_value() {
        let mut window = Window::from_rows([(30, 3.0), (20, 2.0)]);
        window.add(5, 0.5, 3);
        assert_eq!(window.values(), [0.5, 2.0, 3.0]);
    }

    #[test]
    fn a_value_that_is_not_a_number_takes_a_place_but_is_not_compared_with() {
        let mut window = Window::from_rows([(20, parse_value("n/a")), (10, 1.0)]);
        assert_eq!(window.values(), [1.0]);
        window.add(30, parse_value(" 1250.00 "), 2);
        assert_eq!(
            window.values(),
            [1250.0],
            "1.0 was pushed out by the later two"
        );
        assert_eq!(window.len(), 2);
    }

    #[test]
    fn money_text_and_numbers_both_parse_and_infinities_do_not() {
        assert_eq!(parse_value("80.50"), 80.5);
        assert_eq!(parse_value("40"), 40.0);
        assert!(parse_value("inf").is_nan());
        assert!(parse_value("").is_nan());
    }
}
