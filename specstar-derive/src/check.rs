//! Rules that span several attributes or fields. Each rule reports at the user's token; the
//! type rules here are syntactic (a type alias passes them) and are backed by the static
//! assertions of `expand::static_checks`, which the compiler checks on the real type.

use crate::ast::{Container, Field};
use crate::attr::{Errors, OnDeleteAttr, error_at};
use crate::expand::resource_name;
use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// Rules of `#[derive(Resource)]`.
pub fn resource(container: &Container, errors: &mut Errors) {
    container_attrs(container, errors);
    let mut display_name: Option<&Field> = None;
    for field in &container.fields {
        serde_shape(field, errors);
        nested_alone(field, errors);
        if let Some(span) = field.attrs.display_name {
            match display_name {
                Some(first) => errors.push(error_at(
                    span,
                    format!(
                        "only one field can be `#[display_name]`; `{}` already is",
                        first.ident
                    ),
                )),
                None => display_name = Some(field),
            }
            if is_string(field.ty) == Some(false) {
                errors.push(error_at(
                    field.ty_span(),
                    format!(
                        "`#[display_name]` must be on a `String` field, not `{}`",
                        type_text(field.ty)
                    ),
                ));
            }
        }
        if let Some(ref_to) = &field.attrs.ref_to {
            if ref_type_ok(field.ty) == Some(false) {
                errors.push(error_at(
                    field.ty_span(),
                    format!(
                        "a `#[ref_to]` field must be `String`, `Option<String>` or `Vec<String>`, not `{}`",
                        type_text(field.ty)
                    ),
                ));
            }
            if let Some(on_delete) = &ref_to.on_delete {
                if ref_to.revision.is_some() && **on_delete != OnDeleteAttr::Dangling {
                    errors.push(error_at(
                        on_delete.span(),
                        "revision references never trigger on-delete rules: remove `on_delete` or write `on_delete = dangling`",
                    ));
                } else if **on_delete == OnDeleteAttr::SetNull && is_option(field.ty) == Some(false)
                {
                    errors.push(error_at(
                        on_delete.span(),
                        format!(
                            "`on_delete = set_null` needs an `Option<String>` field, but `{}` is `{}`",
                            field.ident,
                            type_text(field.ty)
                        ),
                    ));
                }
            }
        }
    }
}

/// Rules of `#[derive(Nested)]`: only `#[index]`, `#[unique]` and `#[nested]` make sense inside
/// an embedded struct.
pub fn nested(container: &Container, errors: &mut Errors) {
    for span in &container.attrs.specstar_attrs {
        errors.push(error_at(
            *span,
            "`#[derive(Nested)]` takes no `#[specstar(...)]` attributes on the struct; put them on the resource",
        ));
    }
    for field in &container.fields {
        serde_shape(field, errors);
        nested_alone(field, errors);
        if let Some(span) = field.attrs.display_name {
            errors.push(error_at(
                span,
                "`#[display_name]` must be on a top-level field of the resource, not inside a `#[derive(Nested)]` struct",
            ));
        }
        if let Some(ref_to) = &field.attrs.ref_to {
            errors.push(error_at(
                ref_to.span,
                "`#[ref_to]` must be on a top-level field of the resource, not inside a `#[derive(Nested)]` struct",
            ));
        }
    }
}

/// Resource names appear in ids and URLs.
fn valid_resource_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn container_attrs(container: &Container, errors: &mut Errors) {
    let attrs = &container.attrs;
    match &attrs.name {
        Some(name) if !valid_resource_name(name) => errors.push(error_at(
            name.span(),
            "a resource name must be non-empty and use only ASCII letters, digits, `-` and `_` (it appears in URLs)",
        )),
        Some(_) => {}
        None => {
            let name = resource_name(container.ident, None);
            if !valid_resource_name(&name) {
                errors.push(error_at(
                    container.ident.span(),
                    format!(
                        "the resource name `{name}` derived from the type name is not URL-safe; set one with `#[specstar(name = \"...\")]` (ASCII letters, digits, `-`, `_`)"
                    ),
                ));
            }
        }
    }
    if let Some(version) = attrs.version.as_ref().filter(|v| v.trim().is_empty()) {
        errors.push(error_at(version.span(), "`version` must not be empty"));
    }
    migrations(attrs, errors);
    let mut paths: Vec<&str> = Vec::new();
    for index in &attrs.indexes {
        let path = index.as_str();
        if path.is_empty() || path.split('.').any(str::is_empty) {
            errors.push(error_at(
                index.span(),
                format!(
                    "`{path}` is not an index path: write dotted field names such as \"stats.hp\""
                ),
            ));
        } else if paths.contains(&path) {
            errors.push(error_at(
                index.span(),
                format!("index path \"{path}\" is listed more than once"),
            ));
        } else if let Some(field) = container
            .fields
            .iter()
            .find(|field| field.path == path && field.is_indexed())
        {
            errors.push(error_at(
                index.span(),
                format!(
                    "\"{path}\" is already indexed through field `{}`; remove this `index = ...`",
                    field.ident
                ),
            ));
        }
        paths.push(path);
    }
}

/// A field serde does not store under its own name cannot carry SpecStar attributes.
fn serde_shape(field: &Field, errors: &mut Errors) {
    let attrs = &field.attrs;
    let marked = attrs.index.is_some()
        || attrs.unique.is_some()
        || attrs.display_name.is_some()
        || attrs.nested.is_some()
        || attrs.ref_to.is_some();
    if !marked {
        return;
    }
    if let Some(span) = field.serde.flatten {
        errors.push(error_at(
            span,
            "a `#[serde(flatten)]` field has no path of its own, so it cannot carry SpecStar attributes; use `#[nested]` without `flatten`, or `#[specstar(index = \"...\")]` on the struct",
        ));
    }
    if let Some(span) = field.serde.skip {
        errors.push(error_at(
            span,
            "a field skipped by serde is never stored, so it cannot carry SpecStar attributes",
        ));
    }
}

/// `#[nested]` makes the nested struct's fields the indexes; other attributes make no sense.
fn nested_alone(field: &Field, errors: &mut Errors) {
    if field.attrs.nested.is_none() {
        return;
    }
    let attrs = &field.attrs;
    let others = [
        ("index", attrs.index),
        ("unique", attrs.unique),
        ("display_name", attrs.display_name),
        ("ref_to", attrs.ref_to.as_ref().map(|r| r.span)),
    ];
    for (name, span) in others {
        if let Some(span) = span {
            errors.push(error_at(
                span,
                format!(
                    "`#[{name}]` cannot be combined with `#[nested]`: mark the fields inside the nested struct instead"
                ),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Syntactic type shapes
// ---------------------------------------------------------------------------------------------

/// What a type looks like syntactically. `Unknown` is a name we cannot resolve (an alias or a
/// user type): the static assertions decide for those.
#[derive(Debug, PartialEq)]
enum Shape {
    String,
    Option(Box<Shape>),
    Vec(Box<Shape>),
    Other,
    Unknown,
}

const PRIMITIVES: &[&str] = &[
    "bool", "char", "str", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64",
    "u128", "usize", "f32", "f64",
];
const STD_TYPES: &[&str] = &[
    "Box", "Rc", "Arc", "Cow", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "VecDeque",
    "DateTime", "Value", "Option", "Vec",
];

fn shape(ty: &Type) -> Shape {
    match ty {
        Type::Group(group) => shape(&group.elem),
        Type::Paren(paren) => shape(&paren.elem),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return Shape::Unknown;
            };
            let name = last.ident.to_string();
            let arg = single_type_arg(&last.arguments);
            match (name.as_str(), arg) {
                ("String", None) => Shape::String,
                ("Option", Some(inner)) => Shape::Option(Box::new(shape(inner))),
                ("Vec", Some(inner)) => Shape::Vec(Box::new(shape(inner))),
                (name, _) if PRIMITIVES.contains(&name) || STD_TYPES.contains(&name) => {
                    Shape::Other
                }
                _ => Shape::Unknown,
            }
        }
        Type::Path(_) | Type::Macro(_) | Type::Verbatim(_) => Shape::Unknown,
        _ => Shape::Other,
    }
}

fn single_type_arg(arguments: &PathArguments) -> Option<&Type> {
    match arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first() {
            Some(GenericArgument::Type(ty)) => Some(ty),
            _ => None,
        },
        _ => None,
    }
}

/// `Some(true)` when the type is syntactically `String`, `Some(false)` when it is clearly
/// something else, `None` when only the compiler can tell.
fn is_string(ty: &Type) -> Option<bool> {
    match shape(ty) {
        Shape::String => Some(true),
        Shape::Unknown => None,
        _ => Some(false),
    }
}

fn is_option(ty: &Type) -> Option<bool> {
    match shape(ty) {
        Shape::Option(_) => Some(true),
        Shape::Unknown => None,
        _ => Some(false),
    }
}

/// `String`, `Option<String>` or `Vec<String>`.
fn ref_type_ok(ty: &Type) -> Option<bool> {
    match shape(ty) {
        Shape::String => Some(true),
        Shape::Option(inner) | Shape::Vec(inner) => match *inner {
            Shape::String => Some(true),
            Shape::Unknown => None,
            _ => Some(false),
        },
        Shape::Unknown => None,
        Shape::Other => Some(false),
    }
}

/// A type as the user would write it (`Option<String>`, not `Option < String >`).
pub fn type_text(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    text.replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

/// The rules of `migrate(from, via, to*)`: a current `version` exists; each stored version is
/// declared once and differs from the current one; each `to` is the current version or a
/// declared `from` other than its own, listed once. (Whether each conversion exists is checked
/// by the compiler on the generated steps, at the attribute.)
fn migrations(attrs: &crate::attr::ContainerAttrs, errors: &mut Errors) {
    if attrs.migrations.is_empty() {
        return;
    }
    let current = attrs.version.as_ref().map(|v| v.as_str());
    if current.is_none() {
        errors.push(error_at(
            attrs.migrations[0].span,
            "`migrate` needs the current schema version: add `version = \"v2\"`",
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for migration in &attrs.migrations {
        let from = &migration.args.from;
        if from.trim().is_empty() {
            errors.push(error_at(from.span(), "`from` must not be empty"));
        } else if Some(from.as_str()) == current {
            errors.push(error_at(
                from.span(),
                format!(
                    "`from = \"{}\"` is the current version: a migration starts from an older one",
                    from.as_str()
                ),
            ));
        } else if seen.contains(&from.as_str()) {
            errors.push(error_at(
                from.span(),
                format!(
                    "`migrate(from = \"{}\")` specified more than once; list several targets in one: `to = \"v2\", to = \"v3\"`",
                    from.as_str()
                ),
            ));
        } else {
            seen.push(from.as_str());
        }
        let mut targets: Vec<&str> = Vec::new();
        for to in &migration.args.to {
            let declared = Some(to.as_str()) == current
                || attrs
                    .migrations
                    .iter()
                    .any(|m| m.args.from.as_str() == to.as_str());
            if to.as_str() == from.as_str() {
                errors.push(error_at(to.span(), "`to` must differ from `from`"));
            } else if !declared {
                errors.push(error_at(
                    to.span(),
                    format!(
                        "version \"{}\" is neither the current version nor declared by a `migrate(from = \"{}\", via = …)`, so its type is unknown",
                        to.as_str(),
                        to.as_str()
                    ),
                ));
            } else if targets.contains(&to.as_str()) {
                errors.push(error_at(
                    to.span(),
                    format!("`to = \"{}\"` specified more than once", to.as_str()),
                ));
            } else {
                targets.push(to.as_str());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Type {
        syn::parse_str(text).expect("test type parses")
    }

    #[test]
    fn shapes() {
        assert_eq!(is_string(&ty("String")), Some(true));
        assert_eq!(is_string(&ty("std::string::String")), Some(true));
        assert_eq!(is_string(&ty("Option<String>")), Some(false));
        assert_eq!(is_string(&ty("i64")), Some(false));
        assert_eq!(is_string(&ty("Name")), None);
        assert_eq!(ref_type_ok(&ty("Vec<String>")), Some(true));
        assert_eq!(ref_type_ok(&ty("Option<String>")), Some(true));
        assert_eq!(ref_type_ok(&ty("Option<i64>")), Some(false));
        assert_eq!(ref_type_ok(&ty("Vec<Id>")), None);
        assert_eq!(ref_type_ok(&ty("(String, String)")), Some(false));
        assert_eq!(is_option(&ty("Option<String>")), Some(true));
        assert_eq!(is_option(&ty("String")), Some(false));
        assert_eq!(is_option(&ty("MaybeId")), None);
        assert_eq!(
            type_text(&ty("Option < Vec<String> >")),
            "Option<Vec<String>>"
        );
    }
}
