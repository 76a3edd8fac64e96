//! What `#[derive(Resource)]` tells the runtime about a type: plain `'static` data.

use crate::model::{Encoding, RevisionStatus};

/// Everything the runtime knows about one resource type. Built by `#[derive(Resource)]` as a
/// `static`; read by the manager, the storage backends, the HTTP layer and OpenAPI.
#[derive(Debug)]
pub struct ResourceDescriptor {
    /// The resource name used in ids and URLs (kebab-case of the type name unless renamed).
    pub name: &'static str,
    /// The Rust type name, for messages.
    pub type_name: &'static str,
    /// The doc comment of the struct, if any.
    pub description: Option<&'static str>,
    /// Every indexed path: declared `#[index]`/`#[unique]` fields, container
    /// `#[specstar(index = "a.b")]` paths, nested indexes, and resource-id ref fields.
    pub indexes: &'static [IndexSpec],
    /// References to other resources.
    pub refs: &'static [RefSpec],
    /// The field holding the human-readable name, if any.
    pub display_name: Option<&'static str>,
    /// Status of new revisions when the app sets none (`None`: the app default, else stable).
    pub default_status: Option<RevisionStatus>,
    /// Payload encoding (`None`: the app default, else JSON).
    pub encoding: Option<Encoding>,
    /// Current schema version (`#[specstar(version = "...")]`).
    pub version: Option<&'static str>,
}

impl ResourceDescriptor {
    /// The index on `path`, if any.
    pub fn index(&self, path: &str) -> Option<&'static IndexSpec> {
        self.indexes.iter().find(|i| i.path == path)
    }

    /// The unique indexes.
    pub fn unique_indexes(&self) -> impl Iterator<Item = &'static IndexSpec> {
        self.indexes.iter().filter(|i| i.unique)
    }
}

/// One indexed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    /// Dotted path into the serialized data (`"level"`, `"stats.hp"`).
    pub path: &'static str,
    /// What kind of value is stored at the path (element kind for lists).
    pub kind: IndexKind,
    /// Unique among non-deleted resources (`None` may repeat).
    pub unique: bool,
    /// The value may be null (`Option<T>`).
    pub nullable: bool,
    /// The value is a list (`Vec<T>`); queries use `contains`.
    pub list: bool,
}

/// The kind of an indexed value, used by SQL backends to pick a column type and by the
/// query parser to type literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexKind {
    String,
    Integer,
    Float,
    Boolean,
    /// RFC 3339 time, stored as a string in `indexed_data`.
    DateTime,
    /// Unknown at compile time (container `index = "a.b"` paths): any JSON scalar.
    Any,
}

/// A reference from a field of this resource to another resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefSpec {
    /// The field holding the id (top-level field name).
    pub field: &'static str,
    /// The target resource name.
    pub target: &'static str,
    pub ref_type: RefType,
    pub on_delete: OnDelete,
    /// The field is an `Option<_>`.
    pub nullable: bool,
    /// The field is a `Vec<String>` of ids.
    pub list: bool,
}

/// What a reference field stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefType {
    /// A resource id; participates in on-delete rules, indexing and referrers.
    ResourceId,
    /// A revision id (pinned) or a resource id (latest); never indexed, always dangling.
    RevisionId,
}

/// What happens to referrers when the target is soft-deleted.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    /// Nothing; the reference dangles (default).
    #[default]
    Dangling,
    /// A new revision of the referrer with the field set to null (field must be `Option`).
    SetNull,
    /// The referrer is soft-deleted too.
    Cascade,
}
