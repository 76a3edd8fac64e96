//! A test-data generator for `.acbak` version 2 archives, written from the format description
//! (http-api.md, "Backup archive") and the MessagePack specification alone: every byte is
//! assembled here by hand — no `rmp`, no `specstar_runtime::backup` — from field tables, so
//! the runtime's writer and reader can be compared with it byte for byte.
//!
//! An [`Archive`] is a list of frame payloads (so tests can drop, reorder or damage frames);
//! [`Archive::bytes`] adds the 4-byte big-endian length prefixes.

use serde_json::{Map, Value};
use specstar_runtime::model::{ResourceMeta, RevisionInfo, Timestamp};
use specstar_runtime::storage::StoredRevision;

/// One MessagePack value of a record, by the type the format gives it.
#[derive(Debug, Clone)]
pub enum Field {
    Str(String),
    Nil,
    UInt(u64),
    Bool(bool),
    Time(Timestamp),
    Bin(Vec<u8>),
    Json(Value),
    /// A map with string keys, in this order.
    Map(Vec<(String, Field)>),
}

fn s(text: &str) -> Field {
    Field::Str(text.to_owned())
}

fn opt(text: &Option<String>) -> Field {
    text.as_deref().map_or(Field::Nil, s)
}

/// The meta table: the 15 fields of ResourceMeta in wire order.
pub fn meta_fields(m: &ResourceMeta) -> Vec<(String, Field)> {
    let fields = vec![
        ("current_revision_id", s(&m.current_revision_id)),
        ("resource_id", s(&m.resource_id)),
        ("schema_version", opt(&m.schema_version)),
        ("total_revision_count", Field::UInt(m.total_revision_count)),
        ("created_time", Field::Time(m.created_time)),
        ("updated_time", Field::Time(m.updated_time)),
        ("created_by", s(&m.created_by)),
        ("updated_by", s(&m.updated_by)),
        ("is_deleted", Field::Bool(m.is_deleted)),
        (
            "indexed_data",
            Field::Json(Value::Object(m.indexed_data.clone())),
        ),
        ("rev_status", s(m.rev_status.as_str())),
        ("rev_created_by", s(&m.rev_created_by)),
        ("rev_updated_by", s(&m.rev_updated_by)),
        ("rev_created_time", Field::Time(m.rev_created_time)),
        ("rev_updated_time", Field::Time(m.rev_updated_time)),
    ];
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The info table: the 11 fields of RevisionInfo in wire order, plus `parent_schema_version`
/// only when the revision has one.
pub fn info_fields(i: &RevisionInfo) -> Vec<(String, Field)> {
    let mut fields = vec![
        ("uid", s(&i.uid)),
        ("resource_id", s(&i.resource_id)),
        ("revision_id", s(&i.revision_id)),
        ("parent_revision_id", opt(&i.parent_revision_id)),
        ("schema_version", opt(&i.schema_version)),
        ("data_hash", s(&i.data_hash)),
        ("status", s(i.status.as_str())),
        ("created_time", Field::Time(i.created_time)),
        ("updated_time", Field::Time(i.updated_time)),
        ("created_by", s(&i.created_by)),
        ("updated_by", s(&i.updated_by)),
    ];
    if let Some(parent) = &i.parent_schema_version {
        fields.push(("parent_schema_version", s(parent)));
    }
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// A record map: `"t"` first, then the fields.
pub fn record(tag: &str, fields: Vec<(&str, Field)>) -> Vec<u8> {
    let mut entries = vec![("t".to_owned(), s(tag))];
    entries.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    let mut out = Vec::new();
    put(&mut out, &Field::Map(entries));
    out
}

pub fn header(version: u64) -> Vec<u8> {
    record("HeaderRecord", vec![("version", Field::UInt(version))])
}

pub fn model_start(name: &str) -> Vec<u8> {
    record("ModelStartRecord", vec![("model_name", s(name))])
}

pub fn model_end(name: &str) -> Vec<u8> {
    record("ModelEndRecord", vec![("model_name", s(name))])
}

pub fn eof() -> Vec<u8> {
    record("EofRecord", vec![])
}

/// `MetaRecord` with `data` = the meta table as a map, as bin.
pub fn meta_record(meta: &ResourceMeta) -> Vec<u8> {
    meta_record_from(meta_fields(meta))
}

/// `MetaRecord` from an explicit (possibly altered) table.
pub fn meta_record_from(fields: Vec<(String, Field)>) -> Vec<u8> {
    let mut data = Vec::new();
    put(&mut data, &Field::Map(fields));
    record("MetaRecord", vec![("data", Field::Bin(data))])
}

/// `RevisionRecord` with `data` = `{"info": <info table>, "raw_data": bin}`, as bin.
pub fn revision_record(revision: &StoredRevision) -> Vec<u8> {
    revision_record_from(info_fields(&revision.info), &revision.data)
}

/// `RevisionRecord` from an explicit (possibly altered) info table.
pub fn revision_record_from(info: Vec<(String, Field)>, raw_data: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    put(
        &mut data,
        &Field::Map(vec![
            ("info".to_owned(), Field::Map(info)),
            ("raw_data".to_owned(), Field::Bin(raw_data.to_vec())),
        ]),
    );
    record("RevisionRecord", vec![("data", Field::Bin(data))])
}

pub fn blob_record(file_id: &str, bytes: &[u8], content_type: &str) -> Vec<u8> {
    record(
        "BlobRecord",
        vec![
            ("file_id", s(file_id)),
            ("blob_data", Field::Bin(bytes.to_vec())),
            ("size", Field::UInt(bytes.len() as u64)),
            ("content_type", s(content_type)),
        ],
    )
}

/// A resource of a generated archive.
#[derive(Debug, Clone)]
pub struct GenResource {
    pub meta: ResourceMeta,
    pub revisions: Vec<StoredRevision>,
    /// `(file_id, bytes, content_type)` written after the revisions.
    pub blobs: Vec<(String, Vec<u8>, String)>,
}

/// The frame payloads of an archive.
#[derive(Debug, Clone, Default)]
pub struct Archive {
    pub frames: Vec<Vec<u8>>,
}

impl Archive {
    /// A version-2 header.
    pub fn new() -> Self {
        Archive {
            frames: vec![header(2)],
        }
    }

    /// A model section with these resources in this order.
    pub fn model(mut self, name: &str, resources: &[GenResource]) -> Self {
        self.frames.push(model_start(name));
        for resource in resources {
            self.frames.push(meta_record(&resource.meta));
            for revision in &resource.revisions {
                self.frames.push(revision_record(revision));
            }
            for (file_id, bytes, content_type) in &resource.blobs {
                self.frames.push(blob_record(file_id, bytes, content_type));
            }
        }
        self.frames.push(model_end(name));
        self
    }

    /// The `EofRecord`.
    pub fn eof(mut self) -> Self {
        self.frames.push(eof());
        self
    }

    /// The archive's bytes: each payload behind its big-endian u32 length.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for frame in &self.frames {
            out.extend_from_slice(&(frame.len() as u32).to_be_bytes());
            out.extend_from_slice(frame);
        }
        out
    }
}

/// Append the MessagePack form of `field` (the smallest form, as the specification requires).
pub fn put(out: &mut Vec<u8>, field: &Field) {
    match field {
        Field::Str(text) => put_str(out, text),
        Field::Nil => out.push(0xc0),
        Field::UInt(n) => put_uint(out, *n),
        Field::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Field::Time(t) => put_time(out, t),
        Field::Bin(bytes) => {
            let n = bytes.len();
            if n < 0x100 {
                out.extend_from_slice(&[0xc4, n as u8]);
            } else if n < 0x10000 {
                out.push(0xc5);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            } else {
                out.push(0xc6);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            out.extend_from_slice(bytes);
        }
        Field::Json(value) => put_json(out, value),
        Field::Map(entries) => {
            put_map_len(out, entries.len());
            for (key, value) in entries {
                put_str(out, key);
                put(out, value);
            }
        }
    }
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    let n = text.len();
    if n < 32 {
        out.push(0xa0 | n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0xd9, n as u8]);
    } else if n < 0x10000 {
        out.push(0xda);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
    out.extend_from_slice(text.as_bytes());
}

fn put_uint(out: &mut Vec<u8>, n: u64) {
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0xcc, n as u8]);
    } else if n < 0x10000 {
        out.push(0xcd);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n < 0x1_0000_0000 {
        out.push(0xce);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn put_negative(out: &mut Vec<u8>, n: i64) {
    if n >= -32 {
        out.push(n as i8 as u8);
    } else if n >= -128 {
        out.extend_from_slice(&[0xd0, n as i8 as u8]);
    } else if n >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -(1 << 31) {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn put_map_len(out: &mut Vec<u8>, n: usize) {
    if n < 16 {
        out.push(0x80 | n as u8);
    } else if n < 0x10000 {
        out.push(0xde);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        out.push(0xdf);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

fn put_json(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                put_uint(out, u);
            } else if let Some(i) = n.as_i64() {
                put_negative(out, i);
            } else {
                out.push(0xcb);
                out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_bits().to_be_bytes());
            }
        }
        Value::String(text) => put_str(out, text),
        Value::Array(items) => {
            let n = items.len();
            if n < 16 {
                out.push(0x90 | n as u8);
            } else {
                out.push(0xdc);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            for item in items {
                put_json(out, item);
            }
        }
        Value::Object(map) => put_json_map(out, map),
    }
}

fn put_json_map(out: &mut Vec<u8>, map: &Map<String, Value>) {
    put_map_len(out, map.len());
    for (key, value) in map {
        put_str(out, key);
        put_json(out, value);
    }
}

/// The timestamp extension (type -1 = 0xff): 32-bit form (`d6 ff` + u32 seconds) for whole
/// seconds in 0..2^32; 64-bit form (`d7 ff` + nanoseconds << 34 | seconds) for seconds in
/// 0..2^34; else the 96-bit form (`c7 0c ff` + u32 nanoseconds + i64 seconds).
pub fn put_time(out: &mut Vec<u8>, t: &Timestamp) {
    let seconds = t.timestamp();
    let nanos = t.timestamp_subsec_nanos();
    if (0..1i64 << 34).contains(&seconds) {
        if nanos == 0 && seconds < 1i64 << 32 {
            out.extend_from_slice(&[0xd6, 0xff]);
            out.extend_from_slice(&(seconds as u32).to_be_bytes());
        } else {
            out.extend_from_slice(&[0xd7, 0xff]);
            out.extend_from_slice(&(((nanos as u64) << 34) | seconds as u64).to_be_bytes());
        }
    } else {
        out.extend_from_slice(&[0xc7, 0x0c, 0xff]);
        out.extend_from_slice(&nanos.to_be_bytes());
        out.extend_from_slice(&seconds.to_be_bytes());
    }
}
