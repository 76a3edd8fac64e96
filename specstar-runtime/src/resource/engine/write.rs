//! Data writes: create, update, patch, modify.

use std::sync::Arc;

use serde_json::Value;

use super::scope::{Parts, Written};
use super::{MAX_WRITE_ATTEMPTS, ModelHandle, backoff, gave_up};
use crate::events::Action;
use crate::model::{Error, ResourceMeta, Result, RevisionInfo, RevisionStatus};
use crate::resource::context::ResolvedContext;
use crate::resource::indexing;
use crate::resource::model_type::Prepared;
use crate::resource::patch::{self, Patch};
use crate::resource::{Modify, ids};
use crate::storage::{Commit, StoredRevision};

impl ModelHandle {
    /// Create a resource from `data`; returns its first revision.
    ///
    /// Errors: `Validation` (data does not decode into the type, or a validator or
    /// constraint refused it), `UniqueViolation`, plus the pipeline errors (`PermissionDenied`,
    /// `MissingContext`, a before-handler's error).
    pub async fn create(&self, data: Value) -> Result<RevisionInfo> {
        // The input is copied for the events only when a handler will see them.
        let input = self.observed().then(|| data.clone());
        self.create_from(Input::Value(data), input.as_ref()).await
    }

    /// [`create`](Self::create) with data from [`decode_json`](Self::decode_json).
    pub(crate) async fn create_decoded(&self, data: Decoded) -> Result<RevisionInfo> {
        self.create_from(Input::Prepared(data.0), None).await
    }

    /// The pipeline of a create; `input` is what the events show as its input.
    async fn create_from(&self, data: Input, input: Option<&Value>) -> Result<RevisionInfo> {
        let action = Action::Create;
        let parts = Parts {
            input,
            ..Parts::default()
        };
        let ctx = self.begin(action, parts).await?;
        let result = self.create_inner(&ctx, data).await;
        self.finish(action, &ctx, parts, result)
            .await
            .map(|w| w.info)
    }

    async fn create_inner(&self, ctx: &ResolvedContext, data: Input) -> Result<Written> {
        let model = &self.engine.model_type;
        let prepared = match data {
            Input::Value(data) => self.prepare_data(data).await?,
            Input::Prepared(prepared) => prepared,
        };
        model.check_constraints(&prepared.value, None, None).await?;

        let id = ids::new_resource_id(self.name());
        let info = RevisionInfo {
            uid: ids::new_uid(),
            resource_id: id.clone(),
            revision_id: ids::revision_id(&id, 1),
            parent_revision_id: None,
            schema_version: self.engine.descriptor.version.map(str::to_owned),
            data_hash: prepared.hash.clone(),
            status: self.engine.default_status,
            created_time: ctx.now,
            updated_time: ctx.now,
            created_by: ctx.user.clone(),
            updated_by: ctx.user.clone(),
            parent_schema_version: None,
        };
        let meta = ResourceMeta {
            current_revision_id: info.revision_id.clone(),
            resource_id: id.clone(),
            schema_version: info.schema_version.clone(),
            total_revision_count: 1,
            created_time: ctx.now,
            updated_time: ctx.now,
            created_by: ctx.user.clone(),
            updated_by: ctx.user.clone(),
            is_deleted: false,
            indexed_data: indexing::extract(self.engine.descriptor, &prepared.value),
            rev_status: info.status,
            rev_created_by: info.created_by.clone(),
            rev_updated_by: info.updated_by.clone(),
            rev_created_time: info.created_time,
            rev_updated_time: info.updated_time,
        };
        let kept_meta = self.observed().then(|| meta.clone());
        let commit = Commit {
            expected_current: None,
            meta,
            revision: Some(StoredRevision {
                info: info.clone(),
                data: prepared.bytes,
            }),
            replace_revision: false,
        };
        self.app.store.commit(self.name(), commit).await?;

        if let Err(error) = model
            .check_constraints(&prepared.value, None, Some(&id))
            .await
        {
            if let Err(purge_error) = self.app.store.purge(self.name(), &id).await {
                tracing::error!(resource = self.name(), %id, %purge_error, "compensation failed");
            }
            return Err(error);
        }
        Ok(Written {
            info,
            meta: kept_meta,
            data: prepared.value,
        })
    }

    /// Write `data` as a new revision of `id` (parent: the current revision). Identical data
    /// writes nothing and returns the current revision.
    ///
    /// Errors: `NotFound`, `Deleted`, `Validation`, `UniqueViolation`, `Conflict` (only after
    /// 100 lost races), plus the pipeline errors.
    pub async fn update(&self, id: &str, data: Value) -> Result<RevisionInfo> {
        // The input is copied for the events only when a handler will see them.
        let input = self.observed().then(|| data.clone());
        self.update_from(id, Input::Value(data), input.as_ref())
            .await
    }

    /// [`update`](Self::update) with data from [`decode_json`](Self::decode_json).
    pub(crate) async fn update_decoded(&self, id: &str, data: Decoded) -> Result<RevisionInfo> {
        self.update_from(id, Input::Prepared(data.0), None).await
    }

    /// The pipeline of an update; `input` is what the events show as its input.
    async fn update_from(
        &self,
        id: &str,
        data: Input,
        input: Option<&Value>,
    ) -> Result<RevisionInfo> {
        let action = Action::Update;
        let parts = Parts {
            input,
            ..Parts::id(id)
        };
        let ctx = self.begin(action, parts).await?;
        let result = self
            .write_new_revision(&ctx, id, NewData::Given(data))
            .await;
        self.finish(action, &ctx, parts, result)
            .await
            .map(|w| w.info)
    }

    /// The fast path of the HTTP writes: `json` (a request body) decoded straight into the
    /// model's type, validated and encoded, skipping the `Value` in between when nothing needs
    /// it (no event handler sees the input, no `Binary` field takes bytes out of it). `None`
    /// when that does not apply or anything fails: the caller then parses a `Value` and calls
    /// [`create`](Self::create) / [`update`](Self::update), which report the error. Valid
    /// data gives the same revision either way.
    pub(crate) fn decode_json(&self, json: &[u8]) -> Option<Decoded> {
        if self.observed() || self.engine.binaries.is_some() {
            return None;
        }
        self.engine
            .model_type
            .prepare_json(json, self.engine.encoding)
            .map(Decoded)
    }

    /// Apply a JSON Patch to the current data of `id`, then write it like
    /// [`update`](Self::update). A patch that fails (a failed `test`, a bad path) is
    /// `BadRequest`; a result that does not decode into the type is `Validation`.
    pub async fn patch(&self, id: &str, patch: &Patch) -> Result<RevisionInfo> {
        let action = Action::Patch;
        let document = serde_json::to_value(patch).unwrap_or(Value::Null);
        let parts = Parts::id(id).input(&document);
        let ctx = self.begin(action, parts).await?;
        let result = self
            .write_new_revision(
                &ctx,
                id,
                NewData::From(&|current| patch::apply(current, patch)),
            )
            .await;
        self.finish(action, &ctx, parts, result)
            .await
            .map(|w| w.info)
    }

    /// Write a new revision computed from the current data by `make` (used by `set_null`).
    pub(crate) async fn update_with(
        &self,
        id: &str,
        make: impl Fn(&Value) -> Result<Value> + Send + Sync,
    ) -> Result<RevisionInfo> {
        let action = Action::Update;
        let parts = Parts::id(id);
        let ctx = self.begin(action, parts).await?;
        let result = self
            .write_new_revision(&ctx, id, NewData::From(&make))
            .await;
        self.finish(action, &ctx, parts, result)
            .await
            .map(|w| w.info)
    }

    /// The write loop of update and patch: read the meta and current data, compute and prepare
    /// the new data, commit with a compare-and-set on the current revision; on a lost race,
    /// re-read and retry.
    async fn write_new_revision(
        &self,
        ctx: &ResolvedContext,
        id: &str,
        mut new_data: NewData<'_>,
    ) -> Result<Written> {
        let model = &self.engine.model_type;
        // The current data is decoded only when something reads it: a patch, or a constraint
        // checker comparing old and new.
        let needs_current = matches!(new_data, NewData::From(_)) || model.has_constraints();
        let _turn = self.app.write_locks.lock(self.name(), id).await;
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let (meta, current) = self.meta_and_current(id, false).await?;
            let current_data = if needs_current {
                Some(self.decode(&current)?)
            } else {
                None
            };
            let prepared = match (&mut new_data, &current_data) {
                // Taken, not copied; put back (canonical) before a retry, below.
                (NewData::Given(data), _) => {
                    match std::mem::replace(data, Input::Value(Value::Null)) {
                        Input::Value(data) => self.prepare_data(data).await?,
                        Input::Prepared(prepared) => prepared,
                    }
                }
                (NewData::From(make), Some(current)) => self.prepare_data(make(current)?).await?,
                (NewData::From(make), None) => {
                    self.prepare_data(make(&self.decode(&current)?)?).await?
                }
            };
            if prepared.hash == current.info.data_hash {
                // Same bytes, so the same data as the current revision.
                return Ok(Written {
                    info: current.info.clone(),
                    meta: Some(Arc::unwrap_or_clone(meta)),
                    data: prepared.value,
                });
            }
            model
                .check_constraints(&prepared.value, current_data.as_ref(), Some(id))
                .await?;

            let n = meta.total_revision_count + 1;
            let info = RevisionInfo {
                uid: ids::new_uid(),
                resource_id: id.to_owned(),
                revision_id: ids::revision_id(id, n),
                parent_revision_id: Some(meta.current_revision_id.clone()),
                schema_version: self.engine.descriptor.version.map(str::to_owned),
                data_hash: prepared.hash.clone(),
                status: self.engine.default_status,
                created_time: ctx.now,
                updated_time: ctx.now,
                created_by: ctx.user.clone(),
                updated_by: ctx.user.clone(),
                parent_schema_version: None,
            };
            let new_meta = self.next_meta(ctx, &meta, &info, &prepared, n);
            let kept_meta = self.observed().then(|| new_meta.clone());
            let commit = Commit {
                expected_current: Some(meta.current_revision_id.clone()),
                meta: new_meta,
                revision: Some(StoredRevision {
                    info: info.clone(),
                    data: prepared.bytes,
                }),
                replace_revision: false,
            };
            match self.app.store.commit(self.name(), commit).await {
                Ok(()) => {}
                Err(Error::Conflict { .. }) => {
                    if let NewData::Given(data) = &mut new_data {
                        // The same data again (its canonical form) on top of the new current.
                        *data = Input::Value(prepared.value);
                    }
                    backoff(attempt).await;
                    continue;
                }
                Err(error) => return Err(error),
            }

            if let Err(error) = model
                .check_constraints(&prepared.value, current_data.as_ref(), Some(id))
                .await
            {
                // Point the meta back at the previous revision; keep the count so that the
                // orphaned revision's number is never reused.
                let mut previous = Arc::unwrap_or_clone(meta);
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
            return Ok(Written {
                info,
                meta: kept_meta,
                data: prepared.value,
            });
        }
        Err(gave_up(self.name(), id))
    }

    /// The meta after writing `info` (with data `prepared`) on top of `meta`.
    fn next_meta(
        &self,
        ctx: &ResolvedContext,
        meta: &ResourceMeta,
        info: &RevisionInfo,
        prepared: &Prepared,
        total_revision_count: u64,
    ) -> ResourceMeta {
        // Field by field rather than `meta.clone()`: the indexed values are extracted anew,
        // and cloning the old ones only to drop them was a tenth of an update's engine time.
        let mut next = ResourceMeta {
            current_revision_id: String::new(),
            resource_id: meta.resource_id.clone(),
            schema_version: None,
            total_revision_count,
            created_time: meta.created_time,
            updated_time: ctx.now,
            created_by: meta.created_by.clone(),
            updated_by: ctx.user.clone(),
            is_deleted: meta.is_deleted,
            indexed_data: indexing::extract(self.engine.descriptor, &prepared.value),
            rev_status: info.status,
            rev_created_by: String::new(),
            rev_updated_by: String::new(),
            rev_created_time: info.created_time,
            rev_updated_time: info.updated_time,
        };
        next.mirror_revision(info);
        next
    }

    /// Change the current revision of `id` in place (see [`Modify`] for the rules). Returns
    /// the rewritten revision: same `revision_id`, fresh `uid`.
    ///
    /// Errors: `CannotModify` (the revision is stable and the change does not reopen it as a
    /// draft), `NotFound`, `Deleted`, `Validation`, `UniqueViolation`, plus the pipeline errors.
    pub async fn modify(&self, id: &str, change: Modify<Value>) -> Result<RevisionInfo> {
        let action = Action::Modify;
        let parts = match &change.data {
            Some(data) => Parts::id(id).input(data),
            None => Parts::id(id),
        };
        let ctx = self.begin(action, parts).await?;
        let result = self.modify_inner(&ctx, id, &change).await;
        self.finish(action, &ctx, parts, result)
            .await
            .map(|w| w.info)
    }

    async fn modify_inner(
        &self,
        ctx: &ResolvedContext,
        id: &str,
        change: &Modify<Value>,
    ) -> Result<Written> {
        let model = &self.engine.model_type;
        let _turn = self.app.write_locks.lock(self.name(), id).await;
        for attempt in 0..MAX_WRITE_ATTEMPTS {
            let (meta, current) = self.meta_and_current(id, false).await?;
            let current_status = current.info.status;
            if current_status == RevisionStatus::Stable
                && change.status != Some(RevisionStatus::Draft)
            {
                return Err(Error::CannotModify {
                    resource: self.name().to_owned(),
                    id: id.to_owned(),
                    reason: format!(
                        "revision `{}` is stable; only drafts are modified in place \
                         (update it to write a new revision, or reopen it with status draft)",
                        current.info.revision_id
                    ),
                });
            }
            let status = change.status.unwrap_or(current_status);
            let current_data = self.decode(&current)?;
            let prepared = match &change.data {
                Some(data) => self.prepare_data(data.clone()).await?,
                None => Prepared {
                    value: current_data.clone(),
                    bytes: current.data.clone(),
                    hash: current.info.data_hash.clone(),
                },
            };
            let data_changed = prepared.hash != current.info.data_hash;
            if !data_changed && status == current_status {
                return Ok(Written {
                    info: current.info.clone(),
                    meta: Some(Arc::unwrap_or_clone(meta)),
                    data: current_data,
                });
            }
            if data_changed {
                model
                    .check_constraints(&prepared.value, Some(&current_data), Some(id))
                    .await?;
            }

            let mut info = current.info.clone();
            info.uid = ids::new_uid();
            info.status = status;
            info.updated_time = ctx.now;
            info.updated_by = ctx.user.clone();
            if data_changed {
                info.data_hash = prepared.hash.clone();
                info.schema_version = self.engine.descriptor.version.map(str::to_owned);
            }
            let new_meta = self.next_meta(ctx, &meta, &info, &prepared, meta.total_revision_count);
            let commit = Commit {
                expected_current: Some(info.revision_id.clone()),
                meta: new_meta.clone(),
                revision: Some(StoredRevision {
                    info: info.clone(),
                    data: prepared.bytes.clone(),
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

            if data_changed
                && let Err(error) = model
                    .check_constraints(&prepared.value, Some(&current_data), Some(id))
                    .await
            {
                self.compensate(Commit {
                    expected_current: Some(info.revision_id.clone()),
                    meta: Arc::unwrap_or_clone(meta),
                    revision: Some(Arc::unwrap_or_clone(current)),
                    replace_revision: true,
                })
                .await;
                return Err(error);
            }
            return Ok(Written {
                info,
                meta: Some(new_meta),
                data: prepared.value,
            });
        }
        Err(gave_up(self.name(), id))
    }
}

/// Data of a write decoded from JSON text by [`ModelHandle::decode_json`].
pub(crate) struct Decoded(Prepared);

/// The data a write is given.
enum Input {
    /// To be decoded, validated and encoded.
    Value(Value),
    /// Already prepared ([`ModelHandle::decode_json`]).
    Prepared(Prepared),
}

/// Where the data of a new revision comes from.
enum NewData<'a> {
    /// Given whole (update): the current data is not needed to compute it.
    Given(Input),
    /// Computed from the current data (patch, `set_null`).
    From(&'a (dyn Fn(&Value) -> Result<Value> + Send + Sync)),
}
