//! The serde attributes that decide a field's serialized name, which is the path SpecStar
//! indexes and queries.
//!
//! Supported: field `#[serde(rename = "x")]` and `#[serde(rename(serialize = "x"))]`, container
//! `#[serde(rename_all = "...")]` and `#[serde(rename_all(serialize = "..."))]` (every serde
//! rule), and detection of `flatten` / `skip` / `skip_serializing` (a field carrying SpecStar
//! attributes may not use them). Not interpreted: `with`/`serialize_with` (they may change
//! the stored shape; the index kind still comes from the Rust type), `transparent`, `into`,
//! `remote`. Malformed serde attributes are ignored here: serde's own derive reports them.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Token, meta::ParseNestedMeta};

/// Serde attributes of a container that matter to SpecStar.
#[derive(Default)]
pub struct SerdeContainer {
    /// `rename_all` (serialize side).
    pub rename_all: Option<RenameRule>,
}

/// Serde attributes of a field that matter to SpecStar.
#[derive(Default)]
pub struct SerdeField {
    /// `rename` (serialize side).
    pub rename: Option<String>,
    /// `flatten`: the field has no path of its own.
    pub flatten: Option<Span>,
    /// `skip` / `skip_serializing`: the field is never stored.
    pub skip: Option<Span>,
}

/// serde's `rename_all` rules, applied to field names exactly as serde does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    fn parse(name: &str) -> Option<RenameRule> {
        Some(match name {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    /// The serialized name of a (snake_case) Rust field under this rule.
    pub fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal => {
                let mut pascal = String::new();
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            RenameRule::Camel => {
                let pascal = RenameRule::Pascal.apply_to_field(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }
}

impl SerdeContainer {
    pub fn from_attrs(attrs: &[Attribute]) -> Self {
        let mut out = SerdeContainer::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            // Errors are serde's to report.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename_all") {
                    if let Some(rule) = serialize_side(&meta)? {
                        out.rename_all = RenameRule::parse(&rule.value()).or(out.rename_all);
                    }
                    Ok(())
                } else {
                    skip_value(&meta)
                }
            });
        }
        out
    }
}

impl SerdeField {
    pub fn from_attrs(attrs: &[Attribute]) -> Self {
        let mut out = SerdeField::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    if let Some(name) = serialize_side(&meta)? {
                        out.rename = Some(name.value());
                    }
                    Ok(())
                } else if meta.path.is_ident("flatten") {
                    out.flatten = Some(meta.path.span());
                    Ok(())
                } else if meta.path.is_ident("skip") || meta.path.is_ident("skip_serializing") {
                    out.skip = Some(meta.path.span());
                    Ok(())
                } else {
                    skip_value(&meta)
                }
            });
        }
        out
    }
}

/// `key = "x"` or `key(serialize = "x", deserialize = "y")`: the serialize-side string.
fn serialize_side(meta: &ParseNestedMeta) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut out = None;
    if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| {
            if inner.path.is_ident("serialize") {
                out = Some(inner.value()?.parse()?);
                Ok(())
            } else {
                skip_value(&inner)
            }
        })?;
    }
    Ok(out)
}

/// Consumes the value of a serde key SpecStar does not interpret.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::RenameRule;

    #[test]
    fn rename_rules_match_serde() {
        let cases = [
            (RenameRule::Lower, "max_hp", "max_hp"),
            (RenameRule::Upper, "max_hp", "MAX_HP"),
            (RenameRule::Pascal, "max_hp", "MaxHp"),
            (RenameRule::Camel, "max_hp", "maxHp"),
            (RenameRule::Snake, "max_hp", "max_hp"),
            (RenameRule::ScreamingSnake, "max_hp", "MAX_HP"),
            (RenameRule::Kebab, "max_hp", "max-hp"),
            (RenameRule::ScreamingKebab, "max_hp", "MAX-HP"),
            (RenameRule::Camel, "a", "a"),
        ];
        for (rule, field, expected) in cases {
            assert_eq!(rule.apply_to_field(field), expected, "{rule:?} on {field}");
        }
    }
}
