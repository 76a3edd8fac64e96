//! Acceptance: concurrent writers never lose or reuse a revision; unique values hold under
//! concurrent creates; lost compare-and-set races are retried, within a bound.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::query::Query;
use crate::storage::memory::MemoryStore;
use crate::storage::{Commit, ResourceStore, StoredRevision};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_tasks_times_two_hundred_updates_make_a_linear_chain() {
    let spec = app().await;
    let zones = spec.manager::<Zone>();
    let first = zones.create(zone("Contested", 0)).await.unwrap();
    let id = first.resource_id.clone();

    let mut tasks = Vec::new();
    for task in 0..8_i64 {
        let zones = zones.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..200_i64 {
                zones
                    .as_user(format!("writer-{task}"))
                    .update(&id, zone("Contested", task * 1000 + i + 1))
                    .await
                    .expect("every update lands");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }

    let meta = zones.get_meta(&id).await.unwrap();
    assert_eq!(meta.total_revision_count, 1601);
    let revisions = zones.list_revisions(&id).await.unwrap();
    assert_eq!(revisions.len(), 1601, "exactly 1600 new revisions");
    let unique_ids: HashSet<&str> = revisions.iter().map(|r| r.revision_id.as_str()).collect();
    assert_eq!(unique_ids.len(), 1601, "no revision id reused");

    // Walk the parent chain from the current revision: it must visit every revision once.
    let by_id: std::collections::HashMap<&str, &RevisionInfo> = revisions
        .iter()
        .map(|r| (r.revision_id.as_str(), r))
        .collect();
    let mut seen = HashSet::new();
    let mut next = Some(meta.current_revision_id.as_str());
    while let Some(rev) = next {
        assert!(seen.insert(rev), "cycle at {rev}");
        next = by_id[rev].parent_revision_id.as_deref();
    }
    assert_eq!(seen.len(), 1601, "the chain is linear and complete");
    assert_eq!(meta.current_revision_id, format!("{id}:1601"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_creates_of_one_unique_value_yield_one_resource() {
    let spec = app().await;
    let users = spec.manager::<User>();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let users = users.clone();
        tasks.push(tokio::spawn(async move {
            users
                .create(user(&format!("u{i}"), Some("same@x.org")))
                .await
        }));
    }
    let mut ok = 0;
    let mut violations = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::UniqueViolation { field, .. }) if field == "email" => violations += 1,
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!((ok, violations), (1, 49));
    assert_eq!(users.count(Query::default()).await.unwrap(), 1);
}

/// A memory store whose first `conflicts` commits fail with a lost race.
struct Contended {
    inner: MemoryStore,
    conflicts: AtomicU32,
}

#[async_trait::async_trait]
impl ResourceStore for Contended {
    fn backend_name(&self) -> &'static str {
        "contended"
    }
    async fn register_model(&self, model: &'static ResourceDescriptor) -> Result<()> {
        self.inner.register_model(model).await
    }
    async fn load_meta(&self, model: &str, id: &str) -> Result<Option<ResourceMeta>> {
        self.inner.load_meta(model, id).await
    }
    async fn load_revision(&self, model: &str, rev: &str) -> Result<Option<StoredRevision>> {
        self.inner.load_revision(model, rev).await
    }
    async fn list_revisions(&self, model: &str, id: &str) -> Result<Vec<RevisionInfo>> {
        self.inner.list_revisions(model, id).await
    }
    async fn commit(&self, model: &str, commit: Commit) -> Result<()> {
        let left = self.conflicts.load(Ordering::SeqCst);
        if left > 0 && commit.expected_current.is_some() {
            self.conflicts.store(left - 1, Ordering::SeqCst);
            return Err(Error::Conflict {
                resource: model.to_owned(),
                id: commit.meta.resource_id,
                message: "simulated lost race".into(),
            });
        }
        self.inner.commit(model, commit).await
    }
    async fn search(&self, model: &str, query: &Query) -> Result<Vec<ResourceMeta>> {
        self.inner.search(model, query).await
    }
    async fn count(&self, model: &str, query: &Query) -> Result<u64> {
        self.inner.count(model, query).await
    }
    async fn purge(&self, model: &str, id: &str) -> Result<()> {
        self.inner.purge(model, id).await
    }
}

async fn contended(conflicts: u32) -> (SpecStar, Arc<Contended>) {
    let store = Arc::new(Contended {
        inner: MemoryStore::new(),
        conflicts: AtomicU32::new(0),
    });
    let spec = SpecStar::builder()
        .store(store.clone())
        .resource::<Zone>()
        .build()
        .await
        .unwrap();
    store.conflicts.store(conflicts, Ordering::SeqCst);
    (spec, store)
}

#[tokio::test]
async fn lost_races_are_retried_and_a_hopeless_one_is_a_conflict() {
    let (spec, store) = contended(0).await;
    let zones = spec.manager::<Zone>();
    let info = zones.create(zone("A", 1)).await.unwrap();

    store.conflicts.store(5, Ordering::SeqCst);
    let second = zones.update(&info.resource_id, zone("A", 2)).await.unwrap();
    assert_eq!(second.revision_id, format!("{}:2", info.resource_id));

    store.conflicts.store(u32::MAX, Ordering::SeqCst);
    match zones.delete(&info.resource_id).await {
        Err(Error::Conflict { id, message, .. }) => {
            assert_eq!(id, info.resource_id);
            assert!(message.contains("100 attempts"), "{message}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert!(!zones.get_meta(&info.resource_id).await.unwrap().is_deleted);
}
