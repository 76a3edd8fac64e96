//! JSON Patch (RFC 6902) documents: parsing and applying, with errors that say which operation
//! failed. A patch that fails is `Error::BadRequest` (400 over HTTP); a patched result that does
//! not decode into the type is `Error::Validation` (422), reported by the update that follows.

use serde_json::Value;

pub use json_patch::Patch;

use crate::model::{Error, Result};

/// Parse a JSON Patch document (an array of operations).
///
/// ```
/// let patch = specstar_runtime::resource::patch::parse(
///     serde_json::json!([{"op": "replace", "path": "/level", "value": 3}])).unwrap();
/// assert_eq!(patch.0.len(), 1);
/// assert!(specstar_runtime::resource::patch::parse(serde_json::json!({"op": "add"})).is_err());
/// ```
pub fn parse(document: Value) -> Result<Patch> {
    if !document.is_array() {
        return Err(Error::BadRequest {
            parameter: "patch".into(),
            message: "a JSON Patch document must be an array of operations".into(),
        });
    }
    serde_json::from_value(document).map_err(|e| Error::BadRequest {
        parameter: "patch".into(),
        message: format!("invalid JSON Patch: {e}"),
    })
}

/// Apply `patch` to a copy of `data`.
pub fn apply(data: &Value, patch: &Patch) -> Result<Value> {
    let mut patched = data.clone();
    json_patch::patch(&mut patched, patch).map_err(|e| Error::BadRequest {
        parameter: "patch".into(),
        message: format!("JSON Patch failed: {e}"),
    })?;
    Ok(patched)
}
