//! [`ResourceManager<T>`]: the typed manager of one resource type, a thin wrapper over the
//! untyped [`ModelHandle`].

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use serde_json::Value;

use super::engine::{GetOptions, ModelHandle};
use super::patch::Patch;
use super::search::Search;
use super::{Modify, Resource, RevisionListQuery};
use crate::model::{self, Error, ResourceMeta, Result, RevisionInfo, RevisionList, Timestamp};
use crate::query::Query;

/// The typed, versioned manager of resource type `T`. Get it from `spec.manager::<T>()`.
/// Cheap to clone; `as_user` / `at` return copies carrying an operation context.
///
/// Every write is a new revision (`update`, `patch`), except `modify`, which rewrites a draft
/// in place. See [`ModelHandle`] for the errors of each operation.
///
/// ```ignore
/// let zones = spec.manager::<Zone>();
/// let info = zones.as_user("alice").create(zone).await?;
/// let zone = zones.get(&info.resource_id).await?;
/// ```
pub struct ResourceManager<T> {
    handle: ModelHandle,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for ResourceManager<T> {
    fn clone(&self) -> Self {
        ResourceManager {
            handle: self.handle.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for ResourceManager<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResourceManager")
            .field("model", &self.handle.name())
            .field("context", self.handle.context())
            .finish()
    }
}

/// Convert an untyped resource into `Resource<T>`. Stored data that does not fit `T` is a
/// storage problem.
pub(crate) fn typed<T: Resource>(
    handle: &ModelHandle,
    resource: model::Resource<Value>,
) -> Result<model::Resource<T>> {
    let data = serde_json::from_value(resource.data).map_err(|e| Error::Storage {
        backend: handle.store().backend_name(),
        message: format!(
            "revision `{}` of {} does not decode into {}: {e}",
            resource.info.revision_id,
            T::NAME,
            std::any::type_name::<T>()
        ),
        source: None,
    })?;
    Ok(model::Resource {
        data,
        info: resource.info,
        meta: resource.meta,
    })
}

fn to_value<T: Resource>(data: &T) -> Result<Value> {
    serde_json::to_value(data).map_err(|e| Error::validation(T::NAME, e.to_string()))
}

impl<T: Resource> ResourceManager<T> {
    pub(crate) fn new(handle: ModelHandle) -> Self {
        ResourceManager {
            handle,
            _type: PhantomData,
        }
    }

    /// The untyped handle underneath (JSON data in and out).
    pub fn handle(&self) -> &ModelHandle {
        &self.handle
    }

    /// The resource name.
    pub fn name(&self) -> &'static str {
        T::NAME
    }

    /// A copy whose operations act as `user`.
    pub fn as_user(&self, user: impl Into<String>) -> Self {
        Self::new(self.handle.as_user(user))
    }

    /// A copy whose operations happen at `time` (truncated to microseconds).
    pub fn at(&self, time: Timestamp) -> Self {
        Self::new(self.handle.at(time))
    }

    /// Create a resource; returns its first revision.
    pub async fn create(&self, data: T) -> Result<RevisionInfo> {
        self.handle.create(to_value(&data)?).await
    }

    /// Read a resource: `.await` for the current revision, or add `.revision(id)` /
    /// `.include_deleted(true)` first.
    pub fn get(&self, id: &str) -> Get<T> {
        Get {
            handle: self.handle.clone(),
            id: id.to_owned(),
            options: GetOptions::default(),
            _type: PhantomData,
        }
    }

    /// The meta of a resource (also when it is soft-deleted).
    pub async fn get_meta(&self, id: &str) -> Result<ResourceMeta> {
        self.handle.get_meta(id).await
    }

    /// Every revision of a resource, oldest first.
    pub async fn list_revisions(&self, id: &str) -> Result<Vec<RevisionInfo>> {
        self.handle.list_revisions(id).await
    }

    /// A page of revisions, sorted and filtered (see [`RevisionListQuery`]).
    pub async fn revision_list(&self, id: &str, query: &RevisionListQuery) -> Result<RevisionList> {
        self.handle.revision_list(id, query).await
    }

    /// Write a new revision; identical data writes nothing and returns the current revision.
    pub async fn update(&self, id: &str, data: T) -> Result<RevisionInfo> {
        self.handle.update(id, to_value(&data)?).await
    }

    /// Apply an RFC 6902 JSON Patch, then update.
    pub async fn patch(&self, id: &str, patch: &Patch) -> Result<RevisionInfo> {
        self.handle.patch(id, patch).await
    }

    /// Change the current draft in place (see [`Modify`]).
    pub async fn modify(&self, id: &str, change: Modify<T>) -> Result<RevisionInfo> {
        let change = change.try_map(|data| to_value(&data))?;
        self.handle.modify(id, change).await
    }

    /// The bytes of file `file_id`, referenced by a [`Binary`](crate::model::Binary) of the
    /// current revision of `id`, with the content type the resource recorded (see
    /// [`ModelHandle::blob`] for a given revision and the errors).
    ///
    /// ```ignore
    /// let stored = avatars.get(&id).await?.data.image;        // Binary { file_id, size, content_type }
    /// let blob = avatars.blob(&id, stored.file_id.as_deref().unwrap_or_default()).await?;
    /// assert_eq!(Some(blob.size() as i64), stored.size);
    /// ```
    pub async fn blob(&self, id: &str, file_id: &str) -> Result<crate::storage::blob::Blob> {
        self.handle.blob(id, file_id, &GetOptions::default()).await
    }

    /// Make a stored revision current.
    pub async fn switch(&self, id: &str, revision_id: &str) -> Result<ResourceMeta> {
        self.handle.switch(id, revision_id).await
    }

    /// Soft-delete (and run referential actions).
    pub async fn delete(&self, id: &str) -> Result<ResourceMeta> {
        self.handle.delete(id).await
    }

    /// Undo a soft delete.
    pub async fn restore(&self, id: &str) -> Result<ResourceMeta> {
        self.handle.restore(id).await
    }

    /// Remove a resource and every revision for good.
    pub async fn permanently_delete(&self, id: &str) -> Result<ResourceMeta> {
        self.handle.permanently_delete(id).await
    }

    /// Search with a condition or a whole query; add `.sort(..)`, `.limit(..)`, `.offset(..)`
    /// and `.await`. Deleted resources are excluded unless the condition mentions `is_deleted`.
    pub fn search(&self, query: impl Into<Query>) -> Search<T> {
        Search::new(self.handle.clone(), query.into())
    }

    /// The metas matching a condition or query.
    pub async fn search_metas(&self, query: impl Into<Query>) -> Result<Vec<ResourceMeta>> {
        self.search(query).metas().await
    }

    /// The number of resources matching a condition or query.
    pub async fn count(&self, query: impl Into<Query>) -> Result<u64> {
        self.handle.count(&query.into()).await
    }

    /// Every non-deleted resource, oldest first; add `.sort(..)`, `.limit(..)` as for search.
    pub fn list(&self) -> Search<T> {
        Search::new(self.handle.clone(), Query::default())
    }

    /// Write the current revision of `id`, migrated to the current schema version, back as a
    /// new revision; `None` when it is already current (see [`ModelHandle::migrate`]).
    pub async fn migrate(&self, id: &str) -> Result<Option<RevisionInfo>> {
        self.handle.migrate(id).await
    }

    /// Migrate one stored revision in place, leaving the meta alone (see
    /// [`ModelHandle::migrate_revision`]).
    pub async fn migrate_revision(&self, id: &str, revision_id: &str) -> Result<RevisionInfo> {
        self.handle.migrate_revision(id, revision_id).await
    }

    /// Migrate every resource matching `query`, reporting progress per resource (see
    /// [`ModelHandle::migrate_matching`]); `dry_run` writes nothing.
    pub async fn migrate_matching(
        &self,
        query: impl Into<Query>,
        dry_run: bool,
        progress: impl FnMut(crate::schema::MigrationProgress) + Send,
    ) -> Result<crate::schema::MigrationSummary> {
        self.handle
            .migrate_matching(&query.into(), dry_run, progress)
            .await
    }
}

/// A read being built by [`ResourceManager::get`]; `.await` it.
#[must_use = "a get does nothing until it is awaited"]
pub struct Get<T> {
    handle: ModelHandle,
    id: String,
    options: GetOptions,
    _type: PhantomData<fn() -> T>,
}

impl<T: Resource> Get<T> {
    /// Read this revision instead of the current one.
    pub fn revision(mut self, revision_id: impl Into<String>) -> Self {
        self.options.revision_id = Some(revision_id.into());
        self
    }

    /// Also read a soft-deleted resource.
    pub fn include_deleted(mut self, include: bool) -> Self {
        self.options.include_deleted = include;
        self
    }
}

impl<T: Resource> IntoFuture for Get<T> {
    type Output = Result<model::Resource<T>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let found = self.handle.get_with(&self.id, &self.options).await?;
            typed(&self.handle, found)
        })
    }
}
