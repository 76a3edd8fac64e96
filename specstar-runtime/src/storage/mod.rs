//! Storage: the [`ResourceStore`] trait every backend implements, and the backends.
//!
//! One trait covers metadata and revisions together (rather than separate meta and revision
//! stores) because the invariants of design.md §4 span both: a write inserts a revision and
//! compare-and-sets the meta that points at it, atomically, with unique entries checked in the
//! same step. A backend that could only do one half could not keep them.

pub mod blob;
pub mod config;
pub mod disk;
pub mod memory;
pub mod postgres;
pub mod sqlite;

mod import;
mod meta_index;
mod shards;
mod sql;
mod unique;

pub use import::{ImportMode, ImportOutcome, ImportedResource};

use std::sync::Arc;

use crate::model::{ResourceMeta, Result, RevisionInfo};
use crate::query::Query;
use crate::resource::ResourceDescriptor;

/// One revision as stored: its info and the encoded payload bytes (`data_hash` is their hash).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRevision {
    pub info: RevisionInfo,
    pub data: Vec<u8>,
}

/// One atomic write to one resource.
#[derive(Debug, Clone)]
pub struct Commit {
    /// Compare-and-set guard: the `current_revision_id` the writer read, or `None` when the
    /// resource must not exist yet (create). A mismatch fails with `Error::Conflict` and
    /// writes nothing.
    pub expected_current: Option<String>,
    /// The meta after the write (its `indexed_data` carries the unique values to enforce).
    pub meta: ResourceMeta,
    /// A revision to store with this write: inserted when new, overwritten in place when
    /// `replace_revision` is set (modify of a draft).
    pub revision: Option<StoredRevision>,
    /// Overwrite `revision` in place instead of inserting it.
    pub replace_revision: bool,
}

/// The storage of resources: metas, revisions, indexes, unique entries.
///
/// Invariants every implementation keeps (design.md §4):
/// - `commit` is atomic: revision, meta and unique entries become visible together or not at all;
/// - `commit` is a compare-and-set on `expected_current`, so concurrent writers never lose a
///   revision and never reuse a revision id;
/// - unique indexes (`IndexSpec::unique`) hold among non-deleted metas, `null` may repeat;
///   a violation fails with `Error::UniqueViolation` naming the field and the conflicting id;
/// - `search`/`count` evaluate the query in the store (SQL on SQL backends), on meta fields and
///   `indexed_data`, with the three-valued semantics of [`crate::query`].
#[async_trait::async_trait]
pub trait ResourceStore: Send + Sync + 'static {
    /// A short name for messages (`"memory"`, `"sqlite"`, …).
    fn backend_name(&self) -> &'static str;

    /// Prepare storage for a model (tables, indexes). Idempotent; called at app build.
    async fn register_model(&self, model: &'static ResourceDescriptor) -> Result<()>;

    /// The meta of a resource, deleted or not.
    async fn load_meta(&self, model: &str, resource_id: &str) -> Result<Option<ResourceMeta>>;

    /// One stored revision.
    async fn load_revision(&self, model: &str, revision_id: &str)
    -> Result<Option<StoredRevision>>;

    /// The meta of a resource (deleted or not) with the revision it points at, read together
    /// (one query on SQL backends). `None` when the resource does not exist; the revision is
    /// `None` when the meta points at a revision that is not stored (a broken store).
    async fn load_current(
        &self,
        model: &str,
        resource_id: &str,
    ) -> Result<Option<(ResourceMeta, Option<StoredRevision>)>> {
        let Some(meta) = self.load_meta(model, resource_id).await? else {
            return Ok(None);
        };
        let revision = self.load_revision(model, &meta.current_revision_id).await?;
        Ok(Some((meta, revision)))
    }

    /// [`load_current`](Self::load_current) behind shared pointers. A store that keeps its
    /// data in memory hands out references to what it holds instead of copies (an update only
    /// reads the meta and the current revision's hash); the default wraps `load_current`.
    async fn load_current_shared(
        &self,
        model: &str,
        resource_id: &str,
    ) -> Result<Option<(Arc<ResourceMeta>, Option<Arc<StoredRevision>>)>> {
        let found = self.load_current(model, resource_id).await?;
        Ok(found.map(|(meta, revision)| (Arc::new(meta), revision.map(Arc::new))))
    }

    /// The stored revisions among `revision_ids` (missing ones are left out, order is not
    /// kept): one query on SQL backends, for reading the data of a page of search results.
    async fn load_revisions(
        &self,
        model: &str,
        revision_ids: &[String],
    ) -> Result<Vec<StoredRevision>> {
        let mut found = Vec::with_capacity(revision_ids.len());
        for revision_id in revision_ids {
            if let Some(revision) = self.load_revision(model, revision_id).await? {
                found.push(revision);
            }
        }
        Ok(found)
    }

    /// The infos of every revision of a resource, oldest first.
    async fn list_revisions(&self, model: &str, resource_id: &str) -> Result<Vec<RevisionInfo>>;

    /// Apply one write atomically (see [`Commit`]).
    async fn commit(&self, model: &str, commit: Commit) -> Result<()>;

    /// Metas matching `query` (condition, sorts, offset, limit), evaluated in the store.
    async fn search(&self, model: &str, query: &Query) -> Result<Vec<ResourceMeta>>;

    /// Number of metas matching `query`'s condition (sorts and paging ignored).
    async fn count(&self, model: &str, query: &Query) -> Result<u64>;

    /// Remove a resource's meta, revisions and unique entries (permanent delete).
    async fn purge(&self, model: &str, resource_id: &str) -> Result<()>;

    /// Write a whole resource — every revision, then its meta — atomically (backup load; see
    /// [`ImportedResource`]). Runs [`ImportedResource::check`] first; enforces unique
    /// constraints like `commit`.
    ///
    /// The default refuses with `Error::NotConfigured`: a backend that cannot install a whole
    /// history atomically must not pretend to.
    async fn import(
        &self,
        model: &str,
        resource: ImportedResource,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        let _ = (resource, mode);
        Err(crate::model::Error::NotConfigured {
            feature: format!(
                "backup import into the {} store ({model})",
                self.backend_name()
            ),
        })
    }
}
