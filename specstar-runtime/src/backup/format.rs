//! Frames and records of the `.acbak` version 2 format: what each record holds and its exact
//! bytes (see the module docs of [`crate::backup`] for the field-by-field table).

use super::msgpack::{Encoder, MapFields};
use crate::model::{ResourceMeta, RevisionInfo, RevisionStatus};
use crate::resource::hash::data_hash;
use crate::storage::StoredRevision;

/// The only archive format version this crate reads and writes.
pub const ARCHIVE_VERSION: u64 = 2;

/// Size of a frame's length prefix (a big-endian u32).
pub const FRAME_PREFIX_LEN: usize = 4;

/// One record of an archive.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// `{"t": "HeaderRecord", "version": 2}`: the first record.
    Header { version: u64 },
    /// `{"t": "ModelStartRecord", "model_name": m}`: opens a model section.
    ModelStart { model_name: String },
    /// `{"t": "MetaRecord", "data": <bin>}`: a resource's meta; its revisions follow.
    Meta(ResourceMeta),
    /// `{"t": "RevisionRecord", "data": <bin>}`: one revision of the last meta's resource,
    /// with its stored payload bytes.
    Revision(StoredRevision),
    /// `{"t": "BlobRecord", "file_id", "blob_data", "size", "content_type"}`: a blob referenced
    /// by the revisions before it.
    Blob(BlobRecord),
    /// `{"t": "ModelEndRecord", "model_name": m}`: closes the model section.
    ModelEnd { model_name: String },
    /// `{"t": "EofRecord"}`: the last record.
    Eof,
}

/// A blob carried by an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRecord {
    pub file_id: String,
    pub blob_data: Vec<u8>,
    pub size: u64,
    pub content_type: String,
}

impl Record {
    /// The record's tag (the value of `"t"`).
    pub fn tag(&self) -> &'static str {
        match self {
            Record::Header { .. } => "HeaderRecord",
            Record::ModelStart { .. } => "ModelStartRecord",
            Record::Meta(_) => "MetaRecord",
            Record::Revision(_) => "RevisionRecord",
            Record::Blob(_) => "BlobRecord",
            Record::ModelEnd { .. } => "ModelEndRecord",
            Record::Eof => "EofRecord",
        }
    }

    /// The record's MessagePack map (a frame's payload, without the length prefix).
    ///
    /// ```
    /// use specstar_runtime::backup::Record;
    /// let bytes = Record::Header { version: 2 }.encode();
    /// // fixmap(2) "t" "HeaderRecord" "version" 2
    /// assert_eq!(bytes, b"\x82\xa1t\xacHeaderRecord\xa7version\x02");
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        let tag = |e: &mut Encoder, len: u32| {
            e.map_len(len);
            e.str("t");
            e.str(self.tag());
        };
        match self {
            Record::Header { version } => {
                tag(&mut e, 2);
                e.str("version");
                e.uint(*version);
            }
            Record::ModelStart { model_name } | Record::ModelEnd { model_name } => {
                tag(&mut e, 2);
                e.str("model_name");
                e.str(model_name);
            }
            Record::Meta(meta) => {
                tag(&mut e, 2);
                e.str("data");
                e.bin(&encode_meta(meta));
            }
            Record::Revision(revision) => {
                tag(&mut e, 2);
                e.str("data");
                e.bin(&encode_revision(revision));
            }
            Record::Blob(blob) => {
                tag(&mut e, 5);
                e.str("file_id");
                e.str(&blob.file_id);
                e.str("blob_data");
                e.bin(&blob.blob_data);
                e.str("size");
                e.uint(blob.size);
                e.str("content_type");
                e.str(&blob.content_type);
            }
            Record::Eof => tag(&mut e, 1),
        }
        e.into_bytes()
    }

    /// Decode a frame's payload. Errors describe what is wrong (the reader adds the position).
    /// A revision whose `data_hash` does not match its `raw_data` is an error.
    pub fn decode(payload: &[u8]) -> Result<Record, String> {
        let fields = MapFields::parse(payload, "the record")?;
        let tag = fields.str("t")?;
        let fields = fields.described_as(format!("the {tag}"));
        Ok(match tag {
            "HeaderRecord" => Record::Header {
                version: fields.uint("version")?,
            },
            "ModelStartRecord" => Record::ModelStart {
                model_name: fields.str("model_name")?.to_owned(),
            },
            "ModelEndRecord" => Record::ModelEnd {
                model_name: fields.str("model_name")?.to_owned(),
            },
            "MetaRecord" => Record::Meta(decode_meta(fields.bytes("data")?)?),
            "RevisionRecord" => Record::Revision(decode_revision(fields.bytes("data")?)?),
            "BlobRecord" => {
                let blob = BlobRecord {
                    file_id: fields.str("file_id")?.to_owned(),
                    blob_data: fields.bytes("blob_data")?.to_vec(),
                    size: fields.uint("size")?,
                    content_type: fields.str("content_type")?.to_owned(),
                };
                if blob.blob_data.len() as u64 != blob.size {
                    return Err(format!(
                        "blob `{}` has {} bytes but its size says {}",
                        blob.file_id,
                        blob.blob_data.len(),
                        blob.size
                    ));
                }
                Record::Blob(blob)
            }
            "EofRecord" => Record::Eof,
            other => return Err(format!("unknown record type `{other}`")),
        })
    }

    /// The whole frame: the payload's length as a big-endian u32, then the payload. `None` when
    /// the payload is 4 GiB or more (it cannot be framed).
    pub fn frame(&self) -> Option<Vec<u8>> {
        frame(&self.encode())
    }
}

/// Prefix `payload` with its length. `None` when it does not fit a u32.
pub fn frame(payload: &[u8]) -> Option<Vec<u8>> {
    let len = u32::try_from(payload.len()).ok()?;
    let mut out = Vec::with_capacity(FRAME_PREFIX_LEN + payload.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    Some(out)
}

/// `MetaRecord.data`: the meta's 15 fields in wire order.
pub fn encode_meta(meta: &ResourceMeta) -> Vec<u8> {
    let mut e = Encoder::new();
    e.map_len(15);
    e.str("current_revision_id");
    e.str(&meta.current_revision_id);
    e.str("resource_id");
    e.str(&meta.resource_id);
    e.str("schema_version");
    e.opt_str(meta.schema_version.as_deref());
    e.str("total_revision_count");
    e.uint(meta.total_revision_count);
    e.str("created_time");
    e.timestamp(&meta.created_time);
    e.str("updated_time");
    e.timestamp(&meta.updated_time);
    e.str("created_by");
    e.str(&meta.created_by);
    e.str("updated_by");
    e.str(&meta.updated_by);
    e.str("is_deleted");
    e.bool(meta.is_deleted);
    e.str("indexed_data");
    e.json_map(&meta.indexed_data);
    e.str("rev_status");
    e.str(meta.rev_status.as_str());
    e.str("rev_created_by");
    e.str(&meta.rev_created_by);
    e.str("rev_updated_by");
    e.str(&meta.rev_updated_by);
    e.str("rev_created_time");
    e.timestamp(&meta.rev_created_time);
    e.str("rev_updated_time");
    e.timestamp(&meta.rev_updated_time);
    e.into_bytes()
}

/// `RevisionRecord.data`: `{"info": <RevisionInfo>, "raw_data": <bin>}`.
pub fn encode_revision(revision: &StoredRevision) -> Vec<u8> {
    let mut e = Encoder::new();
    e.map_len(2);
    e.str("info");
    encode_info(&mut e, &revision.info);
    e.str("raw_data");
    e.bin(&revision.data);
    e.into_bytes()
}

/// A `RevisionInfo` map: 11 fields in wire order, `parent_schema_version` as a 12th only when
/// present (as in the JSON wire type).
fn encode_info(e: &mut Encoder, info: &RevisionInfo) {
    e.map_len(if info.parent_schema_version.is_some() {
        12
    } else {
        11
    });
    e.str("uid");
    e.str(&info.uid);
    e.str("resource_id");
    e.str(&info.resource_id);
    e.str("revision_id");
    e.str(&info.revision_id);
    e.str("parent_revision_id");
    e.opt_str(info.parent_revision_id.as_deref());
    e.str("schema_version");
    e.opt_str(info.schema_version.as_deref());
    e.str("data_hash");
    e.str(&info.data_hash);
    e.str("status");
    e.str(info.status.as_str());
    e.str("created_time");
    e.timestamp(&info.created_time);
    e.str("updated_time");
    e.timestamp(&info.updated_time);
    e.str("created_by");
    e.str(&info.created_by);
    e.str("updated_by");
    e.str(&info.updated_by);
    if let Some(parent) = &info.parent_schema_version {
        e.str("parent_schema_version");
        e.str(parent);
    }
}

fn status(fields: &MapFields<'_>, key: &str) -> Result<RevisionStatus, String> {
    match fields.str(key)? {
        "draft" => Ok(RevisionStatus::Draft),
        "stable" => Ok(RevisionStatus::Stable),
        other => Err(format!(
            "`{key}` of {} is `{other}` (expected `draft` or `stable`)",
            fields.what()
        )),
    }
}

/// Decode `MetaRecord.data`.
pub fn decode_meta(data: &[u8]) -> Result<ResourceMeta, String> {
    let f = MapFields::parse(data, "a MetaRecord's data")?;
    let id = f.str("resource_id")?;
    let f = f.described_as(format!("the meta of `{id}`"));
    Ok(ResourceMeta {
        current_revision_id: f.str("current_revision_id")?.to_owned(),
        resource_id: id.to_owned(),
        schema_version: f.opt_str("schema_version")?.map(str::to_owned),
        total_revision_count: f.uint("total_revision_count")?,
        created_time: f.time("created_time")?,
        updated_time: f.time("updated_time")?,
        created_by: f.str("created_by")?.to_owned(),
        updated_by: f.str("updated_by")?.to_owned(),
        is_deleted: f.bool("is_deleted")?,
        indexed_data: f.json_map("indexed_data")?,
        rev_status: status(&f, "rev_status")?,
        rev_created_by: f.str("rev_created_by")?.to_owned(),
        rev_updated_by: f.str("rev_updated_by")?.to_owned(),
        rev_created_time: f.time("rev_created_time")?,
        rev_updated_time: f.time("rev_updated_time")?,
    })
}

/// Decode `RevisionRecord.data`, checking `data_hash` against `raw_data`.
pub fn decode_revision(data: &[u8]) -> Result<StoredRevision, String> {
    let outer = MapFields::parse(data, "a RevisionRecord's data")?;
    let raw_data = outer.bytes("raw_data")?;
    let info = outer
        .get("info")
        .cloned()
        .ok_or_else(|| "a RevisionRecord's data has no `info`".to_owned())?;
    let f = MapFields::new(info, "the info of a RevisionRecord")?;
    let revision_id = f.str("revision_id")?;
    let f = f.described_as(format!("the info of revision `{revision_id}`"));
    let info = RevisionInfo {
        uid: f.str("uid")?.to_owned(),
        resource_id: f.str("resource_id")?.to_owned(),
        revision_id: revision_id.to_owned(),
        parent_revision_id: f.opt_str("parent_revision_id")?.map(str::to_owned),
        schema_version: f.opt_str("schema_version")?.map(str::to_owned),
        data_hash: f.str("data_hash")?.to_owned(),
        status: status(&f, "status")?,
        created_time: f.time("created_time")?,
        updated_time: f.time("updated_time")?,
        created_by: f.str("created_by")?.to_owned(),
        updated_by: f.str("updated_by")?.to_owned(),
        parent_schema_version: f.opt_str("parent_schema_version")?.map(str::to_owned),
    };
    let actual = data_hash(raw_data);
    if info.data_hash != actual {
        return Err(format!(
            "the data_hash of revision `{revision_id}` is `{}` but its raw_data hashes to `{actual}` \
             (the archive is corrupted)",
            info.data_hash
        ));
    }
    Ok(StoredRevision {
        info,
        data: raw_data.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::now;

    fn meta() -> ResourceMeta {
        let t = now();
        let mut indexed = serde_json::Map::new();
        indexed.insert("level".into(), serde_json::json!(-3));
        ResourceMeta {
            current_revision_id: "zone:a:2".into(),
            resource_id: "zone:a".into(),
            schema_version: Some("v2".into()),
            total_revision_count: 2,
            created_time: t,
            updated_time: t,
            created_by: "alice".into(),
            updated_by: "bob".into(),
            is_deleted: true,
            indexed_data: indexed,
            rev_status: RevisionStatus::Draft,
            rev_created_by: "bob".into(),
            rev_updated_by: "bob".into(),
            rev_created_time: t,
            rev_updated_time: t,
        }
    }

    fn revision(raw: &[u8]) -> StoredRevision {
        let t = now();
        StoredRevision {
            info: RevisionInfo {
                uid: "u".into(),
                resource_id: "zone:a".into(),
                revision_id: "zone:a:1".into(),
                parent_revision_id: None,
                schema_version: None,
                data_hash: data_hash(raw),
                status: RevisionStatus::Stable,
                created_time: t,
                updated_time: t,
                created_by: "alice".into(),
                updated_by: "alice".into(),
                parent_schema_version: Some("v1".into()),
            },
            data: raw.to_vec(),
        }
    }

    #[test]
    fn every_record_round_trips() {
        let records = [
            Record::Header { version: 2 },
            Record::ModelStart {
                model_name: "zone".into(),
            },
            Record::Meta(meta()),
            Record::Revision(revision(br#"{"name":"a"}"#)),
            Record::Blob(BlobRecord {
                file_id: "f".into(),
                blob_data: vec![0, 1, 2],
                size: 3,
                content_type: "image/png".into(),
            }),
            Record::ModelEnd {
                model_name: "zone".into(),
            },
            Record::Eof,
        ];
        for record in records {
            assert_eq!(Record::decode(&record.encode()).unwrap(), record);
        }
    }

    #[test]
    fn a_hash_mismatch_is_refused() {
        let mut bad = revision(b"{}");
        bad.data = b"{ }".to_vec();
        let err = Record::decode(&Record::Revision(bad).encode()).unwrap_err();
        assert!(err.contains("data_hash of revision `zone:a:1`"), "{err}");
    }

    #[test]
    fn bad_records_say_what_is_wrong() {
        let mut e = Encoder::new();
        e.map_len(1);
        e.str("t");
        e.str("Surprise");
        assert_eq!(
            Record::decode(&e.into_bytes()).unwrap_err(),
            "unknown record type `Surprise`"
        );
        let mut e = Encoder::new();
        e.map_len(2);
        e.str("t");
        e.str("HeaderRecord");
        e.str("version");
        e.str("2");
        assert!(
            Record::decode(&e.into_bytes())
                .unwrap_err()
                .contains("`version` of the HeaderRecord is a string")
        );
        let blob = Record::Blob(BlobRecord {
            file_id: "f".into(),
            blob_data: vec![1],
            size: 2,
            content_type: "x".into(),
        });
        assert!(Record::decode(&blob.encode()).unwrap_err().contains("size"));
    }
}
