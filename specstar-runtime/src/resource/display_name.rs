//! The type a `#[display_name]` field must have.

/// Implemented only for `String`: the human-readable name of a resource is a required string.
#[diagnostic::on_unimplemented(
    message = "`#[display_name]` must be on a `String` field, not `{Self}`",
    label = "expected `String`",
    note = "the display name is the human-readable label of a resource; it must be a required `String`"
)]
pub trait DisplayNameValue {}

impl DisplayNameValue for String {}

/// Compile-time check emitted by the derive for the `#[display_name]` field.
#[doc(hidden)]
pub const fn assert_display_name<T: DisplayNameValue + ?Sized>() {}
