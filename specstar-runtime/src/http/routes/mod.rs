//! The route families, one file each (http-api.md, "Routes"). Jobs, blobs, actions and backup
//! add their own file and one entry in [`FAMILIES`].

use axum::Router;
use serde_json::Value;

use super::projection::{Partial, Returns, Section, full_resource};
use super::router::AppState;
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};

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
    pub info: Option<RevisionInfo>,
    pub meta: ResourceMeta,
}

impl From<crate::model::Resource<Value>> for Loaded {
    fn from(r: crate::model::Resource<Value>) -> Self {
        Loaded {
            data: Some(r.data),
            info: Some(r.info),
            meta: r.meta,
        }
    }
}

/// Render one resource as the full-resource object (`returns` keys, each projected by
/// `partial`), or as one part for the deprecated aliases.
pub(super) fn render(
    loaded: Loaded,
    part: Part,
    returns: Returns,
    partial: &Partial,
) -> Result<Value> {
    let Loaded { data, info, meta } = loaded;
    let data = data.unwrap_or(Value::Null);
    let info = match info {
        Some(info) => to_json(&info)?,
        None => Value::Null,
    };
    Ok(match part {
        Part::Data => partial.apply(Section::Data, data),
        Part::Meta => partial.apply(Section::Meta, to_json(&meta)?),
        Part::RevisionInfo => partial.apply(Section::Info, info),
        Part::Full => full_resource(returns, partial, data, info, to_json(&meta)?),
    })
}

/// Serialize a wire type into a JSON value.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::Config {
        message: format!("cannot serialize a response: {e}"),
    })
}
