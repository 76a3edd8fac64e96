//! SpecStar: turn annotated Rust structs into a complete, versioned backend.

#![deny(unsafe_code)]

pub use specstar_derive::{IndexValue, Nested, Resource};
pub use specstar_runtime::app::{ResourceOptions, SpecStar, SpecStarBuilder};
pub use specstar_runtime::model::{
    Encoding, Error, Resource as Stored, ResourceMeta, Result, RevisionInfo, RevisionList,
    RevisionStatus, Timestamp,
};
pub use specstar_runtime::query::{Condition, Field, MetaFields, Query};
pub use specstar_runtime::resource::patch::Patch;
pub use specstar_runtime::resource::{
    ConstraintChecker, Get, GetOptions, IndexKind, IndexSpec, IndexValue, ModelHandle, Modify,
    Nested, NestedIndex, OnDelete, OperationContext, RefSpec, RefType, Relationship, Resource,
    ResourceDescriptor, ResourceManager, RevisionListQuery, Search, UniqueValue, Validator,
};
pub use specstar_runtime::storage::{ResourceStore, memory::MemoryStore};

/// Event phases, actions and handlers (`before`, `after`, `on_success`, `on_failure`).
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

pub mod events {
    pub use specstar_runtime::events::*;
}

/// Permission checkers.
pub mod auth {
    pub use specstar_runtime::auth::*;
}

/// `use specstar::prelude::*;` brings the derive, the traits and the common types into scope.
pub mod prelude {
    pub use crate::{
        Encoding, Error, IndexValue, Modify, Nested, Resource, ResourceManager, ResourceMeta,
        RevisionInfo, RevisionStatus, SpecStar,
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
