//! Lifecycle operations that move the meta without writing data: switch, delete, restore,
//! permanently_delete.

use super::scope::Parts;
use super::{MAX_WRITE_ATTEMPTS, ModelHandle, backoff, gave_up};
use crate::events::Action;
use crate::model::{Error, ResourceMeta, Result};
use crate::resource::context::ResolvedContext;
use crate::resource::{indexing, refs};
use crate::storage::Commit;

impl ModelHandle {
    /// Make `revision_id` (any stored revision of `id`) the current revision. Later writes
    /// chain from it. Switching to the current revision changes nothing. Returns the meta.
    ///
    /// Errors: `NotFound`, `Deleted`, `RevisionNotFound`, `RevisionNotMigrated` (the revision
    /// was written by another schema version), `UniqueViolation` (its unique values are taken),
    /// a constraint checker's error, plus the pipeline errors.
    pub async fn switch(&self, id: &str, revision_id: &str) -> Result<ResourceMeta> {
        let action = Action::Switch;
        let parts = Parts {
            revision_id: Some(revision_id),
            ..Parts::id(id)
        };
        let ctx = self.begin(action, parts).await?;
        let result = self.switch_inner(&ctx, id, revision_id).await;
        self.finish(action, &ctx, parts, result).await
    }

    async fn switch_inner(
        &self,
        ctx: &ResolvedContext,
        id: &str,
        revision_id: &str,
    ) -> Result<ResourceMeta> {
        let model = &self.engine.model_type;
        let _turn = self.app.write_locks.lock(self.name(), id).await;
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let meta = self.meta_live(id).await?;
            let target = self.revision(id, revision_id).await?;
            if meta.current_revision_id == revision_id {
                return Ok(meta);
            }
            let expected = self.engine.descriptor.version;
            if target.info.schema_version.as_deref() != expected {
                return Err(Error::RevisionNotMigrated {
                    resource: self.name().to_owned(),
                    revision_id: revision_id.to_owned(),
                    found: target.info.schema_version.clone(),
                    expected: expected.map(str::to_owned),
                });
            }
            let data = self.decode(&target)?;
            let previous_data = if model.has_constraints() {
                Some(self.decode(&self.current_revision(&meta).await?)?)
            } else {
                None
            };
            model
                .check_constraints(&data, previous_data.as_ref(), Some(id))
                .await?;

            let mut next = meta.clone();
            next.updated_time = ctx.now;
            next.updated_by = ctx.user.clone();
            next.indexed_data = indexing::extract(self.engine.descriptor, &data);
            next.mirror_revision(&target.info);
            let commit = Commit {
                expected_current: Some(meta.current_revision_id.clone()),
                meta: next.clone(),
                revision: None,
                replace_revision: false,
            };
            match self.app.store.commit(self.name(), commit).await {
                Ok(()) => {}
                Err(Error::Conflict { .. }) => {
                    backoff(attempt).await;
                    continue;
                }
                Err(error) => return Err(error),
            }
            if let Err(error) = model
                .check_constraints(&data, previous_data.as_ref(), Some(id))
                .await
            {
                self.compensate(Commit {
                    expected_current: Some(revision_id.to_owned()),
                    meta,
                    revision: None,
                    replace_revision: false,
                })
                .await;
                return Err(error);
            }
            return Ok(next);
        }
        Err(gave_up(self.name(), id))
    }

    /// Soft-delete `id`, then run the referential actions of every reference to it
    /// (`cascade` deletes referrers, `set_null` clears the field in a new revision of each
    /// referrer; both through the referrer's own pipeline, as the same user). Returns the meta
    /// (`is_deleted: true`).
    ///
    /// Errors: `NotFound`, `Deleted` (already deleted), a referrer's error (the resource
    /// itself stays deleted), plus the pipeline errors.
    pub async fn delete(&self, id: &str) -> Result<ResourceMeta> {
        let action = Action::Delete;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = self.delete_inner(&ctx, id).await;
        self.finish(action, &ctx, parts, result).await
    }

    async fn delete_inner(&self, ctx: &ResolvedContext, id: &str) -> Result<ResourceMeta> {
        let turn = self.app.write_locks.lock(self.name(), id).await;
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let meta = self.meta_live(id).await?;
            let mut next = meta.clone();
            next.is_deleted = true;
            next.updated_time = ctx.now;
            next.updated_by = ctx.user.clone();
            let commit = Commit {
                expected_current: Some(meta.current_revision_id.clone()),
                meta: next.clone(),
                revision: None,
                replace_revision: false,
            };
            match self.app.store.commit(self.name(), commit).await {
                Ok(()) => {}
                Err(Error::Conflict { .. }) => {
                    backoff(attempt).await;
                    continue;
                }
                Err(error) => return Err(error),
            }
            // Referential actions write other resources (and may come back to this one).
            drop(turn);
            refs::on_soft_delete(self, ctx, id).await?;
            return Ok(next);
        }
        Err(gave_up(self.name(), id))
    }

    /// Undo a soft delete. Restoring a resource that is not deleted changes nothing. Referrers
    /// deleted or cleared by referential actions stay as they are. Returns the meta.
    ///
    /// Errors: `NotFound`, `UniqueViolation` (its unique values were taken meanwhile), a
    /// constraint checker's error, plus the pipeline errors.
    pub async fn restore(&self, id: &str) -> Result<ResourceMeta> {
        let action = Action::Restore;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = self.restore_inner(&ctx, id).await;
        self.finish(action, &ctx, parts, result).await
    }

    async fn restore_inner(&self, ctx: &ResolvedContext, id: &str) -> Result<ResourceMeta> {
        let model = &self.engine.model_type;
        let _turn = self.app.write_locks.lock(self.name(), id).await;
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let meta = self.meta_any(id).await?;
            if !meta.is_deleted {
                return Ok(meta);
            }
            let data = if model.has_constraints() {
                let data = self.decode(&self.current_revision(&meta).await?)?;
                model.check_constraints(&data, None, Some(id)).await?;
                Some(data)
            } else {
                None
            };
            let mut next = meta.clone();
            next.is_deleted = false;
            next.updated_time = ctx.now;
            next.updated_by = ctx.user.clone();
            let commit = Commit {
                expected_current: Some(meta.current_revision_id.clone()),
                meta: next.clone(),
                revision: None,
                replace_revision: false,
            };
            match self.app.store.commit(self.name(), commit).await {
                Ok(()) => {}
                Err(Error::Conflict { .. }) => {
                    backoff(attempt).await;
                    continue;
                }
                Err(error) => return Err(error),
            }
            if let Some(data) = data
                && let Err(error) = model.check_constraints(&data, None, Some(id)).await
            {
                self.compensate(Commit {
                    expected_current: Some(meta.current_revision_id.clone()),
                    meta,
                    revision: None,
                    replace_revision: false,
                })
                .await;
                return Err(error);
            }
            return Ok(next);
        }
        Err(gave_up(self.name(), id))
    }

    /// Remove `id` (deleted or not) and all its revisions for good. Referential actions do
    /// not run. Returns the meta as it was.
    ///
    /// Errors: `NotFound`, plus the pipeline errors.
    pub async fn permanently_delete(&self, id: &str) -> Result<ResourceMeta> {
        let action = Action::PermanentlyDelete;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = async {
            let meta = self.meta_any(id).await?;
            self.app.store.purge(self.name(), id).await?;
            Ok(meta)
        }
        .await;
        self.finish(action, &ctx, parts, result).await
    }
}
