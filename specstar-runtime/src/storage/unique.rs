//! Unique entries: which `(field, value)` pairs a meta claims, in a canonical form every
//! backend stores and compares the same way.

use serde_json::Value;

use crate::model::ResourceMeta;
use crate::resource::ResourceDescriptor;

/// One value a resource holds in a unique field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UniqueEntry {
    /// The indexed path of the unique field.
    pub field: &'static str,
    /// The canonical text of the value (see [`canonical_key`]).
    pub key: String,
    /// The value as stored in `indexed_data` (for error messages).
    pub value: Value,
}

/// The unique entries a meta claims: one per unique index with a present, non-null value;
/// none at all when the resource is deleted (a deleted resource frees its values).
pub(crate) fn unique_entries(
    descriptor: &ResourceDescriptor,
    meta: &ResourceMeta,
) -> Vec<UniqueEntry> {
    if meta.is_deleted {
        return Vec::new();
    }
    descriptor
        .unique_indexes()
        .filter_map(|index| match meta.indexed_data.get(index.path) {
            None | Some(Value::Null) => None,
            Some(value) => Some(UniqueEntry {
                field: index.path,
                key: canonical_key(value),
                value: value.clone(),
            }),
        })
        .collect()
}

/// A canonical text for a value, so equal values (by the query semantics: numbers compare
/// numerically, `1 == 1.0`) get the same key: integral numbers are written as integers.
pub(crate) fn canonical_key(value: &Value) -> String {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    // Exactly representable as an integer: same key as the integer form.
                    format!("{}", f as i64)
                } else {
                    n.to_string()
                }
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_share_the_integer_key() {
        assert_eq!(canonical_key(&serde_json::json!(1.0)), "1");
        assert_eq!(canonical_key(&serde_json::json!(1)), "1");
        assert_eq!(canonical_key(&serde_json::json!(1.5)), "1.5");
        assert_eq!(canonical_key(&serde_json::json!("1")), "\"1\"");
        assert_eq!(canonical_key(&serde_json::json!(true)), "true");
    }
}
