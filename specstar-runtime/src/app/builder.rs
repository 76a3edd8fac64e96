//! [`SpecStarBuilder`]: configuration of an application, checked by `build`.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::sync::Arc;

use super::{ResourceOptions, SpecStar};
use crate::auth::{AllowAll, PermissionChecker};
use crate::events::EventHandler;
use crate::model::{Encoding, Error, Result, RevisionStatus, Timestamp};
use crate::resource::binary_fields::BinaryFields;
use crate::resource::context::ContextDefaults;
use crate::resource::engine::{AppState, ModelEngine};
use crate::resource::model_type::{ModelType, TypedModel};
use crate::resource::{Resource, ResourceDescriptor, refs, registrations};
use crate::storage::ResourceStore;
use crate::storage::blob::BlobStore;
use crate::storage::config::BackendSpec;
use crate::storage::memory::MemoryStore;

/// Configures a [`SpecStar`] application. Every setting is optional: the default is an
/// in-memory store, JSON encoding, stable revisions, no strict context, allow-all permissions.
///
/// ```no_run
/// # async fn demo() -> specstar_runtime::Result<()> {
/// use specstar_runtime::app::SpecStar;
/// use specstar_runtime::storage::config::Backend;
///
/// // A backend from a URL, inline JSON, a JSON file, a `BackendConfig` or a `Backend`.
/// let spec = SpecStar::builder().backend("sqlite://specstar.db").build().await?;
/// let spec = SpecStar::builder()
///     .backend(Backend::postgres("postgres://app@db/app").schema("game"))
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
///
/// `build` refuses (with `Error::Config`) two types using the same resource name, the same
/// type added twice with `resource`/`resource_with`, and references to resources that are not
/// part of the app. A type added by `registered()` and also by `resource_with` keeps the
/// explicit options.
#[derive(Default)]
pub struct SpecStarBuilder {
    store: Option<StoreSource>,
    blobs: Option<Arc<dyn BlobStore>>,
    defaults: ContextDefaults,
    default_status: Option<RevisionStatus>,
    encoding: Option<Encoding>,
    strict: bool,
    handlers: Vec<Arc<dyn EventHandler>>,
    permission: Option<Arc<dyn PermissionChecker>>,
    models: Vec<PendingModel>,
}

/// Where the store comes from (the last of `store` / `backend` wins).
#[allow(clippy::large_enum_variant)] // one value per builder
enum StoreSource {
    Store(Arc<dyn ResourceStore>),
    Backend(BackendSpec),
}

/// A model waiting for `build`, its Rust type erased.
struct PendingModel {
    name: &'static str,
    descriptor: &'static ResourceDescriptor,
    type_id: TypeId,
    type_name: &'static str,
    /// Added by `registered()` (may be overridden by an explicit `resource_with`).
    implicit: bool,
    model_type: Arc<dyn ModelType>,
    handlers: Vec<Arc<dyn EventHandler>>,
    permission: Option<Arc<dyn PermissionChecker>>,
    default_status: Option<RevisionStatus>,
    defaults: ContextDefaults,
}

impl std::fmt::Debug for SpecStarBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecStarBuilder")
            .field(
                "models",
                &self.models.iter().map(|m| m.name).collect::<Vec<_>>(),
            )
            .field("strict", &self.strict)
            .finish_non_exhaustive()
    }
}

impl SpecStarBuilder {
    /// Store resources in `store` (default: a fresh [`MemoryStore`]). Replaces an earlier
    /// [`backend`](Self::backend).
    pub fn store(mut self, store: Arc<dyn ResourceStore>) -> Self {
        self.store = Some(StoreSource::Store(store));
        self
    }

    /// Store resources in the backend `backend` describes: a
    /// [`Backend`](crate::storage::config::Backend), a
    /// [`BackendConfig`](crate::storage::config::BackendConfig), or text (a URL such as
    /// `"sqlite://specstar.db"`, `"postgres://…"`, `"memory://"`, `"disk://path"`, inline JSON,
    /// or a JSON file path). `build` opens it (a bad URL or config is `Error::Config` there),
    /// and its `defaults.encoding` applies to types that choose no encoding unless
    /// [`encoding`](Self::encoding) is set. Replaces an earlier [`store`](Self::store).
    pub fn backend(mut self, backend: impl Into<BackendSpec>) -> Self {
        self.store = Some(StoreSource::Backend(backend.into()));
        self
    }

    /// Keep the bytes of [`Binary`](crate::model::Binary) values in `store`. Without a blob
    /// store, writing a `Binary` that carries bytes fails with `Error::NotConfigured` and the
    /// blob routes answer 501. Wins over the `blob` binding of a [`backend`](Self::backend)
    /// (URL backends such as `sqlite://…` bind blobs beside the resources).
    ///
    /// ```no_run
    /// # async fn demo() -> specstar_runtime::Result<()> {
    /// use std::sync::Arc;
    /// use specstar_runtime::app::SpecStar;
    /// use specstar_runtime::storage::blob::disk::DiskBlobStore;
    ///
    /// let spec = SpecStar::builder()
    ///     .blob_store(Arc::new(DiskBlobStore::open("./blobs").await?))
    ///     .build()
    ///     .await?;
    /// assert!(spec.blob_store().is_some());
    /// # Ok(()) }
    /// ```
    pub fn blob_store(mut self, store: Arc<dyn BlobStore>) -> Self {
        self.blobs = Some(store);
        self
    }

    /// The user of operations that name none (default: [`SYSTEM_USER`](crate::resource::SYSTEM_USER)).
    pub fn default_user(mut self, user: impl Into<String>) -> Self {
        let user = user.into();
        self.defaults.user = Some(Arc::new(move || user.clone()));
        self
    }

    /// The user of operations that name none, computed on each operation.
    pub fn default_user_fn(mut self, user: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.defaults.user = Some(Arc::new(user));
        self
    }

    /// The clock of operations that give no time (default: `model::now()`).
    pub fn default_now(mut self, now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        self.defaults.now = Some(Arc::new(now));
        self
    }

    /// Status of new revisions when neither the resource nor its type sets one (default: stable).
    pub fn default_status(mut self, status: RevisionStatus) -> Self {
        self.default_status = Some(status);
        self
    }

    /// Encoding of stored payloads for types that set none (default: the backend's
    /// `defaults.encoding`, else JSON).
    pub fn encoding(mut self, encoding: Encoding) -> Self {
        self.encoding = Some(encoding);
        self
    }

    /// When `true`, a write whose user or time resolves from no source fails with
    /// `Error::MissingContext` instead of falling back to `"system"` and the clock.
    pub fn strict_operation_context(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Add an event handler for every resource.
    pub fn event_handler(mut self, handler: impl EventHandler) -> Self {
        self.handlers.push(Arc::new(handler));
        self
    }

    /// Use this permission checker for resources that set none (default: [`AllowAll`]).
    pub fn permission_checker(mut self, checker: impl PermissionChecker) -> Self {
        self.permission = Some(Arc::new(checker));
        self
    }

    /// Add resource type `T` with default options.
    pub fn resource<T: Resource>(self) -> Self {
        self.resource_with::<T>(|options| options)
    }

    /// Add resource type `T`, configured by `configure`.
    pub fn resource_with<T: Resource>(
        mut self,
        configure: impl FnOnce(ResourceOptions<T>) -> ResourceOptions<T>,
    ) -> Self {
        let options = configure(ResourceOptions::default());
        self.models.push(pending::<T>(options, false));
        self
    }

    /// Add every `#[derive(Resource)]` type linked into the binary (sorted by name). Types
    /// also added explicitly keep their explicit options.
    pub fn registered(self) -> Self {
        registrations()
            .into_iter()
            .fold(self, |builder, registration| {
                (registration.install)(builder)
            })
    }

    /// What `registered()` does for one type.
    pub(crate) fn add_registered<T: Resource>(mut self) -> Self {
        self.models
            .push(pending::<T>(ResourceOptions::default(), true));
        self
    }

    /// Check the configuration, prepare the store for every model, and build the app.
    pub async fn build(self) -> Result<SpecStar> {
        let models = dedupe(self.models)?;
        let descriptors: Vec<&'static ResourceDescriptor> =
            models.iter().map(|m| m.descriptor).collect();
        let relationships = refs::relationships(&descriptors)?;

        let (store, backend_encoding, backend_blobs) = match self.store {
            None => (
                Arc::new(MemoryStore::new()) as Arc<dyn ResourceStore>,
                None,
                None,
            ),
            Some(StoreSource::Store(store)) => (store, None, None),
            Some(StoreSource::Backend(spec)) => {
                let config = spec.into_config()?;
                let store = config.open().await?;
                let blobs = match self.blobs {
                    Some(_) => None,
                    None => config.open_blob_store().await?,
                };
                (store, Some(config.default_encoding()), blobs)
            }
        };
        let blobs = self.blobs.or(backend_blobs);
        let encoding = self.encoding.or(backend_encoding);
        for descriptor in &descriptors {
            store.register_model(descriptor).await?;
        }

        let permission = self
            .permission
            .unwrap_or_else(|| Arc::new(AllowAll) as Arc<dyn PermissionChecker>);
        let mut engines = BTreeMap::new();
        for model in models {
            let descriptor = model.descriptor;
            let binaries = BinaryFields::of(model.model_type.schema_fn());
            let mut handlers = self.handlers.clone();
            handlers.extend(model.handlers);
            let engine = ModelEngine {
                descriptor,
                model_type: model.model_type,
                encoding: descriptor.encoding.or(encoding).unwrap_or_default(),
                default_status: model
                    .default_status
                    .or(descriptor.default_status)
                    .or(self.default_status)
                    .unwrap_or(RevisionStatus::Stable),
                defaults: model.defaults.or(&self.defaults),
                strict: self.strict,
                permission: model.permission.unwrap_or_else(|| permission.clone()),
                handlers,
                binaries,
            };
            engines.insert(model.name, Arc::new(engine));
        }
        Ok(SpecStar {
            state: Arc::new(AppState {
                store,
                blobs,
                uploads: Default::default(),
                models: engines,
                relationships,
                write_locks: Default::default(),
            }),
        })
    }
}

fn pending<T: Resource>(options: ResourceOptions<T>, implicit: bool) -> PendingModel {
    PendingModel {
        name: T::NAME,
        descriptor: T::descriptor(),
        type_id: TypeId::of::<T>(),
        type_name: std::any::type_name::<T>(),
        implicit,
        model_type: Arc::new(TypedModel::<T>::new(options.validators, options.checkers)),
        handlers: options.handlers,
        permission: options.permission,
        default_status: options.default_status,
        defaults: options.defaults,
    }
}

/// One entry per resource name; explicit entries win over `registered()` ones of the same type.
fn dedupe(models: Vec<PendingModel>) -> Result<Vec<PendingModel>> {
    let mut by_name: BTreeMap<&'static str, PendingModel> = BTreeMap::new();
    for model in models {
        if model.descriptor.name != model.name {
            return Err(Error::config(format!(
                "{}: Resource::NAME is `{}` but its descriptor names `{}`",
                model.type_name, model.name, model.descriptor.name
            )));
        }
        let Some(existing) = by_name.get(model.name) else {
            by_name.insert(model.name, model);
            continue;
        };
        if existing.type_id != model.type_id {
            return Err(Error::config(format!(
                "resource name `{}` is used by both {} and {}: rename one with \
                 #[specstar(name = \"...\")]",
                model.name, existing.type_name, model.type_name
            )));
        }
        match (existing.implicit, model.implicit) {
            (_, true) => {}
            (true, false) => {
                by_name.insert(model.name, model);
            }
            (false, false) => {
                return Err(Error::config(format!(
                    "{} (resource `{}`) is added twice; configure it in one resource_with call",
                    model.type_name, model.name
                )));
            }
        }
    }
    Ok(by_name.into_values().collect())
}
