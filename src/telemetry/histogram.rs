//! In-process counters and histograms, kept per label set: what keel sees happen (HTTP
//! requests, transactions, deliveries, decisions) between two scrapes. They start at zero with
//! the process, which Prometheus's `rate()` and `histogram_quantile()` expect of counters.

use super::exposition::{Exposition, Kind};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// Upper bounds, in seconds, for what takes milliseconds (HTTP requests, transactions).
pub const FAST_SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Upper bounds, in seconds, for how long a request waits for its decision: a second (rules
/// decided it), minutes, hours, a working day, days, weeks.
pub const DECISION_SECONDS: &[f64] = &[
    1.0,
    60.0,
    300.0,
    900.0,
    3_600.0,
    14_400.0,
    28_800.0,
    86_400.0,
    172_800.0,
    259_200.0,
    604_800.0,
    1_209_600.0,
];

/// Observations of one label set, bucketed by `bounds`.
#[derive(Debug, Clone, PartialEq)]
struct Buckets {
    /// Observations at or below each bound, not cumulated; the last slot is above every bound.
    counts: Vec<u64>,
    sum: f64,
}

impl Buckets {
    fn new(bounds: &[f64]) -> Buckets {
        Buckets {
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
        }
    }

    fn observe(&mut self, bounds: &[f64], value: f64) {
        let slot = bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(bounds.len());
        self.counts[slot] += 1;
        self.sum += value;
    }
}

/// A histogram family: one set of buckets per label values.
#[derive(Debug)]
pub struct Histograms {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    bounds: &'static [f64],
    by_labels: Mutex<BTreeMap<Vec<String>, Buckets>>,
}

impl Histograms {
    pub const fn new(
        (name, help): (&'static str, &'static str),
        labels: &'static [&'static str],
        bounds: &'static [f64],
    ) -> Histograms {
        Histograms {
            name,
            help,
            labels,
            bounds,
            by_labels: Mutex::new(BTreeMap::new()),
        }
    }

    /// Counts `value` under `values` (one per label, in the family's order).
    pub fn observe(&self, values: &[&str], value: f64) {
        let mut by_labels = locked(&self.by_labels);
        by_labels
            .entry(key(values))
            .or_insert_with(|| Buckets::new(self.bounds))
            .observe(self.bounds, value);
    }

    /// The family as Prometheus reads it: cumulative buckets, `+Inf`, sum and count.
    pub fn render(&self, text: &mut Exposition) {
        text.family(self.name, self.help, Kind::Histogram);
        let by_labels = locked(&self.by_labels).clone();
        let bucket = format!("{}_bucket", self.name);
        for (values, buckets) in &by_labels {
            let labels = paired(self.labels, values);
            let mut cumulated = 0;
            for (bound, count) in self.bounds.iter().zip(&buckets.counts) {
                cumulated += count;
                let le = bound.to_string();
                text.sample(&bucket, &with_bound(&labels, &le), cumulated);
            }
            let total = cumulated + buckets.counts[self.bounds.len()];
            text.sample(&bucket, &with_bound(&labels, "+Inf"), total);
            text.sample(&format!("{}_sum", self.name), &labels, buckets.sum);
            text.sample(&format!("{}_count", self.name), &labels, total);
        }
    }
}

/// Label values as a family's map keeps them.
fn key(values: &[&str]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

/// A family's map; a panic elsewhere while the lock was held leaves counts that are still
/// counts, so a poisoned lock is taken all the same.
fn locked<V>(map: &Mutex<BTreeMap<Vec<String>, V>>) -> MutexGuard<'_, BTreeMap<Vec<String>, V>> {
    map.lock().unwrap_or_else(|e| e.into_inner())
}

/// Each label's name with its value.
fn paired<'a>(names: &[&'a str], values: &'a [String]) -> Vec<(&'a str, &'a str)> {
    names
        .iter()
        .copied()
        .zip(values.iter().map(String::as_str))
        .collect()
}

/// `labels` and the bucket's bound `le`.
fn with_bound<'a>(labels: &[(&'a str, &'a str)], le: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut labels = labels.to_vec();
    labels.push(("le", le));
    labels
}

/// A counter family: one count per label values.
#[derive(Debug)]
pub struct Counters {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    by_labels: Mutex<BTreeMap<Vec<String>, u64>>,
}

impl Counters {
    pub const fn new(
        (name, help): (&'static str, &'static str),
        labels: &'static [&'static str],
    ) -> Counters {
        Counters {
            name,
            help,
            labels,
            by_labels: Mutex::new(BTreeMap::new()),
        }
    }

    /// Adds one under `values` (one per label, in the family's order).
    pub fn increment(&self, values: &[&str]) {
        *locked(&self.by_labels).entry(key(values)).or_default() += 1;
    }

    pub fn render(&self, text: &mut Exposition) {
        text.family(self.name, self.help, Kind::Counter);
        let by_labels = locked(&self.by_labels).clone();
        for (values, count) in &by_labels {
            text.sample(self.name, &paired(self.labels, values), count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Counters, Exposition, Histograms};

    const BOUNDS: &[f64] = &[0.1, 1.0];

    fn rendered(family: &Histograms) -> Vec<String> {
        let mut text = Exposition::default();
        family.render(&mut text);
        text.into_text().lines().skip(2).map(String::from).collect()
    }

    #[test]
    fn a_histogram_cumulates_its_buckets_and_counts_what_is_above_every_bound_in_inf() {
        let family = Histograms::new(("t_seconds", "T."), &["route"], BOUNDS);
        for value in [0.05, 0.1, 0.5, 3.0] {
            family.observe(&["/a"], value);
        }
        assert_eq!(
            rendered(&family),
            [
                "t_seconds_bucket{route=\"/a\",le=\"0.1\"} 2",
                "t_seconds_bucket{route=\"/a\",le=\"1\"} 3",
                "t_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4",
                "t_seconds_sum{route=\"/a\"} 3.65",
                "t_seconds_count{route=\"/a\"} 4",
            ]
        );
    }

    #[test]
    fn each_label_set_has_its_own_buckets() {
        let family = Histograms::new(("t_seconds", "T."), &["route"], BOUNDS);
        family.observe(&["/a"], 0.5);
        family.observe(&["/b"], 0.01);
        let lines = rendered(&family);
        assert!(lines.contains(&"t_seconds_count{route=\"/a\"} 1".to_string()));
        assert!(lines.contains(&"t_seconds_bucket{route=\"/b\",le=\"0.1\"} 1".to_string()));
        assert!(lines.contains(&"t_seconds_bucket{route=\"/a\",le=\"0.1\"} 0".to_string()));
    }

    #[test]
    fn a_counter_counts_per_label_set() {
        let family = Counters::new(("n_total", "N."), &["platform"]);
        family.increment(&["slack"]);
        family.increment(&["slack"]);
        family.increment(&["discord"]);
        let mut text = Exposition::default();
        family.render(&mut text);
        assert_eq!(
            text.into_text(),
            "# HELP n_total N.\n# TYPE n_total counter\n\
             n_total{platform=\"discord\"} 1\nn_total{platform=\"slack\"} 2\n"
        );
    }
}
