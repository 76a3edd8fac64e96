//! Compile-time assertions spanned at the user's field types, so that the
//! `#[diagnostic::on_unimplemented]` message of the runtime trait is shown on the type that
//! fails (a type alias or a user type that the syntactic checks of `check` cannot judge).
//!
//! Only the rules the generated code does not already enforce live here: `#[display_name]`
//! (`DisplayNameValue`) and `on_delete = set_null` (`NullableRefValue`). Index, unique,
//! reference and nested types are checked where the descriptor uses them (`IndexValue`,
//! `unique_index_spec`, `RefValue`, `Nested`, each spanned at the field type), so each mistake
//! is reported once.

use crate::ast::{Container, Field};
use crate::attr::OnDeleteAttr;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn expand(container: &Container) -> TokenStream {
    let asserts: Vec<TokenStream> = container.fields.iter().flat_map(field_asserts).collect();
    if asserts.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #(#asserts)*
        };
    }
}

fn field_asserts(field: &Field) -> Vec<TokenStream> {
    let ty = field.ty;
    let span = ty.span();
    let attrs = &field.attrs;
    let mut out = Vec::new();
    if attrs.display_name.is_some() {
        out.push(quote_spanned! {span=> ::specstar::__private::assert_display_name::<#ty>(); });
    }
    let set_null = attrs
        .ref_to
        .as_ref()
        .is_some_and(|r| r.on_delete.as_deref() == Some(&OnDeleteAttr::SetNull));
    if set_null {
        out.push(quote_spanned! {span=> ::specstar::__private::assert_nullable_ref::<#ty>(); });
    }
    out
}
