//! Schema migration routes (static `migrate` segments win over `/{model}/{id}`):
//!
//! - `POST /{model}/migrate/test`: dry run over the resources matching the query inputs;
//! - `POST /{model}/migrate/execute`: migrate them, writing each back;
//!
//! both answer `application/jsonl+json`, one JSON object a line, streamed as the work goes:
//! `{resource_id, status: migrating|success|failed|skipped, message, error, timestamp}` per
//! resource, then the summary `{total, success, failed, skipped, errors}`;
//!
//! - `POST /{model}/migrate/single/{id}`: migrate one resource; 200 with its progress line
//!   (`success` or `skipped`), or the error's status (404, 422 when the migration fails).

use std::convert::Infallible;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

use crate::http::extract::{Caller, ModelParam, Params, Target};
use crate::http::query_params::{DeletedFilter, to_query};
use crate::http::router::AppState;
use crate::model::{Result, now};
use crate::schema::{MigrationProgress, MigrationStatus};

/// The media type of the streamed progress.
pub const JSONL: &str = "application/jsonl+json";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{model}/migrate/test", post(test))
        .route("/{model}/migrate/execute", post(execute))
        .route("/{model}/migrate/single/{id}", post(single))
}

async fn test(
    state: State<AppState>,
    model: ModelParam,
    caller: Caller,
    params: Params,
) -> Result<Response> {
    bulk(state, model, caller, params, true)
}

async fn execute(
    state: State<AppState>,
    model: ModelParam,
    caller: Caller,
    params: Params,
) -> Result<Response> {
    bulk(state, model, caller, params, false)
}

/// Parse the query inputs (a bad query is an ordinary 400 before streaming starts), then run
/// the migration in a task that feeds the response body line by line.
fn bulk(
    State(state): State<AppState>,
    ModelParam(model): ModelParam,
    caller: Caller,
    Params(qs): Params,
    dry_run: bool,
) -> Result<Response> {
    let query = to_query(
        model.descriptor(),
        &qs,
        DeletedFilter::FromRequest,
        state.options().limits,
        || state.now(),
        true,
    )?;
    let model = caller.on(&model);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    tokio::spawn(async move {
        let lines = tx.clone();
        let result = model
            .migrate_matching(&query, dry_run, move |progress| {
                let _ = lines.send(json_line(&progress));
            })
            .await;
        let last = match result {
            Ok(summary) => json_line(&summary),
            Err(error) => json_line(&serde_json::json!({ "detail": error.to_string() })),
        };
        let _ = tx.send(last);
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (Ok::<_, Infallible>(line), rx))
    });
    Ok(([(header::CONTENT_TYPE, JSONL)], Body::from_stream(body)).into_response())
}

fn json_line<T: serde::Serialize>(value: &T) -> Bytes {
    let mut line = serde_json::to_vec(value).unwrap_or_else(|e| {
        format!("{{\"detail\":\"cannot serialize a progress line: {e}\"}}").into_bytes()
    });
    line.push(b'\n');
    Bytes::from(line)
}

async fn single(
    Target { model, id, .. }: Target,
    caller: Caller,
) -> Result<Json<MigrationProgress>> {
    let model = caller.on(&model);
    let from = model.get_meta(&id).await?.schema_version;
    let to = model.descriptor().version;
    let written = model.migrate(&id).await?;
    let (status, message) = match written {
        Some(info) => (
            MigrationStatus::Success,
            format!(
                "migrated {} → {} as revision `{}`",
                from.as_deref().unwrap_or("<none>"),
                to.unwrap_or("<none>"),
                info.revision_id
            ),
        ),
        None => (
            MigrationStatus::Skipped,
            format!("already at schema version {}", to.unwrap_or("<none>")),
        ),
    };
    Ok(Json(MigrationProgress {
        resource_id: id,
        status,
        message: Some(message),
        error: None,
        timestamp: now(),
    }))
}
