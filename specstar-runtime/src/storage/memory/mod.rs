//! The in-memory backend: every model's metas, revisions, unique entries and secondary indexes
//! behind one read-write lock per model, so a commit (compare-and-set, unique check, revision
//! insert, meta and index update) is atomic and reads run in parallel. Searches narrow to
//! candidates through the indexes (see [`index`]) and evaluate the query on those only.
//! Nothing survives the process; use it for tests and prototypes.
//!
//! ```
//! use std::sync::Arc;
//! use specstar_runtime::storage::{ResourceStore, memory::MemoryStore};
//! let store: Arc<dyn ResourceStore> = Arc::new(MemoryStore::new());
//! assert_eq!(store.backend_name(), "memory");
//! ```

use std::sync::Arc;

/// std's lock (futex based): parking_lot's yielded the CPU (`sched_yield`) under contention.
struct RwLock<T>(std::sync::RwLock<T>);

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock(std::sync::RwLock::default())
    }
}

impl<T> RwLock<T> {
    fn new(value: T) -> Self {
        RwLock(std::sync::RwLock::new(value))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, T> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, T> {
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

use super::meta_index::{HashMap, Indexes};
use super::shards::Shards;

use super::unique::{UniqueEntry, unique_entries};
use super::{Commit, ImportMode, ImportOutcome, ImportedResource, ResourceStore, StoredRevision};
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::query::{self, Query};
use crate::resource::{ResourceDescriptor, ids};

const BACKEND: &str = "memory";

/// The in-memory store (the default of `SpecStar::builder()`).
#[derive(Default)]
pub struct MemoryStore {
    models: RwLock<HashMap<String, Arc<RwLock<ModelTable>>>>,
}

/// One model's data: one entry per resource, holding its meta and its revisions, so a read or
/// a commit looks the resource up once (the map is large and cold in the cache: a lookup is
/// mostly cache misses).
struct ModelTable {
    descriptor: &'static ResourceDescriptor,
    resources: Shards<String, Stored>,
    /// Unique index path → canonical key of the value (`unique::canonical_key`, shared with
    /// every other backend, so `1` and `1.0` conflict) → the non-deleted resource holding it.
    unique: UniqueMap,
    /// Secondary indexes over every meta (kept in step with `resources`).
    indexes: Indexes,
}

/// A resource: its meta and its revisions, behind [`Arc`]s. An entry is two pointers and a
/// length, so the growing map moves little when it resizes under the lock (moving a few
/// hundred thousand whole metas once stalled every request for hundreds of milliseconds), and
/// a reader copies a reference under the lock and the value after it.
struct Stored {
    meta: Arc<ResourceMeta>,
    /// In number order (oldest first). A revision id is `{resource_id}:{n}` (checked on every
    /// commit and import), so its resource is found from the id alone, and the revision by its
    /// number (see [`slot`]).
    revisions: Vec<Arc<StoredRevision>>,
    /// Where the meta's current revision is in `revisions` (`None`: absent, a broken store),
    /// kept by every change, so reading the current revision touches no other revision.
    current: Option<usize>,
}

impl Stored {
    fn new(meta: Arc<ResourceMeta>, revisions: Vec<Arc<StoredRevision>>) -> Stored {
        let mut stored = Stored {
            meta,
            revisions,
            current: None,
        };
        stored.current = stored.position(&stored.meta.current_revision_id);
        stored
    }

    fn position(&self, revision_id: &str) -> Option<usize> {
        slot(&self.revisions, revision_id).ok()
    }

    /// The revision `revision_id` of this resource.
    fn revision(&self, revision_id: &str) -> Option<&Arc<StoredRevision>> {
        self.position(revision_id).map(|at| &self.revisions[at])
    }

    /// The current revision.
    fn current(&self) -> Option<&Arc<StoredRevision>> {
        self.current.map(|at| &self.revisions[at])
    }

    /// Store `revision` (at `at`, from [`slot`]: `Ok` replaces, `Err` inserts) and make `meta`
    /// the meta; returns the meta it replaced.
    fn apply(
        &mut self,
        revision: Option<(std::result::Result<usize, usize>, Arc<StoredRevision>)>,
        meta: Arc<ResourceMeta>,
    ) -> Arc<ResourceMeta> {
        let mut moved = meta.current_revision_id != self.meta.current_revision_id;
        if let Some((at, revision)) = revision {
            let at = match at {
                Ok(at) => {
                    self.revisions[at] = revision;
                    at
                }
                Err(at) => {
                    self.revisions.insert(at, revision);
                    // Later revisions moved up one.
                    moved = true;
                    at
                }
            };
            if self.revisions[at].info.revision_id == meta.current_revision_id {
                self.current = Some(at);
                moved = false;
            }
        }
        let old = std::mem::replace(&mut self.meta, meta);
        if moved {
            self.current = self.position(&self.meta.current_revision_id);
        }
        old
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn table(&self, model: &str) -> Result<Arc<RwLock<ModelTable>>> {
        self.models
            .read()
            .get(model)
            .cloned()
            .ok_or_else(|| Error::Storage {
                backend: BACKEND,
                message: format!("model `{model}` is not registered with the memory store"),
                source: None,
            })
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let models: Vec<String> = self.models.read().keys().cloned().collect();
        f.debug_struct("MemoryStore")
            .field("models", &models)
            .finish()
    }
}

impl ModelTable {
    /// The stored revision `revision_id` (`{resource_id}:{n}`).
    fn revision(&self, revision_id: &str) -> Option<&Arc<StoredRevision>> {
        let (resource_id, _) = revision_id.rsplit_once(':')?;
        self.resources.get(resource_id)?.revision(revision_id)
    }

    fn meta(&self, id: &str) -> Option<&ResourceMeta> {
        self.resources.get(id).map(|stored| &*stored.meta)
    }

    /// Apply `commit`; the meta it replaced, for the caller to drop once the lock is released.
    fn commit(&mut self, commit: Commit) -> Result<Option<Arc<ResourceMeta>>> {
        let ModelTable {
            descriptor,
            resources,
            unique,
            indexes,
        } = self;
        let name = descriptor.name;
        let id = commit.meta.resource_id.clone();
        // The resource is looked up once, for the checks and the changes.
        let existing = resources.get_mut(&id);
        match (&commit.expected_current, existing.as_deref()) {
            (None, None) => {}
            (None, Some(_)) => return Err(conflict(name, &id, "the resource already exists")),
            (Some(_), None) => return Err(conflict(name, &id, "the resource no longer exists")),
            (Some(expected), Some(stored)) if stored.meta.current_revision_id != *expected => {
                return Err(conflict(
                    name,
                    &id,
                    format!(
                        "the current revision is `{}`, not `{expected}` (changed concurrently)",
                        stored.meta.current_revision_id
                    ),
                ));
            }
            (Some(_), Some(stored)) => {
                // Only delete and restore change `is_deleted`, and they move nothing else. A
                // write that moves the current revision or stores one was built from a meta
                // read before a concurrent delete/restore: retrying is the only safe answer.
                let moves_revision = commit.revision.is_some()
                    || commit.meta.current_revision_id != stored.meta.current_revision_id;
                if moves_revision && commit.meta.is_deleted != stored.meta.is_deleted {
                    return Err(conflict(
                        name,
                        &id,
                        "the resource was deleted or restored concurrently",
                    ));
                }
            }
        }
        // Where the commit's revision goes among the resource's revisions (see [`slot`]).
        let mut revision_at = None;
        if let Some(revision) = &commit.revision {
            let rev_id = &revision.info.revision_id;
            if revision.info.resource_id != id {
                return Err(conflict(
                    name,
                    &id,
                    format!("revision `{rev_id}` belongs elsewhere"),
                ));
            }
            if !ids::is_revision_of(rev_id, &id) {
                return Err(conflict(
                    name,
                    &id,
                    format!("`{rev_id}` is not a revision id of it"),
                ));
            }
            let at = match existing.as_deref() {
                Some(stored) => slot(&stored.revisions, rev_id),
                None => Err(0),
            };
            if commit.replace_revision && at.is_err() {
                return Err(conflict(
                    name,
                    &id,
                    format!("revision `{rev_id}` does not exist"),
                ));
            }
            if !commit.replace_revision && at.is_ok() {
                return Err(conflict(
                    name,
                    &id,
                    format!("revision id `{rev_id}` is already used"),
                ));
            }
            revision_at = Some(at);
        }

        let new_entries = unique_entries(descriptor, &commit.meta);
        check_unique(unique, name, &id, &new_entries)?;

        // Every check passed: apply.
        if let Some(old) = existing.as_deref() {
            release_unique(unique, descriptor, &old.meta);
        }
        for UniqueEntry { field, key, .. } in new_entries {
            unique.entry(field).or_default().insert(key, id.clone());
        }
        let revision = revision_at.zip(commit.revision.map(Arc::new));
        let meta = Arc::new(commit.meta);
        Ok(match existing {
            Some(stored) => {
                indexes.replace(&stored.meta, &meta);
                Some(stored.apply(revision, meta))
            }
            None => {
                indexes.insert(&meta);
                let revisions = revision.into_iter().map(|(_, revision)| revision).collect();
                resources.insert(id, Stored::new(meta, revisions));
                None
            }
        })
    }

    /// Install a whole resource (backup load): check, then replace under the lock.
    fn import(&mut self, resource: ImportedResource, mode: ImportMode) -> Result<ImportOutcome> {
        resource.check(self.descriptor.name)?;
        let id = resource.meta.resource_id.clone();
        let existed = self.resources.contains_key(&id);
        if existed && mode == ImportMode::Insert {
            return Ok(ImportOutcome::Exists);
        }
        let entries = unique_entries(self.descriptor, &resource.meta);
        check_unique(&self.unique, self.descriptor.name, &id, &entries)?;
        self.purge(&id);
        let mut revisions: Vec<_> = resource.revisions.into_iter().map(Arc::new).collect();
        revisions.sort_by_key(|revision| revision_number(&revision.info.revision_id));
        for UniqueEntry { field, key, .. } in entries {
            self.unique
                .entry(field)
                .or_default()
                .insert(key, id.clone());
        }
        self.indexes.insert(&resource.meta);
        self.resources
            .insert(id, Stored::new(Arc::new(resource.meta), revisions));
        Ok(if existed {
            ImportOutcome::Replaced
        } else {
            ImportOutcome::Inserted
        })
    }

    fn purge(&mut self, id: &str) {
        if let Some(old) = self.resources.remove(id) {
            self.indexes.remove(&old.meta);
            release_unique(&mut self.unique, self.descriptor, &old.meta);
        }
    }
}

/// Unique index path → canonical key of a value → the resource holding it.
type UniqueMap = HashMap<&'static str, HashMap<String, String>>;

/// `UniqueViolation` when another resource than `id` holds one of `entries`.
fn check_unique(
    unique: &UniqueMap,
    resource: &str,
    id: &str,
    entries: &[UniqueEntry],
) -> Result<()> {
    for UniqueEntry { field, key, value } in entries {
        if let Some(holder) = unique.get(field).and_then(|m| m.get(key))
            && holder != id
        {
            return Err(Error::UniqueViolation {
                resource: resource.to_owned(),
                field: (*field).to_owned(),
                value: value.clone(),
                conflicting_id: holder.clone(),
            });
        }
    }
    Ok(())
}

/// Forget the unique entries `meta` holds (those still recorded as its own).
fn release_unique(unique: &mut UniqueMap, descriptor: &ResourceDescriptor, meta: &ResourceMeta) {
    for UniqueEntry { field, key, .. } in unique_entries(descriptor, meta) {
        if let Some(map) = unique.get_mut(field)
            && map.get(&key) == Some(&meta.resource_id)
        {
            map.remove(&key);
        }
    }
}

fn conflict(resource: &str, id: &str, message: impl Into<String>) -> Error {
    Error::Conflict {
        resource: resource.to_owned(),
        id: id.to_owned(),
        message: message.into(),
    }
}

#[async_trait::async_trait]
impl ResourceStore for MemoryStore {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    async fn register_model(&self, model: &'static ResourceDescriptor) -> Result<()> {
        self.models
            .write()
            .entry(model.name.to_owned())
            .or_insert_with(|| {
                Arc::new(RwLock::new(ModelTable {
                    descriptor: model,
                    resources: Shards::default(),
                    unique: HashMap::default(),
                    indexes: Indexes::new(model),
                }))
            });
        Ok(())
    }

    async fn load_meta(&self, model: &str, resource_id: &str) -> Result<Option<ResourceMeta>> {
        let table = self.table(model)?;
        let meta = table
            .read()
            .resources
            .get(resource_id)
            .map(|s| s.meta.clone());
        Ok(meta.map(Arc::unwrap_or_clone))
    }

    async fn load_revision(
        &self,
        model: &str,
        revision_id: &str,
    ) -> Result<Option<StoredRevision>> {
        let revision = self.table(model)?.read().revision(revision_id).cloned();
        Ok(revision.map(Arc::unwrap_or_clone))
    }

    /// Copies of what [`load_current_shared`](ResourceStore::load_current_shared) returns,
    /// made after the lock is released.
    async fn load_current(
        &self,
        model: &str,
        resource_id: &str,
    ) -> Result<Option<(ResourceMeta, Option<StoredRevision>)>> {
        let found = self.load_current_shared(model, resource_id).await?;
        Ok(found.map(|(meta, revision)| {
            let revision = revision.map(Arc::unwrap_or_clone);
            (Arc::unwrap_or_clone(meta), revision)
        }))
    }

    /// Both under one read lock, so the pair is consistent and the lock is taken once; no
    /// copies, only reference counts.
    async fn load_current_shared(
        &self,
        model: &str,
        resource_id: &str,
    ) -> Result<Option<(Arc<ResourceMeta>, Option<Arc<StoredRevision>>)>> {
        let table = self.table(model)?;
        let table = table.read();
        Ok(table
            .resources
            .get(resource_id)
            .map(|stored| (stored.meta.clone(), stored.current().cloned())))
    }

    async fn list_revisions(&self, model: &str, resource_id: &str) -> Result<Vec<RevisionInfo>> {
        let table = self.table(model)?;
        let revisions = table
            .read()
            .resources
            .get(resource_id)
            .map(|stored| stored.revisions.clone());
        Ok(revisions
            .into_iter()
            .flatten()
            .map(|revision| revision.info.clone())
            .collect())
    }

    async fn commit(&self, model: &str, commit: Commit) -> Result<()> {
        let table = self.table(model)?;
        let replaced = table.write().commit(commit)?;
        // Freed after the lock is released: other requests need not wait for it.
        drop(replaced);
        Ok(())
    }

    async fn search(&self, model: &str, query: &Query) -> Result<Vec<ResourceMeta>> {
        let table = self.table(model)?;
        let table = table.read();
        let page = match table.indexes.select(query, |id| table.meta(id)) {
            Some(candidates) => query::apply(query, candidates)?,
            None => query::apply(query, table.resources.values().map(|s| &*s.meta))?,
        };
        Ok(page.into_iter().cloned().collect())
    }

    async fn count(&self, model: &str, query: &Query) -> Result<u64> {
        let table = self.table(model)?;
        let table = table.read();
        match table.indexes.select(query, |id| table.meta(id)) {
            Some(candidates) => query::count(query, candidates),
            None => query::count(query, table.resources.values().map(|s| &*s.meta)),
        }
    }

    async fn purge(&self, model: &str, resource_id: &str) -> Result<()> {
        self.table(model)?.write().purge(resource_id);
        Ok(())
    }

    async fn import(
        &self,
        model: &str,
        resource: ImportedResource,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        self.table(model)?.write().import(resource, mode)
    }
}

/// The number `n` of a revision id `{resource_id}:{n}` (0 when malformed: ids are checked
/// before they are stored).
fn revision_number(revision_id: &str) -> u64 {
    revision_id
        .rsplit_once(':')
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

/// Where `revision_id` is (`Ok`), or would go (`Err`), among a resource's revisions in number
/// order: a binary search on the number, then the exact id.
fn slot(revisions: &[Arc<StoredRevision>], revision_id: &str) -> std::result::Result<usize, usize> {
    let n = revision_number(revision_id);
    // Usually revision n is at n - 1 (numbers start at 1 and are never skipped by the engine),
    // or, when it is new, goes at the end.
    let guess = usize::try_from(n).unwrap_or(usize::MAX).wrapping_sub(1);
    match revisions.get(guess) {
        Some(revision) if revision.info.revision_id == revision_id => return Ok(guess),
        None if guess == revisions.len()
            && revisions
                .last()
                .is_none_or(|last| revision_number(&last.info.revision_id) < n) =>
        {
            return Err(guess);
        }
        _ => {}
    }
    match revisions.binary_search_by_key(&n, |revision| revision_number(&revision.info.revision_id))
    {
        Ok(at) if revisions[at].info.revision_id == revision_id => Ok(at),
        // Another id with the same number ("x:01" beside "x:1", possible only by import).
        Ok(at) => revisions
            .iter()
            .position(|revision| revision.info.revision_id == revision_id)
            .ok_or(at),
        Err(at) => Err(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RevisionStatus, now};
    use crate::resource::{IndexKind, IndexSpec};
    use serde_json::{Value, json};

    static USER: ResourceDescriptor = ResourceDescriptor {
        name: "user",
        type_name: "User",
        description: None,
        indexes: &[IndexSpec {
            path: "email",
            kind: IndexKind::String,
            unique: true,
            nullable: true,
            list: false,
        }],
        refs: &[],
        display_name: None,
        default_status: None,
        encoding: None,
        version: None,
    };

    fn revision(id: &str, n: u64) -> StoredRevision {
        let t = now();
        StoredRevision {
            info: RevisionInfo {
                uid: "u".into(),
                resource_id: id.into(),
                revision_id: format!("{id}:{n}"),
                parent_revision_id: (n > 1).then(|| format!("{id}:{}", n - 1)),
                schema_version: None,
                data_hash: "xxh3_128:0".into(),
                status: RevisionStatus::Stable,
                created_time: t,
                updated_time: t,
                created_by: "a".into(),
                updated_by: "a".into(),
                parent_schema_version: None,
            },
            data: b"{}".to_vec(),
        }
    }

    fn meta(id: &str, n: u64, email: Value, deleted: bool) -> ResourceMeta {
        let t = now();
        let mut indexed = serde_json::Map::new();
        indexed.insert("email".into(), email);
        ResourceMeta {
            current_revision_id: format!("{id}:{n}"),
            resource_id: id.into(),
            schema_version: None,
            total_revision_count: n,
            created_time: t,
            updated_time: t,
            created_by: "a".into(),
            updated_by: "a".into(),
            is_deleted: deleted,
            indexed_data: indexed,
            rev_status: RevisionStatus::Stable,
            rev_created_by: "a".into(),
            rev_updated_by: "a".into(),
            rev_created_time: t,
            rev_updated_time: t,
        }
    }

    fn create(id: &str, email: Value) -> Commit {
        Commit {
            expected_current: None,
            meta: meta(id, 1, email, false),
            revision: Some(revision(id, 1)),
            replace_revision: false,
        }
    }

    async fn store() -> MemoryStore {
        let store = MemoryStore::new();
        store.register_model(&USER).await.unwrap();
        store
    }

    #[tokio::test]
    async fn commit_is_a_compare_and_set_on_the_current_revision() {
        let store = store().await;
        store
            .commit("user", create("user:a", json!("a@x")))
            .await
            .unwrap();
        let again = store.commit("user", create("user:a", json!("a@x"))).await;
        assert!(matches!(again, Err(Error::Conflict { .. })));
        let stale = Commit {
            expected_current: Some("user:a:7".into()),
            meta: meta("user:a", 2, json!("a@x"), false),
            revision: Some(revision("user:a", 2)),
            replace_revision: false,
        };
        assert!(matches!(
            store.commit("user", stale).await,
            Err(Error::Conflict { .. })
        ));
        assert_eq!(
            store.list_revisions("user", "user:a").await.unwrap().len(),
            1
        );
    }

    /// The current revision of `user:a` (id, uid), checked against its meta.
    async fn current(store: &MemoryStore) -> (String, String) {
        let (meta, revision) = store
            .load_current_shared("user", "user:a")
            .await
            .unwrap()
            .unwrap();
        let revision = revision.expect("the current revision is found");
        assert_eq!(revision.info.revision_id, meta.current_revision_id);
        (revision.info.revision_id.clone(), revision.info.uid.clone())
    }

    /// The current revision is found by its position among the revisions, which a revision
    /// stored before it (by number) shifts, and a switch or an in-place rewrite moves or keeps.
    #[tokio::test]
    async fn the_current_revision_follows_inserts_switches_and_rewrites() {
        let store = store().await;
        store
            .commit("user", create("user:a", json!("a@x")))
            .await
            .unwrap();
        let write = |n: u64, expected: u64, current: u64, uid: &str| {
            let mut revision = revision("user:a", n);
            revision.info.uid = uid.into();
            Commit {
                expected_current: Some(format!("user:a:{expected}")),
                meta: meta("user:a", current, json!("a@x"), false),
                revision: Some(revision),
                replace_revision: false,
            }
        };
        store.commit("user", write(3, 1, 3, "three")).await.unwrap();
        assert_eq!(current(&store).await, ("user:a:3".into(), "three".into()));
        // Revision 2 goes before 3, which moves up one place and stays current.
        store.commit("user", write(2, 3, 3, "two")).await.unwrap();
        assert_eq!(current(&store).await, ("user:a:3".into(), "three".into()));
        // A switch to 1 (meta only).
        let switch = Commit {
            expected_current: Some("user:a:3".into()),
            meta: meta("user:a", 1, json!("a@x"), false),
            revision: None,
            replace_revision: false,
        };
        store.commit("user", switch).await.unwrap();
        assert_eq!(current(&store).await.0, "user:a:1");
        // A rewrite of 2 in place while 1 is current, then of 1 itself.
        let mut rewrite = write(2, 1, 1, "two again");
        rewrite.replace_revision = true;
        store.commit("user", rewrite).await.unwrap();
        assert_eq!(current(&store).await, ("user:a:1".into(), "u".into()));
        let mut rewrite = write(1, 1, 1, "one again");
        rewrite.replace_revision = true;
        store.commit("user", rewrite).await.unwrap();
        assert_eq!(
            current(&store).await,
            ("user:a:1".into(), "one again".into())
        );
        // A new revision that is made current.
        store.commit("user", write(4, 1, 4, "four")).await.unwrap();
        assert_eq!(current(&store).await, ("user:a:4".into(), "four".into()));
        let numbers: Vec<String> = store
            .list_revisions("user", "user:a")
            .await
            .unwrap()
            .into_iter()
            .map(|info| info.uid)
            .collect();
        assert_eq!(numbers, ["one again", "two again", "three", "four"]);
    }

    #[tokio::test]
    async fn a_write_built_before_a_concurrent_delete_does_not_undelete() {
        let store = store().await;
        store
            .commit("user", create("user:a", json!("a@x")))
            .await
            .unwrap();
        let delete = Commit {
            expected_current: Some("user:a:1".into()),
            meta: meta("user:a", 1, json!("a@x"), true),
            revision: None,
            replace_revision: false,
        };
        store.commit("user", delete).await.unwrap();
        // An update that read the meta before the delete.
        let stale_update = Commit {
            expected_current: Some("user:a:1".into()),
            meta: meta("user:a", 2, json!("a@x"), false),
            revision: Some(revision("user:a", 2)),
            replace_revision: false,
        };
        let err = store.commit("user", stale_update).await.unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
        assert!(
            store
                .load_meta("user", "user:a")
                .await
                .unwrap()
                .unwrap()
                .is_deleted
        );
    }

    #[tokio::test]
    async fn unique_values_hold_among_non_deleted_and_null_repeats() {
        let store = store().await;
        store
            .commit("user", create("user:a", json!("a@x")))
            .await
            .unwrap();
        let err = store
            .commit("user", create("user:b", json!("a@x")))
            .await
            .unwrap_err();
        match err {
            Error::UniqueViolation {
                field,
                conflicting_id,
                ..
            } => {
                assert_eq!(field, "email");
                assert_eq!(conflicting_id, "user:a");
            }
            other => panic!("expected a unique violation, got {other:?}"),
        }
        assert!(
            store.load_meta("user", "user:b").await.unwrap().is_none(),
            "nothing written"
        );
        store
            .commit("user", create("user:n1", Value::Null))
            .await
            .unwrap();
        store
            .commit("user", create("user:n2", Value::Null))
            .await
            .unwrap();

        // Soft-deleting a frees its value.
        let delete = Commit {
            expected_current: Some("user:a:1".into()),
            meta: meta("user:a", 1, json!("a@x"), true),
            revision: None,
            replace_revision: false,
        };
        store.commit("user", delete).await.unwrap();
        store
            .commit("user", create("user:b", json!("a@x")))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn purge_removes_meta_revisions_and_unique_entries() {
        let store = store().await;
        store
            .commit("user", create("user:a", json!("a@x")))
            .await
            .unwrap();
        store.purge("user", "user:a").await.unwrap();
        assert!(store.load_meta("user", "user:a").await.unwrap().is_none());
        assert!(
            store
                .load_revision("user", "user:a:1")
                .await
                .unwrap()
                .is_none()
        );
        store
            .commit("user", create("user:b", json!("a@x")))
            .await
            .unwrap();
    }

    #[test]
    fn slot_finds_revisions_with_gaps_in_their_numbers() {
        // An import can leave gaps (purged or skipped numbers): revision n is then not at n - 1.
        let revisions: Vec<_> = [2, 5, 9]
            .into_iter()
            .map(|n| Arc::new(revision("user:a", n)))
            .collect();
        assert_eq!(slot(&revisions, "user:a:2"), Ok(0));
        assert_eq!(slot(&revisions, "user:a:5"), Ok(1));
        assert_eq!(slot(&revisions, "user:a:9"), Ok(2));
        assert_eq!(slot(&revisions, "user:a:1"), Err(0));
        // Number 3 is at index 2, but that slot holds 9: 3 goes after 2.
        assert_eq!(slot(&revisions, "user:a:3"), Err(1));
        assert_eq!(slot(&revisions, "user:a:4"), Err(1));
        assert_eq!(slot(&revisions, "user:a:7"), Err(2));
        assert_eq!(slot(&revisions, "user:a:10"), Err(3));
        // Number 4 would be "at the end" by position (index 3), but 9 is larger: not appended.
        let short: Vec<_> = revisions[..1]
            .iter()
            .chain(&revisions[2..])
            .cloned()
            .collect();
        assert_eq!(slot(&short, "user:a:3"), Err(1));
        assert_eq!(slot(&short, "user:a:9"), Ok(1));
        // Dense numbers: found where they are expected.
        let dense: Vec<_> = (1..=4).map(|n| Arc::new(revision("user:a", n))).collect();
        assert_eq!(slot(&dense, "user:a:3"), Ok(2));
        assert_eq!(slot(&dense, "user:a:5"), Err(4));
        assert_eq!(slot(&dense, "user:a:x"), Err(0));
    }

    #[tokio::test]
    async fn revisions_are_found_by_number_whatever_order_they_came_in() {
        let store = store().await;
        let imported = ImportedResource {
            meta: meta("user:a", 3, json!("a@x"), false),
            revisions: vec![
                revision("user:a", 3),
                revision("user:a", 1),
                revision("user:a", 2),
            ],
        };
        store
            .import("user", imported, ImportMode::Insert)
            .await
            .unwrap();
        let listed: Vec<String> = store
            .list_revisions("user", "user:a")
            .await
            .unwrap()
            .into_iter()
            .map(|info| info.revision_id)
            .collect();
        assert_eq!(listed, ["user:a:1", "user:a:2", "user:a:3"]);
        for n in 1..=3 {
            let id = format!("user:a:{n}");
            let found = store.load_revision("user", &id).await.unwrap();
            assert_eq!(found.map(|r| r.info.revision_id), Some(id));
        }
        assert!(
            store
                .load_revision("user", "user:a:4")
                .await
                .unwrap()
                .is_none()
        );

        // A used number is refused; the next one is stored after the others.
        let reuse = Commit {
            expected_current: Some("user:a:3".into()),
            meta: meta("user:a", 2, json!("a@x"), false),
            revision: Some(revision("user:a", 2)),
            replace_revision: false,
        };
        let err = store.commit("user", reuse).await.unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err:?}");
        let next = Commit {
            expected_current: Some("user:a:3".into()),
            meta: meta("user:a", 4, json!("a@x"), false),
            revision: Some(revision("user:a", 4)),
            replace_revision: false,
        };
        store.commit("user", next).await.unwrap();
        let last = store.list_revisions("user", "user:a").await.unwrap().pop();
        assert_eq!(
            last.map(|info| info.revision_id).as_deref(),
            Some("user:a:4")
        );
    }

    #[tokio::test]
    async fn unknown_models_are_a_storage_error() {
        let store = MemoryStore::new();
        let err = store.load_meta("nope", "nope:1").await.unwrap_err();
        assert!(err.to_string().contains("nope"));
    }
}
