//! Validation: strict decoding of submitted data into the resource type, [`Validator`]s and
//! [`ConstraintChecker`]s.
//!
//! Decoding is the first validation step. It is serde's own, strict: no string → number
//! coercion, a bool is not an integer, a fractional number is not an integer, an integer is
//! accepted for a float, unknown fields are ignored (unless the type says
//! `#[serde(deny_unknown_fields)]`). The error names the offending field by its path.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::{Error, Result};

/// A synchronous check of a resource's data, run on every write of new data (create, update,
/// patch, modify). Its error message becomes an [`Error::Validation`].
///
/// Implemented for closures `Fn(&T) -> Result<(), String>`:
///
/// ```
/// use specstar_runtime::resource::Validator;
/// struct Zone { level: i64 }
/// let positive = |z: &Zone| if z.level > 0 { Ok(()) } else { Err("level must be positive".to_owned()) };
/// assert!(positive.validate(&Zone { level: 0 }).is_err());
/// ```
pub trait Validator<T>: Send + Sync + 'static {
    /// `Err(message)` rejects the data.
    fn validate(&self, data: &T) -> std::result::Result<(), String>;
}

impl<T, F> Validator<T> for F
where
    F: Fn(&T) -> std::result::Result<(), String> + Send + Sync + 'static,
{
    fn validate(&self, data: &T) -> std::result::Result<(), String> {
        self(data)
    }
}

/// A constraint that may depend on other resources (e.g. "no two users share an e-mail"),
/// enforced on create, update, patch, modify, switch and restore.
///
/// The manager checks it before the write and checks it again after the write (with
/// `exclude_resource_id` = the written resource, so it can ignore its own values); when the
/// second check fails (a concurrent writer got in between), the manager compensates by putting
/// the resource back as it was, then returns the checker's error. Return
/// [`Error::Validation`] (422 over HTTP) or any other error variant.
///
/// ```
/// use specstar_runtime::model::{Error, Result};
/// use specstar_runtime::resource::ConstraintChecker;
///
/// struct Zone { name: String }
/// struct NotReserved;
///
/// #[async_trait::async_trait]
/// impl ConstraintChecker<Zone> for NotReserved {
///     async fn check(&self, zone: &Zone, _exclude_resource_id: Option<&str>) -> Result<()> {
///         if zone.name == "admin" {
///             return Err(Error::validation("zone", "the name `admin` is reserved"));
///         }
///         Ok(())
///     }
///     fn data_relevant_changed(&self, old: &Zone, new: &Zone) -> bool {
///         old.name != new.name
///     }
/// }
/// ```
#[async_trait::async_trait]
pub trait ConstraintChecker<T>: Send + Sync + 'static {
    /// Check `data`; `exclude_resource_id` is the resource being written (absent on a create
    /// before the write).
    async fn check(&self, data: &T, exclude_resource_id: Option<&str>) -> Result<()>;

    /// Whether the fields this constraint looks at differ between `old` and `new`. When it
    /// returns `false` on an update, patch or modify, the check is skipped. Default: `true`.
    fn data_relevant_changed(&self, old: &T, new: &T) -> bool {
        let _ = (old, new);
        true
    }
}

/// A shared checker.
#[async_trait::async_trait]
impl<T: Sync, C: ConstraintChecker<T> + ?Sized> ConstraintChecker<T> for std::sync::Arc<C> {
    async fn check(&self, data: &T, exclude_resource_id: Option<&str>) -> Result<()> {
        (**self).check(data, exclude_resource_id).await
    }

    fn data_relevant_changed(&self, old: &T, new: &T) -> bool {
        (**self).data_relevant_changed(old, new)
    }
}

/// Decode `value` (which must be a JSON object) into `T` strictly, naming the failing field.
pub fn decode_value<T: DeserializeOwned>(resource: &str, value: Value) -> Result<T> {
    if !value.is_object() {
        return Err(Error::validation(
            resource,
            format!("expected a JSON object, got {}", kind_of(&value)),
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Error::Validation {
            resource: resource.to_owned(),
            field: (path != ".").then_some(path),
            message: e.into_inner().to_string(),
        }
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Stats {
        hp: i64,
        speed: f64,
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Monster {
        name: String,
        stats: Stats,
        alive: bool,
    }

    fn field_of(value: Value) -> Option<String> {
        match decode_value::<Monster>("monster", value).unwrap_err() {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn strict_decoding_names_the_nested_field() {
        let ok = json!({"name": "a", "stats": {"hp": 1, "speed": 2}, "alive": true, "extra": 1});
        assert!(
            decode_value::<Monster>("monster", ok).is_ok(),
            "int for float, unknown field ok"
        );
        let as_string = json!({"name": "a", "stats": {"hp": "1", "speed": 2.0}, "alive": true});
        assert_eq!(field_of(as_string).as_deref(), Some("stats.hp"));
        let fractional = json!({"name": "a", "stats": {"hp": 1.5, "speed": 2.0}, "alive": true});
        assert_eq!(field_of(fractional).as_deref(), Some("stats.hp"));
        let bool_as_int = json!({"name": "a", "stats": {"hp": true, "speed": 2.0}, "alive": true});
        assert_eq!(field_of(bool_as_int).as_deref(), Some("stats.hp"));
        let int_as_bool = json!({"name": "a", "stats": {"hp": 1, "speed": 2.0}, "alive": 1});
        assert_eq!(field_of(int_as_bool).as_deref(), Some("alive"));
    }

    #[test]
    fn a_missing_field_or_a_non_object_is_a_validation_error() {
        let err = decode_value::<Monster>("monster", json!({"name": "a"})).unwrap_err();
        assert!(err.to_string().contains("missing field `stats`"), "{err}");
        // serde would accept a sequence for a struct; a resource body must be an object.
        let err = decode_value::<Monster>("monster", json!(["a", {"hp": 1, "speed": 1.0}, true]))
            .unwrap_err();
        assert!(matches!(err, Error::Validation { field: None, .. }));
        assert!(
            err.to_string()
                .contains("expected a JSON object, got an array"),
            "{err}"
        );
    }
}
