//! `impl Resource` and its descriptor: a `static` when every index path is known at compile
//! time, a `OnceLock` built once when `#[nested]` fields contribute prefixed paths.

use crate::ast::{Container, Field};
use crate::attr::{DefaultStatus, EncodingAttr, OnDeleteAttr, RefTarget};
use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// The resource name: `#[specstar(name = "...")]`, else kebab-case of the type name.
pub fn resource_name(ident: &Ident, explicit: Option<&str>) -> String {
    match explicit {
        Some(name) => name.to_owned(),
        None => ident.unraw().to_string().to_kebab_case(),
    }
}

pub fn expand(container: &Container) -> TokenStream {
    let ident = container.ident;
    let name = resource_name(ident, container.attrs.name.as_deref().map(String::as_str));
    let query = super::query::ident(ident);
    let body = descriptor_body(container, &name);
    let migrations = super::migrations::expand(container);
    quote! {
        #[automatically_derived]
        impl ::specstar::__private::Resource for #ident {
            const NAME: &'static str = #name;
            type Query = #query;

            fn descriptor() -> &'static ::specstar::__private::ResourceDescriptor {
                #body
            }

            #migrations
        }
    }
}

/// One entry of the index list, in declaration order.
enum IndexEntry {
    /// A path known at compile time: an `IndexSpec` expression.
    Static(TokenStream),
    /// The indexes of a `#[nested]` field, prefixed at run time.
    Nested(TokenStream),
}

fn descriptor_body(container: &Container, name: &str) -> TokenStream {
    let entries: Vec<IndexEntry> = container
        .fields
        .iter()
        .filter_map(|field| {
            if field.attrs.nested.is_some() {
                let ty = field.ty;
                let path = &field.path;
                let indexes = quote_spanned! {ty.span()=>
                    <#ty as ::specstar::__private::Nested>::indexes()
                };
                Some(IndexEntry::Nested(quote! {
                    ::specstar::__private::prefixed_indexes(#path, #indexes)
                }))
            } else if field.is_indexed() {
                Some(IndexEntry::Static(field_index(field)))
            } else {
                None
            }
        })
        .collect();
    let container_indexes: Vec<TokenStream> = container
        .attrs
        .indexes
        .iter()
        .map(|path| {
            let path = path.as_str();
            quote! {
                ::specstar::__private::IndexSpec {
                    path: #path,
                    kind: ::specstar::__private::IndexKind::Any,
                    unique: false,
                    nullable: true,
                    list: false,
                }
            }
        })
        .collect();
    let container_len = container_indexes.len();
    let refs: Vec<TokenStream> = container.fields.iter().filter_map(ref_spec).collect();
    let refs_len = refs.len();
    let fields = descriptor_fields(container, name);

    let lazy = entries.iter().any(|e| matches!(e, IndexEntry::Nested(_)));
    if !lazy {
        let statics: Vec<&TokenStream> = entries
            .iter()
            .filter_map(|e| match e {
                IndexEntry::Static(spec) => Some(spec),
                IndexEntry::Nested(_) => None,
            })
            .chain(container_indexes.iter())
            .collect();
        let len = statics.len();
        quote! {
            static __SPECSTAR_INDEXES: [::specstar::__private::IndexSpec; #len] = [#(#statics),*];
            static __SPECSTAR_REFS: [::specstar::__private::RefSpec; #refs_len] = [#(#refs),*];
            static __SPECSTAR_DESCRIPTOR: ::specstar::__private::ResourceDescriptor =
                ::specstar::__private::ResourceDescriptor {
                    indexes: &__SPECSTAR_INDEXES,
                    refs: &__SPECSTAR_REFS,
                    #fields
                };
            &__SPECSTAR_DESCRIPTOR
        }
    } else {
        let pushes = entries.iter().map(|entry| match entry {
            IndexEntry::Static(spec) => quote! { __specstar_indexes.push(#spec); },
            IndexEntry::Nested(call) => quote! { __specstar_indexes.extend(#call); },
        });
        quote! {
            static __SPECSTAR_REFS: [::specstar::__private::RefSpec; #refs_len] = [#(#refs),*];
            static __SPECSTAR_DESCRIPTOR: ::std::sync::OnceLock<::specstar::__private::ResourceDescriptor> =
                ::std::sync::OnceLock::new();
            __SPECSTAR_DESCRIPTOR.get_or_init(|| {
                let mut __specstar_indexes: ::std::vec::Vec<::specstar::__private::IndexSpec> =
                    ::std::vec::Vec::new();
                #(#pushes)*
                // Container paths are untyped: a typed index on the same path wins.
                let __specstar_container: [::specstar::__private::IndexSpec; #container_len] =
                    [#(#container_indexes),*];
                for __specstar_spec in __specstar_container {
                    if !__specstar_indexes.iter().any(|i| i.path == __specstar_spec.path) {
                        __specstar_indexes.push(__specstar_spec);
                    }
                }
                ::specstar::__private::ResourceDescriptor {
                    indexes: ::std::boxed::Box::leak(__specstar_indexes.into_boxed_slice()),
                    refs: &__SPECSTAR_REFS,
                    #fields
                }
            })
        }
    }
}

/// The `IndexSpec` of a field's own index, spanned at the field type so that a type that
/// cannot be indexed is reported there, once, with the message of the trait it misses:
/// `UniqueValue` for `#[unique]`, `RefValue` for a reference, `IndexValue` otherwise.
fn field_index(field: &Field) -> TokenStream {
    let ty = field.ty;
    let path = &field.path;
    if field.attrs.unique.is_some() {
        return quote_spanned! {ty.span()=>
            ::specstar::__private::unique_index_spec::<#ty>(#path)
        };
    }
    let (kind, value) = if field
        .attrs
        .ref_to
        .as_ref()
        .is_some_and(|r| r.revision.is_none())
    {
        (
            quote! { ::specstar::__private::IndexKind::String },
            quote_spanned! {ty.span()=> <#ty as ::specstar::__private::RefValue> },
        )
    } else {
        let value = quote_spanned! {ty.span()=> <#ty as ::specstar::__private::IndexValue> };
        (quote! { #value::KIND }, value)
    };
    quote! {
        ::specstar::__private::IndexSpec {
            path: #path,
            kind: #kind,
            unique: false,
            nullable: #value::NULLABLE,
            list: #value::LIST,
        }
    }
}

fn ref_spec(field: &Field) -> Option<TokenStream> {
    let ref_to = field.attrs.ref_to.as_ref()?;
    let ty = field.ty;
    let path = &field.path;
    let target = match &ref_to.target {
        // Spanned at the user's target so "not a resource" points there.
        RefTarget::Type(target) => quote_spanned! {target.span()=>
            <#target as ::specstar::__private::Resource>::NAME
        },
        RefTarget::Name(name) => quote! { #name },
    };
    let ref_type = if ref_to.revision.is_some() {
        quote! { ::specstar::__private::RefType::RevisionId }
    } else {
        quote! { ::specstar::__private::RefType::ResourceId }
    };
    let on_delete = match ref_to.on_delete.as_deref() {
        None | Some(OnDeleteAttr::Dangling) => quote! { ::specstar::__private::OnDelete::Dangling },
        Some(OnDeleteAttr::SetNull) => quote! { ::specstar::__private::OnDelete::SetNull },
        Some(OnDeleteAttr::Cascade) => quote! { ::specstar::__private::OnDelete::Cascade },
    };
    let value = quote_spanned! {ty.span()=> <#ty as ::specstar::__private::RefValue> };
    Some(quote! {
        ::specstar::__private::RefSpec {
            field: #path,
            target: #target,
            ref_type: #ref_type,
            on_delete: #on_delete,
            nullable: #value::NULLABLE,
            list: #value::LIST,
        }
    })
}

/// The descriptor fields other than `indexes` and `refs`.
fn descriptor_fields(container: &Container, name: &str) -> TokenStream {
    let attrs = &container.attrs;
    let type_name = container.ident.unraw().to_string();
    let description = option(container.doc().map(|doc| quote! { #doc }));
    let display_name = option(
        container
            .fields
            .iter()
            .find(|f| f.attrs.display_name.is_some())
            .map(|f| {
                let path = &f.path;
                quote! { #path }
            }),
    );
    let default_status = option(attrs.default_status.map(|status| match status {
        DefaultStatus::Draft => quote! { ::specstar::__private::RevisionStatus::Draft },
        DefaultStatus::Stable => quote! { ::specstar::__private::RevisionStatus::Stable },
    }));
    let encoding = option(attrs.encoding.map(|encoding| match encoding {
        EncodingAttr::Json => quote! { ::specstar::__private::Encoding::Json },
        EncodingAttr::Msgpack => quote! { ::specstar::__private::Encoding::Msgpack },
    }));
    let version = option(attrs.version.as_ref().map(|v| {
        let v = v.as_str();
        quote! { #v }
    }));
    quote! {
        name: #name,
        type_name: ::core::concat!(::core::module_path!(), "::", #type_name),
        description: #description,
        display_name: #display_name,
        default_status: #default_status,
        encoding: #encoding,
        version: #version,
    }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(value) => quote! { ::core::option::Option::Some(#value) },
        None => quote! { ::core::option::Option::None },
    }
}
