//! Registration with the runtime (`inventory`), hidden behind `__private::register!`.

use crate::ast::Container;
use proc_macro2::TokenStream;
use quote::quote;

pub fn expand(container: &Container) -> TokenStream {
    let ident = container.ident;
    quote! {
        ::specstar::__private::register!(#ident);
    }
}
