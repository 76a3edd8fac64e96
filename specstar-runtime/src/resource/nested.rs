//! Structs embedded in a resource whose indexed fields become indexes of the resource.

use super::descriptor::{IndexKind, IndexSpec};
use super::index_value::UniqueValue;

/// A struct that can sit inside a resource under `#[nested]`; implement it with
/// `#[derive(Nested)]`.
///
/// The `#[index]` / `#[unique]` fields of the struct (and of deeper `#[nested]` structs)
/// become indexes of the resource at dotted paths: a resource field `stats: Stats` marked
/// `#[nested]`, where `Stats` has `#[index] hp: i64`, is indexed at `"stats.hp"`, and
/// `Character::q().stats().hp()` is a typed handle on that path.
///
/// `Option<T>` is `Nested` when `T` is: its indexes are then nullable.
///
/// (Example through the `specstar` facade, which re-exports the trait and its derive.)
///
/// ```ignore
/// use specstar::prelude::*;
///
/// #[derive(Nested, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Stats {
///     #[index]
///     pub hp: i64,
///     pub mana: i64,
/// }
///
/// #[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
/// pub struct Character {
///     #[index]
///     pub name: String,
///     #[nested]
///     pub stats: Stats,
/// }
///
/// let hp = Character::descriptor().index("stats.hp").unwrap();
/// assert_eq!(hp.kind, specstar::IndexKind::Integer);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used with `#[nested]`",
    label = "this type does not implement `Nested`",
    note = "did you forget `#[derive(Nested)]` on `{Self}`?"
)]
pub trait Nested {
    /// The typed query accessor of this struct, carrying the path prefix under which it is
    /// embedded: `Character::q().stats()` returns one.
    type Query: Clone + std::fmt::Debug;

    /// The indexes inside this struct, with paths relative to it (`"hp"`, `"inner.x"`).
    fn indexes() -> Vec<NestedIndex>;

    /// The query accessor for this struct embedded at `prefix` (a dotted path).
    #[doc(hidden)]
    fn query(prefix: String) -> Self::Query;
}

/// One index inside a [`Nested`] struct, its path relative to the struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedIndex {
    /// Dotted path relative to the nested struct.
    pub path: String,
    /// What kind of value is stored at the path (element kind for lists).
    pub kind: IndexKind,
    /// Unique among non-deleted resources.
    pub unique: bool,
    /// The value may be null.
    pub nullable: bool,
    /// The value is a list.
    pub list: bool,
}

impl<T: Nested> Nested for Option<T> {
    type Query = T::Query;

    fn indexes() -> Vec<NestedIndex> {
        T::indexes()
            .into_iter()
            .map(|index| NestedIndex {
                nullable: true,
                ..index
            })
            .collect()
    }

    fn query(prefix: String) -> Self::Query {
        T::query(prefix)
    }
}

/// The indexes of a nested struct (`<T as Nested>::indexes()`) embedded at `prefix`, as
/// resource indexes.
///
/// Generated descriptors call this once per resource type (inside a `OnceLock`); the paths are
/// leaked so they can live in the `'static` descriptor.
#[doc(hidden)]
pub fn prefixed_indexes(prefix: &str, indexes: Vec<NestedIndex>) -> Vec<IndexSpec> {
    indexes
        .into_iter()
        .map(|index| IndexSpec {
            path: Box::leak(format!("{prefix}.{}", index.path).into_boxed_str()),
            kind: index.kind,
            unique: index.unique,
            nullable: index.nullable,
            list: index.list,
        })
        .collect()
}

/// The indexes of a deeper nested struct embedded at `prefix`, relative to the outer nested
/// struct; used by `#[derive(Nested)]` for its `#[nested]` fields.
#[doc(hidden)]
pub fn prefixed_nested(prefix: &str, indexes: Vec<NestedIndex>) -> Vec<NestedIndex> {
    indexes
        .into_iter()
        .map(|index| NestedIndex {
            path: format!("{prefix}.{}", index.path),
            ..index
        })
        .collect()
}

/// The index of a `#[unique]` field inside a nested struct (reported once, as "cannot be
/// unique", when the type does not fit).
#[doc(hidden)]
pub fn unique_nested_index<T: UniqueValue + ?Sized>(path: &str) -> NestedIndex {
    NestedIndex {
        path: path.to_owned(),
        kind: T::KIND,
        unique: true,
        nullable: T::NULLABLE,
        list: T::LIST,
    }
}
