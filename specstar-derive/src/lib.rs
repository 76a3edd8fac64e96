//! Derive macros of SpecStar. Use them through the `specstar` crate, which documents every
//! attribute.
//!
//! Each derive is a thin shim over `expand::*`, which works on `proc_macro2` tokens so it can
//! be unit-tested: parse (`attr`, `ast`) → check (`check`) → generate (`expand`).

mod ast;
mod attr;
mod check;
mod expand;

use proc_macro::TokenStream;

/// `#[derive(Resource)]`; see the `specstar` crate docs.
#[proc_macro_derive(
    Resource,
    attributes(specstar, index, unique, display_name, ref_to, nested)
)]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    expand::resource(input.into()).into()
}

/// `#[derive(IndexValue)]` for unit-only enums; see the `specstar` crate docs.
#[proc_macro_derive(IndexValue)]
pub fn derive_index_value(input: TokenStream) -> TokenStream {
    expand::index_value(input.into()).into()
}

/// `#[derive(Nested)]` for structs embedded in a resource under `#[nested]`; see the
/// `specstar` crate docs.
#[proc_macro_derive(
    Nested,
    attributes(specstar, index, unique, display_name, ref_to, nested)
)]
pub fn derive_nested(input: TokenStream) -> TokenStream {
    expand::nested(input.into()).into()
}
