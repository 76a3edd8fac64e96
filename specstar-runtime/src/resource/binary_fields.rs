//! Where a resource's data holds [`Binary`](crate::model::Binary) values, found from the
//! type's JSON schema (the [`BINARY_SCHEMA_MARKER`] of `Binary`'s schema), and what the
//! engine does with them: take the bytes out of a value before it is stored, list the
//! `file_id`s a stored value references.
//!
//! The schema is walked together with the value, so `Binary` is found behind `Option`, in
//! lists, map values, nested structs, flattened fields and enum variants, including recursive
//! types, with no help from the derive.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::model::{BINARY_SCHEMA_MARKER, Error, Result};
use crate::storage::blob::file_id_of;

/// How deep the schema walk follows `$ref`s and combinators on one value path (a guard against
/// a self-referencing schema; real types are far shallower).
const MAX_DEPTH: usize = 128;

/// The schema of a model that has `Binary` values somewhere. Built once per model.
#[derive(Debug, Clone)]
pub(crate) struct BinaryFields {
    root: Value,
    definitions: Map<String, Value>,
}

/// Bytes taken out of a `Binary` value, to be put in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewBlob {
    pub file_id: String,
    pub data: Vec<u8>,
    pub content_type: String,
}

/// One `Binary` value found in data: its JSON pointer and its object.
pub(crate) struct Found<'v> {
    pub pointer: String,
    pub binary: &'v Map<String, Value>,
}

impl BinaryFields {
    /// The binary fields of the type whose schema `schema_fn` generates; `None` when it has no
    /// `Binary` anywhere (the common case: the engine then skips every walk).
    pub fn of(schema_fn: fn(&mut schemars::SchemaGenerator) -> schemars::Schema) -> Option<Self> {
        let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
        let root = schema_fn(&mut generator).to_value();
        let fields = BinaryFields {
            root,
            definitions: generator.take_definitions(true),
        };
        fields
            .reaches_marker(&fields.root, &mut HashSet::new())
            .then_some(fields)
    }

    /// Does `schema` contain a `Binary` schema anywhere (following `$ref`s once each)?
    fn reaches_marker<'s>(&'s self, schema: &'s Value, seen: &mut HashSet<&'s str>) -> bool {
        let Some(object) = schema.as_object() else {
            return false;
        };
        if object.get(BINARY_SCHEMA_MARKER) == Some(&Value::Bool(true)) {
            return true;
        }
        if let Some(reference) = object.get("$ref").and_then(Value::as_str)
            && seen.insert(reference)
            && let Some(target) = self.resolve(reference)
            && self.reaches_marker(target, seen)
        {
            return true;
        }
        let mut children: Vec<&Value> = Vec::new();
        for key in ["anyOf", "oneOf", "allOf", "prefixItems"] {
            if let Some(Value::Array(items)) = object.get(key) {
                children.extend(items);
            }
        }
        if let Some(Value::Object(properties)) = object.get("properties") {
            children.extend(properties.values());
        }
        for key in ["items", "additionalProperties"] {
            if let Some(child) = object.get(key) {
                children.push(child);
            }
        }
        children
            .into_iter()
            .any(|child| self.reaches_marker(child, seen))
    }

    /// The definition a `$ref` (`#/$defs/Name`) points at.
    fn resolve(&self, reference: &str) -> Option<&Value> {
        let name = reference.strip_prefix("#/$defs/")?;
        let name = name.replace("~1", "/").replace("~0", "~");
        self.definitions.get(&name)
    }

    /// Every `Binary` object in `value` (an instance of the model), in document order, each
    /// once.
    pub fn find<'v>(&self, value: &'v Value) -> Vec<Found<'v>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut pointer = String::new();
        self.walk(&self.root, value, &mut pointer, 0, &mut seen, &mut out);
        out
    }

    fn walk<'v>(
        &self,
        schema: &Value,
        value: &'v Value,
        pointer: &mut String,
        depth: usize,
        seen: &mut HashSet<String>,
        out: &mut Vec<Found<'v>>,
    ) {
        let Some(object) = schema.as_object() else {
            return;
        };
        if depth > MAX_DEPTH {
            return;
        }
        if object.get(BINARY_SCHEMA_MARKER) == Some(&Value::Bool(true)) {
            if let Value::Object(binary) = value
                && seen.insert(pointer.clone())
            {
                out.push(Found {
                    pointer: pointer.clone(),
                    binary,
                });
            }
            return;
        }
        if let Some(target) = object
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.resolve(r))
        {
            self.walk(target, value, pointer, depth + 1, seen, out);
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(branches)) = object.get(key) {
                for branch in branches {
                    self.walk(branch, value, pointer, depth + 1, seen, out);
                }
            }
        }
        match value {
            Value::Object(map) => {
                let properties = object.get("properties").and_then(Value::as_object);
                let additional = object.get("additionalProperties");
                for (key, child) in map {
                    let Some(child_schema) = properties.and_then(|p| p.get(key)).or(additional)
                    else {
                        continue;
                    };
                    let len = pointer.len();
                    push_token(pointer, key);
                    self.walk(child_schema, child, pointer, depth + 1, seen, out);
                    pointer.truncate(len);
                }
            }
            Value::Array(items) => {
                let prefix = object.get("prefixItems").and_then(Value::as_array);
                let rest = object.get("items");
                for (index, item) in items.iter().enumerate() {
                    let Some(item_schema) = prefix.and_then(|p| p.get(index)).or(rest) else {
                        continue;
                    };
                    let len = pointer.len();
                    push_token(pointer, &index.to_string());
                    self.walk(item_schema, item, pointer, depth + 1, seen, out);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }

    /// The distinct `file_id`s the `Binary` values of `value` reference, in document order.
    pub fn file_ids(&self, value: &Value) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for found in self.find(value) {
            if let Some(Value::String(id)) = found.binary.get("file_id")
                && !ids.contains(id)
            {
                ids.push(id.clone());
            }
        }
        ids
    }

    /// Take the bytes out of every `Binary` of `value` that carries `data`: each becomes
    /// `{file_id, size, content_type}` (content type defaulted), and its bytes are returned,
    /// one entry per distinct file id. `resource` names the model in errors.
    ///
    /// Errors: `Validation` naming the field when `data` is not a base64 string.
    pub fn take_data(&self, resource: &str, value: &mut Value) -> Result<Vec<NewBlob>> {
        let pointers: Vec<String> = self
            .find(value)
            .into_iter()
            .filter(|f| f.binary.get("data").is_some_and(|d| !d.is_null()))
            .map(|f| f.pointer)
            .collect();
        let mut blobs: Vec<NewBlob> = Vec::new();
        for pointer in pointers {
            let Some(Value::Object(binary)) = value.pointer_mut(&pointer) else {
                continue;
            };
            let data = match binary.remove("data") {
                Some(Value::String(text)) => {
                    crate::model::decode_base64(&text).map_err(|e| Error::Validation {
                        resource: resource.to_owned(),
                        field: Some(field_of(&pointer)),
                        message: format!("`data` is not valid base64: {e}"),
                    })?
                }
                _ => {
                    return Err(Error::Validation {
                        resource: resource.to_owned(),
                        field: Some(field_of(&pointer)),
                        message: "`data` must be a base64 string".into(),
                    });
                }
            };
            let file_id = file_id_of(&data);
            let content_type = match binary.get("content_type") {
                Some(Value::String(ct)) if !ct.trim().is_empty() => ct.clone(),
                _ => crate::model::DEFAULT_CONTENT_TYPE.to_owned(),
            };
            binary.insert("file_id".into(), Value::String(file_id.clone()));
            binary.insert("size".into(), Value::from(data.len() as u64));
            binary.insert("content_type".into(), Value::String(content_type.clone()));
            if !blobs.iter().any(|b| b.file_id == file_id) {
                blobs.push(NewBlob {
                    file_id,
                    data,
                    content_type,
                });
            }
        }
        Ok(blobs)
    }
}

/// Append one JSON-pointer token (`~` → `~0`, `/` → `~1`).
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// A JSON pointer as a dotted field path for messages (`/images/0` → `images.0`).
fn field_of(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::model::Binary;

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Plain {
        name: String,
        data: Option<String>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Node {
        icon: Option<Binary>,
        children: Vec<Node>,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    #[serde(tag = "kind")]
    enum Attachment {
        File { file: Binary },
        Link { url: String },
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Inner {
        scan: Binary,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Rich {
        cover: Binary,
        maybe: Option<Binary>,
        gallery: Vec<Binary>,
        by_name: BTreeMap<String, Binary>,
        inner: Inner,
        #[serde(flatten)]
        flat: Inner2,
        attachments: Vec<Attachment>,
        tree: Node,
        pair: (String, Binary),
        look_alike: Plain,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    struct Inner2 {
        flat_file: Binary,
    }

    fn fields<T: JsonSchema>() -> Option<BinaryFields> {
        BinaryFields::of(schemars::SchemaGenerator::subschema_for::<T>)
    }

    #[test]
    fn types_without_binary_have_no_fields() {
        assert!(fields::<Plain>().is_none());
        assert!(fields::<Node>().is_some());
        assert!(fields::<Rich>().is_some());
    }

    #[test]
    fn binaries_are_found_everywhere_the_type_puts_them() {
        let b = |id: &str| json!({"file_id": id});
        let value = json!({
            "cover": b("cover"),
            "maybe": null,
            "gallery": [b("g0"), b("g1")],
            "by_name": {"a/b": b("map")},
            "inner": {"scan": b("inner")},
            "flat_file": b("flat"),
            "attachments": [{"kind": "Link", "url": "x"}, {"kind": "File", "file": b("enum")}],
            "tree": {"icon": b("root"), "children": [{"icon": b("child"), "children": []}]},
            "pair": ["x", b("tuple")],
            "look_alike": {"name": "n", "data": "aGk="}
        });
        let f = fields::<Rich>().unwrap();
        let pointers: Vec<String> = f.find(&value).into_iter().map(|x| x.pointer).collect();
        assert_eq!(
            pointers,
            [
                "/cover",
                "/gallery/0",
                "/gallery/1",
                "/by_name/a~1b",
                "/inner/scan",
                "/flat_file",
                "/attachments/1/file",
                "/tree/icon",
                "/tree/children/0/icon",
                "/pair/1",
            ]
        );
        assert_eq!(
            f.file_ids(&value),
            [
                "cover", "g0", "g1", "map", "inner", "flat", "enum", "root", "child", "tuple"
            ]
        );
    }

    #[test]
    fn take_data_replaces_bytes_by_references() {
        let f = fields::<Node>().unwrap();
        let mut value = json!({
            "icon": {"data": "aGk=", "content_type": "text/plain", "size": 99},
            "children": [
                {"icon": {"data": "aGk="}, "children": []},
                {"icon": {"file_id": "kept", "size": 1}, "children": []}
            ]
        });
        let blobs = f.take_data("node", &mut value).unwrap();
        let id = file_id_of(b"hi");
        assert_eq!(blobs.len(), 1, "the same bytes are one blob");
        assert_eq!(blobs[0].data, b"hi");
        assert_eq!(blobs[0].content_type, "text/plain");
        assert_eq!(
            value["icon"],
            json!({"content_type": "text/plain", "size": 2, "file_id": id})
        );
        assert_eq!(
            value["children"][0]["icon"],
            json!({"file_id": id, "size": 2, "content_type": "application/octet-stream"})
        );
        assert_eq!(
            value["children"][1]["icon"],
            json!({"file_id": "kept", "size": 1})
        );
        let mut bad = json!({"icon": {"data": "%%"}, "children": []});
        let e = f.take_data("node", &mut bad).unwrap_err();
        assert!(
            matches!(e, Error::Validation { field: Some(ref f), .. } if f == "icon"),
            "{e}"
        );
    }
}
