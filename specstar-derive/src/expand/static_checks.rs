//! Compile-time assertions spanned at the user's field types, so that the
//! `#[diagnostic::on_unimplemented]` message of the runtime trait is shown on the type that
//! fails (a type alias or a user type that the syntactic checks of `check` cannot judge).

use crate::ast::{Container, Field};
use crate::attr::OnDeleteAttr;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn resource(container: &Container) -> TokenStream {
    let asserts: Vec<TokenStream> = container.fields.iter().flat_map(field_asserts).collect();
    wrap(asserts)
}

pub fn nested(container: &Container) -> TokenStream {
    let asserts: Vec<TokenStream> = container.fields.iter().flat_map(field_asserts).collect();
    wrap(asserts)
}

fn wrap(asserts: Vec<TokenStream>) -> TokenStream {
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
    if attrs.index.is_some() {
        out.push(quote_spanned! {span=> ::specstar::__private::assert_index_value::<#ty>(); });
    }
    if attrs.unique.is_some() {
        out.push(quote_spanned! {span=> ::specstar::__private::assert_unique_value::<#ty>(); });
    }
    if attrs.display_name.is_some() {
        out.push(quote_spanned! {span=> ::specstar::__private::assert_display_name::<#ty>(); });
    }
    if let Some(ref_to) = &attrs.ref_to {
        out.push(quote_spanned! {span=> ::specstar::__private::assert_ref_value::<#ty>(); });
        if ref_to.on_delete.as_deref() == Some(&OnDeleteAttr::SetNull) {
            out.push(quote_spanned! {span=> ::specstar::__private::assert_nullable_ref::<#ty>(); });
        }
    }
    out
}
