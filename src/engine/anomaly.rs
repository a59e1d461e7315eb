//! Anomaly scoring: a robust z-score (median and MAD) of a value against its group's history.
//! STUB: to be implemented.

use crate::domain::{AnomalySpec, Flag};

/// Returns a flag when `value` is far outside `history` per `spec`, with the numbers behind it.
pub fn check(spec: &AnomalySpec, history: &[f64], value: f64, group_label: &str) -> Option<Flag> {
    let _ = (spec, history, value, group_label);
    None
}
