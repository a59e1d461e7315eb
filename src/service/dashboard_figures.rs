//! The dashboard's arithmetic, pure: queues per approver with their ages, decision times
//! gathered per workflow and per approver, and their median and 90th percentile.

use super::dashboard::{AgeBuckets, ApproverQueue, CycleTime, PendingRow, hours};
use crate::domain::{Request, Status};
use crate::engine::stats::nearest_rank;
use std::collections::BTreeMap;

/// Pending requests per approver (a request waiting for two people counts for each).
pub(super) fn queues(pending: &[PendingRow]) -> Vec<ApproverQueue> {
    let mut by_id: BTreeMap<String, ApproverQueue> = BTreeMap::new();
    for row in pending {
        for approver in &row.approvers {
            let queue = by_id
                .entry(approver.id.clone())
                .or_insert_with(|| ApproverQueue {
                    approver: approver.clone(),
                    count: 0,
                    breached: 0,
                    buckets: AgeBuckets::default(),
                });
            queue.count += 1;
            queue.breached += usize::from(row.breached);
            let bucket = match row.age_hours {
                h if h < 24.0 => &mut queue.buckets.under_1d,
                h if h < 72.0 => &mut queue.buckets.d1_3,
                h if h < 168.0 => &mut queue.buckets.d3_7,
                _ => &mut queue.buckets.over_7d,
            };
            *bucket += 1;
        }
    }
    let mut queues: Vec<ApproverQueue> = by_id.into_values().collect();
    queues.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.approver.name.cmp(&b.approver.name))
    });
    queues
}

pub(super) type Samples = BTreeMap<String, Vec<f64>>;

/// Decision times of people (automatic decisions excluded): submission to decision per
/// workflow, and step start to each approver's approval (or rejection) per approver.
pub(super) fn cycle_samples(requests: &[Request]) -> (Samples, Samples) {
    let mut by_workflow = Samples::new();
    let mut by_approver = Samples::new();
    for request in requests {
        let decided = matches!(request.status, Status::Approved | Status::Rejected);
        if let (true, Some(decided_at)) = (decided, request.decided_at) {
            by_workflow
                .entry(request.workflow.clone())
                .or_default()
                .push(hours(decided_at - request.submitted_at));
        }
        for step in &request.steps {
            let Some(started) = step.started_at else {
                continue;
            };
            for approval in &step.approvals {
                by_approver
                    .entry(approval.person.clone())
                    .or_default()
                    .push(hours(approval.at - started));
            }
        }
        // A rejection names no approval; it is the sole approver's when the step had one.
        if request.status == Status::Rejected
            && let (Some(step), Some(decided_at)) =
                (request.steps.get(request.current_step), request.decided_at)
            && let [only] = step.approvers.as_slice()
            && let Some(started) = step.started_at
        {
            by_approver
                .entry(only.person.clone())
                .or_default()
                .push(hours(decided_at - started));
        }
    }
    (by_workflow, by_approver)
}

/// Median and 90th percentile (nearest rank) of each group, largest groups first.
pub(super) fn summarise(samples: Samples, label: impl Fn(&str) -> String) -> Vec<CycleTime> {
    let mut rows: Vec<CycleTime> = samples
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(key, mut values)| {
            values.sort_by(f64::total_cmp);
            CycleTime {
                label: label(&key),
                count: values.len(),
                median_hours: nearest_rank(&values, 0.5),
                p90_hours: nearest_rank(&values, 0.9),
                key,
            }
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_summarised_largest_first() {
        let mut samples = Samples::new();
        samples.insert("expense".into(), vec![1.0, 3.0, 2.0]);
        samples.insert("change_order".into(), vec![10.0]);
        let rows = summarise(samples, |k| k.to_uppercase());
        assert_eq!(rows[0].key, "expense");
        assert_eq!(rows[0].median_hours, 2.0);
        assert_eq!(rows[0].p90_hours, 3.0);
        assert_eq!(rows[1].label, "CHANGE_ORDER");
    }
}
