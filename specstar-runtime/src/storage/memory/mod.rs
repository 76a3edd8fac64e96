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

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;

use super::meta_index::Indexes;

use super::unique::{UniqueEntry, unique_entries};
use super::{Commit, ImportMode, ImportOutcome, ImportedResource, ResourceStore, StoredRevision};
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::query::{self, Query};
use crate::resource::ResourceDescriptor;

const BACKEND: &str = "memory";

/// The in-memory store (the default of `SpecStar::builder()`).
#[derive(Default)]
pub struct MemoryStore {
    models: RwLock<HashMap<String, Arc<RwLock<ModelTable>>>>,
}

/// One model's data.
struct ModelTable {
    descriptor: &'static ResourceDescriptor,
    metas: HashMap<String, ResourceMeta>,
    revisions: HashMap<String, StoredRevision>,
    /// Revision ids of each resource, oldest first.
    history: HashMap<String, Vec<String>>,
    /// Unique index path → canonical key of the value (`unique::canonical_key`, shared with
    /// every other backend, so `1` and `1.0` conflict) → the non-deleted resource holding it.
    unique: HashMap<&'static str, HashMap<String, String>>,
    /// Secondary indexes over every meta (kept in step with `metas`).
    indexes: Indexes,
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
    fn conflict(&self, id: &str, message: impl Into<String>) -> Error {
        Error::Conflict {
            resource: self.descriptor.name.to_owned(),
            id: id.to_owned(),
            message: message.into(),
        }
    }

    fn commit(&mut self, commit: Commit) -> Result<()> {
        let id = commit.meta.resource_id.clone();
        let existing = self.metas.get(&id);
        match (&commit.expected_current, existing) {
            (None, None) => {}
            (None, Some(_)) => return Err(self.conflict(&id, "the resource already exists")),
            (Some(_), None) => return Err(self.conflict(&id, "the resource no longer exists")),
            (Some(expected), Some(meta)) if meta.current_revision_id != *expected => {
                return Err(self.conflict(
                    &id,
                    format!(
                        "the current revision is `{}`, not `{expected}` (changed concurrently)",
                        meta.current_revision_id
                    ),
                ));
            }
            (Some(_), Some(meta)) => {
                // Only delete and restore change `is_deleted`, and they move nothing else. A
                // write that moves the current revision or stores one was built from a meta
                // read before a concurrent delete/restore: retrying is the only safe answer.
                let moves_revision = commit.revision.is_some()
                    || commit.meta.current_revision_id != meta.current_revision_id;
                if moves_revision && commit.meta.is_deleted != meta.is_deleted {
                    return Err(
                        self.conflict(&id, "the resource was deleted or restored concurrently")
                    );
                }
            }
        }
        if let Some(revision) = &commit.revision {
            let rev_id = &revision.info.revision_id;
            if revision.info.resource_id != id {
                return Err(self.conflict(&id, format!("revision `{rev_id}` belongs elsewhere")));
            }
            let stored = self.revisions.contains_key(rev_id);
            if commit.replace_revision && !stored {
                return Err(self.conflict(&id, format!("revision `{rev_id}` does not exist")));
            }
            if !commit.replace_revision && stored {
                return Err(self.conflict(&id, format!("revision id `{rev_id}` is already used")));
            }
        }

        let new_entries = unique_entries(self.descriptor, &commit.meta);
        for UniqueEntry { field, key, value } in &new_entries {
            if let Some(holder) = self.unique.get(field).and_then(|m| m.get(key))
                && *holder != id
            {
                return Err(Error::UniqueViolation {
                    resource: self.descriptor.name.to_owned(),
                    field: (*field).to_owned(),
                    value: value.clone(),
                    conflicting_id: holder.clone(),
                });
            }
        }

        // Every check passed: apply.
        if let Some(old) = self.metas.get(&id) {
            for UniqueEntry { field, key, .. } in unique_entries(self.descriptor, old) {
                if let Some(map) = self.unique.get_mut(field)
                    && map.get(&key) == Some(&id)
                {
                    map.remove(&key);
                }
            }
        }
        for UniqueEntry { field, key, .. } in new_entries {
            self.unique
                .entry(field)
                .or_default()
                .insert(key, id.clone());
        }
        if let Some(revision) = commit.revision {
            let rev_id = revision.info.revision_id.clone();
            if !commit.replace_revision {
                self.history
                    .entry(id.clone())
                    .or_default()
                    .push(rev_id.clone());
            }
            self.revisions.insert(rev_id, revision);
        }
        match self.metas.get(&id) {
            Some(old) => self.indexes.replace(old, &commit.meta),
            None => self.indexes.insert(&commit.meta),
        }
        self.metas.insert(id, commit.meta);
        Ok(())
    }

    /// Install a whole resource (backup load): check, then replace under the lock.
    fn import(&mut self, resource: ImportedResource, mode: ImportMode) -> Result<ImportOutcome> {
        resource.check(self.descriptor.name)?;
        let id = resource.meta.resource_id.clone();
        let existed = self.metas.contains_key(&id);
        if existed && mode == ImportMode::Insert {
            return Ok(ImportOutcome::Exists);
        }
        let entries = unique_entries(self.descriptor, &resource.meta);
        for UniqueEntry { field, key, value } in &entries {
            if let Some(holder) = self.unique.get(field).and_then(|m| m.get(key))
                && *holder != id
            {
                return Err(Error::UniqueViolation {
                    resource: self.descriptor.name.to_owned(),
                    field: (*field).to_owned(),
                    value: value.clone(),
                    conflicting_id: holder.clone(),
                });
            }
        }
        self.purge(&id);
        let mut history = Vec::with_capacity(resource.revisions.len());
        for revision in resource.revisions {
            history.push(revision.info.revision_id.clone());
            self.revisions
                .insert(revision.info.revision_id.clone(), revision);
        }
        self.history.insert(id.clone(), history);
        for UniqueEntry { field, key, .. } in entries {
            self.unique
                .entry(field)
                .or_default()
                .insert(key, id.clone());
        }
        self.indexes.insert(&resource.meta);
        self.metas.insert(id, resource.meta);
        Ok(if existed {
            ImportOutcome::Replaced
        } else {
            ImportOutcome::Inserted
        })
    }

    fn purge(&mut self, id: &str) {
        if let Some(old) = self.metas.remove(id) {
            self.indexes.remove(&old);
            for UniqueEntry { field, key, .. } in unique_entries(self.descriptor, &old) {
                if let Some(map) = self.unique.get_mut(field)
                    && map.get(&key).map(String::as_str) == Some(id)
                {
                    map.remove(&key);
                }
            }
        }
        for rev in self.history.remove(id).unwrap_or_default() {
            self.revisions.remove(&rev);
        }
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
                    metas: HashMap::new(),
                    revisions: HashMap::new(),
                    history: HashMap::new(),
                    unique: HashMap::new(),
                    indexes: Indexes::new(model),
                }))
            });
        Ok(())
    }

    async fn load_meta(&self, model: &str, resource_id: &str) -> Result<Option<ResourceMeta>> {
        Ok(self.table(model)?.read().metas.get(resource_id).cloned())
    }

    async fn load_revision(
        &self,
        model: &str,
        revision_id: &str,
    ) -> Result<Option<StoredRevision>> {
        Ok(self
            .table(model)?
            .read()
            .revisions
            .get(revision_id)
            .cloned())
    }

    async fn list_revisions(&self, model: &str, resource_id: &str) -> Result<Vec<RevisionInfo>> {
        let table = self.table(model)?;
        let table = table.read();
        Ok(table
            .history
            .get(resource_id)
            .into_iter()
            .flatten()
            .filter_map(|rev| table.revisions.get(rev).map(|r| r.info.clone()))
            .collect())
    }

    async fn commit(&self, model: &str, commit: Commit) -> Result<()> {
        self.table(model)?.write().commit(commit)
    }

    async fn search(&self, model: &str, query: &Query) -> Result<Vec<ResourceMeta>> {
        let table = self.table(model)?;
        let table = table.read();
        let page = match table.indexes.select(query, &table.metas) {
            Some(candidates) => query::apply(query, candidates)?,
            None => query::apply(query, table.metas.values())?,
        };
        Ok(page.into_iter().cloned().collect())
    }

    async fn count(&self, model: &str, query: &Query) -> Result<u64> {
        let table = self.table(model)?;
        let table = table.read();
        match table.indexes.select(query, &table.metas) {
            Some(candidates) => query::count(query, candidates),
            None => query::count(query, table.metas.values()),
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

    #[tokio::test]
    async fn unknown_models_are_a_storage_error() {
        let store = MemoryStore::new();
        let err = store.load_meta("nope", "nope:1").await.unwrap_err();
        assert!(err.to_string().contains("nope"));
    }
}
