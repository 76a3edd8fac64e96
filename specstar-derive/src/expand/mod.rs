//! Code generation: one file per generated artifact. The entry points parse, check, and emit
//! either the full expansion or, when the input has errors, every `compile_error!` plus stub
//! impls (`fallback`) so that code using the type does not fail in forty more places.

mod fallback;
mod index_value;
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
