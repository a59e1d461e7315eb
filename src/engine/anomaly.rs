//! Anomaly scoring: a robust z-score (median and MAD) of a value against its group's history.
//!
//! The median and the median absolute deviation (MAD) barely move for a few wild past values,
//! unlike the mean and standard deviation, so one earlier outlier does not hide the next
//! (Iglewicz and Hoaglin). z = 0.6745 · (x − median) / MAD; when more than half the history is
//! one value the MAD is 0, and the mean absolute deviation stands in: z = (x − median) /
//! (1.253314 · MeanAD).

use super::stats;
use crate::domain::{AnomalySpec, Flag, Request, Status};
use serde_json::json;

/// The numbers behind a robust z-score.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub median: f64,
    pub mad: f64,
    pub z: f64,
    /// How many past values it was measured against.
    pub n: usize,
}

/// The robust z-score of `value` against `history`, or `None` when the history has no spread at
/// all (every past value the same) or no values: nothing to measure against.
pub fn robust_z(history: &[f64], value: f64) -> Option<Score> {
    let mut values: Vec<f64> = history.iter().copied().filter(|v| v.is_finite()).collect();
    let median = stats::median_by_selection(&mut values)?;
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    let mad = stats::median_by_selection(&mut deviations)?;
    let z = if mad > 0.0 {
        0.6745 * (value - median) / mad
    } else {
        let mean_ad = deviations.iter().sum::<f64>() / deviations.len() as f64;
        if mean_ad <= 0.0 {
            return None;
        }
        (value - median) / (1.253314 * mean_ad)
    };
    Some(Score {
        median,
        mad,
        z,
        n: values.len(),
    })
}

/// What a value is compared with: its group's past values, or, when the group has fewer than
/// `min_history` (a new project's first change orders), every past value of the workflow, so
/// that a request ten times the company's usual is not waved through because its group is young.
#[derive(Debug, Clone, Copy)]
pub struct Compared<'a> {
    /// The group's past values (all past values when the workflow does not group).
    pub group: &'a [f64],
    /// Every past value of the workflow, for a group with too short a history.
    pub workflow: &'a [f64],
}

/// Returns a flag when `value` is far outside its history per `spec`, with the numbers behind
/// it. `group_label` names the group in words: the `group_by` field's value (`P001`), or,
/// without grouping, what the history covers; `workflow_label` names the whole workflow's
/// history ("change order"), used when the group's own is too short.
pub fn check(
    spec: &AnomalySpec,
    history: Compared,
    value: f64,
    group_label: &str,
    workflow_label: &str,
) -> Option<Flag> {
    if !value.is_finite() {
        return None;
    }
    let named_group = match &spec.group_by {
        Some(field) => format!("{field} {group_label}"),
        None => group_label.to_string(),
    };
    // The group's own history when it is long enough; a grouped workflow's young group is
    // compared with the whole workflow instead, and the message says so.
    let (values, group, young) = if history.group.len() >= spec.min_history {
        (history.group, named_group, None)
    } else if spec.group_by.is_some() && history.workflow.len() >= spec.min_history {
        let young = format!(
            "; {named_group} has only {} past, too few to compare with",
            history.group.len()
        );
        (
            history.workflow,
            format!("all {workflow_label} requests"),
            Some(young),
        )
    } else {
        return None;
    };
    let score = robust_z(values, value)?;
    if score.z.abs() <= spec.threshold {
        return None;
    }
    let direction = if score.z > 0.0 { "above" } else { "below" };
    let message = format!(
        "{} {value:.2} is far {direction} the usual for {group} (median {:.2}, MAD {:.2}, \
         robust z {:.1} over {} past requests{})",
        spec.field,
        score.median,
        score.mad,
        score.z,
        score.n,
        young.as_deref().unwrap_or_default()
    );
    Some(Flag {
        kind: "anomaly".to_string(),
        source: "anomaly".to_string(),
        message,
        details: json!({
            "field": spec.field,
            "value": value,
            "median": score.median,
            "mad": score.mad,
            "z": score.z,
            "n": score.n,
            "group": group_label,
            "compared_with": if young.is_some() { "workflow" } else { "group" },
        }),
    })
}

/// One past request as the anomaly check sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Past<'a> {
    /// The `group_by` field's value (`None` when the workflow does not group, or it is empty).
    pub group: Option<&'a str>,
    /// The anomaly field's value, when it is a number.
    pub value: Option<f64>,
    /// Whether later requests are compared with it (cancelled and auto-rejected ones are not,
    /// as in the live check).
    pub counts: bool,
}

/// A request as the anomaly check sees it in a history: its group, its value and whether it
/// counts for later ones (cancelled and auto-rejected requests do not).
pub fn past_of<'a>(spec: &AnomalySpec, request: &'a Request) -> Past<'a> {
    let fields = &request.fields;
    Past {
        group: spec
            .group_by
            .as_ref()
            .and_then(|g| fields.get(g))
            .and_then(|v| v.as_str())
            .filter(|g| !g.is_empty()),
        value: fields.get(&spec.field).and_then(|v| match v {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        }),
        counts: !matches!(request.status, Status::Cancelled | Status::AutoRejected),
    }
}

/// Flags for requests imported from history, given in submission order: each is scored as the
/// live check would have scored it when it was submitted, against the earlier requests of its
/// group (the most recent `limit`). `ungrouped` names the history when the workflow does not
/// group ("change order").
pub fn score_history(
    spec: &AnomalySpec,
    past: &[Past],
    limit: usize,
    ungrouped: &str,
) -> Vec<Option<Flag>> {
    let mut earlier: std::collections::HashMap<Option<&str>, Vec<f64>> =
        std::collections::HashMap::new();
    let mut all_earlier: Vec<f64> = Vec::new();
    past.iter()
        .map(|request| {
            if spec.group_by.is_some() && request.group.is_none() {
                return None;
            }
            let value = request.value?;
            let history = earlier.entry(request.group).or_default();
            let compared = Compared {
                group: &history[history.len().saturating_sub(limit)..],
                workflow: &all_earlier[all_earlier.len().saturating_sub(limit)..],
            };
            let label = request.group.unwrap_or(ungrouped);
            let flag = check(spec, compared, value, label, ungrouped);
            if request.counts {
                history.push(value);
                all_earlier.push(value);
            }
            flag
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> AnomalySpec {
        AnomalySpec {
            field: "amount".into(),
            group_by: Some("project".into()),
            threshold: 3.5,
            min_history: 5,
        }
    }

    /// A group's own history, with no workflow history to fall back on.
    fn grouped(history: &[f64]) -> Compared<'_> {
        Compared {
            group: history,
            workflow: &[],
        }
    }

    #[test]
    fn a_young_group_is_compared_with_the_whole_workflow_and_says_so() {
        let workflow = [
            2_900.0, 3_100.0, 4_000.0, 5_200.0, 3_600.0, 4_400.0, 2_500.0, 6_000.0, 3_300.0,
        ];
        let young = [3_000.0, 3_200.0];
        let compared = Compared {
            group: &young,
            workflow: &workflow,
        };
        let flag = check(&spec(), compared, 31_000.0, "P9", "change order").expect("flagged");
        assert!(
            flag.message.starts_with(
                "amount 31000.00 is far above the usual for all change order requests"
            ),
            "{}",
            flag.message
        );
        assert!(
            flag.message.ends_with(
                "over 9 past requests; project P9 has only 2 past, too few to compare with)"
            ),
            "{}",
            flag.message
        );
        assert_eq!(flag.details["compared_with"], "workflow");
        // A usual amount in a young group is not flagged, and without enough history anywhere
        // nothing is.
        assert!(check(&spec(), compared, 3_500.0, "P9", "change order").is_none());
        let short = Compared {
            group: &young,
            workflow: &workflow[..3],
        };
        assert!(check(&spec(), short, 31_000.0, "P9", "change order").is_none());
        // An ungrouped workflow has only its own history.
        let ungrouped = AnomalySpec {
            group_by: None,
            ..spec()
        };
        assert!(
            check(
                &ungrouped,
                compared,
                31_000.0,
                "change order",
                "change order"
            )
            .is_none()
        );
    }

    #[test]
    fn robust_z_uses_median_and_mad() {
        let score = robust_z(&[1.0, 2.0, 3.0, 4.0, 100.0], 3.0).unwrap();
        assert_eq!(
            (score.median, score.mad, score.z, score.n),
            (3.0, 1.0, 0.0, 5)
        );
        let score = robust_z(&[1.0, 2.0, 3.0, 4.0, 100.0], 13.0).unwrap();
        assert!((score.z - 6.745).abs() < 1e-9);
    }

    #[test]
    fn zero_mad_falls_back_to_mean_absolute_deviation() {
        let history = [10.0, 10.0, 10.0, 10.0, 20.0];
        let score = robust_z(&history, 30.0).unwrap();
        assert_eq!(score.mad, 0.0);
        assert!((score.z - 20.0 / (1.253314 * 2.0)).abs() < 1e-9);
        assert_eq!(robust_z(&[7.0; 6], 1000.0), None);
        assert_eq!(robust_z(&[], 1.0), None);
    }

    #[test]
    fn far_values_are_flagged_with_their_numbers() {
        let history = [
            4100.0, 6100.0, 8100.0, 5000.0, 7200.0, 6000.0, 6200.0, 3900.0, 9000.0, 6100.0, 4000.0,
            8000.0,
        ];
        let flag =
            check(&spec(), grouped(&history), 48000.0, "P001", "change order").expect("flagged");
        assert_eq!(
            (flag.kind.as_str(), flag.source.as_str()),
            ("anomaly", "anomaly")
        );
        assert!(
            flag.message.starts_with(
                "amount 48000.00 is far above the usual for project P001 (median 6100.00, MAD"
            ),
            "{}",
            flag.message
        );
        assert!(
            flag.message.ends_with("over 12 past requests)"),
            "{}",
            flag.message
        );
        assert_eq!(flag.details["group"], "P001");
        assert_eq!(flag.details["n"], 12);
        assert!(flag.details["z"].as_f64().unwrap() > 3.5);
    }

    #[test]
    fn history_is_scored_in_order_against_the_earlier_requests_of_its_group() {
        let usual = [100.0, 110.0, 90.0, 105.0, 95.0, 100.0];
        let mut past: Vec<Past> = usual
            .iter()
            .map(|v| Past {
                group: Some("P1"),
                value: Some(*v),
                counts: true,
            })
            .collect();
        // Far out, but the first of its group: nothing to compare with yet.
        past.insert(
            0,
            Past {
                group: Some("P2"),
                value: Some(9_000.0),
                counts: true,
            },
        );
        // A cancelled outlier is flagged but not compared with afterwards.
        for (value, counts) in [(5_000.0, false), (5_100.0, true), (5_200.0, true)] {
            past.push(Past {
                group: Some("P1"),
                value: Some(value),
                counts,
            });
        }
        // The first of a new group, far from every earlier request of the workflow.
        past.push(Past {
            group: Some("P3"),
            value: Some(90_000.0),
            counts: true,
        });
        past.push(Past {
            group: None,
            value: Some(1.0),
            counts: true,
        });
        let flagged: Vec<bool> = score_history(&spec(), &past, 1_000, "all")
            .iter()
            .map(Option::is_some)
            .collect();
        assert_eq!(
            flagged,
            [
                false, false, false, false, false, false, false, true, true, true, true, false
            ]
        );
        // Only the most recent `limit` earlier values are compared with: two are too few.
        let recent = score_history(&spec(), &past[1..], 2, "all");
        assert!(recent[7].is_none());
    }

    #[test]
    fn usual_values_short_histories_and_flat_histories_are_not_flagged() {
        let history = [100.0, 110.0, 90.0, 105.0, 95.0, 100.0];
        let cases = [
            ("usual", &history[..], 104.0, false),
            ("far below", &history[..], 1.0, true),
            ("too little history", &history[..4], 10_000.0, false),
            ("no spread", &[50.0; 8][..], 10_000.0, false),
        ];
        for (name, history, value, flagged) in cases {
            assert_eq!(
                check(&spec(), grouped(history), value, "P1", "change order").is_some(),
                flagged,
                "{name}"
            );
        }
        let low = check(&spec(), grouped(&history), 1.0, "P1", "change order").unwrap();
        assert!(low.message.contains("far below"), "{}", low.message);
    }
}
