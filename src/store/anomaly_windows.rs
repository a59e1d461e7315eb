//! The anomaly windows of a store: per workflow and group, the most recent anomaly values in
//! memory ([`Window`]), loaded once from the database and then kept up to date by this
//! process's own commits, so that a submission's anomaly check costs microseconds instead of a
//! read of [`ANOMALY_HISTORY`] rows.
//!
//! - A transaction collects what it changes ([`WindowChanges`]: the values of the requests it
//!   inserted, the workflows whose windows it made wrong by cancelling or auto-rejecting a
//!   request or by rewriting values) and the windows take it only once it has committed; a
//!   rolled-back transaction leaves them as they were.
//! - A commit racing a load could be counted twice or not at all: it is registered before the
//!   database commit and a load notes every registered commit of its scope; once read, the load
//!   counts those its rows do not hold (matched by request id) and the rest is not added again.
//! - Other processes on the same database are not heard from: a window is reloaded when it is
//!   [`WINDOW_FRESH_FOR`] old, so their requests count after at most that long.
//! - Memory: at most [`MAX_WINDOWS`] windows of at most [`ANOMALY_HISTORY`] values (16 bytes
//!   each), about 4 MB in the worst case; the least recently used window goes first.

use super::anomaly::ANOMALY_HISTORY;
use super::anomaly_window::Window;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

/// How long a loaded window is trusted before it is read again, for what other keel
/// processes on the same database submitted or cancelled meanwhile.
pub const WINDOW_FRESH_FOR: Duration = Duration::seconds(10);

/// The most windows kept at once.
const MAX_WINDOWS: usize = 256;

/// More values than this of one workflow in one transaction (an import of its history)
/// reload its windows instead of being added one by one.
const MAX_SAMPLES_PER_COMMIT: usize = 64;

/// Which past requests of a workflow a window holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Scope {
    /// The requests with this grouping value (`None`: without one, as in a workflow that
    /// does not group).
    Group(Option<String>),
    /// The requests of every group: what a young group is compared with.
    EveryGroup,
}

/// A window's workflow and scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct WindowKey {
    pub(super) workflow: String,
    pub(super) scope: Scope,
}

/// A request's anomaly value as it was stored, counted by the windows it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Sample {
    pub(super) id: String,
    pub(super) workflow: String,
    pub(super) group: Option<String>,
    /// Microseconds since the epoch.
    pub(super) submitted_at: i64,
    pub(super) value: f64,
}

impl Sample {
    fn belongs_to(&self, key: &WindowKey) -> bool {
        self.workflow == key.workflow
            && match &key.scope {
                Scope::Group(group) => *group == self.group,
                Scope::EveryGroup => self.group.is_some(),
            }
    }
}

/// What one transaction changes in the windows, applied when it commits.
#[derive(Debug, Default)]
pub(super) struct WindowChanges {
    samples: Vec<Sample>,
    reloaded: BTreeSet<String>,
}

impl WindowChanges {
    /// Counts an inserted request's value.
    pub(super) fn add(&mut self, sample: Sample) {
        if self.reloaded.contains(&sample.workflow) {
            return;
        }
        let of_workflow = self
            .samples
            .iter()
            .filter(|s| s.workflow == sample.workflow)
            .count();
        if of_workflow >= MAX_SAMPLES_PER_COMMIT {
            self.reload(&sample.workflow);
        } else {
            self.samples.push(sample);
        }
    }

    /// Has `workflow`'s windows read again (their values changed other than by new requests).
    pub(super) fn reload(&mut self, workflow: &str) {
        self.samples.retain(|s| s.workflow != workflow);
        self.reloaded.insert(workflow.to_string());
    }

    fn is_empty(&self) -> bool {
        self.samples.is_empty() && self.reloaded.is_empty()
    }
}

/// A row of a load query.
pub(super) struct LoadedRow {
    pub(super) id: String,
    pub(super) submitted_at: i64,
    pub(super) value: f64,
}

/// The windows of one store, shared by its clones and transactions.
#[derive(Debug, Default)]
pub(super) struct AnomalyWindows {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    cached: HashMap<WindowKey, Cached>,
    committing: HashMap<u64, Committing>,
    loading: HashMap<u64, Loading>,
    /// Bumped whenever windows are dropped: a load begun before may hold what was dropped.
    generation: u64,
    /// Numbers commits and loads, and dates each use of a window (for eviction).
    counter: u64,
}

#[derive(Debug)]
struct Cached {
    window: Window,
    loaded_at: DateTime<Utc>,
    reloading: bool,
    used: u64,
}

/// A commit registered before it reaches the database.
#[derive(Debug)]
struct Committing {
    changes: WindowChanges,
    /// (sample, window) pairs a load already found in the database.
    counted: HashSet<(usize, WindowKey)>,
}

/// A load under way, and the commits it cannot tell whether its rows hold.
#[derive(Debug)]
struct Loading {
    key: WindowKey,
    generation: u64,
    /// Commits registered when it began or since, still committing.
    committing: Vec<u64>,
    /// Their samples in its scope, of those that committed meanwhile.
    committed: Vec<Sample>,
}

/// What [`AnomalyWindows::lookup`] found.
pub(super) enum Lookup {
    Ready(Vec<f64>),
    /// Read the window's rows and give them to [`PendingLoad::finish`].
    Load(PendingLoad),
}

/// A load begun; dropped unfinished (the read failed), it is forgotten.
pub(super) struct PendingLoad {
    windows: Arc<AnomalyWindows>,
    id: u64,
}

/// A registered commit; dropped without [`CommitGuard::finish`], its outcome is unknown and
/// the windows it touched are read again.
pub(super) struct CommitGuard {
    windows: Arc<AnomalyWindows>,
    id: u64,
    finished: bool,
}

impl AnomalyWindows {
    fn state(&self) -> MutexGuard<'_, State> {
        // The state is consistent between statements: a panic elsewhere leaves it usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The values of `key`'s window when it is loaded and fresh at `now` (or being reloaded by
    /// another caller); otherwise a load to run.
    pub(super) fn lookup(self: &Arc<Self>, key: WindowKey, now: DateTime<Utc>) -> Lookup {
        let mut state = self.state();
        state.counter += 1;
        let used = state.counter;
        if let Some(cached) = state.cached.get_mut(&key) {
            cached.used = used;
            let age = now - cached.loaded_at;
            if cached.reloading || (age >= Duration::zero() && age < WINDOW_FRESH_FOR) {
                return Lookup::Ready(cached.window.values());
            }
            cached.reloading = true;
        }
        let committing = state
            .committing
            .iter()
            .filter(|(_, c)| c.changes.samples.iter().any(|s| s.belongs_to(&key)))
            .map(|(id, _)| *id)
            .collect();
        let loading = Loading {
            key,
            generation: state.generation,
            committing,
            committed: Vec::new(),
        };
        state.loading.insert(used, loading);
        Lookup::Load(PendingLoad {
            windows: self.clone(),
            id: used,
        })
    }

    /// Registers a transaction's changes before it commits (`None` when it changes nothing).
    pub(super) fn begin_commit(self: &Arc<Self>, changes: WindowChanges) -> Option<CommitGuard> {
        if changes.is_empty() {
            return None;
        }
        let mut state = self.state();
        state.counter += 1;
        let id = state.counter;
        for loading in state.loading.values_mut() {
            if changes.samples.iter().any(|s| s.belongs_to(&loading.key)) {
                loading.committing.push(id);
            }
        }
        let committing = Committing {
            changes,
            counted: HashSet::new(),
        };
        state.committing.insert(id, committing);
        Some(CommitGuard {
            windows: self.clone(),
            id,
            finished: false,
        })
    }
}

impl State {
    fn reload(&mut self, workflow: &str) {
        self.generation += 1;
        self.cached.retain(|key, _| key.workflow != workflow);
    }

    /// Applies commit `id`'s changes (`committed`) or reads its windows again (it failed, or
    /// nobody knows).
    fn finish_commit(&mut self, id: u64, committed: bool) {
        let Some(commit) = self.committing.remove(&id) else {
            return;
        };
        let changes = commit.changes;
        if !committed {
            let workflows: BTreeSet<&str> = changes
                .samples
                .iter()
                .map(|s| s.workflow.as_str())
                .chain(changes.reloaded.iter().map(String::as_str))
                .collect();
            for workflow in workflows {
                self.reload(workflow);
            }
            return;
        }
        for (index, sample) in changes.samples.iter().enumerate() {
            for (key, cached) in &mut self.cached {
                if sample.belongs_to(key) && !commit.counted.contains(&(index, key.clone())) {
                    cached
                        .window
                        .add(sample.submitted_at, sample.value, ANOMALY_HISTORY);
                }
            }
            for loading in self.loading.values_mut() {
                if loading.committing.contains(&id) && sample.belongs_to(&loading.key) {
                    loading.committed.push(sample.clone());
                }
            }
        }
        for workflow in &changes.reloaded {
            self.reload(workflow);
        }
    }

    /// Makes room for one more window by dropping the least recently used other than `key`.
    fn make_room(&mut self, key: &WindowKey) {
        if self.cached.len() < MAX_WINDOWS || self.cached.contains_key(key) {
            return;
        }
        let oldest = self
            .cached
            .iter()
            .min_by_key(|(_, cached)| cached.used)
            .map(|(key, _)| key.clone());
        if let Some(oldest) = oldest {
            self.cached.remove(&oldest);
        }
    }
}

impl PendingLoad {
    /// Builds the window from `rows` (its scope's most recent, as the database holds them), with
    /// the commits the rows could not be known to hold; keeps it unless windows were dropped
    /// meanwhile; returns its values.
    pub(super) fn finish(self, rows: Vec<LoadedRow>, now: DateTime<Utc>) -> Vec<f64> {
        let mut state = self.windows.state();
        let Some(loading) = state.loading.remove(&self.id) else {
            return Vec::new();
        };
        let read: HashSet<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        let mut window = Window::from_rows(rows.iter().map(|row| (row.submitted_at, row.value)));
        for sample in &loading.committed {
            if !read.contains(sample.id.as_str()) {
                window.add(sample.submitted_at, sample.value, ANOMALY_HISTORY);
            }
        }
        let values = window.values();
        if loading.generation != state.generation {
            if let Some(cached) = state.cached.get_mut(&loading.key) {
                cached.reloading = false;
            }
            return values;
        }
        // Still committing: the rows hold it, so its commit must not add it again.
        for id in &loading.committing {
            if let Some(commit) = state.committing.get_mut(id) {
                for (index, sample) in commit.changes.samples.iter().enumerate() {
                    if sample.belongs_to(&loading.key) && read.contains(sample.id.as_str()) {
                        commit.counted.insert((index, loading.key.clone()));
                    }
                }
            }
        }
        state.make_room(&loading.key);
        state.counter += 1;
        let cached = Cached {
            window,
            loaded_at: now,
            reloading: false,
            used: state.counter,
        };
        state.cached.insert(loading.key, cached);
        values
    }
}

impl Drop for PendingLoad {
    fn drop(&mut self) {
        let mut state = self.windows.state();
        if let Some(loading) = state.loading.remove(&self.id)
            && let Some(cached) = state.cached.get_mut(&loading.key)
        {
            cached.reloading = false;
        }
    }
}

impl CommitGuard {
    /// Applies the transaction's changes once it `committed`; reads its windows again if not.
    pub(super) fn finish(mut self, committed: bool) {
        self.finished = true;
        self.windows.state().finish_commit(self.id, committed);
    }
}

impl Drop for CommitGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.windows.state().finish_commit(self.id, false);
        }
    }
}

#[cfg(test)]
#[path = "anomaly_windows_tests.rs"]
mod tests;
