//! Backup archives: SpecStar's `.acbak` format version 2, byte-compatible with the Python
//! SpecStar 0.10 server, written by [`SpecStar::dump`](crate::app::SpecStar::dump) and read by
//! [`SpecStar::load`](crate::app::SpecStar::load), both streaming.
//!
//! ```no_run
//! # async fn demo(spec: specstar_runtime::app::SpecStar) -> specstar_runtime::Result<()> {
//! use specstar_runtime::backup::{DumpOptions, OnDuplicate};
//! let out = tokio::fs::File::create("backup.acbak").await.expect("create");
//! spec.dump(out, &DumpOptions::all()).await?;
//! let input = tokio::fs::File::open("backup.acbak").await.expect("open");
//! let stats = spec.load(input, OnDuplicate::Skip).await?;
//! # Ok(()) }
//! ```
//!
//! # Frames and records
//!
//! An archive is a sequence of frames: a 4-byte big-endian length, then one MessagePack map
//! whose first key `"t"` names the record type, then the record's fields in the order below.
//!
//! | record | map |
//! |---|---|
//! | header (first) | `{"t": "HeaderRecord", "version": 2}` |
//! | model start | `{"t": "ModelStartRecord", "model_name": str}` |
//! | meta | `{"t": "MetaRecord", "data": bin}` — the meta map below |
//! | revision | `{"t": "RevisionRecord", "data": bin}` — `{"info": <info map>, "raw_data": bin}` |
//! | blob | `{"t": "BlobRecord", "file_id": str, "blob_data": bin, "size": int, "content_type": str}` |
//! | model end | `{"t": "ModelEndRecord", "model_name": str}` |
//! | end (last) | `{"t": "EofRecord"}` |
//!
//! Per model: its start record, then for each resource its meta followed by all its revisions
//! (oldest first), then the blobs those revisions reference (each once), then its end record.
//! Deleted resources are included. `raw_data` is the stored payload in the model's encoding
//! (compact JSON by default) and `data_hash` is `"xxh3_128:" + hex(xxh3_128(raw_data))`.
//!
//! # Field by field
//!
//! Every value takes the smallest MessagePack form that holds it (as Python's `msgpack` and
//! `msgspec` write): `str` is fixstr/str8/16/32, `bin` is bin8/16/32 (never `str`), integers
//! are positive fixint/uint8/16/32/64 (negative: negative fixint/int8/16/32/64), floats are
//! float 64, maps fixmap/map16/32. Times are timestamps (extension type -1) in the smallest
//! form of the MessagePack specification — 32-bit when whole seconds in `0..2³²`, 64-bit up to
//! 2³⁴ seconds (so times with microseconds take the 64-bit form), else 96-bit.
//!
//! `MetaRecord.data`, a map of 15 entries in this order:
//!
//! | key | encoding |
//! |---|---|
//! | `current_revision_id`, `resource_id` | str |
//! | `schema_version` | str, or nil when unversioned |
//! | `total_revision_count` | int |
//! | `created_time`, `updated_time` | timestamp |
//! | `created_by`, `updated_by` | str |
//! | `is_deleted` | bool |
//! | `indexed_data` | map: str keys (dotted paths), JSON values as nil/bool/int/float/str/array/map |
//! | `rev_status` | str `"draft"` / `"stable"` |
//! | `rev_created_by`, `rev_updated_by` | str |
//! | `rev_created_time`, `rev_updated_time` | timestamp |
//!
//! The revision's `info`, a map of 11 entries in this order (12 with `parent_schema_version`):
//!
//! | key | encoding |
//! |---|---|
//! | `uid`, `resource_id`, `revision_id` | str |
//! | `parent_revision_id` | str, or nil for the first revision |
//! | `schema_version` | str or nil |
//! | `data_hash` | str |
//! | `status` | str `"draft"` / `"stable"` |
//! | `created_time`, `updated_time` | timestamp |
//! | `created_by`, `updated_by` | str |
//! | `parent_schema_version` | str; the key is absent unless the revision was written by a migration |
//!
//! Reading is as strict about structure and lenient about encoding: unknown keys are ignored;
//! a missing `schema_version`/`parent_revision_id` reads as nil; times may also be RFC 3339
//! strings; `bin` fields may also be `str`; times are truncated to microseconds (what every
//! backend stores). `indexed_data` is read best-effort (values without a JSON form become
//! null) because a load recomputes it from the data.
//!
//! # Blobs
//!
//! Dump lists the `file_id`s of the [`Binary`](crate::model::Binary) values in every revision
//! it writes (found from the model's schema in the raw payload) and, after the model's
//! resources, writes one `BlobRecord` per distinct file the blob store holds, with its stored
//! content type. Load checks each blob record (its size must match its bytes, its id must be
//! 1 to 512 bytes) in the first pass, spooling the blobs apart, and writes them into the blob
//! store under their archived ids before any resource; an archive with blobs is refused
//! (`NotConfigured`, nothing written) by an app without a blob store.
//!
//! # Loading without partial writes
//!
//! A load reads the archive twice: a first pass checks everything that can be checked without
//! writing — frame boundaries, MessagePack, record order, version, model names, each
//! `data_hash`, each blob, that each current revision decodes into its model, and (under
//! [`OnDuplicate::RaiseError`]) that no resource exists yet — while copying the input to an
//! anonymous temporary file; the second pass reads that copy and writes each resource
//! atomically with [`ResourceStore::import`](crate::storage::ResourceStore::import). See
//! [`CheckedArchive::load`] for what can still fail half-way.

mod dump;
mod format;
mod load;
mod msgpack;
mod reader;
mod writer;

pub use dump::{DUMP_PAGE_SIZE, DumpOptions};
pub use format::{
    ARCHIVE_VERSION, BlobRecord, FRAME_PREFIX_LEN, Record, encode_meta, encode_revision,
};
pub use load::{CheckedArchive, LoadStats, OnDuplicate};
pub use msgpack::TIMESTAMP_EXT;
pub use reader::{ArchiveReader, DEFAULT_MAX_FRAME_LEN, Frame};
pub use writer::ArchiveWriter;
