//! The typed query accessors: `Zone::q().level()` returns a `Field<i64>` on path `"level"`,
//! `Character::q().stats().hp()` a `Field<i64>` on `"stats.hp"`.

use crate::ast::{Container, Field};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// `__specstar_ZoneQuery` (spanned at the derive, so lints never point at the user's name).
pub fn ident(ty: &Ident) -> Ident {
    format_ident!("__specstar_{}Query", ty.unraw(), span = Span::call_site())
}

/// Where an accessor's path comes from.
#[derive(Clone, Copy)]
pub enum Prefix {
    /// A resource: paths are the field paths themselves (`&'static str`).
    None,
    /// A nested struct: paths are `"{prefix}.{field}"`, the prefix held by the query value.
    Runtime,
}

/// The query struct of a resource: a unit struct with one method per indexed (or nested)
/// field, dereferencing to the meta-field accessors.
pub fn resource(container: &Container) -> TokenStream {
    let name = ident(container.ident);
    let methods = container
        .fields
        .iter()
        .filter(|f| f.attrs.nested.is_some() || f.is_indexed())
        .map(|f| accessor(f, Prefix::None));
    resource_struct(&name, methods)
}

/// The query struct of a resource without any checks, for the fallback: every field gets an
/// accessor so code written against the type keeps compiling.
pub fn resource_struct(name: &Ident, methods: impl Iterator<Item = TokenStream>) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(
            ::core::default::Default,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::fmt::Debug,
        )]
        pub struct #name;

        #[automatically_derived]
        #[allow(dead_code)]
        impl #name {
            #(#methods)*
        }

        #[automatically_derived]
        impl ::core::ops::Deref for #name {
            type Target = ::specstar::__private::MetaFields;

            fn deref(&self) -> &Self::Target {
                &::specstar::__private::MetaFields
            }
        }
    }
}

/// The query struct of a nested struct: it carries the dotted prefix it is embedded at.
pub fn nested(container: &Container) -> TokenStream {
    let name = ident(container.ident);
    let methods = container
        .fields
        .iter()
        .filter(|f| f.attrs.nested.is_some() || f.is_indexed())
        .map(|f| accessor(f, Prefix::Runtime));
    nested_struct(&name, methods)
}

pub fn nested_struct(name: &Ident, methods: impl Iterator<Item = TokenStream>) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct #name {
            __specstar_prefix: ::std::string::String,
        }

        #[automatically_derived]
        #[allow(dead_code)]
        impl #name {
            #(#methods)*
        }
    }
}

/// One accessor method.
pub fn accessor(field: &Field, prefix: Prefix) -> TokenStream {
    let method = field.ident;
    let ty = field.ty;
    let path = &field.path;
    if field.attrs.nested.is_some() {
        let full = match prefix {
            Prefix::None => quote! { ::std::string::String::from(#path) },
            Prefix::Runtime => {
                quote! { ::std::format!("{}.{}", self.__specstar_prefix, #path) }
            }
        };
        let doc = format!("Typed handles on the indexed fields inside `{path}`.");
        // Spanned as a whole at the field type: a type that is not `Nested` is then reported
        // there once (the descriptor's use has the same span and message, and rustc merges
        // identical diagnostics).
        quote_spanned! {ty.span()=>
            #[doc = #doc]
            pub fn #method(&self) -> <#ty as ::specstar::__private::Nested>::Query {
                <#ty as ::specstar::__private::Nested>::query(#full)
            }
        }
    } else {
        let doc = format!("Typed handle on the indexed field `{path}`.");
        let constructor = match prefix {
            Prefix::None => quote! { ::specstar::__private::Field::data(#path) },
            Prefix::Runtime => quote! {
                ::specstar::__private::Field::data_owned(
                    ::std::format!("{}.{}", self.__specstar_prefix, #path)
                )
            },
        };
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> ::specstar::__private::Field<#ty> {
                #constructor
            }
        }
    }
}
