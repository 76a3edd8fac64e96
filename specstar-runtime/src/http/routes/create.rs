//! `POST /{model}`: create a resource (200 RevisionInfo).

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};

use crate::http::extract::{Caller, JsonBody, ModelParam, RawBody, require_object};
use crate::http::router::AppState;
use crate::model::RevisionInfo;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/{model}", post(create))
}

async fn create(
    State(_): State<AppState>,
    ModelParam(model): ModelParam,
    caller: Caller,
    RawBody(raw): RawBody,
) -> axum::response::Result<Json<RevisionInfo>> {
    let model = caller.on(&model);
    // Valid data skips the `Value` in between; anything else takes the path below, which
    // reports the errors.
    if let Some(data) = model.decode_json(&raw) {
        return Ok(Json(model.create_decoded(data).await?));
    }
    let JsonBody(body) = JsonBody::parse(&raw)?;
    let data = require_object(model.name(), body)?;
    Ok(Json(model.create(data).await?))
}
