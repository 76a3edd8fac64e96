//! `POST /{model}/{id}/switch/{revision_id}`: make a revision current (200 ResourceMeta).

use axum::routing::post;
use axum::{Json, Router};

use crate::http::extract::{Caller, Target};
use crate::http::router::AppState;
use crate::model::{ResourceMeta, Result};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/{model}/{id}/switch/{revision_id}", post(switch))
}

async fn switch(
    Target {
        model,
        id,
        revision_id,
    }: Target,
    caller: Caller,
) -> Result<Json<ResourceMeta>> {
    caller.on(&model).switch(&id, &revision_id).await.map(Json)
}
