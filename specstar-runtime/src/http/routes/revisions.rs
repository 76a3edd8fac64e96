//! `GET /{model}/{id}/revision-list`: a page of a resource's revisions
//! (`{meta, revisions, total, has_more}`).
//!
//! Parameters: `limit` (default 10, ≥ 1), `offset` (≥ 0), `sort` (`created_time` or
//! `-created_time`, default newest first), `created_time_start`/`created_time_end` (inclusive,
//! RFC 3339 with an offset), `from_revision_id` (404 when unknown), `chain_only`, `partial`
//! (paths apply to each revision info; `meta/` paths to the meta).

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::to_json;
use crate::http::extract::{Params, Target};
use crate::http::projection::{Partial, Section};
use crate::http::router::AppState;
use crate::model::{Error, Result};
use crate::query::Direction;
use crate::resource::RevisionListQuery;

/// Default page size of the revision list.
const DEFAULT_LIMIT: usize = 10;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/{model}/{id}/revision-list", get(revision_list))
}

async fn revision_list(
    Target { model, id, .. }: Target,
    Params(qs): Params,
) -> Result<Json<Value>> {
    let limit = qs.usize("limit")?.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 {
        return Err(Error::bad_query("limit", "must be at least 1"));
    }
    let offset = qs.usize("offset")?.unwrap_or(0);
    let sort = match qs.get("sort").map(str::trim) {
        None | Some("") | Some("-created_time") => Direction::Desc,
        Some("created_time") | Some("+created_time") => Direction::Asc,
        Some(other) => {
            return Err(Error::bad_query(
                "sort",
                format!("unknown sort `{other}` (expected `created_time` or `-created_time`)"),
            ));
        }
    };
    let partial = Partial::parse(&qs.all("partial"), Section::Info)?;
    if partial.selects(Section::Data) {
        return Err(Error::bad_query(
            "partial",
            "the revision list carries no data; use revision info paths or `meta/` paths",
        ));
    }
    let query = RevisionListQuery {
        limit,
        offset,
        sort,
        created_time_start: qs.time("created_time_start")?,
        created_time_end: qs.time("created_time_end")?,
        from_revision_id: qs
            .get("from_revision_id")
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
        chain_only: qs.bool("chain_only")?.unwrap_or(false),
    };
    let page = model.revision_list(&id, &query).await?;
    let revisions = page
        .revisions
        .iter()
        .map(|info| to_json(info).map(|v| partial.apply(Section::Info, v)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Json(json!({
        "meta": partial.apply(Section::Meta, to_json(&page.meta)?),
        "revisions": revisions,
        "total": page.total,
        "has_more": page.has_more,
    })))
}
