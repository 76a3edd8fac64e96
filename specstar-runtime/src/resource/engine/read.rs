//! Reads: get, get_meta, list_revisions, revision_list, search, search_metas, count.

use std::sync::Arc;

use serde_json::Value;

use super::ModelHandle;
use super::scope::Parts;
use crate::events::Action;
use crate::model::{Resource, ResourceMeta, Result, RevisionInfo, RevisionList};
use crate::query::Query;
use crate::resource::revision_list::{self, RevisionListQuery};
use crate::resource::search::with_deleted_default;
use crate::storage::StoredRevision;

/// A resource as read, its meta and revision shared with the store.
#[derive(Debug, Clone)]
pub(crate) struct SharedResource {
    /// The revision's data, decoded.
    pub data: Value,
    /// The revision (its `info` is the resource's `revision_info`).
    pub revision: Arc<StoredRevision>,
    pub meta: Arc<ResourceMeta>,
}

impl SharedResource {
    /// The owned [`Resource`] (copies what the store still holds).
    pub fn into_owned(self) -> Resource<Value> {
        Resource {
            data: self.data,
            info: Arc::unwrap_or_clone(self.revision).info,
            meta: Arc::unwrap_or_clone(self.meta),
        }
    }
}

/// Options of [`ModelHandle::get_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetOptions {
    /// Read this revision instead of the current one.
    pub revision_id: Option<String>,
    /// Read the resource even when it is soft-deleted.
    pub include_deleted: bool,
}

impl ModelHandle {
    /// The current revision of `id` with its data and meta.
    ///
    /// Errors: `NotFound`, `Deleted`, plus the pipeline errors.
    pub async fn get(&self, id: &str) -> Result<Resource<Value>> {
        self.get_with(id, &GetOptions::default()).await
    }

    /// [`get`](Self::get) with options: a given revision, or a deleted resource.
    ///
    /// Errors: `NotFound`, `Deleted` (unless `include_deleted`), `RevisionNotFound`.
    pub async fn get_with(&self, id: &str, options: &GetOptions) -> Result<Resource<Value>> {
        self.get_shared(id, options)
            .await
            .map(SharedResource::into_owned)
    }

    /// [`get_with`](Self::get_with) without copying the meta and revision the store holds
    /// (the HTTP read serializes them from there).
    pub(crate) async fn get_shared(
        &self,
        id: &str,
        options: &GetOptions,
    ) -> Result<SharedResource> {
        let action = Action::Get;
        let parts = Parts {
            revision_id: options.revision_id.as_deref(),
            ..Parts::id(id)
        };
        let ctx = self.begin(action, parts).await?;
        let result = async {
            let (meta, revision) = match &options.revision_id {
                Some(revision_id) => {
                    let meta = self.meta_any(id).await?;
                    if meta.is_deleted && !options.include_deleted {
                        return Err(self.deleted(id));
                    }
                    let revision = self.revision(id, revision_id).await?;
                    (Arc::new(meta), Arc::new(revision))
                }
                // The common read: meta and current revision in one store read.
                None => self.meta_and_current(id, options.include_deleted).await?,
            };
            Ok(SharedResource {
                data: self.decode(&revision)?,
                revision,
                meta,
            })
        }
        .await;
        self.finish(action, &ctx, parts, result).await
    }

    /// The meta of `id`, also when it is soft-deleted (`is_deleted` says so).
    ///
    /// Errors: `NotFound`, plus the pipeline errors.
    pub async fn get_meta(&self, id: &str) -> Result<ResourceMeta> {
        let action = Action::GetMeta;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = self.meta_any(id).await;
        self.finish(action, &ctx, parts, result).await
    }

    /// Every revision of `id`, oldest first.
    ///
    /// Errors: `NotFound`, `Deleted`, plus the pipeline errors.
    pub async fn list_revisions(&self, id: &str) -> Result<Vec<RevisionInfo>> {
        let action = Action::ListRevisions;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = async {
            self.meta_live(id).await?;
            self.app.store.list_revisions(self.name(), id).await
        }
        .await;
        self.finish(action, &ctx, parts, result).await
    }

    /// A page of the revisions of `id` (the `revision-list` route): sorted by creation time,
    /// filtered by a time range, optionally only the parent chain.
    ///
    /// Errors: `NotFound`, `Deleted`, `RevisionNotFound` (unknown `from_revision_id`),
    /// `BadQuery` (`limit` 0), plus the pipeline errors.
    pub async fn revision_list(&self, id: &str, query: &RevisionListQuery) -> Result<RevisionList> {
        let action = Action::ListRevisions;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = async {
            let meta = self.meta_live(id).await?;
            let all = self.app.store.list_revisions(self.name(), id).await?;
            let page = revision_list::page(all, &meta.current_revision_id, query, |rev| {
                self.revision_not_found(id, rev)
            })?;
            Ok(RevisionList {
                meta,
                revisions: page.revisions,
                total: page.total,
                has_more: page.has_more,
            })
        }
        .await;
        self.finish(action, &ctx, parts, result).await
    }

    /// Resources matching `query` (condition, sorts, paging), with their current data.
    /// Deleted resources are excluded unless the condition mentions `is_deleted`.
    ///
    /// Errors: `BadQuery` (a field that is not indexed, a malformed operator value), plus the
    /// pipeline errors.
    pub async fn search(&self, query: &Query) -> Result<Vec<Resource<Value>>> {
        let action = Action::Search;
        let parts = Parts::default();
        let ctx = self.begin(action, parts).await?;
        let result = async {
            let metas = self.find_metas(query).await?;
            // The current revisions of the page in one store read.
            let wanted: Vec<String> = metas
                .iter()
                .map(|m| m.current_revision_id.clone())
                .collect();
            let mut revisions: std::collections::HashMap<String, crate::storage::StoredRevision> =
                self.app
                    .store
                    .load_revisions(self.name(), &wanted)
                    .await?
                    .into_iter()
                    .map(|r| (r.info.revision_id.clone(), r))
                    .collect();
            let mut found = Vec::with_capacity(metas.len());
            for meta in metas {
                let revision = match revisions.remove(&meta.current_revision_id) {
                    Some(revision) => revision,
                    // Missing from the batch: read it alone (reports a broken store).
                    None => self.current_revision(&meta).await?,
                };
                found.push(Resource {
                    data: self.decode(&revision)?,
                    info: revision.info,
                    meta,
                });
            }
            Ok(found)
        }
        .await;
        self.finish(action, &ctx, parts, result).await
    }

    /// The metas of the resources matching `query` (no payload is read).
    pub async fn search_metas(&self, query: &Query) -> Result<Vec<ResourceMeta>> {
        let action = Action::Search;
        let parts = Parts::default();
        let ctx = self.begin(action, parts).await?;
        let result = self.find_metas(query).await;
        self.finish(action, &ctx, parts, result).await
    }

    /// The number of resources matching `query`'s condition (sorts and paging ignored).
    pub async fn count(&self, query: &Query) -> Result<u64> {
        let action = Action::Count;
        let parts = Parts::default();
        let ctx = self.begin(action, parts).await?;
        let result = async {
            query.validate(self.engine.descriptor)?;
            let query = with_deleted_default(query);
            self.app.store.count(self.name(), &query).await
        }
        .await;
        self.finish(action, &ctx, parts, result).await
    }

    /// Validate, apply the deleted default, ask the store (no events).
    pub(crate) async fn find_metas(&self, query: &Query) -> Result<Vec<ResourceMeta>> {
        query.validate(self.engine.descriptor)?;
        let query = with_deleted_default(query);
        self.app.store.search(self.name(), &query).await
    }
}
