//! Which Rust types can hold a reference (`#[ref_to(...)]`) to another resource.

/// A field type that can hold resource or revision ids: `String`, `Option<String>` or
/// `Vec<String>`. Checked by `#[derive(Resource)]` on every `#[ref_to(...)]` field.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot hold a reference",
    label = "a `#[ref_to]` field must be `String`, `Option<String>` or `Vec<String>`",
    note = "references store ids: use `String` (required), `Option<String>` (optional) or `Vec<String>` (a list of ids)"
)]
pub trait RefValue {
    /// `true` for `Option<String>`.
    const NULLABLE: bool;
    /// `true` for `Vec<String>`.
    const LIST: bool;
}

impl RefValue for String {
    const NULLABLE: bool = false;
    const LIST: bool = false;
}

impl RefValue for Option<String> {
    const NULLABLE: bool = true;
    const LIST: bool = false;
}

impl RefValue for Vec<String> {
    const NULLABLE: bool = false;
    const LIST: bool = true;
}

/// A reference field that can be cleared when its target is deleted: `Option<String>`.
#[diagnostic::on_unimplemented(
    message = "`on_delete = set_null` needs an `Option<String>` field, not `{Self}`",
    label = "this field cannot be set to null",
    note = "make the field `Option<String>`, or use `on_delete = dangling` or `on_delete = cascade`"
)]
pub trait NullableRefValue: RefValue {}

impl NullableRefValue for Option<String> {}

/// Compile-time check emitted by the derive for `on_delete = set_null` fields.
#[doc(hidden)]
pub const fn assert_nullable_ref<T: NullableRefValue + ?Sized>() {}
