//! `POST /{model}`: create a resource (200 RevisionInfo).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use crate::http::extract::{Caller, JsonBody, ModelParam, require_object};
use crate::http::router::AppState;
use crate::model::{Result, RevisionInfo};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/{model}", post(create))
}

async fn create(
    State(_): State<AppState>,
    ModelParam(model): ModelParam,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> Result<Json<RevisionInfo>> {
    let data = require_object(model.name(), body)?;
    caller.on(&model).create(data).await.map(Json)
}
