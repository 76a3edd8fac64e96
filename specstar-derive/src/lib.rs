//! Derive macros of SpecStar. Use them through the `specstar` crate.

use proc_macro::TokenStream;

/// `#[derive(Resource)]`; see the `specstar` crate docs.
#[proc_macro_derive(Resource, attributes(specstar, index, unique, display_name, ref_to))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}

/// `#[derive(IndexValue)]` for unit-only enums; see the `specstar` crate docs.
#[proc_macro_derive(IndexValue)]
pub fn derive_index_value(input: TokenStream) -> TokenStream {
    let _ = input;
    TokenStream::new()
}
