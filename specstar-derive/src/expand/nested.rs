//! `impl Nested`: the struct's indexes relative to itself, and its query accessor.

use crate::ast::Container;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub fn expand(container: &Container) -> TokenStream {
    let ident = container.ident;
    let query = super::query::ident(ident);
    let entries = container.fields.iter().filter_map(|field| {
        let ty = field.ty;
        let path = &field.path;
        if field.attrs.nested.is_some() {
            let indexes = quote_spanned! {ty.span()=>
                <#ty as ::specstar::__private::Nested>::indexes()
            };
            Some(quote! {
                __specstar_indexes.extend(::specstar::__private::prefixed_nested(#path, #indexes));
            })
        } else if field.attrs.unique.is_some() {
            let index = quote_spanned! {ty.span()=>
                ::specstar::__private::unique_nested_index::<#ty>(#path)
            };
            Some(quote! { __specstar_indexes.push(#index); })
        } else if field.is_indexed() {
            let value = quote_spanned! {ty.span()=> <#ty as ::specstar::__private::IndexValue> };
            Some(quote! {
                __specstar_indexes.push(::specstar::__private::NestedIndex {
                    path: ::std::string::String::from(#path),
                    kind: #value::KIND,
                    unique: false,
                    nullable: #value::NULLABLE,
                    list: #value::LIST,
                });
            })
        } else {
            None
        }
    });
    quote! {
        #[automatically_derived]
        impl ::specstar::__private::Nested for #ident {
            type Query = #query;

            fn indexes() -> ::std::vec::Vec<::specstar::__private::NestedIndex> {
                #[allow(unused_mut)]
                let mut __specstar_indexes = ::std::vec::Vec::new();
                #(#entries)*
                __specstar_indexes
            }

            fn query(prefix: ::std::string::String) -> Self::Query {
                #query { __specstar_prefix: prefix }
            }
        }
    }
}
