//! A value read from the store and kept in memory for [`MAX_AGE`]: what every decision reads
//! and what changes rarely (the directory, the delegations in force). A change made through
//! this process invalidates it at once; one made by another process (the command line beside
//! `keel serve`, another replica) is seen within [`MAX_AGE`].

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a loaded value is trusted before it is read again.
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// The last value loaded, for the key it was loaded for (`()` when there is one value).
pub struct Cached<K, V> {
    loaded: RwLock<Option<(Instant, K, Arc<V>)>>,
}

impl<K, V> Default for Cached<K, V> {
    fn default() -> Self {
        Cached {
            loaded: RwLock::new(None),
        }
    }
}

impl<K: PartialEq + Clone, V> Cached<K, V> {
    /// The value for `key`: the one in memory while it is fresh and for the same key, or the
    /// one `load` reads.
    pub async fn get<F, Fut>(&self, key: K, load: F) -> anyhow::Result<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<V>>,
    {
        if let Ok(guard) = self.loaded.read()
            && let Some((at, loaded_for, value)) = guard.as_ref()
            && *loaded_for == key
            && at.elapsed() < MAX_AGE
        {
            return Ok(value.clone());
        }
        let value = Arc::new(load().await?);
        if let Ok(mut guard) = self.loaded.write() {
            *guard = Some((Instant::now(), key, value.clone()));
        }
        Ok(value)
    }

    /// Forgets the value, so that the next [`Cached::get`] reads it again.
    pub fn invalidate(&self) {
        if let Ok(mut guard) = self.loaded.write() {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_read_once_per_key_until_invalidated() -> anyhow::Result<()> {
        let cached: Cached<u32, String> = Cached::default();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let load = |key: u32| {
            reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move { anyhow::Ok(format!("value {key}")) }
        };
        assert_eq!(*cached.get(1, || load(1)).await?, "value 1");
        assert_eq!(*cached.get(1, || load(1)).await?, "value 1");
        assert_eq!(*cached.get(2, || load(2)).await?, "value 2");
        cached.invalidate();
        assert_eq!(*cached.get(2, || load(2)).await?, "value 2");
        assert_eq!(reads.load(std::sync::atomic::Ordering::Relaxed), 3);
        Ok(())
    }
}
