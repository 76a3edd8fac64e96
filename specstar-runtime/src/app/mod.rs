//! The application: its registered models, store, defaults and hooks. Build it with
//! [`SpecStar::builder`], then get typed managers ([`SpecStar::manager`]) or untyped handles
//! ([`SpecStar::model`]).
//!
//! ```ignore
//! let spec = SpecStar::builder()
//!     .default_user("system")
//!     .resource::<Zone>()
//!     .resource_with::<Monster>(|m| m.validator(check_monster))
//!     .build()
//!     .await?;
//! let zones = spec.manager::<Zone>();
//! ```

mod builder;
mod resource_options;

pub use builder::SpecStarBuilder;
pub use resource_options::ResourceOptions;

use std::sync::Arc;

use crate::model::{Error, Result};
use crate::resource::engine::AppState;
use crate::resource::{ModelHandle, OperationContext, Relationship, Resource, ResourceManager};
use crate::storage::ResourceStore;
use crate::storage::blob::BlobStore;

/// A built SpecStar application. Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct SpecStar {
    state: Arc<AppState>,
}

impl std::fmt::Debug for SpecStar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecStar")
            .field("backend", &self.state.store.backend_name())
            .field(
                "blobs",
                &self.state.blobs.as_ref().map(|b| b.backend_name()),
            )
            .field("models", &self.state.models.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SpecStar {
    /// Start configuring an application.
    pub fn builder() -> SpecStarBuilder {
        SpecStarBuilder::default()
    }

    /// The typed manager of `T`.
    ///
    /// # Panics
    ///
    /// When `T` was not registered with the builder (a programming error; see
    /// [`try_manager`](Self::try_manager) for a fallible version).
    pub fn manager<T: Resource>(&self) -> ResourceManager<T> {
        match self.try_manager::<T>() {
            Ok(manager) => manager,
            Err(error) => panic!("{error}"),
        }
    }

    /// The typed manager of `T`, or `Error::Config` when `T` is not registered.
    pub fn try_manager<T: Resource>(&self) -> Result<ResourceManager<T>> {
        let engine = self
            .state
            .models
            .get(T::NAME)
            .filter(|engine| engine.model_type.type_id() == std::any::TypeId::of::<T>())
            .ok_or_else(|| {
                Error::config(format!(
                    "{} (resource `{}`) is not registered in this app: add it with \
                     SpecStar::builder().resource::<{}>()",
                    std::any::type_name::<T>(),
                    T::NAME,
                    std::any::type_name::<T>()
                ))
            })?;
        Ok(ResourceManager::new(ModelHandle {
            app: self.state.clone(),
            engine: engine.clone(),
            context: OperationContext::default(),
        }))
    }

    /// The untyped handle of the model named `name`.
    pub fn model(&self, name: &str) -> Option<ModelHandle> {
        let engine = self.state.models.get(name)?;
        Some(ModelHandle {
            app: self.state.clone(),
            engine: engine.clone(),
            context: OperationContext::default(),
        })
    }

    /// The handles of every model, sorted by name.
    pub fn models(&self) -> Vec<ModelHandle> {
        self.state
            .models
            .keys()
            .filter_map(|name| self.model(name))
            .collect()
    }

    /// The store every model lives in.
    pub fn store(&self) -> &Arc<dyn ResourceStore> {
        &self.state.store
    }

    /// Where the bytes of [`Binary`](crate::model::Binary) values live, if the app has a blob
    /// store (see [`SpecStarBuilder::blob_store`]).
    pub fn blob_store(&self) -> Option<&Arc<dyn BlobStore>> {
        self.state.blobs.as_ref()
    }

    /// The open upload sessions (files sent in parts; see
    /// [`UploadSessions`](crate::storage::blob::upload::UploadSessions)).
    pub fn upload_sessions(&self) -> &crate::storage::blob::upload::UploadSessions {
        &self.state.uploads
    }

    /// Every reference field of every model (the `/_relationships` route).
    pub fn relationships(&self) -> &[Relationship] {
        &self.state.relationships
    }
}

/// Used by generated registration code: adds `T` as a registered (implicit) model.
#[doc(hidden)]
pub fn install<T: Resource>(builder: SpecStarBuilder) -> SpecStarBuilder {
    builder.add_registered::<T>()
}
