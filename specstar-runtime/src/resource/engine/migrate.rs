//! Schema migration writes: `migrate` (the current revision, written back as a new revision),
//! `migrate_revision` (one stored revision, rewritten in place, meta untouched), their dry
//! runs, and the bulk form over a query with per-resource progress.
//!
//! Reads never need these: a revision stored at an older version is migrated in memory on
//! every read (see [`crate::schema`]). Writing it back makes the stored payload, the meta's
//! `schema_version` and its `indexed_data` current. Until then, search sees the values indexed
//! when the revision was written.

use super::scope::{Outcome, Parts, Written};
use super::{MAX_WRITE_ATTEMPTS, ModelHandle, backoff, gave_up};
use crate::events::Action;
use crate::model::{Error, Result, RevisionInfo, now};
use crate::query::Query;
use crate::resource::context::ResolvedContext;
use crate::resource::{ids, indexing};
use crate::schema::{MigrationProgress, MigrationStatus, MigrationSummary};
use crate::storage::{Commit, StoredRevision};

impl Outcome for Option<Written> {
    fn parts(&self) -> Parts<'_> {
        self.as_ref().map(Outcome::parts).unwrap_or_default()
    }
}

impl ModelHandle {
    /// The schema version new writes record (`#[specstar(version = "...")]`).
    fn current_version(&self) -> Option<&'static str> {
        self.engine.descriptor.version
    }

    /// Migrate the current revision of `id` to the current schema version and write it back
    /// as a new revision (parent: the current one; `parent_schema_version`: the version it was
    /// stored at; same status), updating the meta's `schema_version` and `indexed_data`.
    /// Returns `None` when the resource is already at the current version.
    ///
    /// A failed migration (`MigrationFailed`, `Validation`, `UniqueViolation`) writes nothing.
    ///
    /// Errors: `NotFound`, `Deleted`, `MigrationFailed`, `Validation`, `UniqueViolation`, plus
    /// the pipeline errors (the permission and events of `update`).
    pub async fn migrate(&self, id: &str) -> Result<Option<RevisionInfo>> {
        let action = Action::Update;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = self.migrate_inner(&ctx, id).await;
        self.finish(action, &ctx, parts, result)
            .await
            .map(|w| w.map(|w| w.info))
    }

    /// What [`migrate`](Self::migrate) would do, without writing: `Ok(true)` when the current
    /// revision converts (and validates) into the current type, `Ok(false)` when it is already
    /// current, the migration error otherwise.
    pub async fn migrate_dry_run(&self, id: &str) -> Result<bool> {
        let meta = self.meta_live(id).await?;
        let current = self.current_revision(&meta).await?;
        let version = self.current_version();
        if current.info.schema_version.as_deref() == version
            && meta.schema_version.as_deref() == version
        {
            return Ok(false);
        }
        let data = self.decode(&current)?;
        self.engine.model_type.prepare(data, self.engine.encoding)?;
        Ok(true)
    }

    async fn migrate_inner(&self, ctx: &ResolvedContext, id: &str) -> Result<Option<Written>> {
        let model = &self.engine.model_type;
        let version = self.current_version();
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let meta = self.meta_live(id).await?;
            let current = self.current_revision(&meta).await?;
            if current.info.schema_version.as_deref() == version
                && meta.schema_version.as_deref() == version
            {
                return Ok(None);
            }
            let data = self.decode(&current)?;
            let prepared = self.prepare_data(data).await?;
            model
                .check_constraints(&prepared.value, None, Some(id))
                .await?;

            let n = meta.total_revision_count + 1;
            let info = RevisionInfo {
                uid: ids::new_uid(),
                resource_id: id.to_owned(),
                revision_id: ids::revision_id(id, n),
                parent_revision_id: Some(meta.current_revision_id.clone()),
                schema_version: version.map(str::to_owned),
                data_hash: prepared.hash.clone(),
                status: current.info.status,
                created_time: ctx.now,
                updated_time: ctx.now,
                created_by: ctx.user.clone(),
                updated_by: ctx.user.clone(),
                parent_schema_version: current.info.schema_version.clone(),
            };
            let mut new_meta = meta.clone();
            new_meta.total_revision_count = n;
            new_meta.updated_time = ctx.now;
            new_meta.updated_by = ctx.user.clone();
            new_meta.indexed_data = indexing::extract(self.engine.descriptor, &prepared.value);
            new_meta.mirror_revision(&info);
            let commit = Commit {
                expected_current: Some(meta.current_revision_id.clone()),
                meta: new_meta.clone(),
                revision: Some(StoredRevision {
                    info: info.clone(),
                    data: prepared.bytes,
                }),
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
                .check_constraints(&prepared.value, None, Some(id))
                .await
            {
                let mut previous = meta;
                previous.total_revision_count = n;
                self.compensate(Commit {
                    expected_current: Some(info.revision_id.clone()),
                    meta: previous,
                    revision: None,
                    replace_revision: false,
                })
                .await;
                return Err(error);
            }
            return Ok(Some(Written {
                info,
                meta: Some(new_meta),
                data: prepared.value,
            }));
        }
        Err(gave_up(self.name(), id))
    }

    /// Migrate one stored revision of `id` in place: same `revision_id`, fresh `uid`, the
    /// payload re-encoded at the current version, `parent_schema_version` recording the old
    /// one. The meta (current revision, `schema_version`, `indexed_data`) is left alone, so a
    /// migrated revision can later be the target of [`switch`](Self::switch). A revision
    /// already at the current version is returned unchanged.
    ///
    /// Errors: `NotFound`, `Deleted`, `RevisionNotFound`, `MigrationFailed`, `Validation`,
    /// plus the pipeline errors (those of `modify`).
    pub async fn migrate_revision(&self, id: &str, revision_id: &str) -> Result<RevisionInfo> {
        let action = Action::Modify;
        let parts = Parts {
            revision_id: Some(revision_id),
            ..Parts::id(id)
        };
        let ctx = self.begin(action, parts).await?;
        let result = self.migrate_revision_inner(&ctx, id, revision_id).await;
        self.finish(action, &ctx, parts, result)
            .await
            .map(|w| w.info)
    }

    async fn migrate_revision_inner(
        &self,
        ctx: &ResolvedContext,
        id: &str,
        revision_id: &str,
    ) -> Result<Written> {
        let version = self.current_version();
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let meta = self.meta_live(id).await?;
            let stored = self.revision(id, revision_id).await?;
            let data = self.decode(&stored)?;
            if stored.info.schema_version.as_deref() == version {
                return Ok(Written {
                    info: stored.info,
                    meta: Some(meta),
                    data,
                });
            }
            let prepared = self.prepare_data(data).await?;
            let mut info = stored.info.clone();
            info.uid = ids::new_uid();
            info.parent_schema_version = stored.info.schema_version.clone();
            info.schema_version = version.map(str::to_owned);
            info.data_hash = prepared.hash.clone();
            info.updated_time = ctx.now;
            info.updated_by = ctx.user.clone();
            let commit = Commit {
                expected_current: Some(meta.current_revision_id.clone()),
                meta: meta.clone(),
                revision: Some(StoredRevision {
                    info: info.clone(),
                    data: prepared.bytes,
                }),
                replace_revision: true,
            };
            match self.app.store.commit(self.name(), commit).await {
                Ok(()) => {}
                Err(Error::Conflict { .. }) => {
                    backoff(attempt).await;
                    continue;
                }
                Err(error) => return Err(error),
            }
            return Ok(Written {
                info,
                meta: Some(meta),
                data: prepared.value,
            });
        }
        Err(gave_up(self.name(), id))
    }

    /// Migrate every resource matching `query` (deleted ones excluded unless the query names
    /// `is_deleted`), one after the other. `progress` receives a `migrating` line for each
    /// resource, then its outcome (`success`, `skipped` when already current, `failed` with the
    /// error; a failure leaves that resource unchanged and the run goes on). With `dry_run`
    /// nothing is written: `success` means the resource would migrate.
    ///
    /// Errors: only those of the search itself (`BadQuery`, pipeline errors); per-resource
    /// failures are reported through `progress` and counted in the summary.
    pub async fn migrate_matching(
        &self,
        query: &Query,
        dry_run: bool,
        mut progress: impl FnMut(MigrationProgress) + Send,
    ) -> Result<MigrationSummary> {
        let metas = self.search_metas(query).await?;
        let mut summary = MigrationSummary::default();
        for meta in metas {
            let id = meta.resource_id;
            progress(line(&id, MigrationStatus::Migrating, None, None));
            let from = meta.schema_version.clone();
            let outcome = if dry_run {
                self.migrate_dry_run(&id).await
            } else {
                self.migrate(&id).await.map(|info| info.is_some())
            };
            let to = self.current_version();
            let done = match outcome {
                Ok(true) => line(
                    &id,
                    MigrationStatus::Success,
                    Some(format!(
                        "{} {} → {}",
                        if dry_run { "would migrate" } else { "migrated" },
                        from.as_deref().unwrap_or("<none>"),
                        to.unwrap_or("<none>")
                    )),
                    None,
                ),
                Ok(false) => line(
                    &id,
                    MigrationStatus::Skipped,
                    Some(format!(
                        "already at schema version {}",
                        to.unwrap_or("<none>")
                    )),
                    None,
                ),
                Err(error) => line(&id, MigrationStatus::Failed, None, Some(error.to_string())),
            };
            summary.record(&done);
            progress(done);
        }
        Ok(summary)
    }
}

fn line(
    id: &str,
    status: MigrationStatus,
    message: Option<String>,
    error: Option<String>,
) -> MigrationProgress {
    MigrationProgress {
        resource_id: id.to_owned(),
        status,
        message,
        error,
        timestamp: now(),
    }
}
