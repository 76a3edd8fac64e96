//! `Resource::migrations`: one `MigrationStep` per `(from, to)` edge of `migrate(...)`.
//!
//! Each step names `convert_step::<Via, Target>`, where `Target` is the resource itself for the
//! current version and the `via` type of the version's own `migrate` otherwise. The path is
//! spanned at the user's `to = "…"` (or, for the default target, at `via`), so a missing
//! `From`/`TryFrom` impl is reported on the attribute with `MigrateFrom`'s message.

use crate::ast::Container;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

/// The `fn migrations()` item of the `Resource` impl, or nothing when there are no steps.
pub fn expand(container: &Container) -> TokenStream {
    let attrs = &container.attrs;
    let Some(current) = attrs.version.as_ref().map(|v| v.as_str()) else {
        return TokenStream::new();
    };
    let ident = container.ident;
    let mut steps = Vec::new();
    for migration in &attrs.migrations {
        let from = migration.args.from.as_str();
        let via = &migration.args.via;
        let via_name = via.to_token_stream().to_string().replace(' ', "");
        let decode = quote_spanned! {via.span()=>
            ::specstar::__private::decode_step::<#via>
        };
        let targets: Vec<(&str, Span)> = if migration.args.to.is_empty() {
            vec![(current, via.span())]
        } else {
            migration
                .args
                .to
                .iter()
                .map(|to| (to.as_str(), to.span()))
                .collect()
        };
        for (to, span) in targets {
            let target = if to == current {
                ident.to_token_stream()
            } else {
                match attrs.migrations.iter().find(|m| m.args.from.as_str() == to) {
                    Some(m) => m.args.via.to_token_stream(),
                    // Reported by `check`; never reached with a clean input.
                    None => continue,
                }
            };
            // Both types re-spanned so the unmet bound is reported on this `to`, not on the
            // other attribute that declared the target's type.
            let (source, target) = (respan(via.to_token_stream(), span), respan(target, span));
            let convert = quote_spanned! {span=>
                ::specstar::__private::convert_step::<#source, #target>
            };
            steps.push(quote! {
                ::specstar::__private::MigrationStep {
                    from: #from,
                    to: #to,
                    via: #via_name,
                    decode: #decode,
                    convert: #convert,
                }
            });
        }
    }
    if steps.is_empty() {
        return TokenStream::new();
    }
    let len = steps.len();
    quote! {
        fn migrations() -> &'static [::specstar::__private::MigrationStep] {
            static __SPECSTAR_MIGRATIONS: [::specstar::__private::MigrationStep; #len] = [#(#steps),*];
            &__SPECSTAR_MIGRATIONS
        }
    }
}

/// `tokens` with every token's span set to `span` (a type path named in another attribute).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tree = TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
