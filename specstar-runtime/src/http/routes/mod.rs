//! The route families, one file each (http-api.md, "Routes"). Jobs and actions add their own
//! file and one entry in [`FAMILIES`].

use axum::Router;
use serde_json::Value;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::projection::{Partial, Returns, Section};
use super::router::AppState;
use std::sync::Arc;

use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::resource::engine::SharedResource;
use crate::storage::StoredRevision;

mod backup;
mod blobs;
mod create;
mod delete;
mod list;
mod migrate;
mod read;
mod refs;
mod revisions;
mod switch;
mod update;

/// Every route family: a function building its routes.
const FAMILIES: &[fn() -> Router<AppState>] = &[
    create::routes,
    list::routes,
    read::routes,
    revisions::routes,
    update::routes,
    switch::routes,
    delete::routes,
    refs::routes,
    migrate::routes,
    backup::routes,
    blobs::routes,
];

/// Every route of every family.
pub(super) fn all() -> Router<AppState> {
    FAMILIES
        .iter()
        .fold(Router::new(), |router, family| router.merge(family()))
}

/// What a read or list answers: the full resource (`Full`, also the main routes) or one part
/// (the deprecated aliases `/data`, `/meta`, `/revision-info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Part {
    Data,
    Meta,
    RevisionInfo,
    Full,
}

impl Part {
    /// The part's path segment.
    pub(super) fn segment(self) -> &'static str {
        match self {
            Part::Data => "data",
            Part::Meta => "meta",
            Part::RevisionInfo => "revision-info",
            Part::Full => "full",
        }
    }

    /// The parts every alias route is registered for.
    pub(super) const ALL: [Part; 4] = [Part::Data, Part::Meta, Part::RevisionInfo, Part::Full];

    /// Does rendering this part (with `returns`) need the revision's data or info?
    pub(super) fn needs_revision(self, returns: Returns) -> bool {
        match self {
            Part::Data | Part::RevisionInfo => true,
            Part::Meta => false,
            Part::Full => returns.data || returns.revision_info,
        }
    }
}

/// What was loaded of one resource: the meta always, the revision when a part needs it.
pub(super) struct Loaded {
    pub data: Option<Value>,
    pub info: Option<LoadedInfo>,
    /// Shared with the store on a read (serialized from there, not copied).
    pub meta: Arc<ResourceMeta>,
}

/// A loaded revision info: owned (searches), or inside the revision the store holds (reads).
// Short-lived (one per resource of a response); boxing the owned info would cost a list an
// allocation per resource.
#[allow(clippy::large_enum_variant)]
pub(super) enum LoadedInfo {
    Owned(RevisionInfo),
    Stored(Arc<StoredRevision>),
}

impl std::ops::Deref for LoadedInfo {
    type Target = RevisionInfo;

    fn deref(&self) -> &RevisionInfo {
        match self {
            LoadedInfo::Owned(info) => info,
            LoadedInfo::Stored(revision) => &revision.info,
        }
    }
}

impl Serialize for LoadedInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl Loaded {
    /// Just the meta (the parts that need no revision).
    pub(super) fn meta(meta: ResourceMeta) -> Self {
        Loaded {
            data: None,
            info: None,
            meta: Arc::new(meta),
        }
    }
}

impl From<crate::model::Resource<Value>> for Loaded {
    fn from(r: crate::model::Resource<Value>) -> Self {
        Loaded {
            data: Some(r.data),
            info: Some(LoadedInfo::Owned(r.info)),
            meta: Arc::new(r.meta),
        }
    }
}

impl From<SharedResource> for Loaded {
    fn from(r: SharedResource) -> Self {
        Loaded {
            data: Some(r.data),
            info: Some(LoadedInfo::Stored(r.revision)),
            meta: r.meta,
        }
    }
}

/// One section of a response: the wire value as loaded, or its projection by `partial`.
enum Piece<T> {
    Direct(T),
    Projected(Value),
}

impl<T: Serialize> Serialize for Piece<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Piece::Direct(value) => value.serialize(serializer),
            Piece::Projected(value) => value.serialize(serializer),
        }
    }
}

impl<T: Serialize> Piece<T> {
    /// `value` as is, or projected when `partial` selects paths of `section`.
    fn new(value: T, section: Section, partial: &Partial) -> Result<Self> {
        Ok(if partial.selects(section) {
            Piece::Projected(partial.apply(section, to_json(&value)?))
        } else {
            Piece::Direct(value)
        })
    }
}

/// A resource ready to be written into a response: the full-resource object (`returns` keys,
/// in wire order `data`, `revision_info`, `meta`), or one part for the deprecated aliases.
///
/// Sections that `partial` does not name are serialized straight from the wire types, without
/// building an intermediate `Value` tree (the read and list hot path).
pub(super) struct Rendered {
    part: Part,
    returns: Returns,
    data: Value,
    info: Piece<Option<LoadedInfo>>,
    meta: Piece<Arc<ResourceMeta>>,
}

impl Serialize for Rendered {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.part {
            Part::Data => self.data.serialize(serializer),
            Part::Meta => self.meta.serialize(serializer),
            Part::RevisionInfo => self.info.serialize(serializer),
            Part::Full => {
                let r = self.returns;
                let len = [r.data, r.revision_info, r.meta]
                    .iter()
                    .filter(|k| **k)
                    .count();
                let mut map = serializer.serialize_map(Some(len))?;
                if r.data {
                    map.serialize_entry("data", &self.data)?;
                }
                if r.revision_info {
                    map.serialize_entry("revision_info", &self.info)?;
                }
                if r.meta {
                    map.serialize_entry("meta", &self.meta)?;
                }
                map.end()
            }
        }
    }
}

/// Render one resource for a read or list answer (see [`Rendered`]); a part that was not
/// loaded is `null`.
pub(super) fn render(
    loaded: Loaded,
    part: Part,
    returns: Returns,
    partial: &Partial,
) -> Result<Rendered> {
    let Loaded { data, info, meta } = loaded;
    Ok(Rendered {
        part,
        returns,
        data: partial.apply(Section::Data, data.unwrap_or(Value::Null)),
        info: Piece::new(info, Section::Info, partial)?,
        meta: Piece::new(meta, Section::Meta, partial)?,
    })
}

/// Serialize a wire type into a JSON value.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Config {
        message: format!("cannot serialize a response: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RevisionStatus, now};
    use serde_json::json;

    fn loaded() -> Loaded {
        let t = now();
        let info = RevisionInfo {
            uid: "u".into(),
            resource_id: "zone:a".into(),
            revision_id: "zone:a:1".into(),
            parent_revision_id: None,
            schema_version: None,
            data_hash: "xxh3_128:0".into(),
            status: RevisionStatus::Stable,
            created_time: t,
            updated_time: t,
            created_by: "alice".into(),
            updated_by: "alice".into(),
            parent_schema_version: None,
        };
        let mut meta: ResourceMeta = serde_json::from_value(json!({
            "current_revision_id": "zone:a:1", "resource_id": "zone:a", "schema_version": null,
            "total_revision_count": 1, "created_time": "2026-01-01T00:00:00Z",
            "updated_time": "2026-01-01T00:00:00Z", "created_by": "alice",
            "updated_by": "alice", "is_deleted": false, "indexed_data": {"level": 3},
            "rev_status": "stable", "rev_created_by": "alice", "rev_updated_by": "alice",
            "rev_created_time": "2026-01-01T00:00:00Z", "rev_updated_time": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        meta.created_time = t;
        Loaded {
            data: Some(json!({"name": "Shire", "level": 3})),
            info: Some(LoadedInfo::Owned(info)),
            meta: Arc::new(meta),
        }
    }

    fn json_of(rendered: Rendered) -> Value {
        // through bytes, as a response: the key order is the one written
        serde_json::from_slice(&serde_json::to_vec(&rendered).unwrap()).unwrap()
    }

    #[test]
    fn direct_rendering_is_the_wire_types_in_wire_key_order() {
        let l = loaded();
        let expected = json!({
            "data": l.data.clone().unwrap(),
            "revision_info": to_json(&l.info).unwrap(),
            "meta": to_json(&l.meta).unwrap(),
        });
        let v = json_of(render(l, Part::Full, Returns::default(), &Partial::default()).unwrap());
        assert_eq!(v, expected);
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["data", "revision_info", "meta"]);

        let returns = Returns::parse(Some("meta,data")).unwrap();
        let v = json_of(render(loaded(), Part::Full, returns, &Partial::default()).unwrap());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["data", "meta"]);
    }

    #[test]
    fn partial_projects_only_the_sections_it_names() {
        let partial = Partial::parse(&["name", "meta/indexed_data"], Section::Data).unwrap();
        let v = json_of(render(loaded(), Part::Full, Returns::default(), &partial).unwrap());
        assert_eq!(v["data"], json!({"name": "Shire"}));
        assert_eq!(v["meta"], json!({"indexed_data": {"level": 3}}));
        assert_eq!(v["revision_info"]["revision_id"], "zone:a:1");
    }

    #[test]
    fn alias_parts_and_missing_parts() {
        let v = json_of(
            render(
                loaded(),
                Part::Data,
                Returns::default(),
                &Partial::default(),
            )
            .unwrap(),
        );
        assert_eq!(v, json!({"name": "Shire", "level": 3}));
        let v = json_of(
            render(
                loaded(),
                Part::Meta,
                Returns::default(),
                &Partial::default(),
            )
            .unwrap(),
        );
        assert_eq!(v["resource_id"], "zone:a");
        let meta_only = Loaded {
            data: None,
            info: None,
            ..loaded()
        };
        let v = json_of(
            render(
                meta_only,
                Part::RevisionInfo,
                Returns::default(),
                &Partial::default(),
            )
            .unwrap(),
        );
        assert_eq!(v, Value::Null);
    }
}
