//! Timestamps: UTC, microsecond precision, serialized as `2026-11-23T19:53:26.984215Z`.

use chrono::{DateTime, SubsecRound, Utc};

/// The one timestamp type of SpecStar.
pub type Timestamp = DateTime<Utc>;

/// The current time truncated to microseconds (what the wire and every backend can hold).
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// `#[serde(with = "wire_time")]`: RFC 3339 in UTC with a `Z` suffix and microseconds.
pub mod wire_time {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

    pub fn format(t: &Timestamp) -> String {
        t.format(FORMAT).to_string()
    }

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format(FORMAT))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| serde::de::Error::custom(format!("invalid RFC 3339 time `{s}`: {e}")))
    }
}

/// `#[serde(with = "wire_time_opt")]` for `Option<Timestamp>`.
pub mod wire_time_opt {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::wire_time::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => chrono::DateTime::parse_from_rfc3339(&s)
                .map(|t| Some(t.with_timezone(&chrono::Utc)))
                .map_err(|e| serde::de::Error::custom(format!("invalid RFC 3339 time `{s}`: {e}"))),
        }
    }
}
