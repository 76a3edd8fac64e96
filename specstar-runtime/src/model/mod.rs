//! Wire types shared by every layer: [`RevisionInfo`], [`ResourceMeta`], [`RevisionStatus`],
//! [`Resource`], [`Binary`], and the one [`Error`] enum.
//!
//! Field order and names follow the SpecStar REST surface exactly, because they are serialized
//! as-is on the wire and into backup archives.

mod binary;
mod error;
mod time;

pub(crate) use binary::decode_base64;
pub use binary::{BINARY_SCHEMA_MARKER, Binary, DEFAULT_CONTENT_TYPE};
pub use error::{Error, Result};
pub use time::{Timestamp, now, wire_time, wire_time_opt};

use serde::{Deserialize, Serialize};

/// Status of one revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RevisionStatus {
    /// A draft may be modified in place (`modify`).
    Draft,
    /// A stable revision is immutable; changing it writes a new revision.
    Stable,
}

impl RevisionStatus {
    /// The wire spelling (`"draft"` / `"stable"`).
    pub fn as_str(self) -> &'static str {
        match self {
            RevisionStatus::Draft => "draft",
            RevisionStatus::Stable => "stable",
        }
    }
}

impl std::fmt::Display for RevisionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RevisionStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "draft" => Ok(RevisionStatus::Draft),
            "stable" => Ok(RevisionStatus::Stable),
            other => Err(Error::BadRequest {
                parameter: "status".into(),
                message: format!(
                    "unknown revision status `{other}` (expected `draft` or `stable`)"
                ),
            }),
        }
    }
}

/// How a resource's payload is encoded in storage. The stored bytes hash to `data_hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Compact JSON, fields in declaration order (the default).
    #[default]
    Json,
    /// MessagePack with field names (a map per struct).
    Msgpack,
}

/// Information about one revision of a resource (wire type, field order matters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RevisionInfo {
    /// A fresh UUID on every write (also on an in-place modify).
    pub uid: String,
    /// `"{resource name}:{uuid4}"`.
    pub resource_id: String,
    /// `"{resource_id}:{n}"`, n = 1, 2, … never reused.
    pub revision_id: String,
    /// The revision this one was written on top of; `None` for the first.
    pub parent_revision_id: Option<String>,
    /// Schema version of the type that wrote the payload (`None` when unversioned).
    pub schema_version: Option<String>,
    /// `"xxh3_128:<hex>"` of the stored payload bytes.
    pub data_hash: String,
    /// Draft or stable.
    pub status: RevisionStatus,
    #[serde(with = "wire_time")]
    #[schemars(with = "String")]
    pub created_time: Timestamp,
    #[serde(with = "wire_time")]
    #[schemars(with = "String")]
    pub updated_time: Timestamp,
    pub created_by: String,
    pub updated_by: String,
    /// Only present on a revision written by a migration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_schema_version: Option<String>,
}

/// Metadata of one resource (wire type, field order matters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResourceMeta {
    pub current_revision_id: String,
    pub resource_id: String,
    pub schema_version: Option<String>,
    pub total_revision_count: u64,
    #[serde(with = "wire_time")]
    #[schemars(with = "String")]
    pub created_time: Timestamp,
    #[serde(with = "wire_time")]
    #[schemars(with = "String")]
    pub updated_time: Timestamp,
    pub created_by: String,
    pub updated_by: String,
    pub is_deleted: bool,
    /// Extracted index values, keyed by dotted field path (`"level"`, `"stats.hp"`).
    /// A key is absent when the path is absent from the data.
    pub indexed_data: serde_json::Map<String, serde_json::Value>,
    /// Mirrors of the current revision.
    pub rev_status: RevisionStatus,
    pub rev_created_by: String,
    pub rev_updated_by: String,
    #[serde(with = "wire_time")]
    #[schemars(with = "String")]
    pub rev_created_time: Timestamp,
    #[serde(with = "wire_time")]
    #[schemars(with = "String")]
    pub rev_updated_time: Timestamp,
}

impl ResourceMeta {
    /// Copy the `rev_*` mirrors and `current_revision_id`/`schema_version` from `info`.
    pub fn mirror_revision(&mut self, info: &RevisionInfo) {
        self.current_revision_id = info.revision_id.clone();
        self.schema_version = info.schema_version.clone();
        self.rev_status = info.status;
        self.rev_created_by = info.created_by.clone();
        self.rev_updated_by = info.updated_by.clone();
        self.rev_created_time = info.created_time;
        self.rev_updated_time = info.updated_time;
    }
}

/// A resource as read: its data, the revision it comes from, and its metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource<T> {
    pub data: T,
    #[serde(rename = "revision_info")]
    pub info: RevisionInfo,
    pub meta: ResourceMeta,
}

/// A page of revisions as returned by `list_revisions` and the revision-list route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RevisionList {
    pub meta: ResourceMeta,
    pub revisions: Vec<RevisionInfo>,
    pub total: u64,
    pub has_more: bool,
}
