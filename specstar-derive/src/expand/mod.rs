//! Code generation: one file per generated artifact. The entry points parse, check, and emit
//! either the full expansion or, when the input has errors, every `compile_error!` plus stub
//! impls (`fallback`) so that code using the type does not fail in forty more places.

mod fallback;
mod index_value;
mod migrations;
mod nested;
mod query;
mod register;
mod resource_impl;
mod static_checks;

use crate::ast::{Container, Derive};
use crate::check;
use darling::Error;
use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

pub use resource_impl::resource_name;

/// `#[derive(Resource)]`.
pub fn resource(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error(),
    };
    let mut errors = Error::accumulator();
    let container = Container::from_ast(&input, Derive::Resource, &mut errors);
    if let Some(container) = &container {
        check::resource(container, &mut errors);
    }
    match (errors.finish(), &container) {
        (Ok(()), Some(container)) => {
            let resource_impl = resource_impl::expand(container);
            let query = query::resource(container);
            let checks = static_checks::expand(container);
            let register = register::expand(container);
            quote! {
                const _: () = {
                    #resource_impl
                    #query
                    #checks
                    #register
                };
            }
        }
        (result, container) => {
            let errors = result.err().map(Error::write_errors).unwrap_or_default();
            let stub = fallback::resource(&input, container.as_ref());
            quote! { #errors #stub }
        }
    }
}

/// `#[derive(Nested)]`.
pub fn nested(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error(),
    };
    let mut errors = Error::accumulator();
    let container = Container::from_ast(&input, Derive::Nested, &mut errors);
    if let Some(container) = &container {
        check::nested(container, &mut errors);
    }
    match (errors.finish(), &container) {
        (Ok(()), Some(container)) => {
            let nested_impl = nested::expand(container);
            let query = query::nested(container);
            let checks = static_checks::expand(container);
            quote! {
                const _: () = {
                    #nested_impl
                    #query
                    #checks
                };
            }
        }
        (result, container) => {
            let errors = result.err().map(Error::write_errors).unwrap_or_default();
            let stub = fallback::nested(&input, container.as_ref());
            quote! { #errors #stub }
        }
    }
}

/// `#[derive(IndexValue)]`.
pub fn index_value(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(err) => return err.into_compile_error(),
    };
    index_value::expand(&input)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn text(tokens: proc_macro2::TokenStream) -> String {
        tokens.to_string()
    }

    #[test]
    fn valid_input_expands_without_errors_inside_one_const_block() {
        let out = text(super::resource(quote! {
            pub struct Zone {
                #[index]
                pub level: i64,
            }
        }));
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.starts_with("const _ : () ="), "{out}");
        assert!(out.contains("impl :: specstar :: __private :: Resource for Zone"));
        assert!(out.contains(":: specstar :: __private :: register ! (Zone)"));
    }

    #[test]
    fn every_error_is_reported_and_stub_impls_are_still_emitted() {
        let out = text(super::resource(quote! {
            #[specstar(encoding = yaml)]
            pub struct Zone {
                #[index]
                #[index]
                pub level: i64,
                #[display_name]
                pub count: u32,
            }
        }));
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
        assert!(out.contains("impl :: specstar :: __private :: Resource for Zone"));
        // The stub query keeps the accessors, but nothing is registered.
        assert!(out.contains("pub fn level"));
        assert!(!out.contains("register !"));
    }

    #[test]
    fn generic_input_gets_the_error_and_no_stub() {
        let out = text(super::resource(quote! {
            pub struct Zone<T> { pub payload: T }
        }));
        assert!(out.contains("generic resources are not supported"), "{out}");
        assert!(!out.contains("impl"), "{out}");
    }

    #[test]
    fn nested_fields_make_the_descriptor_lazy() {
        let out = text(super::resource(quote! {
            pub struct Character {
                #[nested]
                pub stats: Stats,
            }
        }));
        assert!(out.contains("OnceLock"), "{out}");
        let flat = text(super::resource(quote! {
            pub struct Zone { #[index] pub level: i64 }
        }));
        assert!(!flat.contains("OnceLock"), "{flat}");
    }

    #[test]
    fn index_value_rejects_variants_with_fields_but_keeps_the_impl() {
        let out = text(super::index_value(quote! {
            pub enum Rarity { Common, Custom(String) }
        }));
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("IndexValue for Rarity"), "{out}");
    }
}
