//! Stub impls emitted next to the `compile_error!`s when the input is invalid, so the user sees
//! the real errors and not a cascade from every place that uses the type (like thiserror's
//! `fallback.rs` and clap's `dummies.rs`).

use super::query::{self, Prefix};
use super::resource_impl::resource_name;
use crate::ast::Container;
use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;
use syn::{Data, DeriveInput};

/// Whether a stub can be written at all: not for generic types (we would have to guess the
/// bounds) nor unions (serde cannot serialize them, so the stub would add errors).
fn stub_possible(input: &DeriveInput) -> bool {
    input.generics.params.is_empty() && !matches!(input.data, Data::Union(_))
}

/// Accessors for every field (not only the indexed ones): code written against the type
/// keeps compiling while the attribute error is fixed.
fn accessors(container: Option<&Container>, prefix: Prefix) -> Vec<TokenStream> {
    container
        .map(|c| {
            c.fields
                .iter()
                .map(|f| query::accessor(f, prefix))
                .collect()
        })
        .unwrap_or_default()
}

pub fn resource(input: &DeriveInput, container: Option<&Container>) -> TokenStream {
    if !stub_possible(input) {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let explicit = container.and_then(|c| c.attrs.name.as_deref().map(String::as_str));
    let name = resource_name(ident, explicit);
    let type_name = ident.unraw().to_string();
    let query_ident = query::ident(ident);
    let query =
        query::resource_struct(&query_ident, accessors(container, Prefix::None).into_iter());
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::specstar::__private::Resource for #ident {
                const NAME: &'static str = #name;
                type Query = #query_ident;

                fn descriptor() -> &'static ::specstar::__private::ResourceDescriptor {
                    static __SPECSTAR_DESCRIPTOR: ::specstar::__private::ResourceDescriptor =
                        ::specstar::__private::ResourceDescriptor {
                            name: #name,
                            type_name: #type_name,
                            description: ::core::option::Option::None,
                            indexes: &[],
                            refs: &[],
                            display_name: ::core::option::Option::None,
                            default_status: ::core::option::Option::None,
                            encoding: ::core::option::Option::None,
                            version: ::core::option::Option::None,
                        };
                    &__SPECSTAR_DESCRIPTOR
                }
            }

            #query
        };
    }
}

pub fn nested(input: &DeriveInput, container: Option<&Container>) -> TokenStream {
    if !stub_possible(input) {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let query_ident = query::ident(ident);
    let query = query::nested_struct(
        &query_ident,
        accessors(container, Prefix::Runtime).into_iter(),
    );
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::specstar::__private::Nested for #ident {
                type Query = #query_ident;

                fn indexes() -> ::std::vec::Vec<::specstar::__private::NestedIndex> {
                    ::std::vec::Vec::new()
                }

                fn query(prefix: ::std::string::String) -> Self::Query {
                    #query_ident { __specstar_prefix: prefix }
                }
            }

            #query
        };
    }
}
