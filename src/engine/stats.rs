//! The two order statistics keel reports: the median (the mean of the two middle values when
//! there is an even number of them) and a percentile by the nearest-rank method.

/// The median of `values`, sorting them in place; `None` when there are none.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// The median of `values` as [`median`] gives it, reordering them in place without sorting
/// them all (linear time): the anomaly check takes two medians of up to 1,000 values on every
/// submission, and sorting them was a twentieth of a capture's CPU.
pub fn median_by_selection(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let even = values.len().is_multiple_of(2);
    let (below, &mut upper, _) = values.select_nth_unstable_by(values.len() / 2, f64::total_cmp);
    // With an even count, the other middle value is the largest of those below.
    let lower = below.iter().copied().max_by(f64::total_cmp);
    Some(match lower {
        Some(lower) if even => (lower + upper) / 2.0,
        _ => upper,
    })
}

/// The value at quantile `q` of sorted, non-empty `values`, by the nearest-rank method.
pub fn nearest_rank(values: &[f64], q: f64) -> f64 {
    let rank = (q * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&values, 0.5), 5.0);
        assert_eq!(nearest_rank(&values, 0.9), 9.0);
        assert_eq!(nearest_rank(&[7.0], 0.9), 7.0);
    }

    #[test]
    fn a_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn the_median_by_selection_is_the_median() {
        for len in 0..40 {
            // Scrambled, with repeats.
            let values: Vec<f64> = (0..len).map(|i| f64::from((i * 7919) % 13)).collect();
            let (mut sorted, mut selected) = (values.clone(), values);
            assert_eq!(
                median_by_selection(&mut selected),
                median(&mut sorted),
                "{len}"
            );
        }
    }
}
