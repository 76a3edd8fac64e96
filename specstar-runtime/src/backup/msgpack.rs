//! The MessagePack primitives of the archive: an [`Encoder`] over `rmp` that always picks the
//! byte form the MessagePack specification prescribes (the smallest one), timestamps
//! (extension type -1), JSON values, and [`MapFields`], a reader of one map's typed fields
//! over `rmpv`'s borrowed values.
//!
//! Writing goes through `rmp` directly (not serde) because the archive mixes `bin` and `str`
//! and needs timestamps, which a serde serializer cannot express.

use std::convert::Infallible;

use chrono::{DateTime, SubsecRound};
use rmp::encode::{self, ByteBuf, ValueWriteError};
use rmpv::ValueRef;
use serde_json::{Map, Number, Value};

use crate::model::{Timestamp, wire_time};

/// The MessagePack extension type of timestamps.
pub const TIMESTAMP_EXT: i8 = -1;

/// Writing into a byte buffer cannot fail; this turns rmp's `Result<_, Infallible>` into `T`.
fn infallible<T>(result: Result<T, ValueWriteError<Infallible>>) -> T {
    match result {
        Ok(value) => value,
        Err(ValueWriteError::InvalidMarkerWrite(never))
        | Err(ValueWriteError::InvalidDataWrite(never)) => match never {},
    }
}

fn infallible_plain<T>(result: Result<T, Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

/// A MessagePack writer into memory. Every method writes the smallest form of its value
/// (fixstr/str8/16/32, bin8/16/32, positive/negative fixint or the smallest int/uint, fixmap or
/// map16/32), as Python's `msgpack` and `msgspec` do.
#[derive(Debug, Default)]
pub struct Encoder {
    buf: ByteBuf,
}

impl Encoder {
    /// An empty buffer.
    pub fn new() -> Self {
        Encoder::default()
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf.into_vec()
    }

    /// A map header for `len` entries.
    pub fn map_len(&mut self, len: u32) {
        infallible(encode::write_map_len(&mut self.buf, len));
    }

    /// An array header for `len` items.
    pub fn array_len(&mut self, len: u32) {
        infallible(encode::write_array_len(&mut self.buf, len));
    }

    /// A UTF-8 string (`str` family).
    pub fn str(&mut self, s: &str) {
        infallible(encode::write_str(&mut self.buf, s));
    }

    /// A string, or nil for `None`.
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.nil(),
        }
    }

    /// A byte string (`bin` family).
    pub fn bin(&mut self, bytes: &[u8]) {
        infallible(encode::write_bin(&mut self.buf, bytes));
    }

    /// A non-negative integer.
    pub fn uint(&mut self, n: u64) {
        infallible(encode::write_uint(&mut self.buf, n));
    }

    /// A signed integer (non-negative values take the unsigned forms).
    pub fn sint(&mut self, n: i64) {
        infallible(encode::write_sint(&mut self.buf, n));
    }

    /// A 64-bit float (never the 32-bit form, like Python's default).
    pub fn f64(&mut self, x: f64) {
        infallible(encode::write_f64(&mut self.buf, x));
    }

    /// `true` / `false`.
    pub fn bool(&mut self, b: bool) {
        infallible_plain(encode::write_bool(&mut self.buf, b));
    }

    /// nil.
    pub fn nil(&mut self) {
        infallible_plain(encode::write_nil(&mut self.buf));
    }

    /// A timestamp (extension type -1) in the smallest of the three forms of the MessagePack
    /// specification: 32-bit (fixext 4: seconds) when there are no nanoseconds and the seconds
    /// fit 32 unsigned bits; 64-bit (fixext 8: 30-bit nanoseconds, 34-bit seconds) when the
    /// seconds fit 34 unsigned bits; otherwise 96-bit (ext 8, length 12: 32-bit nanoseconds,
    /// 64-bit signed seconds).
    pub fn timestamp(&mut self, t: &Timestamp) {
        let (seconds, nanos) = split_timestamp(t);
        if seconds >> 34 == 0 {
            let data64 = (u64::from(nanos) << 34) | seconds as u64;
            if data64 >> 32 == 0 {
                infallible(encode::write_ext_meta(&mut self.buf, 4, TIMESTAMP_EXT));
                self.raw(&(data64 as u32).to_be_bytes());
            } else {
                infallible(encode::write_ext_meta(&mut self.buf, 8, TIMESTAMP_EXT));
                self.raw(&data64.to_be_bytes());
            }
        } else {
            infallible(encode::write_ext_meta(&mut self.buf, 12, TIMESTAMP_EXT));
            self.raw(&nanos.to_be_bytes());
            self.raw(&seconds.to_be_bytes());
        }
    }

    /// A JSON value: null → nil, booleans, integers (smallest int/uint form), other numbers as
    /// float 64, strings as `str`, arrays, objects as maps with `str` keys in their order.
    pub fn json(&mut self, value: &Value) {
        match value {
            Value::Null => self.nil(),
            Value::Bool(b) => self.bool(*b),
            Value::Number(n) => self.number(n),
            Value::String(s) => self.str(s),
            Value::Array(items) => {
                self.array_len(len_u32(items.len()));
                for item in items {
                    self.json(item);
                }
            }
            Value::Object(map) => self.json_map(map),
        }
    }

    /// A JSON object as a map.
    pub fn json_map(&mut self, map: &Map<String, Value>) {
        self.map_len(len_u32(map.len()));
        for (key, item) in map {
            self.str(key);
            self.json(item);
        }
    }

    fn number(&mut self, n: &Number) {
        if let Some(u) = n.as_u64() {
            self.uint(u);
        } else if let Some(i) = n.as_i64() {
            self.sint(i);
        } else {
            self.f64(n.as_f64().unwrap_or(f64::NAN));
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.buf.as_mut_vec().extend_from_slice(bytes);
    }
}

/// A collection length as the u32 of a MessagePack header. Lengths beyond u32 cannot occur in
/// a frame (frames are at most 4 GiB), so saturating keeps the encoder total.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Seconds since the epoch and nanoseconds (below 10⁹; a leap second's extra second is
/// carried into the seconds).
fn split_timestamp(t: &Timestamp) -> (i64, u32) {
    let nanos = t.timestamp_subsec_nanos();
    if nanos >= 1_000_000_000 {
        (t.timestamp() + 1, nanos - 1_000_000_000)
    } else {
        (t.timestamp(), nanos)
    }
}

/// Decode the payload of a timestamp extension (4, 8 or 12 bytes), truncated to microseconds
/// like every time SpecStar stores.
pub fn decode_timestamp(data: &[u8]) -> Result<Timestamp, String> {
    let (seconds, nanos) = match *data {
        [a, b, c, d] => (i64::from(u32::from_be_bytes([a, b, c, d])), 0),
        [a, b, c, d, e, f, g, h] => {
            let data64 = u64::from_be_bytes([a, b, c, d, e, f, g, h]);
            ((data64 & 0x3_ffff_ffff) as i64, (data64 >> 34) as u32)
        }
        [a, b, c, d, e, f, g, h, i, j, k, l] => (
            i64::from_be_bytes([e, f, g, h, i, j, k, l]),
            u32::from_be_bytes([a, b, c, d]),
        ),
        _ => {
            return Err(format!(
                "a timestamp extension has {} bytes (expected 4, 8 or 12)",
                data.len()
            ));
        }
    };
    if nanos >= 1_000_000_000 {
        return Err(format!(
            "a timestamp has {nanos} nanoseconds (at most 999999999)"
        ));
    }
    DateTime::from_timestamp(seconds, nanos)
        .map(|t| t.trunc_subsecs(6))
        .ok_or_else(|| format!("timestamp {seconds}s is out of range"))
}

/// Parse exactly one MessagePack value from `bytes` (trailing bytes are an error).
pub fn parse_value<'a>(bytes: &'a [u8], what: &str) -> Result<ValueRef<'a>, String> {
    let mut rest = bytes;
    let value = rmpv::decode::read_value_ref(&mut rest)
        .map_err(|e| format!("{what} is not valid MessagePack: {e}"))?;
    if !rest.is_empty() {
        return Err(format!(
            "{what} has {} bytes after its MessagePack value",
            rest.len()
        ));
    }
    Ok(value)
}

/// The name of a value's MessagePack type, for messages.
pub fn type_name(value: &ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Nil => "nil",
        ValueRef::Boolean(_) => "a boolean",
        ValueRef::Integer(_) => "an integer",
        ValueRef::F32(_) | ValueRef::F64(_) => "a float",
        ValueRef::String(_) => "a string",
        ValueRef::Binary(_) => "binary data",
        ValueRef::Array(_) => "an array",
        ValueRef::Map(_) => "a map",
        ValueRef::Ext(_, _) => "an extension value",
    }
}

/// A value as JSON, for `indexed_data` (which a load recomputes anyway): timestamps become
/// wire-format strings; binary data and other extensions have no JSON form and become null.
pub fn to_json(value: &ValueRef<'_>) -> Value {
    match value {
        ValueRef::Nil => Value::Null,
        ValueRef::Boolean(b) => Value::Bool(*b),
        ValueRef::Integer(i) => match (i.as_u64(), i.as_i64()) {
            (Some(u), _) => Value::from(u),
            (None, Some(s)) => Value::from(s),
            _ => Value::Null,
        },
        ValueRef::F32(x) => Number::from_f64(f64::from(*x)).map_or(Value::Null, Value::Number),
        ValueRef::F64(x) => Number::from_f64(*x).map_or(Value::Null, Value::Number),
        ValueRef::String(s) => Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        ValueRef::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        ValueRef::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (key_text(k), to_json(v)))
                .collect(),
        ),
        ValueRef::Ext(TIMESTAMP_EXT, data) => decode_timestamp(data)
            .map(|t| Value::String(wire_time::format(&t)))
            .unwrap_or(Value::Null),
        ValueRef::Binary(_) | ValueRef::Ext(_, _) => Value::Null,
    }
}

fn key_text(key: &ValueRef<'_>) -> String {
    match key {
        ValueRef::String(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        other => to_json(other).to_string(),
    }
}

/// The entries of one MessagePack map, read by key with typed accessors whose errors name the
/// map (`what`) and the key. Unknown keys are ignored (newer writers may add fields).
pub struct MapFields<'a> {
    what: String,
    entries: Vec<(&'a str, ValueRef<'a>)>,
}

impl<'a> MapFields<'a> {
    /// The entries of `value`, which must be a map with string keys.
    pub fn new(value: ValueRef<'a>, what: impl Into<String>) -> Result<Self, String> {
        let what = what.into();
        let ValueRef::Map(raw) = value else {
            return Err(format!("{what} is {}, expected a map", type_name(&value)));
        };
        let mut entries = Vec::with_capacity(raw.len());
        for (key, item) in raw {
            let key = match key {
                ValueRef::String(s) => s
                    .into_str()
                    .ok_or_else(|| format!("{what} has a key that is not valid UTF-8"))?,
                other => {
                    return Err(format!("{what} has a key that is {}", type_name(&other)));
                }
            };
            entries.push((key, item));
        }
        Ok(MapFields { what, entries })
    }

    /// Parse `bytes` as one map.
    pub fn parse(bytes: &'a [u8], what: impl Into<String>) -> Result<Self, String> {
        let what = what.into();
        let value = parse_value(bytes, &what)?;
        MapFields::new(value, what)
    }

    /// The same entries, described as `what` in messages.
    pub fn described_as(mut self, what: impl Into<String>) -> Self {
        self.what = what.into();
        self
    }

    /// What this map is, for messages.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&ValueRef<'a>> {
        self.entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    fn require(&self, key: &str) -> Result<&ValueRef<'a>, String> {
        self.get(key)
            .ok_or_else(|| format!("{} has no `{key}`", self.what))
    }

    fn wrong(&self, key: &str, expected: &str, found: &ValueRef<'_>) -> String {
        format!(
            "`{key}` of {} is {}, expected {expected}",
            self.what,
            type_name(found)
        )
    }

    /// A required string.
    pub fn str(&self, key: &str) -> Result<&'a str, String> {
        match self.require(key)? {
            ValueRef::String(s) => s
                .into_str()
                .ok_or_else(|| format!("`{key}` of {} is not valid UTF-8", self.what)),
            other => Err(self.wrong(key, "a string", other)),
        }
    }

    /// A string or nil; a missing key is `None` too.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, String> {
        match self.get(key) {
            None | Some(ValueRef::Nil) => Ok(None),
            Some(_) => self.str(key).map(Some),
        }
    }

    /// Required bytes (`bin`; a `str` is accepted as its UTF-8 bytes).
    pub fn bytes(&self, key: &str) -> Result<&'a [u8], String> {
        match self.require(key)? {
            ValueRef::Binary(b) => Ok(b),
            ValueRef::String(s) => s
                .into_str()
                .map(str::as_bytes)
                .ok_or_else(|| format!("`{key}` of {} is not valid UTF-8", self.what)),
            other => Err(self.wrong(key, "binary data", other)),
        }
    }

    /// A required non-negative integer.
    pub fn uint(&self, key: &str) -> Result<u64, String> {
        match self.require(key)? {
            ValueRef::Integer(i) => i
                .as_u64()
                .ok_or_else(|| format!("`{key}` of {} is negative", self.what)),
            other => Err(self.wrong(key, "an integer", other)),
        }
    }

    /// A required boolean.
    pub fn bool(&self, key: &str) -> Result<bool, String> {
        match self.require(key)? {
            ValueRef::Boolean(b) => Ok(*b),
            other => Err(self.wrong(key, "a boolean", other)),
        }
    }

    /// A required time: a timestamp extension, or (leniently) an RFC 3339 string.
    pub fn time(&self, key: &str) -> Result<Timestamp, String> {
        match self.require(key)? {
            ValueRef::Ext(TIMESTAMP_EXT, data) => {
                decode_timestamp(data).map_err(|e| format!("`{key}` of {}: {e}", self.what))
            }
            ValueRef::String(s) => {
                let text = s.as_str().unwrap_or_default();
                DateTime::parse_from_rfc3339(text)
                    .map(|t| t.to_utc().trunc_subsecs(6))
                    .map_err(|e| format!("`{key}` of {} is not an RFC 3339 time: {e}", self.what))
            }
            other => Err(self.wrong(key, "a timestamp", other)),
        }
    }

    /// A map field as a JSON object; nil or a missing key is an empty object.
    pub fn json_map(&self, key: &str) -> Result<Map<String, Value>, String> {
        match self.get(key) {
            None | Some(ValueRef::Nil) => Ok(Map::new()),
            Some(value @ ValueRef::Map(_)) => match to_json(value) {
                Value::Object(map) => Ok(map),
                _ => Ok(Map::new()),
            },
            Some(other) => Err(self.wrong(key, "a map", other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn ts(t: &Timestamp) -> Vec<u8> {
        let mut e = Encoder::new();
        e.timestamp(t);
        e.into_bytes()
    }

    #[test]
    fn timestamps_take_the_smallest_form() {
        let whole = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        assert_eq!(
            ts(&whole),
            [&[0xd6, 0xff][..], &1_700_000_000u32.to_be_bytes()].concat()
        );
        let micro = Utc.timestamp_opt(1_700_000_000, 123_456_000).unwrap();
        let data64 = (123_456_000u64 << 34) | 1_700_000_000;
        assert_eq!(
            ts(&micro),
            [&[0xd7, 0xff][..], &data64.to_be_bytes()].concat()
        );
        let before_epoch = Utc.timestamp_opt(-1, 500_000_000).unwrap();
        assert_eq!(
            ts(&before_epoch),
            [
                &[0xc7, 12, 0xff][..],
                &500_000_000u32.to_be_bytes(),
                &(-1i64).to_be_bytes()
            ]
            .concat()
        );
        let far = Utc.timestamp_opt(1i64 << 34, 0).unwrap();
        assert_eq!(ts(&far)[..3], [0xc7, 12, 0xff]);
        for t in [whole, micro, before_epoch, far] {
            let bytes = ts(&t);
            let value = parse_value(&bytes, "t").unwrap();
            let ValueRef::Ext(-1, data) = value else {
                panic!("not a timestamp")
            };
            assert_eq!(decode_timestamp(data).unwrap(), t);
        }
    }

    #[test]
    fn bad_timestamps_are_refused() {
        assert!(decode_timestamp(&[0; 5]).is_err());
        let bad_nanos = (1_000_000_000u64 << 34).to_be_bytes();
        assert!(
            decode_timestamp(&bad_nanos)
                .unwrap_err()
                .contains("nanoseconds")
        );
    }

    #[test]
    fn json_round_trips_through_msgpack() {
        let value = serde_json::json!({"a": [1, -3, -200, 1.5, "x", null, true], "b": {"c": 300}});
        let mut e = Encoder::new();
        e.json(&value);
        let bytes = e.into_bytes();
        assert_eq!(to_json(&parse_value(&bytes, "v").unwrap()), value);
    }

    #[test]
    fn fields_name_the_map_and_key() {
        let mut e = Encoder::new();
        e.map_len(2);
        e.str("n");
        e.str("text");
        e.str("s");
        e.uint(3);
        let bytes = e.into_bytes();
        let fields = MapFields::parse(&bytes, "the sample").unwrap();
        assert_eq!(
            fields.uint("n").unwrap_err(),
            "`n` of the sample is a string, expected an integer"
        );
        assert_eq!(
            fields.str("missing").unwrap_err(),
            "the sample has no `missing`"
        );
        assert_eq!(fields.opt_str("missing").unwrap(), None);
        assert!(
            parse_value(&[0x92, 0x01], "x")
                .unwrap_err()
                .contains("not valid MessagePack")
        );
        assert!(
            parse_value(&[0x01, 0x02], "x")
                .unwrap_err()
                .contains("after")
        );
    }
}
