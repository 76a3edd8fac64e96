//! `GET /{model}/{id}` (full resource; `returns`, `revision_id`, `partial`, `include_deleted`)
//! and the deprecated single-part reads `GET /{model}/{id}/data|meta|revision-info|full`.
//!
//! A soft-deleted resource is a 404 saying it is deleted unless `include_deleted=true`.

use axum::routing::get;
use axum::{Json, Router};

use super::{Loaded, Part, Rendered, render};
use crate::http::extract::{Params, Target};
use crate::http::projection::{Partial, Returns, Section};
use crate::http::router::AppState;
use crate::model::{Error, Result};
use crate::resource::GetOptions;

pub(super) fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/{model}/{id}", get(read));
    for part in Part::ALL {
        let handler = move |target: Target, params: Params| read_part(target, params, part);
        router = router.route(
            &format!("/{{model}}/{{id}}/{}", part.segment()),
            get(handler),
        );
    }
    router
}

async fn read(target: Target, params: Params) -> Result<Json<Rendered>> {
    read_part(target, params, Part::Full).await
}

async fn read_part(
    Target { model, id, .. }: Target,
    Params(qs): Params,
    part: Part,
) -> Result<Json<Rendered>> {
    let returns = match part {
        Part::Full => Returns::parse(qs.get("returns"))?,
        _ => Returns::default(),
    };
    let partial = Partial::parse(&qs.all("partial"), Section::Data)?;
    let include_deleted = qs.bool("include_deleted")?.unwrap_or(false);
    let revision_id = qs
        .get("revision_id")
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let loaded: Loaded = if !part.needs_revision(returns) && revision_id.is_none() {
        let meta = model.get_meta(&id).await?;
        if meta.is_deleted && !include_deleted {
            return Err(Error::Deleted {
                resource: model.name().to_owned(),
                id,
            });
        }
        Loaded::meta(meta)
    } else {
        let options = GetOptions {
            revision_id,
            include_deleted,
        };
        model.get_shared(&id, &options).await?.into()
    };
    render(loaded, part, returns, &partial).map(Json)
}
