//! The untyped model engine. [`ModelHandle`] performs every operation on one model with JSON
//! values as data; the typed [`ResourceManager<T>`](super::ResourceManager) is a thin wrapper
//! over it, and the HTTP layer and referential actions use it directly.
//!
//! Every operation runs the same pipeline: resolve the operation context, ask the permission
//! checker, run `before` handlers, do the work (decode and validate data, check constraints,
//! commit to the store with a compare-and-set, re-check constraints, run referential actions),
//! then run `after` and `on_success` / `on_failure` handlers.

mod blobs;
mod lifecycle;
mod migrate;
mod read;
mod scope;
mod write;
mod write_lock;

pub use read::GetOptions;
pub(crate) use read::SharedResource;
pub(crate) use write_lock::WriteLocks;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::ResourceDescriptor;
use super::binary_fields::BinaryFields;
use super::context::{ContextDefaults, OperationContext};
use super::model_type::ModelType;
use super::refs::Relationship;
use crate::auth::PermissionChecker;
use crate::events::EventHandler;
use crate::model::{Encoding, Error, ResourceMeta, Result, RevisionStatus, Timestamp};
use crate::storage::blob::BlobStore;
use crate::storage::blob::upload::UploadSessions;
use crate::storage::{Commit, ResourceStore, StoredRevision};

/// How often a write re-reads and retries after losing a compare-and-set race.
pub(crate) const MAX_WRITE_ATTEMPTS: u32 = 100;

/// Everything fixed about one model once the app is built.
pub(crate) struct ModelEngine {
    pub descriptor: &'static ResourceDescriptor,
    pub model_type: Arc<dyn ModelType>,
    pub encoding: Encoding,
    pub default_status: RevisionStatus,
    pub defaults: ContextDefaults,
    pub strict: bool,
    pub permission: Arc<dyn PermissionChecker>,
    pub handlers: Vec<Arc<dyn EventHandler>>,
    /// Where the data holds `Binary` values (`None`: nowhere, the common case).
    pub binaries: Option<BinaryFields>,
}

/// The built application shared by every handle: the store, the models, their references.
pub(crate) struct AppState {
    pub store: Arc<dyn ResourceStore>,
    /// Where the bytes of `Binary` values go (`None`: writing bytes is `NotConfigured`).
    pub blobs: Option<Arc<dyn BlobStore>>,
    /// Open upload sessions (files sent in parts).
    pub uploads: UploadSessions,
    pub models: BTreeMap<&'static str, Arc<ModelEngine>>,
    pub relationships: Vec<Relationship>,
    /// Writers of one resource in this process take turns (see [`WriteLocks`]).
    pub write_locks: WriteLocks,
}

/// Untyped access to one model, carrying an operation context. Cheap to clone.
///
/// Obtain it with `spec.model("zone")` or `manager.handle()`. Data goes in and out as
/// `serde_json::Value`; it is decoded into the model's Rust type (strictly: that is the
/// validation step), validated, and stored in the model's encoding.
#[derive(Clone)]
pub struct ModelHandle {
    pub(crate) app: Arc<AppState>,
    pub(crate) engine: Arc<ModelEngine>,
    pub(crate) context: OperationContext,
}

impl std::fmt::Debug for ModelHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelHandle")
            .field("model", &self.name())
            .field("context", &self.context)
            .finish()
    }
}

impl ModelHandle {
    /// The resource name (`"zone"`).
    pub fn name(&self) -> &'static str {
        self.engine.descriptor.name
    }

    /// The model's descriptor.
    pub fn descriptor(&self) -> &'static ResourceDescriptor {
        self.engine.descriptor
    }

    /// The encoding of stored payloads.
    pub fn encoding(&self) -> Encoding {
        self.engine.encoding
    }

    /// The status given to new revisions.
    pub fn default_status(&self) -> RevisionStatus {
        self.engine.default_status
    }

    /// The store this model lives in.
    pub fn store(&self) -> &Arc<dyn ResourceStore> {
        &self.app.store
    }

    /// The model's default user (resource option, else app option), if one is configured.
    /// The HTTP layer uses it for requests that name no user.
    pub fn default_user(&self) -> Option<String> {
        self.engine.defaults.user.as_ref().map(|user| user())
    }

    /// Adds the model's JSON schema to `generator` and returns a `$ref` to it (OpenAPI).
    pub fn schema_fn(&self) -> fn(&mut schemars::SchemaGenerator) -> schemars::Schema {
        self.engine.model_type.schema_fn()
    }

    /// The context operations run with (what `as_user` / `at` set).
    pub fn context(&self) -> &OperationContext {
        &self.context
    }

    /// A copy acting as `user`.
    pub fn as_user(&self, user: impl Into<String>) -> Self {
        let mut handle = self.clone();
        handle.context.user = Some(user.into());
        handle
    }

    /// A copy whose operations happen at `time`.
    pub fn at(&self, time: Timestamp) -> Self {
        let mut handle = self.clone();
        handle.context.now = Some(time);
        handle
    }

    /// A copy with the whole context replaced.
    pub fn with_context(&self, context: OperationContext) -> Self {
        let mut handle = self.clone();
        handle.context = context;
        handle
    }

    /// The handle of another model of the same app, with the same context.
    pub(crate) fn sibling(&self, name: &str) -> Option<ModelHandle> {
        let engine = self.app.models.get(name)?.clone();
        Some(ModelHandle {
            app: self.app.clone(),
            engine,
            context: self.context.clone(),
        })
    }

    fn backend(&self) -> &'static str {
        self.app.store.backend_name()
    }

    fn not_found(&self, id: &str) -> Error {
        Error::NotFound {
            resource: self.name().to_owned(),
            id: id.to_owned(),
        }
    }

    fn deleted(&self, id: &str) -> Error {
        Error::Deleted {
            resource: self.name().to_owned(),
            id: id.to_owned(),
        }
    }

    fn revision_not_found(&self, id: &str, revision_id: &str) -> Error {
        Error::RevisionNotFound {
            resource: self.name().to_owned(),
            id: id.to_owned(),
            revision_id: revision_id.to_owned(),
        }
    }

    /// The meta of `id`, deleted or not.
    async fn meta_any(&self, id: &str) -> Result<ResourceMeta> {
        self.app
            .store
            .load_meta(self.name(), id)
            .await?
            .ok_or_else(|| self.not_found(id))
    }

    /// The meta of `id`, which must not be deleted.
    async fn meta_live(&self, id: &str) -> Result<ResourceMeta> {
        let meta = self.meta_any(id).await?;
        if meta.is_deleted {
            return Err(self.deleted(id));
        }
        Ok(meta)
    }

    /// A stored revision of `id` (which must belong to it).
    async fn revision(&self, id: &str, revision_id: &str) -> Result<StoredRevision> {
        if !super::ids::is_revision_of(revision_id, id) {
            return Err(self.revision_not_found(id, revision_id));
        }
        self.app
            .store
            .load_revision(self.name(), revision_id)
            .await?
            .ok_or_else(|| self.revision_not_found(id, revision_id))
    }

    /// The current revision of a meta. Its absence is a broken store, not a user error.
    async fn current_revision(&self, meta: &ResourceMeta) -> Result<StoredRevision> {
        self.app
            .store
            .load_revision(self.name(), &meta.current_revision_id)
            .await?
            .ok_or_else(|| self.current_missing(meta))
    }

    /// A meta whose current revision is absent: a broken store, not a user error.
    fn current_missing(&self, meta: &ResourceMeta) -> Error {
        Error::Storage {
            backend: self.backend(),
            message: format!(
                "current revision `{}` of {} `{}` is missing",
                meta.current_revision_id,
                self.name(),
                meta.resource_id
            ),
            source: None,
        }
    }

    /// The meta of `id` and its current revision, read together; a deleted resource is
    /// `Error::Deleted` unless `include_deleted`.
    async fn meta_and_current(
        &self,
        id: &str,
        include_deleted: bool,
    ) -> Result<(Arc<ResourceMeta>, Arc<StoredRevision>)> {
        let (meta, revision) = self
            .app
            .store
            .load_current_shared(self.name(), id)
            .await?
            .ok_or_else(|| self.not_found(id))?;
        if meta.is_deleted && !include_deleted {
            return Err(self.deleted(id));
        }
        let revision = revision.ok_or_else(|| self.current_missing(&meta))?;
        Ok((meta, revision))
    }

    /// Decode a stored revision into the canonical JSON value.
    fn decode(&self, revision: &StoredRevision) -> Result<serde_json::Value> {
        self.engine.model_type.decode(
            self.backend(),
            &revision.info.revision_id,
            revision.info.schema_version.as_deref(),
            &revision.data,
            self.engine.encoding,
        )
    }

    /// Undo a committed write whose constraint re-check failed. A failure here (a concurrent
    /// writer already moved on) is logged: the caller still gets the constraint error.
    async fn compensate(&self, commit: Commit) {
        let id = commit.meta.resource_id.clone();
        if let Err(error) = self.app.store.commit(self.name(), commit).await {
            tracing::error!(resource = self.name(), %id, %error, "compensation failed");
        }
    }
}

/// Wait a little before retrying a write that lost a compare-and-set race: yield at first,
/// then sleep with jitter so that competing writers spread out.
async fn backoff(attempt: u32) {
    if attempt < 3 {
        tokio::task::yield_now().await;
        return;
    }
    let jitter = (uuid::Uuid::new_v4().as_u128() % 400) as u64;
    let micros = 50 * u64::from(attempt.min(20)) + jitter;
    tokio::time::sleep(Duration::from_micros(micros)).await;
}

/// The error after `MAX_WRITE_ATTEMPTS` lost races.
fn gave_up(resource: &str, id: &str) -> Error {
    Error::Conflict {
        resource: resource.to_owned(),
        id: id.to_owned(),
        message: format!(
            "gave up after {MAX_WRITE_ATTEMPTS} attempts: other writers kept changing it"
        ),
    }
}
