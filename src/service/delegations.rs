//! The delegations in force on a day, cached like the directory: every approval reads them and
//! they change rarely. A delegation recorded by this process is seen at once; one recorded by
//! another process within [`super::directory::MAX_AGE`].

use super::directory::MAX_AGE;
use crate::domain::Delegation;
use crate::store::Store;
use chrono::NaiveDate;
use std::sync::{Arc, RwLock};
use std::time::Instant;

#[derive(Default)]
pub struct DelegationCache {
    loaded: RwLock<Option<Loaded>>,
}

struct Loaded {
    at: Instant,
    on: NaiveDate,
    delegations: Arc<Vec<Delegation>>,
}

impl DelegationCache {
    /// The delegations in force on `on`.
    pub async fn on(&self, store: &Store, on: NaiveDate) -> anyhow::Result<Arc<Vec<Delegation>>> {
        if let Ok(guard) = self.loaded.read()
            && let Some(loaded) = guard.as_ref()
            && loaded.on == on
            && loaded.at.elapsed() < MAX_AGE
        {
            return Ok(loaded.delegations.clone());
        }
        let delegations = Arc::new(store.delegations_on(on).await?);
        if let Ok(mut guard) = self.loaded.write() {
            *guard = Some(Loaded {
                at: Instant::now(),
                on,
                delegations: delegations.clone(),
            });
        }
        Ok(delegations)
    }

    pub fn invalidate(&self) {
        if let Ok(mut guard) = self.loaded.write() {
            *guard = None;
        }
    }
}
