//! The [`Resource`] trait implemented by `#[derive(Resource)]`, its descriptor, the
//! [`ResourceManager`], ids, hashing, and the operation context.

pub(crate) mod binary_fields;
pub mod context;
pub mod descriptor;
pub mod display_name;
pub mod encoding;
pub(crate) mod engine;
pub mod hash;
pub mod ids;
pub mod index_value;
pub mod indexing;
mod manager;
pub(crate) mod model_type;
mod modify;
pub mod nested;
pub mod patch;
pub mod ref_value;
pub mod refs;
mod revision_list;
pub mod search;
pub mod validate;

pub use context::{OperationContext, SYSTEM_USER};
pub use descriptor::{IndexKind, IndexSpec, OnDelete, RefSpec, RefType, ResourceDescriptor};
pub use display_name::DisplayNameValue;
pub use engine::{GetOptions, ModelHandle};
pub use index_value::{IndexValue, UniqueValue};
pub use manager::{Get, ResourceManager};
pub use modify::Modify;
pub use nested::{Nested, NestedIndex};
pub use ref_value::{NullableRefValue, RefValue};
pub use refs::Relationship;
pub use revision_list::RevisionListQuery;
pub use search::Search;
pub use validate::{ConstraintChecker, Validator};

use serde::{Serialize, de::DeserializeOwned};

/// A type stored and served by SpecStar. Implement it with `#[derive(Resource)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a SpecStar resource",
    label = "not a resource",
    note = "did you forget `#[derive(Resource)]` on `{Self}`?"
)]
pub trait Resource:
    Serialize + DeserializeOwned + schemars::JsonSchema + Clone + Send + Sync + 'static
{
    /// The resource name (ids, URLs): kebab-case of the type name unless renamed.
    const NAME: &'static str;

    /// The typed query accessor returned by [`Resource::q`]: one method per indexed field,
    /// plus the meta fields through `Deref` to [`crate::query::MetaFields`].
    type Query: Default + 'static;

    /// The static description of this type (indexes, refs, display name, defaults).
    fn descriptor() -> &'static ResourceDescriptor;

    /// The migration steps of `#[specstar(migrate(...))]`: how payloads stored at older schema
    /// versions convert into this type (see [`crate::schema`]). None by default.
    fn migrations() -> &'static [crate::schema::MigrationStep] {
        &[]
    }

    /// Start a typed query: `Zone::q().level().gt(3)`.
    fn q() -> Self::Query {
        Self::Query::default()
    }
}

/// One `#[derive(Resource)]` type linked into the binary, collected through `inventory`.
/// Generated code submits these through `specstar::__private::register!`.
#[doc(hidden)]
pub struct Registration {
    /// The resource name (`Resource::NAME`).
    pub name: &'static str,
    /// The descriptor.
    pub descriptor: fn() -> &'static ResourceDescriptor,
    /// Adds the typed model to an app builder (`SpecStarBuilder::resource::<T>()`).
    pub install: fn(crate::app::SpecStarBuilder) -> crate::app::SpecStarBuilder,
}

inventory::collect!(Registration);

/// Every registered resource, sorted by name.
pub fn registrations() -> Vec<&'static Registration> {
    let mut all: Vec<&'static Registration> = inventory::iter::<Registration>.into_iter().collect();
    all.sort_by_key(|r| r.name);
    all
}

#[cfg(test)]
mod tests;
