//! The windows' bookkeeping: commits counted once, whatever their order with a load.

use super::{
    AnomalyWindows, LoadedRow, Lookup, MAX_SAMPLES_PER_COMMIT, MAX_WINDOWS, PendingLoad, Sample,
    Scope, WINDOW_FRESH_FOR, WindowChanges, WindowKey,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0)
        .single()
        .expect("a valid time")
}

fn key(group: &str) -> WindowKey {
    WindowKey {
        workflow: "co".to_string(),
        scope: Scope::Group(Some(group.to_string())),
    }
}

fn sample(id: &str, group: &str, value: f64) -> Sample {
    Sample {
        id: id.to_string(),
        workflow: "co".to_string(),
        group: Some(group.to_string()),
        submitted_at: value as i64,
        value,
    }
}

fn row(sample: &Sample) -> LoadedRow {
    LoadedRow {
        id: sample.id.clone(),
        submitted_at: sample.submitted_at,
        value: sample.value,
    }
}

fn changes(samples: &[Sample]) -> WindowChanges {
    let mut changes = WindowChanges::default();
    for sample in samples {
        changes.add(sample.clone());
    }
    changes
}

fn begin(windows: &Arc<AnomalyWindows>, key: WindowKey, at: DateTime<Utc>) -> PendingLoad {
    match windows.lookup(key, at) {
        Lookup::Load(load) => load,
        Lookup::Ready(values) => panic!("expected a load, the window held {values:?}"),
    }
}

fn ready(windows: &Arc<AnomalyWindows>, key: WindowKey, at: DateTime<Utc>) -> Vec<f64> {
    match windows.lookup(key, at) {
        Lookup::Ready(values) => values,
        Lookup::Load(_) => panic!("expected the window to be loaded and fresh"),
    }
}

/// Loads `key`'s window from `rows`.
fn load(windows: &Arc<AnomalyWindows>, key: WindowKey, rows: &[Sample]) -> Vec<f64> {
    begin(windows, key, now()).finish(rows.iter().map(row).collect(), now())
}

#[test]
fn a_committed_request_counts_at_once() {
    let windows = Arc::new(AnomalyWindows::default());
    load(&windows, key("p1"), &[sample("CO-1", "p1", 10.0)]);
    let commit = windows.begin_commit(changes(&[sample("CO-2", "p1", 20.0)]));
    commit.expect("a change").finish(true);
    assert_eq!(ready(&windows, key("p1"), now()), [10.0, 20.0]);
}

#[test]
fn a_request_counts_in_its_group_and_every_group_of_its_workflow_only() {
    let windows = Arc::new(AnomalyWindows::default());
    let every = WindowKey {
        workflow: "co".to_string(),
        scope: Scope::EveryGroup,
    };
    load(&windows, key("p1"), &[]);
    load(&windows, key("p2"), &[]);
    load(&windows, every.clone(), &[]);
    let commit = windows.begin_commit(changes(&[sample("CO-1", "p1", 10.0)]));
    commit.expect("a change").finish(true);
    assert_eq!(ready(&windows, key("p1"), now()), [10.0]);
    assert!(ready(&windows, key("p2"), now()).is_empty());
    assert_eq!(ready(&windows, every, now()), [10.0]);
}

#[test]
fn a_commit_the_load_already_read_is_not_counted_again() {
    let windows = Arc::new(AnomalyWindows::default());
    let new = sample("CO-2", "p1", 20.0);
    // Registered, then in the database before the load reads; it finishes after.
    let commit = windows.begin_commit(changes(std::slice::from_ref(&new)));
    let loaded = load(&windows, key("p1"), &[sample("CO-1", "p1", 10.0), new]);
    assert_eq!(loaded, [10.0, 20.0]);
    commit.expect("a change").finish(true);
    assert_eq!(ready(&windows, key("p1"), now()), [10.0, 20.0]);
}

#[test]
fn a_commit_that_finished_during_the_load_counts_once_whether_the_rows_hold_it_or_not() {
    let windows = Arc::new(AnomalyWindows::default());
    let held = sample("CO-2", "p1", 20.0);
    let missed = sample("CO-3", "p1", 30.0);
    let before = windows.begin_commit(changes(std::slice::from_ref(&held)));
    let pending = begin(&windows, key("p1"), now());
    let during = windows.begin_commit(changes(std::slice::from_ref(&missed)));
    before.expect("a change").finish(true);
    during.expect("a change").finish(true);
    let rows = vec![row(&sample("CO-1", "p1", 10.0)), row(&held)];
    assert_eq!(pending.finish(rows, now()), [10.0, 20.0, 30.0]);
    assert_eq!(ready(&windows, key("p1"), now()), [10.0, 20.0, 30.0]);
}

#[test]
fn a_commit_registered_during_the_load_and_finishing_after_counts_once() {
    let windows = Arc::new(AnomalyWindows::default());
    let pending = begin(&windows, key("p1"), now());
    let late = sample("CO-2", "p1", 20.0);
    let commit = windows.begin_commit(changes(std::slice::from_ref(&late)));
    pending.finish(vec![row(&sample("CO-1", "p1", 10.0))], now());
    commit.expect("a change").finish(true);
    assert_eq!(ready(&windows, key("p1"), now()), [10.0, 20.0]);
}

#[test]
fn a_failed_or_abandoned_commit_has_the_windows_read_again() {
    let windows = Arc::new(AnomalyWindows::default());
    load(&windows, key("p1"), &[]);
    let failed = windows.begin_commit(changes(&[sample("CO-1", "p1", 10.0)]));
    failed.expect("a change").finish(false);
    begin(&windows, key("p1"), now()).finish(Vec::new(), now());
    let abandoned = windows.begin_commit(changes(&[sample("CO-2", "p1", 20.0)]));
    drop(abandoned);
    begin(&windows, key("p1"), now());
}

#[test]
fn a_cancellation_drops_the_windows_of_its_workflow_and_a_load_begun_before_is_not_kept() {
    let windows = Arc::new(AnomalyWindows::default());
    load(&windows, key("p1"), &[sample("CO-1", "p1", 10.0)]);
    let pending = begin(&windows, key("p2"), now());
    let mut cancelled = WindowChanges::default();
    cancelled.reload("co");
    windows
        .begin_commit(cancelled)
        .expect("a change")
        .finish(true);
    assert_eq!(pending.finish(Vec::new(), now()), Vec::<f64>::new());
    begin(&windows, key("p1"), now());
    begin(&windows, key("p2"), now());
}

#[test]
fn a_window_is_read_again_once_stale_and_meanwhile_others_use_the_old_one() {
    let windows = Arc::new(AnomalyWindows::default());
    load(&windows, key("p1"), &[sample("CO-1", "p1", 10.0)]);
    let almost = now() + WINDOW_FRESH_FOR - Duration::milliseconds(1);
    assert_eq!(ready(&windows, key("p1"), almost), [10.0]);
    let later = now() + WINDOW_FRESH_FOR;
    let reload = begin(&windows, key("p1"), later);
    assert_eq!(ready(&windows, key("p1"), later), [10.0], "being reloaded");
    let rows = vec![
        row(&sample("CO-1", "p1", 10.0)),
        row(&sample("CO-9", "p1", 90.0)),
    ];
    assert_eq!(reload.finish(rows, later), [10.0, 90.0]);
    assert_eq!(ready(&windows, key("p1"), later), [10.0, 90.0]);
}

#[test]
fn a_failed_reload_lets_the_next_caller_try_again() {
    let windows = Arc::new(AnomalyWindows::default());
    load(&windows, key("p1"), &[]);
    let later = now() + WINDOW_FRESH_FOR;
    drop(begin(&windows, key("p1"), later));
    begin(&windows, key("p1"), later);
}

#[test]
fn the_least_recently_used_window_goes_when_there_are_too_many() {
    let windows = Arc::new(AnomalyWindows::default());
    for n in 0..MAX_WINDOWS {
        load(&windows, key(&format!("p{n}")), &[]);
    }
    ready(&windows, key("p0"), now());
    load(&windows, key("new"), &[]);
    ready(&windows, key("p0"), now());
    ready(&windows, key("new"), now());
    begin(&windows, key("p1"), now());
}

#[test]
fn an_import_of_many_requests_reloads_instead_of_adding_each() {
    let many: Vec<Sample> = (0..=MAX_SAMPLES_PER_COMMIT)
        .map(|n| sample(&format!("CO-{n}"), "p1", n as f64))
        .collect();
    let changes = changes(&many);
    assert!(changes.samples.is_empty());
    assert!(changes.reloaded.contains("co"));
}
