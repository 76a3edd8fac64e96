//! Encoding payloads for storage: compact JSON (fields in declaration order) or MessagePack with
//! field names. The stored bytes are what `data_hash` hashes, so both directions live here.

use serde::{Serialize, de::DeserializeOwned};

use crate::model::{Encoding, Error, Result};

/// Encode `data` of resource `resource` for storage.
///
/// ```
/// use specstar_runtime::model::Encoding;
/// use specstar_runtime::resource::encoding::encode;
/// #[derive(serde::Serialize)]
/// struct Zone { name: String, level: i64 }
/// let bytes = encode("zone", &Zone { name: "A".into(), level: 2 }, Encoding::Json).unwrap();
/// assert_eq!(bytes, br#"{"name":"A","level":2}"#);
/// ```
pub fn encode<T: Serialize>(resource: &str, data: &T, encoding: Encoding) -> Result<Vec<u8>> {
    let encoded = match encoding {
        Encoding::Json => serde_json::to_vec(data).map_err(|e| e.to_string()),
        Encoding::Msgpack => rmp_serde::to_vec_named(data).map_err(|e| e.to_string()),
    };
    encoded.map_err(|message| Error::Validation {
        resource: resource.to_owned(),
        field: None,
        message: format!(
            "cannot be encoded as {}: {message}",
            encoding_name(encoding)
        ),
    })
}

/// Decode stored bytes of resource `resource`. A failure means the stored payload does not fit
/// the type (a storage problem, not a user error), so it is reported as `Error::Storage`.
pub fn decode<T: DeserializeOwned>(
    backend: &'static str,
    resource: &str,
    revision_id: &str,
    bytes: &[u8],
    encoding: Encoding,
) -> Result<T> {
    let decoded = match encoding {
        Encoding::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        Encoding::Msgpack => rmp_serde::from_slice(bytes).map_err(|e| e.to_string()),
    };
    decoded.map_err(|message| Error::Storage {
        backend,
        message: format!(
            "stored payload of {resource} revision `{revision_id}` does not decode as {}: {message}",
            encoding_name(encoding)
        ),
        source: None,
    })
}

fn encoding_name(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Json => "JSON",
        Encoding::Msgpack => "MessagePack",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Sample {
        zeta: String,
        alpha: Option<i64>,
        ratio: f64,
    }

    fn sample() -> Sample {
        Sample {
            zeta: "z".into(),
            alpha: None,
            ratio: 1.5,
        }
    }

    #[test]
    fn json_is_compact_and_in_declaration_order() {
        let bytes = encode("sample", &sample(), Encoding::Json).unwrap();
        assert_eq!(bytes, br#"{"zeta":"z","alpha":null,"ratio":1.5}"#);
    }

    #[test]
    fn msgpack_is_a_named_map_and_round_trips() {
        let bytes = encode("sample", &sample(), Encoding::Msgpack).unwrap();
        assert_eq!(bytes, rmp_serde::to_vec_named(&sample()).unwrap());
        let back: Sample = decode("memory", "sample", "r", &bytes, Encoding::Msgpack).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn undecodable_bytes_are_a_storage_error_naming_the_revision() {
        let err =
            decode::<Sample>("memory", "sample", "sample:x:1", b"{", Encoding::Json).unwrap_err();
        assert!(matches!(err, Error::Storage { .. }));
        assert!(err.to_string().contains("sample:x:1"));
    }
}
