//! `#[derive(IndexValue)]` on a unit-only enum: indexed by its serialized name, a string.

use darling::Error;
use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Fields};

pub fn expand(input: &DeriveInput) -> TokenStream {
    let mut errors = Error::accumulator();
    match &input.data {
        Data::Enum(data) => {
            for variant in &data.variants {
                if !matches!(variant.fields, Fields::Unit) {
                    errors.push(
                        Error::custom(format!(
                            "`#[derive(IndexValue)]` needs variants without fields; `{}` has fields (an index holds one scalar per resource)",
                            variant.ident
                        ))
                        .with_span(&variant.fields),
                    );
                }
            }
        }
        Data::Struct(data) => errors.push(
            Error::custom(
                "`#[derive(IndexValue)]` is for enums whose variants have no fields; to index a struct's fields, derive `Nested` on it and mark the field `#[nested]`",
            )
            .with_span(&data.struct_token),
        ),
        Data::Union(data) => errors.push(
            Error::custom("`#[derive(IndexValue)]` is for enums whose variants have no fields")
                .with_span(&data.union_token),
        ),
    }
    if !input.generics.params.is_empty() {
        errors.push(
            Error::custom("`#[derive(IndexValue)]` does not support generic enums")
                .with_span(&input.generics.params),
        );
    }
    let errors = match errors.finish() {
        Ok(()) => TokenStream::new(),
        Err(errors) => errors.write_errors(),
    };
    // The impls are emitted on error too (unless generic), so uses of the type as an index do
    // not report a second error.
    if !input.generics.params.is_empty() || matches!(input.data, Data::Union(_)) {
        return errors;
    }
    let ident = &input.ident;
    quote! {
        #errors
        const _: () = {
            #[automatically_derived]
            impl ::specstar::__private::IndexValue for #ident {
                const KIND: ::specstar::__private::IndexKind = ::specstar::__private::IndexKind::String;
            }

            #[automatically_derived]
            impl ::specstar::__private::UniqueValue for #ident {}
        };
    }
}
