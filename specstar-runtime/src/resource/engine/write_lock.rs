//! [`WriteLocks`]: writes to one resource from this process queue instead of racing.
//!
//! Every write is a compare-and-set on the current revision, retried after a lost race. When
//! many writers of one process hit one resource on a store with slow round trips (SQLite, a
//! remote database), a writer that keeps losing backs off longer and longer while fresh writers
//! keep winning, and it gives up with `Error::Conflict`. Taking a per-resource lock around the
//! read-compute-commit loop makes writers of the same process wait their turn (tokio's mutex is
//! fair); the store's compare-and-set still guards against writers in other processes.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use tokio::sync::{Mutex, OwnedMutexGuard};

/// Past this many entries, entries no writer holds any more are dropped.
const SWEEP_AT: usize = 1024;

/// One async mutex per `(model, resource id)` being written, created on demand and dropped
/// once nobody holds or waits for it.
#[derive(Default)]
pub(crate) struct WriteLocks {
    locks: parking_lot::Mutex<HashMap<ResourceKey, Weak<Mutex<()>>>>,
}

/// `(model, resource id)`.
type ResourceKey = (String, String);

impl WriteLocks {
    /// Wait for the write lock of `id` of `model`; the write holds the guard.
    pub async fn lock(&self, model: &str, id: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock();
            if locks.len() >= SWEEP_AT {
                locks.retain(|_, lock| lock.strong_count() > 0);
            }
            let key = (model.to_owned(), id.to_owned());
            match locks.get(&key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(Mutex::new(()));
                    locks.insert(key, Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_writer_at_a_time_per_resource_and_entries_are_swept() {
        let locks = WriteLocks::default();
        let held = locks.lock("zone", "zone:a").await;
        // Another resource is not blocked.
        let _other = locks.lock("zone", "zone:b").await;
        let _same_id_other_model = locks.lock("monster", "zone:a").await;
        // The same resource is.
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            locks.lock("zone", "zone:a"),
        )
        .await;
        assert!(waiting.is_err(), "the second writer waits");
        drop(held);
        let _again = locks.lock("zone", "zone:a").await;

        for i in 0..SWEEP_AT + 10 {
            drop(locks.lock("zone", &format!("zone:{i}")).await);
        }
        assert!(
            locks.locks.lock().len() < SWEEP_AT,
            "released entries are swept"
        );
    }
}
