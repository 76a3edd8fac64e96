//! The IR of a derive input: the struct and its fields with their typed attributes, each
//! keeping the original syn node so errors can point at the user's tokens.

use crate::attr::serde::{SerdeContainer, SerdeField};
use crate::attr::{ContainerAttrs, Errors, FieldAttrs, error_at};
use darling::Error;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Type};

/// Which derive is reading the input (they accept the same shapes, but say so differently).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    Resource,
    Nested,
}

impl Derive {
    fn name(self) -> &'static str {
        match self {
            Derive::Resource => "Resource",
            Derive::Nested => "Nested",
        }
    }
}

/// A struct with named fields, as `#[derive(Resource)]` / `#[derive(Nested)]` see it.
pub struct Container<'a> {
    pub original: &'a DeriveInput,
    pub ident: &'a Ident,
    pub attrs: ContainerAttrs,
    pub fields: Vec<Field<'a>>,
}

/// One named field.
pub struct Field<'a> {
    pub original: &'a syn::Field,
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub attrs: FieldAttrs,
    pub serde: SerdeField,
    /// The serialized name (after serde `rename` / `rename_all`): the field's index path.
    pub path: String,
}

impl<'a> Container<'a> {
    /// Reads a derive input. Attribute errors are collected into `errors`; the shape errors
    /// (enum, tuple struct, generics…) return `None` because nothing useful can be generated.
    pub fn from_ast(input: &'a DeriveInput, derive: Derive, errors: &mut Errors) -> Option<Self> {
        let attrs = ContainerAttrs::from_attrs(&input.attrs, derive == Derive::Resource, errors);
        let serde = SerdeContainer::from_attrs(&input.attrs);
        let shape_ok = check_shape(input, derive, errors);
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(named),
                _ => None,
            },
            _ => None,
        };
        // Field attributes are read even when the shape is wrong, so all errors show at once.
        let fields: Vec<Field<'a>> = named
            .map(|named| {
                named
                    .named
                    .iter()
                    .filter_map(|field| {
                        let ident = field.ident.as_ref()?;
                        let attrs = FieldAttrs::from_attrs(&field.attrs, errors);
                        let serde_field = SerdeField::from_attrs(&field.attrs);
                        let raw = ident.unraw().to_string();
                        let path = match (&serde_field.rename, serde.rename_all) {
                            (Some(rename), _) => rename.clone(),
                            (None, Some(rule)) => rule.apply_to_field(&raw),
                            (None, None) => raw,
                        };
                        Some(Field {
                            original: field,
                            ident,
                            ty: &field.ty,
                            attrs,
                            serde: serde_field,
                            path,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !shape_ok {
            return None;
        }
        Some(Container {
            original: input,
            ident: &input.ident,
            attrs,
            fields,
        })
    }
}

/// Named-field, non-generic structs only.
fn check_shape(input: &DeriveInput, derive: Derive, errors: &mut Errors) -> bool {
    let name = derive.name();
    let mut ok = true;
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(_) => {}
            Fields::Unnamed(fields) => {
                ok = false;
                errors.push(error_at(
                    fields.paren_token.span.join(),
                    format!(
                        "`#[derive({name})]` needs a struct with named fields, not a tuple struct"
                    ),
                ));
            }
            Fields::Unit => {
                ok = false;
                errors.push(
                    Error::custom(format!(
                        "`#[derive({name})]` needs a struct with named fields, not a unit struct"
                    ))
                    .with_span(&input.ident),
                );
            }
        },
        Data::Enum(data) => {
            ok = false;
            let hint = if derive == Derive::Resource {
                " (to index a field of an enum type, derive `IndexValue` on the enum)"
            } else {
                ""
            };
            errors.push(
                Error::custom(format!(
                    "`#[derive({name})]` needs a struct with named fields, not an enum{hint}"
                ))
                .with_span(&data.enum_token),
            );
        }
        Data::Union(data) => {
            ok = false;
            errors.push(
                Error::custom(format!(
                    "`#[derive({name})]` needs a struct with named fields, not a union"
                ))
                .with_span(&data.union_token),
            );
        }
    }
    if !input.generics.params.is_empty() {
        ok = false;
        let what = if derive == Derive::Resource {
            "generic resources are not supported"
        } else {
            "generic nested structs are not supported"
        };
        errors.push(
            Error::custom(format!(
                "{what}: `#[derive({name})]` needs a struct without type, lifetime or const parameters"
            ))
            .with_span(&input.generics.params),
        );
    }
    ok
}

/// The doc comment of an item, or `None` when it has none.
fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        // One `///` line is one attribute; a `/** */` block holds several lines.
        .flat_map(|doc| {
            doc.split('\n')
                .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}

impl Container<'_> {
    /// The struct's doc comment (`///` lines joined, one leading space removed per line).
    pub fn doc(&self) -> Option<String> {
        doc_comment(&self.original.attrs)
    }
}

impl Field<'_> {
    /// The field carries an index of its own (declared, unique, or a resource-id reference).
    pub fn is_indexed(&self) -> bool {
        self.attrs.index.is_some()
            || self.attrs.unique.is_some()
            || self
                .attrs
                .ref_to
                .as_ref()
                .is_some_and(|r| r.revision.is_none())
    }

    /// The span of the field's type, for errors about it.
    pub fn ty_span(&self) -> proc_macro2::Span {
        self.original.ty.span()
    }
}
