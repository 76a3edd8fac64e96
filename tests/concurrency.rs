//! Concurrent writers: 8 tasks × 200 updates on one resource give exactly 1600 new revisions
//! in one linear parent chain with no id reused; 50 concurrent creates of one unique value give
//! exactly one resource; lost compare-and-set races are retried, and reported as `Conflict`
//! once the retries run out.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Backend, Kind, rev};
use specstar::prelude::*;
use specstar::query::Query;
use specstar::storage::memory::MemoryStore;
use specstar::storage::{Commit, ResourceStore, StoredRevision};
use specstar::{ResourceDescriptor, RevisionInfo};

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Counter {
    #[index]
    pub value: i64,
    pub writer: String,
}

#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Member {
    pub name: String,
    #[unique]
    pub email: String,
}

const TASKS: i64 = 8;
const UPDATES: i64 = 200;

async fn eight_tasks_of_two_hundred_updates_make_one_linear_chain(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db.builder().resource::<Counter>().build().await.unwrap();
    let counters = spec.manager::<Counter>();
    let first = counters
        .create(Counter {
            value: 0,
            writer: "init".into(),
        })
        .await
        .unwrap();
    let id = first.resource_id.clone();

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let counters = counters.as_user(format!("writer-{task}"));
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..UPDATES {
                // Every value is distinct, so no update is a no-op.
                let data = Counter {
                    value: task * 1000 + i + 1,
                    writer: format!("writer-{task}"),
                };
                let info = counters
                    .update(&id, data)
                    .await
                    .expect("every update lands");
                written.push(info.revision_id);
            }
            written
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    let total = (TASKS * UPDATES) as usize + 1;

    // Every acknowledged write has its own revision id.
    let distinct: HashSet<&String> = acknowledged.iter().collect();
    assert_eq!(acknowledged.len(), total - 1);
    assert_eq!(distinct.len(), total - 1, "no revision id handed out twice");

    let meta = counters.get_meta(&id).await.unwrap();
    assert_eq!(meta.total_revision_count, total as u64);
    assert_eq!(meta.current_revision_id, rev(&id, total as u64));
    let revisions = counters.list_revisions(&id).await.unwrap();
    assert_eq!(revisions.len(), total, "exactly 1600 new revisions");
    let by_id: HashMap<&str, &RevisionInfo> = revisions
        .iter()
        .map(|r| (r.revision_id.as_str(), r))
        .collect();
    assert_eq!(by_id.len(), total, "no id reused");
    for written in &acknowledged {
        assert!(by_id.contains_key(written.as_str()), "{written} was stored");
    }

    // Walk the parent chain from the current revision down to the first.
    let mut chain = Vec::new();
    let mut next = Some(meta.current_revision_id.as_str());
    while let Some(revision_id) = next {
        assert!(chain.len() <= total, "the chain loops");
        let info = by_id[revision_id];
        chain.push(revision_id);
        next = info.parent_revision_id.as_deref();
    }
    assert_eq!(chain.len(), total, "the chain is linear and complete");
    let numbers: Vec<u64> = chain
        .iter()
        .rev()
        .map(|r| r.rsplit(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        numbers,
        (1..=total as u64).collect::<Vec<_>>(),
        "numbered 1..=1601 along the chain"
    );
    assert_eq!(*chain.last().unwrap(), first.revision_id);

    // Each writer's updates are in its own order along the chain.
    let data_by_rev: HashMap<String, i64> = {
        let mut m = HashMap::new();
        for r in &revisions {
            let read = counters.get(&id).revision(&r.revision_id).await.unwrap();
            m.insert(r.revision_id.clone(), read.data.value);
        }
        m
    };
    for task in 0..TASKS {
        let values: Vec<i64> = chain
            .iter()
            .rev()
            .map(|r| data_by_rev[*r])
            .filter(|v| *v / 1000 == task && *v > 0)
            .collect();
        let expected: Vec<i64> = (0..UPDATES).map(|i| task * 1000 + i + 1).collect();
        assert_eq!(values, expected, "writer-{task}'s updates in order");
    }
}

async fn fifty_concurrent_creates_of_one_unique_value_make_one_resource(kind: Kind) {
    let db = Backend::open(kind).await;
    let spec = db.builder().resource::<Member>().build().await.unwrap();
    let members = spec.manager::<Member>();

    let mut tasks = Vec::new();
    for i in 0..50 {
        let members = members.clone();
        tasks.push(tokio::spawn(async move {
            members
                .create(Member {
                    name: format!("m{i}"),
                    email: "same@example.org".into(),
                })
                .await
        }));
    }
    let mut winners = Vec::new();
    let mut holders = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            Ok(info) => winners.push(info.resource_id),
            Err(Error::UniqueViolation {
                resource,
                field,
                value,
                conflicting_id,
            }) => {
                assert_eq!((resource.as_str(), field.as_str()), ("member", "email"));
                assert_eq!(value, serde_json::json!("same@example.org"));
                holders.push(conflicting_id);
            }
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one create succeeds");
    assert_eq!(holders.len(), 49);
    assert!(
        holders.iter().all(|h| *h == winners[0]),
        "every violation names the winner"
    );
    let stored = members.list().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].info.resource_id, winners[0]);
    assert_eq!(members.count(Query::new()).await.unwrap(), 1);
}

on_every_backend!(
    eight_tasks_of_two_hundred_updates_make_one_linear_chain,
    fifty_concurrent_creates_of_one_unique_value_make_one_resource,
);

/// A memory store whose next `conflicts` compare-and-set writes fail as if another writer had
/// moved the resource first.
struct Contended {
    inner: MemoryStore,
    conflicts: AtomicUsize,
    commits_refused: AtomicUsize,
}

impl Contended {
    fn new(conflicts: usize) -> Arc<Self> {
        Arc::new(Contended {
            inner: MemoryStore::new(),
            conflicts: AtomicUsize::new(conflicts),
            commits_refused: AtomicUsize::new(0),
        })
    }
}

#[async_trait::async_trait]
impl ResourceStore for Contended {
    fn backend_name(&self) -> &'static str {
        "contended"
    }
    async fn register_model(&self, model: &'static ResourceDescriptor) -> specstar::Result<()> {
        self.inner.register_model(model).await
    }
    async fn load_meta(
        &self,
        model: &str,
        resource_id: &str,
    ) -> specstar::Result<Option<ResourceMeta>> {
        self.inner.load_meta(model, resource_id).await
    }
    async fn load_revision(
        &self,
        model: &str,
        revision_id: &str,
    ) -> specstar::Result<Option<StoredRevision>> {
        self.inner.load_revision(model, revision_id).await
    }
    async fn list_revisions(
        &self,
        model: &str,
        resource_id: &str,
    ) -> specstar::Result<Vec<RevisionInfo>> {
        self.inner.list_revisions(model, resource_id).await
    }
    async fn commit(&self, model: &str, commit: Commit) -> specstar::Result<()> {
        let contended = commit.expected_current.is_some()
            && self
                .conflicts
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if contended {
            self.commits_refused.fetch_add(1, Ordering::SeqCst);
            return Err(Error::Conflict {
                resource: model.to_owned(),
                id: commit.meta.resource_id.clone(),
                message: "another writer moved the current revision".into(),
            });
        }
        self.inner.commit(model, commit).await
    }
    async fn search(&self, model: &str, query: &Query) -> specstar::Result<Vec<ResourceMeta>> {
        self.inner.search(model, query).await
    }
    async fn count(&self, model: &str, query: &Query) -> specstar::Result<u64> {
        self.inner.count(model, query).await
    }
    async fn purge(&self, model: &str, resource_id: &str) -> specstar::Result<()> {
        self.inner.purge(model, resource_id).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_races_are_retried_and_reported_as_conflict_when_retries_run_out() {
    let store = Contended::new(0);
    let spec = SpecStar::builder()
        .store(store.clone())
        .resource::<Counter>()
        .build()
        .await
        .unwrap();
    let counters = spec.manager::<Counter>();
    let counter = |value| Counter {
        value,
        writer: "w".into(),
    };
    let id = counters.create(counter(0)).await.unwrap().resource_id;

    // A few lost races: the write is retried and lands once, as revision 2.
    store.conflicts.store(5, Ordering::SeqCst);
    let info = counters.update(&id, counter(1)).await.unwrap();
    assert_eq!(store.commits_refused.load(Ordering::SeqCst), 5);
    assert_eq!(info.revision_id, rev(&id, 2));
    assert_eq!(counters.list_revisions(&id).await.unwrap().len(), 2);

    // Races lost forever: the manager gives up with Conflict naming the resource.
    store.conflicts.store(usize::MAX, Ordering::SeqCst);
    store.commits_refused.store(0, Ordering::SeqCst);
    let outcomes = [
        counters.update(&id, counter(2)).await.map(drop),
        counters.delete(&id).await.map(drop),
    ];
    for outcome in outcomes {
        match outcome {
            Err(Error::Conflict {
                resource,
                id: got,
                message,
            }) => {
                assert_eq!((resource.as_str(), got.as_str()), ("counter", id.as_str()));
                assert!(message.contains("gave up after 100 attempts"), "{message}");
            }
            other => panic!("expected Conflict, got {other:?}"),
        }
    }
    assert_eq!(
        store.commits_refused.load(Ordering::SeqCst),
        200,
        "100 attempts each"
    );
    store.conflicts.store(0, Ordering::SeqCst);
    let read = counters.get(&id).await.unwrap();
    assert_eq!(read.info, info, "nothing written");
    assert!(!read.meta.is_deleted);
}
