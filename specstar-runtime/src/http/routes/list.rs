//! `GET /{model}` (list of full resources), `GET /{model}/count` (a bare integer) and the
//! deprecated single-part lists `GET /{model}/data|meta|revision-info|full`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::{Loaded, Part, Rendered, render};
use crate::http::extract::{ModelParam, Params};
use crate::http::projection::{Partial, Returns, Section};
use crate::http::query_params::{DeletedFilter, to_query};
use crate::http::router::AppState;
use crate::model::Result;

pub(super) fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/{model}", get(list))
        .route("/{model}/count", get(count));
    for part in Part::ALL {
        let handler = move |state: State<AppState>, model: ModelParam, params: Params| {
            list_part(state, model, params, part)
        };
        router = router.route(&format!("/{{model}}/{}", part.segment()), get(handler));
    }
    router
}

async fn list(
    state: State<AppState>,
    model: ModelParam,
    params: Params,
) -> Result<Json<Vec<Rendered>>> {
    list_part(state, model, params, Part::Full).await
}

async fn list_part(
    State(state): State<AppState>,
    ModelParam(model): ModelParam,
    Params(qs): Params,
    part: Part,
) -> Result<Json<Vec<Rendered>>> {
    let returns = match part {
        Part::Full => Returns::parse(qs.get("returns"))?,
        _ => Returns::default(),
    };
    let partial = Partial::parse(&qs.all("partial"), Section::Data)?;
    let query = to_query(
        model.descriptor(),
        &qs,
        DeletedFilter::FromRequest,
        state.options().limits,
        || state.now(),
        true,
    )?;
    let out = if part.needs_revision(returns) {
        model
            .search(&query)
            .await?
            .into_iter()
            .map(|resource| render(resource.into(), part, returns, &partial))
            .collect::<Result<Vec<_>>>()?
    } else {
        model
            .search_metas(&query)
            .await?
            .into_iter()
            .map(|meta| render(Loaded::meta(meta), part, returns, &partial))
            .collect::<Result<Vec<_>>>()?
    };
    Ok(Json(out))
}

async fn count(
    State(state): State<AppState>,
    ModelParam(model): ModelParam,
    Params(qs): Params,
) -> Result<Json<u64>> {
    let query = to_query(
        model.descriptor(),
        &qs,
        DeletedFilter::FromRequest,
        state.options().limits,
        || state.now(),
        false,
    )?;
    model.count(&query).await.map(Json)
}
