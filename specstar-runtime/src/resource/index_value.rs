//! Which Rust types can be indexed, and what kind of index value they produce.

use super::descriptor::{IndexKind, IndexSpec};

/// A type whose values can be stored in an index and compared in queries.
///
/// Implemented for strings, integers, floats, `bool`, `chrono::DateTime<Utc>`, and
/// `Option<T>` / `Vec<T>` of those. Derive it for a field-less enum with
/// `#[derive(IndexValue)]`: the enum is then indexed by its serialized (string) value.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be indexed",
    label = "this field's type cannot be indexed",
    note = "indexable types are String, integers, floats, bool, DateTime<Utc>, Option<T> and Vec<T> of those, and unit-only enums with `#[derive(IndexValue)]`; for a struct, derive `Nested` on it and mark the field `#[nested]`"
)]
pub trait IndexValue {
    /// The kind of the scalar (element kind for `Vec<T>`).
    const KIND: IndexKind;
    /// `true` for `Option<T>`.
    const NULLABLE: bool = false;
    /// `true` for `Vec<T>`.
    const LIST: bool = false;
}

/// A type that may carry `#[unique]`: an indexable scalar or an `Option` of one (not a list).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be unique",
    label = "`#[unique]` needs a scalar index value",
    note = "unique fields must be String, an integer, a float, bool, DateTime<Utc>, an `#[derive(IndexValue)]` enum, or an Option of those"
)]
pub trait UniqueValue: IndexValue {}

macro_rules! scalar {
    ($kind:ident: $($t:ty),*) => {$(
        impl IndexValue for $t { const KIND: IndexKind = IndexKind::$kind; }
        impl UniqueValue for $t {}
    )*};
}

scalar!(String: String, Box<str>, std::sync::Arc<str>, char);
scalar!(Integer: i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);
scalar!(Float: f32, f64);
scalar!(Boolean: bool);
scalar!(DateTime: chrono::DateTime<chrono::Utc>);

impl<T: IndexValue> IndexValue for Option<T> {
    const KIND: IndexKind = T::KIND;
    const NULLABLE: bool = true;
    const LIST: bool = T::LIST;
}
impl<T: UniqueValue> UniqueValue for Option<T> {}

impl<T: IndexValue> IndexValue for Vec<T> {
    const KIND: IndexKind = T::KIND;
    const LIST: bool = true;
}

impl<T: IndexValue> IndexValue for std::collections::BTreeSet<T> {
    const KIND: IndexKind = T::KIND;
    const LIST: bool = true;
}

impl<T: IndexValue, S> IndexValue for std::collections::HashSet<T, S> {
    const KIND: IndexKind = T::KIND;
    const LIST: bool = true;
}

/// The index of a `#[unique]` field. Generated descriptors call this (rather than reading
/// `IndexValue` directly) so that a type that cannot be unique is reported once, as such.
#[doc(hidden)]
pub const fn unique_index_spec<T: UniqueValue + ?Sized>(path: &'static str) -> IndexSpec {
    IndexSpec {
        path,
        kind: T::KIND,
        unique: true,
        nullable: T::NULLABLE,
        list: T::LIST,
    }
}
