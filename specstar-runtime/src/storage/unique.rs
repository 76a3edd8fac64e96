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
/// numerically, `1 == 1.0`) get the same key: integral numbers are written as integers. Every
/// backend (memory, disk, SQL) keys its unique entries with this one function.
pub(crate) fn canonical_key(value: &Value) -> String {
    /// 2^63 and 2^64: integral floats below them convert to `i64` / `u64` exactly.
    const I64_END: f64 = 9_223_372_036_854_775_808.0;
    const U64_END: f64 = 18_446_744_073_709_551_616.0;
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.to_string()
            } else if let Some(u) = n.as_u64() {
                u.to_string()
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 {
                    n.to_string()
                } else if (-I64_END..I64_END).contains(&f) {
                    // Same key as the integer form.
                    (f as i64).to_string()
                } else if (0.0..U64_END).contains(&f) {
                    (f as u64).to_string()
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
        assert_eq!(canonical_key(&serde_json::json!(-0.0)), "0");
        assert_eq!(
            canonical_key(&serde_json::json!(1e16)),
            canonical_key(&serde_json::json!(10_000_000_000_000_000_i64))
        );
        assert_eq!(
            canonical_key(&serde_json::json!(1.8446744073709552e19 / 2.0)),
            canonical_key(&serde_json::json!(9_223_372_036_854_775_808_u64))
        );
        assert_eq!(canonical_key(&serde_json::json!(1e300)), "1e+300");
    }
}
