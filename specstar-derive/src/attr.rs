//! Typed attributes: what the user wrote in `#[specstar(...)]`, `#[index]`, `#[unique]`,
//! `#[display_name]`, `#[ref_to(...)]`, `#[nested]` (and the serde attributes that change a
//! field's serialized name).
//!
//! Values are parsed with darling's [`FromMeta`]; the dispatch over keys is written out here so
//! that the bare spelling (`#[index]`) and the namespaced one (`#[specstar(index)]`) share one
//! slot, and so that a duplicate is reported on its second occurrence as "`index` specified more
//! than once" (darling's derived structs would say "Duplicate field" and cannot merge the two
//! spellings).

pub mod serde;

use darling::ast::NestedMeta;
use darling::util::SpannedValue;
use darling::{Error, FromMeta};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Lit, Meta, Path};

/// Errors are collected here and reported together (darling's drop-bomb accumulator).
pub type Errors = darling::error::Accumulator;

/// The field attributes that may also be written bare (`#[index]`), outside `#[specstar(...)]`.
const FIELD_KEYS: &[&str] = &["index", "unique", "display_name", "ref_to", "nested"];
/// The keys accepted in a container `#[specstar(...)]`.
const CONTAINER_KEYS: &[&str] = &[
    "name",
    "default_status",
    "encoding",
    "index",
    "version",
    "migrate",
];

// ---------------------------------------------------------------------------------------------
// Container
// ---------------------------------------------------------------------------------------------

/// `#[specstar(...)]` on the struct.
#[derive(Default)]
pub struct ContainerAttrs {
    /// `name = "..."`: the resource name.
    pub name: Option<SpannedValue<String>>,
    /// `default_status = draft|stable`.
    pub default_status: Option<DefaultStatus>,
    /// `encoding = json|msgpack`.
    pub encoding: Option<EncodingAttr>,
    /// `index = "a.b"`, repeatable: untyped indexes on dotted paths.
    pub indexes: Vec<SpannedValue<String>>,
    /// `version = "v2"`.
    pub version: Option<SpannedValue<String>>,
    /// `migrate(from = "v1", via = TypeV1)`, repeatable.
    pub migrations: Vec<Migration>,
    /// Every `#[specstar(...)]` attribute, for derives that accept none (`Nested`).
    pub specstar_attrs: Vec<Span>,
}

/// `migrate(from = "v1", via = MonsterV1[, to = "v2"]*)`: payloads stored at version `from`
/// decode into `via`, which converts (`From`/`TryFrom`) into the type of each `to` version
/// (default: the current version, i.e. `Self`).
pub struct Migration {
    /// The `migrate` keyword.
    pub span: Span,
    pub args: MigrateArgs,
}

/// The arguments of `migrate(...)`.
#[derive(FromMeta)]
pub struct MigrateArgs {
    /// The stored schema version this step reads.
    pub from: SpannedValue<String>,
    /// The type payloads of `from` deserialize into.
    pub via: Path,
    /// The versions `via` converts into, repeatable (`to = "v2", to = "v3"`); none means the
    /// current version.
    #[darling(multiple)]
    pub to: Vec<SpannedValue<String>>,
}

/// `default_status = draft|stable`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultStatus {
    Draft,
    Stable,
}

/// `encoding = json|msgpack`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodingAttr {
    Json,
    Msgpack,
}

/// `on_delete = dangling|set_null|cascade`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDeleteAttr {
    Dangling,
    SetNull,
    Cascade,
}

impl ContainerAttrs {
    /// Reads the container attributes. Field-only attributes written on the struct are errors.
    /// With `parse_specstar == false` (derives that take no container attributes) the
    /// `#[specstar(...)]` attributes are only recorded, for `check` to reject.
    pub fn from_attrs(attrs: &[Attribute], parse_specstar: bool, errors: &mut Errors) -> Self {
        let mut out = ContainerAttrs::default();
        let mut seen = Seen::default();
        for attr in attrs {
            let path = attr.path();
            if path.is_ident("specstar") {
                out.specstar_attrs.push(path.span());
                if !parse_specstar {
                    continue;
                }
                for item in nested_items(attr, errors) {
                    out.item(&item, &mut seen, errors);
                }
            } else if let Some(key) = FIELD_KEYS.iter().find(|key| path.is_ident(key)) {
                errors.push(
                    Error::custom(format!(
                        "`#[{key}]` goes on a field, not on the struct{}",
                        if *key == "index" {
                            "; to index a path inside a field, write `#[specstar(index = \"a.b\")]` on the struct"
                        } else {
                            ""
                        }
                    ))
                    .with_span(path),
                );
            }
        }
        out
    }

    fn item(&mut self, item: &NestedMeta, seen: &mut Seen, errors: &mut Errors) {
        let Some(path) = item_path(item) else {
            errors.push(
                Error::custom(
                    "expected `key = value`, found a literal; see the keys of `#[specstar(...)]`",
                )
                .with_span(item),
            );
            return;
        };
        let key = path_key(path);
        match key.as_str() {
            "name" => {
                if seen.first(&key, path, errors) {
                    self.name = errors.handle(string_value(item, "name", "\"my-resource\""));
                }
            }
            "default_status" => {
                if seen.first(&key, path, errors) {
                    self.default_status = errors.handle(DefaultStatus::from_nested_meta(item));
                }
            }
            "encoding" => {
                if seen.first(&key, path, errors) {
                    self.encoding = errors.handle(EncodingAttr::from_nested_meta(item));
                }
            }
            "version" => {
                if seen.first(&key, path, errors) {
                    self.version = errors.handle(string_value(item, "version", "\"v2\""));
                }
            }
            "index" => {
                if let Some(index) = errors.handle(string_value(item, "index", "\"stats.hp\"")) {
                    self.indexes.push(index);
                }
            }
            "migrate" => {
                let args = match item {
                    NestedMeta::Meta(meta @ Meta::List(_)) => MigrateArgs::from_meta(meta),
                    _ => Err(
                        Error::custom("expected `migrate(from = \"v1\", via = TypeV1)` (optionally `to = \"v2\"`)")
                            .with_span(item),
                    ),
                };
                if let Some(args) = errors.handle(args) {
                    self.migrations.push(Migration {
                        span: path.span(),
                        args,
                    });
                }
            }
            _ => errors.push(unknown_key("struct", &key, CONTAINER_KEYS, path)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field
// ---------------------------------------------------------------------------------------------

/// The specstar attributes of one field (both spellings merged).
#[derive(Default)]
pub struct FieldAttrs {
    /// `#[index]`: the span of the keyword.
    pub index: Option<Span>,
    /// `#[unique]` (implies an index).
    pub unique: Option<Span>,
    /// `#[display_name]`.
    pub display_name: Option<Span>,
    /// `#[nested]`.
    pub nested: Option<Span>,
    /// `#[ref_to(...)]`.
    pub ref_to: Option<RefTo>,
}

/// `#[ref_to(Target, on_delete = ..., revision)]`.
pub struct RefTo {
    /// The `ref_to` keyword.
    pub span: Span,
    pub target: RefTarget,
    /// `on_delete = ...`, with the span of the value.
    pub on_delete: Option<SpannedValue<OnDeleteAttr>>,
    /// `revision`: the field holds revision ids.
    pub revision: Option<Span>,
}

/// What a reference points at.
pub enum RefTarget {
    /// `ref_to(Zone)`: a Rust type, checked by the compiler to be a resource.
    Type(Path),
    /// `ref_to("zone")`: a resource name, checked by the runtime when the app is built.
    Name(syn::LitStr),
}

impl FieldAttrs {
    /// Reads the specstar attributes of one field.
    pub fn from_attrs(attrs: &[Attribute], errors: &mut Errors) -> Self {
        let mut out = FieldAttrs::default();
        let mut seen = Seen::default();
        for attr in attrs {
            let path = attr.path();
            if path.is_ident("specstar") {
                for item in nested_items(attr, errors) {
                    match item_path(&item) {
                        Some(path) => {
                            let key = path_key(path);
                            if FIELD_KEYS.contains(&key.as_str()) {
                                out.key(&key, path, &item, &mut seen, errors);
                            } else {
                                errors.push(unknown_key("field", &key, FIELD_KEYS, path));
                            }
                        }
                        None => errors.push(
                            Error::custom(
                                "expected a field attribute such as `index`, found a literal",
                            )
                            .with_span(&item),
                        ),
                    }
                }
            } else if let Some(key) = FIELD_KEYS.iter().find(|key| path.is_ident(key)) {
                let item = NestedMeta::Meta(attr.meta.clone());
                out.key(key, path, &item, &mut seen, errors);
            }
        }
        out
    }

    fn key(
        &mut self,
        key: &str,
        path: &Path,
        item: &NestedMeta,
        seen: &mut Seen,
        errors: &mut Errors,
    ) {
        if !seen.first(key, path, errors) {
            return;
        }
        let span = path.span();
        let flag = |errors: &mut Errors| match item {
            NestedMeta::Meta(Meta::Path(_)) => Some(span),
            _ => {
                errors.push(
                    Error::custom(format!("`{key}` takes no arguments: write `#[{key}]`"))
                        .with_span(item),
                );
                None
            }
        };
        match key {
            "index" => self.index = flag(errors),
            "unique" => self.unique = flag(errors),
            "display_name" => self.display_name = flag(errors),
            "nested" => self.nested = flag(errors),
            "ref_to" => self.ref_to = RefTo::parse(span, item, errors),
            // Callers pass only keys from FIELD_KEYS.
            _ => {}
        }
    }
}

impl RefTo {
    fn parse(span: Span, item: &NestedMeta, errors: &mut Errors) -> Option<RefTo> {
        const USAGE: &str = "`ref_to` needs a target first: a resource type (`#[ref_to(Zone)]`) or a resource name (`#[ref_to(\"zone\")]`)";
        let list = match item {
            NestedMeta::Meta(Meta::List(list)) => list,
            _ => {
                errors.push(Error::custom(USAGE).with_span(item));
                return None;
            }
        };
        let items = match NestedMeta::parse_meta_list(list.tokens.clone()) {
            Ok(items) => items,
            Err(err) => {
                errors.push(err.into());
                return None;
            }
        };
        let mut rest = items.iter();
        let target = match rest.next() {
            Some(NestedMeta::Lit(Lit::Str(name))) => RefTarget::Name(name.clone()),
            Some(NestedMeta::Meta(Meta::Path(path))) => RefTarget::Type(path.clone()),
            Some(other) => {
                errors.push(Error::custom(USAGE).with_span(other));
                return None;
            }
            None => {
                errors.push(Error::custom(USAGE).with_span(&list.path));
                return None;
            }
        };
        let mut out = RefTo {
            span,
            target,
            on_delete: None,
            revision: None,
        };
        let mut seen = Seen::default();
        for option in rest {
            let Some(path) = item_path(option) else {
                errors.push(
                    Error::custom("expected `on_delete = ...` or `revision`, found a literal")
                        .with_span(option),
                );
                continue;
            };
            let key = path_key(path);
            match key.as_str() {
                "on_delete" => {
                    if seen.first(&key, path, errors) {
                        out.on_delete = errors.handle(
                            OnDeleteAttr::from_nested_meta(option).map(|value| {
                                SpannedValue::new(value, value_span(option))
                            }),
                        );
                    }
                }
                "revision" => {
                    if seen.first(&key, path, errors) {
                        match option {
                            NestedMeta::Meta(Meta::Path(_)) => out.revision = Some(path.span()),
                            _ => errors.push(
                                Error::custom("`revision` takes no value: write `#[ref_to(\"zone\", revision)]`")
                                    .with_span(option),
                            ),
                        }
                    }
                }
                _ => errors.push(
                    Error::custom(format!(
                        "unknown `ref_to` option `{key}`; expected `on_delete = dangling|set_null|cascade` or `revision`"
                    ))
                    .with_span(path),
                ),
            }
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/// Implements [`FromMeta`] for a keyword enum written `key = word` or `key = "word"`.
macro_rules! keyword_enum {
    ($ty:ident, $key:literal, { $($word:literal => $variant:ident),* $(,)? }) => {
        impl FromMeta for $ty {
            fn from_word() -> darling::Result<Self> {
                Err(Error::custom(concat!("`", $key, "` needs a value: ", $(concat!("`", $key, " = ", $word, "` ")),*)))
            }

            fn from_expr(expr: &Expr) -> darling::Result<Self> {
                let word = match expr {
                    Expr::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
                        path.path.get_ident().map(ToString::to_string).unwrap_or_default()
                    }
                    Expr::Lit(syn::ExprLit { lit: Lit::Str(s), .. }) => s.value(),
                    Expr::Group(group) => return Self::from_expr(&group.expr),
                    _ => String::new(),
                };
                match word.as_str() {
                    $($word => Ok($ty::$variant),)*
                    _ => Err(Error::custom(format!(
                        "unknown `{}` value{}; expected one of {}",
                        $key,
                        if word.is_empty() { String::new() } else { format!(" `{word}`") },
                        [$(concat!("`", $word, "`")),*].join(", "),
                    ))
                    .with_span(expr)),
                }
            }
        }
    };
}

keyword_enum!(DefaultStatus, "default_status", { "draft" => Draft, "stable" => Stable });
keyword_enum!(EncodingAttr, "encoding", { "json" => Json, "msgpack" => Msgpack });
keyword_enum!(OnDeleteAttr, "on_delete", {
    "dangling" => Dangling,
    "set_null" => SetNull,
    "cascade" => Cascade,
});

/// `key = "string"`, spanned at the literal.
fn string_value(
    item: &NestedMeta,
    key: &str,
    example: &str,
) -> darling::Result<SpannedValue<String>> {
    match item {
        NestedMeta::Meta(Meta::NameValue(nv)) => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(SpannedValue::new(s.value(), s.span())),
            other => Err(Error::custom(format!(
                "`{key}` expects a string literal: `{key} = {example}`"
            ))
            .with_span(other)),
        },
        _ => Err(
            Error::custom(format!("`{key}` expects a value: `{key} = {example}`")).with_span(item),
        ),
    }
}

/// The items of `#[specstar(a, b = c)]`; a malformed list is reported and yields nothing.
fn nested_items(attr: &Attribute, errors: &mut Errors) -> Vec<NestedMeta> {
    match &attr.meta {
        Meta::List(list) => errors
            .handle(NestedMeta::parse_meta_list(list.tokens.clone()).map_err(Error::from))
            .unwrap_or_default(),
        other => {
            errors.push(
                Error::custom("expected `#[specstar(...)]` with a list of attributes")
                    .with_span(other),
            );
            Vec::new()
        }
    }
}

fn item_path(item: &NestedMeta) -> Option<&Path> {
    match item {
        NestedMeta::Meta(meta) => Some(meta.path()),
        NestedMeta::NameValueInvalidExpr(nv) => Some(&nv.path),
        NestedMeta::Lit(_) => None,
    }
}

/// The span of the value in `key = value` (the whole item otherwise).
fn value_span(item: &NestedMeta) -> Span {
    match item {
        NestedMeta::Meta(Meta::NameValue(nv)) => nv.value.span(),
        other => other.span(),
    }
}

fn path_key(path: &Path) -> String {
    path.segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn unknown_key(place: &str, key: &str, expected: &[&str], path: &Path) -> Error {
    let message = match closest(key, expected) {
        Some(close) => format!("unknown {place} attribute `{key}`; did you mean `{close}`?"),
        None => {
            let list = expected
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("unknown {place} attribute `{key}`; expected one of {list}")
        }
    };
    Error::custom(message).with_span(path)
}

/// The expected key closest to a misspelt one, if it is close enough to be a typo.
fn closest<'a>(key: &str, expected: &[&'a str]) -> Option<&'a str> {
    expected
        .iter()
        .map(|candidate| (strsim::jaro_winkler(key, candidate), *candidate))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// An error at a raw span (darling's `with_span` wants a syntax node).
pub fn error_at(span: Span, message: impl std::fmt::Display) -> Error {
    Error::from(syn::Error::new(span, message))
}

/// Keys already seen in one attribute scope; reports the second occurrence of a key.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    /// `true` the first time `key` is seen; afterwards reports "`key` specified more than once"
    /// at `path` and returns `false`.
    fn first(&mut self, key: &str, path: &Path, errors: &mut Errors) -> bool {
        if self.0.iter().any(|seen| seen == key) {
            errors.push(Error::custom(format!("`{key}` specified more than once")).with_span(path));
            false
        } else {
            self.0.push(key.to_owned());
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_get_a_suggestion_and_unrelated_words_do_not() {
        let keys = [
            "name",
            "default_status",
            "encoding",
            "index",
            "version",
            "migrate",
        ];
        assert_eq!(closest("nmae", &keys), Some("name"));
        assert_eq!(closest("indexed", &keys), Some("index"));
        assert_eq!(closest("default_state", &keys), Some("default_status"));
        assert_eq!(closest("sorted", &keys), None);
    }
}
