//! SpecStar: turn annotated Rust structs into a complete, versioned backend.
//!
//! Derive [`Resource`] on a plain struct, add it to an app, and get a typed
//! [`ResourceManager`]: every write is a new revision, indexed fields are searchable with a
//! typed query builder, unique fields stay unique, references act on delete.
//!
//! ```rust
//! use specstar::prelude::*;
//!
//! /// A zone of the game world.
//! #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
//! pub struct Zone {
//!     #[display_name]
//!     #[unique]
//!     pub name: String,
//!     #[index]
//!     pub level: i64,
//!     #[serde(default)]
//!     pub tags: Vec<String>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> specstar::Result<()> {
//! let spec = SpecStar::builder() // an in-memory store unless `.store(..)` says otherwise
//!     .default_user("system")
//!     .resource::<Zone>()
//!     .build()
//!     .await?;
//! let zones = spec.manager::<Zone>();
//!
//! // Create: ids are `zone:<uuid4>`, revisions `<resource id>:1`, `:2`, …
//! let elwynn = Zone { name: "Elwynn".into(), level: 1, tags: vec![] };
//! let info = zones.as_user("alice").create(elwynn).await?;
//! assert_eq!(info.revision_id, format!("{}:1", info.resource_id));
//!
//! // Read, change, update: a new revision whose parent is the previous one.
//! let mut zone = zones.get(&info.resource_id).await?.data;
//! zone.level = 5;
//! let second = zones.update(&info.resource_id, zone).await?;
//! assert_eq!(second.parent_revision_id, Some(info.revision_id));
//!
//! // Unique fields stay unique.
//! let copy = Zone { name: "Elwynn".into(), level: 2, tags: vec![] };
//! let err = zones.create(copy).await.unwrap_err();
//! assert!(matches!(err, Error::UniqueViolation { ref field, .. } if field == "name"));
//!
//! // Search indexed fields; `Zone::q().level().gt("x")` would not compile.
//! let found = zones
//!     .search(Zone::q().level().gt(3) & Zone::q().name().starts_with("E"))
//!     .sort(Zone::q().level().desc())
//!     .limit(20)
//!     .await?;
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].data.level, 5);
//! assert_eq!(found[0].meta.total_revision_count, 2);
//! # Ok(())
//! # }
//! ```
//!
//! # Files
//!
//! A [`Binary`] field holds a file. Write it with its bytes; SpecStar puts the bytes in the
//! app's blob store (content-addressed: the same file is stored once) and keeps only
//! `{file_id, size, content_type}` in the revision. Over HTTP the bytes travel as standard
//! base64 in `data`, or are uploaded with `POST /blobs/upload`, and are served by
//! `GET /{model}/{id}/blobs/{file_id}`. Backups carry the blobs their resources reference.
//!
//! ```rust
//! use std::sync::Arc;
//! use specstar::prelude::*;
//! use specstar::storage::blob::memory::MemoryBlobStore;
//!
//! #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
//! pub struct Avatar {
//!     #[index]
//!     pub name: String,
//!     pub image: Binary,
//!     #[serde(default)]
//!     pub thumbnails: Vec<Binary>,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> specstar::Result<()> {
//! let spec = SpecStar::builder()
//!     .blob_store(Arc::new(MemoryBlobStore::new())) // URL backends (`sqlite://…`) bring their own
//!     .resource::<Avatar>()
//!     .build()
//!     .await?;
//! let avatars = spec.manager::<Avatar>();
//! let png = b"\x89PNG\r\n\x1a\n...".to_vec();
//! let info = avatars
//!     .create(Avatar {
//!         name: "hero".into(),
//!         image: Binary::new(png.clone(), "image/png"),
//!         thumbnails: vec![],
//!     })
//!     .await?;
//!
//! // The revision keeps the reference, not the bytes.
//! let image = avatars.get(&info.resource_id).await?.data.image;
//! assert!(image.data.is_none());
//! assert_eq!(image.size, Some(png.len() as i64));
//! let file_id = image.file_id.expect("stored");
//!
//! // The bytes come back through the resource that references them.
//! let blob = avatars.blob(&info.resource_id, &file_id).await?;
//! assert_eq!((blob.data, blob.content_type.as_str()), (png, "image/png"));
//! # Ok(())
//! # }
//! ```

#![deny(unsafe_code)]

pub use specstar_derive::{IndexValue, Nested, Resource};
pub use specstar_runtime::app::{ResourceOptions, SpecStar, SpecStarBuilder};
pub use specstar_runtime::model::{
    Binary, Encoding, Error, Resource as Stored, ResourceMeta, Result, RevisionInfo, RevisionList,
    RevisionStatus, Timestamp,
};
pub use specstar_runtime::query::{Condition, Field, MetaFields, Query};
pub use specstar_runtime::resource::patch::Patch;
pub use specstar_runtime::resource::{
    ConstraintChecker, Get, GetOptions, IndexKind, IndexSpec, IndexValue, ModelHandle, Modify,
    Nested, NestedIndex, OnDelete, OperationContext, RefSpec, RefType, Relationship, Resource,
    ResourceDescriptor, ResourceManager, RevisionListQuery, Search, UniqueValue, Validator,
};
pub use specstar_runtime::storage::config::{Backend, BackendConfig, BackendSpec};
pub use specstar_runtime::storage::{ResourceStore, memory::MemoryStore};

mod serve;
pub use serve::serve;

/// The REST API: options of the router, the current-user provider, the clock, OpenAPI.
pub mod http {
    pub use specstar_runtime::http::{
        Clock, DEFAULT_BODY_LIMIT, HttpOptions, QueryLimits, ResolveUser, UserProvider, openapi,
        router,
    };
}

/// Schema versions and migrations: steps, paths, bulk progress and summary.
pub mod schema {
    pub use specstar_runtime::schema::{
        MigrateFrom, MigrationProgress, MigrationStatus, MigrationStep, MigrationSummary,
        shortest_path,
    };
}

/// Event phases, actions and handlers (`before`, `after`, `on_success`, `on_failure`).
pub mod events {
    pub use specstar_runtime::events::*;
}

/// Backup archives (`.acbak` version 2): [`SpecStar::dump`] and [`SpecStar::load`] options
/// and results, and the low-level archive reader and writer.
pub mod backup {
    pub use specstar_runtime::backup::{
        ArchiveReader, ArchiveWriter, CheckedArchive, DumpOptions, LoadStats, OnDuplicate, Record,
    };
}

/// Permission checkers.
pub mod auth {
    pub use specstar_runtime::auth::*;
}

/// The query model: the condition tree ([`Condition`](query::Condition),
/// [`Operator`](query::Operator), [`FieldPath`](query::FieldPath)), sorts, paging, the
/// in-memory evaluator and the `qb=` parser.
pub mod query {
    pub use specstar_runtime::query::*;
}

/// Storage: the [`ResourceStore`](storage::ResourceStore) trait every backend implements, the
/// backends (`memory`, `sqlite`, `postgres`, `disk`), `BackendConfig` (`storage::config`) and
/// the blob stores (`storage::blob`).
pub mod storage {
    pub use specstar_runtime::storage::*;
}

/// `use specstar::prelude::*;` brings the derive, the traits and the common types into scope.
pub mod prelude {
    pub use crate::{
        Backend, Binary, Encoding, Error, IndexValue, Modify, Nested, Resource, ResourceManager,
        ResourceMeta, RevisionInfo, RevisionStatus, SpecStar,
    };
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}

#[doc(hidden)]
pub mod __private {
    //! Everything generated code names. Not a public API.
    pub use crate::__specstar_register as register;
    pub use inventory;
    pub use schemars;
    pub use serde;
    pub use serde_json;
    pub use specstar_runtime::app::install;
    pub use specstar_runtime::model::{Encoding, RevisionStatus};
    pub use specstar_runtime::query::{Field, IndexEnum, MetaFields};
    pub use specstar_runtime::resource::display_name::assert_display_name;
    pub use specstar_runtime::resource::index_value::unique_index_spec;
    pub use specstar_runtime::resource::nested::{
        prefixed_indexes, prefixed_nested, unique_nested_index,
    };
    pub use specstar_runtime::resource::ref_value::assert_nullable_ref;
    pub use specstar_runtime::resource::{
        DisplayNameValue, IndexKind, IndexSpec, IndexValue, Nested, NestedIndex, NullableRefValue,
        OnDelete, RefSpec, RefType, RefValue, Registration, Resource, ResourceDescriptor,
        UniqueValue, registrations,
    };
    pub use specstar_runtime::schema::{MigrationStep, convert_step, decode_step};

    /// Registers a derived resource with the runtime through `inventory`.
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __specstar_register {
        ($ty:ty) => {
            $crate::__private::inventory::submit! {
                $crate::__private::Registration {
                    name: <$ty as $crate::__private::Resource>::NAME,
                    descriptor: <$ty as $crate::__private::Resource>::descriptor,
                    install: $crate::__private::install::<$ty>,
                }
            }
        };
    }
}

/// The README's examples, compiled and run as doctests so they stay true.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
