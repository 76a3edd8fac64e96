//! [`Binary`]: a file held in a resource's data (an image, a PDF, any bytes).

use std::borrow::Cow;

use base64::Engine as _;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The JSON-schema keyword that marks the schema of [`Binary`]: the runtime finds every
/// `Binary` value of a resource by looking for it in the type's schema (through `$ref`s,
/// `Option`, lists, maps, nested structs and enums).
pub const BINARY_SCHEMA_MARKER: &str = "x-specstar-binary";

/// The content type of bytes whose type nobody gave.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// A file inside a resource: put a `Binary` (or `Option<Binary>`, `Vec<Binary>`, a map of
/// them, …) field in a `#[derive(Resource)]` struct.
///
/// On the wire it is an object `{"file_id", "size", "content_type", "data"}` (each key left out
/// when unset), as `specstar.types.Binary` of the Python server. `data` carries the bytes in
/// **standard base64** with padding (RFC 4648 §4; decoding also accepts it without padding).
///
/// When a resource is written with a `Binary` that carries `data`, the bytes go to the app's
/// blob store and the stored revision keeps only the reference: `file_id` (the hex
/// xxh3-128 of the bytes, so identical files are stored once), `size` and `content_type`
/// (default `application/octet-stream`). Reads return that reference; the bytes are served by
/// `GET /{model}/{id}/blobs/{file_id}` or
/// [`ResourceManager::blob`](crate::resource::ResourceManager::blob). Writing bytes without a
/// configured blob store fails with `Error::NotConfigured` (501).
///
/// A `Binary` with a `file_id` and no `data` is kept as given (for example the answer of
/// `POST /blobs/upload`, or the value read back and written again).
///
/// ```
/// use specstar_runtime::model::Binary;
///
/// let avatar = Binary::new(b"\x89PNG...".to_vec(), "image/png");
/// let json = serde_json::to_value(&avatar).unwrap();
/// assert_eq!(json, serde_json::json!({"content_type": "image/png", "data": "iVBORy4uLg=="}));
///
/// // what a read returns once stored
/// let stored: Binary = serde_json::from_value(serde_json::json!({
///     "file_id": "5e2c…", "size": 7, "content_type": "image/png"
/// })).unwrap();
/// assert!(stored.data.is_none());
/// assert_eq!(stored.size, Some(7));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Binary {
    /// The id of the stored bytes (set when stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// Size of the bytes (set when stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    /// The MIME type (default `application/octet-stream` when stored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The bytes, only on the way in (base64 in JSON).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "data_to_base64",
        deserialize_with = "data_from_base64"
    )]
    pub data: Option<Vec<u8>>,
}

impl Binary {
    /// New bytes to store, with their MIME type.
    pub fn new(data: impl Into<Vec<u8>>, content_type: impl Into<String>) -> Self {
        Binary {
            file_id: None,
            size: None,
            content_type: Some(content_type.into()),
            data: Some(data.into()),
        }
    }

    /// A reference to bytes already in the blob store (`POST /blobs/upload` answers one).
    pub fn stored(file_id: impl Into<String>, size: u64, content_type: impl Into<String>) -> Self {
        Binary {
            file_id: Some(file_id.into()),
            size: Some(i64::try_from(size).unwrap_or(i64::MAX)),
            content_type: Some(content_type.into()),
            data: None,
        }
    }

    /// The content type, or `application/octet-stream` when unset.
    pub fn content_type_or_default(&self) -> &str {
        self.content_type.as_deref().unwrap_or(DEFAULT_CONTENT_TYPE)
    }
}

impl std::fmt::Debug for Binary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binary")
            .field("file_id", &self.file_id)
            .field("size", &self.size)
            .field("content_type", &self.content_type)
            .field(
                "data",
                &self.data.as_ref().map(|d| format!("<{} bytes>", d.len())),
            )
            .finish()
    }
}

/// Standard base64; decoding accepts padded and unpadded input.
pub(crate) const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Decode the base64 text of a `data` field.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    BASE64.decode(text)
}

fn data_to_base64<S: Serializer>(data: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match data {
        Some(bytes) => s.serialize_str(&BASE64.encode(bytes)),
        None => s.serialize_none(),
    }
}

fn data_from_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
    let text: Option<Cow<'de, str>> = Option::deserialize(d)?;
    text.map(|t| {
        decode_base64(&t)
            .map_err(|e| serde::de::Error::custom(format!("`data` is not valid base64: {e}")))
    })
    .transpose()
}

impl JsonSchema for Binary {
    fn schema_name() -> Cow<'static, str> {
        "Binary".into()
    }

    fn schema_id() -> Cow<'static, str> {
        "specstar::Binary".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "A file: send `data` (standard base64) with `content_type`; the server stores the bytes and keeps `file_id`, `size` and `content_type`. Download with GET /{model}/{id}/blobs/{file_id}.",
            "properties": {
                "file_id": { "type": ["string", "null"], "description": "Id of the stored bytes (hex xxh3-128 of them)." },
                "size": { "type": ["integer", "null"], "format": "int64", "description": "Size in bytes." },
                "content_type": { "type": ["string", "null"], "description": "MIME type (default application/octet-stream)." },
                "data": { "type": ["string", "null"], "contentEncoding": "base64", "description": "The bytes, standard base64 (only on the way in)." }
            },
            "x-specstar-binary": true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn data_is_standard_base64_and_unset_keys_are_left_out() {
        let b = Binary::new(vec![0xfb, 0xff, 0x00], "application/x-test");
        let v = serde_json::to_value(&b).unwrap();
        assert_eq!(
            v,
            json!({"content_type": "application/x-test", "data": "+/8A"})
        );
        let back: Binary = serde_json::from_value(v).unwrap();
        assert_eq!(back, b);
        let unpadded: Binary = serde_json::from_value(json!({"data": "+/8"})).unwrap();
        assert_eq!(unpadded.data, Some(vec![0xfb, 0xff]));
        let null: Binary = serde_json::from_value(json!({"data": null, "file_id": "x"})).unwrap();
        assert_eq!(null.data, None);
        assert_eq!(serde_json::to_value(Binary::default()).unwrap(), json!({}));
    }

    #[test]
    fn bad_base64_or_types_are_refused() {
        let e = serde_json::from_value::<Binary>(json!({"data": "%%%"})).unwrap_err();
        assert!(e.to_string().contains("base64"), "{e}");
        assert!(serde_json::from_value::<Binary>(json!({"data": 3})).is_err());
        assert!(serde_json::from_value::<Binary>(json!({"size": "3"})).is_err());
    }

    #[test]
    fn the_schema_carries_the_marker() {
        let schema = schemars::schema_for!(Binary);
        assert_eq!(schema.get(BINARY_SCHEMA_MARKER), Some(&json!(true)));
    }

    #[test]
    fn debug_does_not_dump_the_bytes() {
        let b = Binary::new(vec![7; 1000], "x/y");
        assert!(format!("{b:?}").contains("<1000 bytes>"));
    }
}
