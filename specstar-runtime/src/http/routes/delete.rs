//! Deleting and restoring: `DELETE /{model}/{id}` (soft delete), `POST /{model}/{id}/restore`,
//! `DELETE /{model}/{id}/permanently`, and the batch forms `DELETE /{model}` (query inputs over
//! non-deleted resources) and `POST /{model}/restore` (over deleted ones). Each answers the
//! resulting ResourceMeta (the batch forms an array of them).

use axum::extract::State;
use axum::routing::{delete, post};
use axum::{Json, Router};

use crate::http::extract::{Caller, ModelParam, Params, Target};
use crate::http::query_params::{DeletedFilter, to_query};
use crate::http::router::AppState;
use crate::model::{Error, ResourceMeta, Result};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{model}/{id}", delete(soft_delete))
        .route("/{model}/{id}/restore", post(restore))
        .route("/{model}/{id}/permanently", delete(permanently_delete))
        .route("/{model}", delete(batch_delete))
        .route("/{model}/restore", post(batch_restore))
}

async fn soft_delete(
    Target { model, id, .. }: Target,
    caller: Caller,
) -> Result<Json<ResourceMeta>> {
    caller.on(&model).delete(&id).await.map(Json)
}

async fn restore(Target { model, id, .. }: Target, caller: Caller) -> Result<Json<ResourceMeta>> {
    caller.on(&model).restore(&id).await.map(Json)
}

async fn permanently_delete(
    Target { model, id, .. }: Target,
    caller: Caller,
) -> Result<Json<ResourceMeta>> {
    caller.on(&model).permanently_delete(&id).await.map(Json)
}

async fn batch_delete(
    State(state): State<AppState>,
    ModelParam(model): ModelParam,
    caller: Caller,
    Params(qs): Params,
) -> Result<Json<Vec<ResourceMeta>>> {
    let query = to_query(
        model.descriptor(),
        &qs,
        DeletedFilter::Fixed(false),
        state.options().limits,
        || state.now(),
        true,
    )?;
    let model = caller.on(&model);
    let mut out = Vec::new();
    for meta in model.search_metas(&query).await? {
        match model.delete(&meta.resource_id).await {
            Ok(meta) => out.push(meta),
            // deleted meanwhile (e.g. by a cascade from an earlier one of the batch)
            Err(Error::Deleted { .. } | Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Json(out))
}

async fn batch_restore(
    State(state): State<AppState>,
    ModelParam(model): ModelParam,
    caller: Caller,
    Params(qs): Params,
) -> Result<Json<Vec<ResourceMeta>>> {
    let query = to_query(
        model.descriptor(),
        &qs,
        DeletedFilter::Fixed(true),
        state.options().limits,
        || state.now(),
        true,
    )?;
    let model = caller.on(&model);
    let mut out = Vec::new();
    for meta in model.search_metas(&query).await? {
        match model.restore(&meta.resource_id).await {
            Ok(meta) => out.push(meta),
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Json(out))
}
