//! Backup archives over HTTP: `GET /_backup/export[?models=a&models=b]`,
//! `POST /_backup/import?on_duplicate=…` (multipart `file`), `GET /{model}/export[?qb=…]` and
//! `POST /{model}/import` (multipart `file`, `on_duplicate` in the query or as a form field).
//!
//! Exports stream: the archive is written by a background task into a pipe that the response
//! body reads, so neither the archive nor a model is held in memory; should the dump fail
//! half-way, the body ends with an error (the client sees an aborted transfer, and the
//! truncated archive would be refused by any reader). Imports stream the upload through the
//! first (checking) pass of [`SpecStar::load`] into a temporary file; the server's request body
//! limit does not apply to them, since the upload never sits in memory.

use std::collections::BTreeMap;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::{StreamExt, TryStreamExt};
use tokio_util::io::{ReaderStream, StreamReader};

use crate::app::SpecStar;
use crate::backup::{CheckedArchive, DumpOptions, LoadStats, OnDuplicate};
use crate::http::extract::{ModelParam, Params};
use crate::http::query_params::{DeletedFilter, QueryLimits, QueryString, to_query};
use crate::http::router::AppState;
use crate::model::{Error, Result};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/_backup/export", get(export_all))
        .route(
            "/_backup/import",
            post(import_all).layer(DefaultBodyLimit::disable()),
        )
        .route("/{model}/export", get(export_model))
        .route(
            "/{model}/import",
            post(import_model).layer(DefaultBodyLimit::disable()),
        )
}

async fn export_all(State(state): State<AppState>, Params(qs): Params) -> Result<Response> {
    let models = qs.all("models");
    let options = models
        .into_iter()
        .fold(DumpOptions::all(), |options, model| options.model(model));
    stream_archive(state.spec(), options, "backup.acbak")
}

async fn export_model(
    State(state): State<AppState>,
    ModelParam(model): ModelParam,
    Params(qs): Params,
) -> Result<Response> {
    let options = if qs.has("qb") {
        // With `qb` the usual query inputs apply, `is_deleted=false` by default.
        let query = to_query(
            model.descriptor(),
            &qs,
            DeletedFilter::FromRequest,
            QueryLimits::default(),
            || state.now(),
            true,
        )?;
        DumpOptions::all().model_query(model.name(), query)
    } else {
        DumpOptions::all().model(model.name())
    };
    stream_archive(state.spec(), options, &format!("{}.acbak", model.name()))
}

/// Check the options (unknown models and bad queries are answered before any byte), then
/// stream the dump as the response body.
fn stream_archive(spec: &SpecStar, options: DumpOptions, file_name: &str) -> Result<Response> {
    spec.dump_plan(&options)?;
    let (pipe_in, pipe_out) = tokio::io::duplex(64 * 1024);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<Result<()>>();
    let spec = spec.clone();
    tokio::spawn(async move {
        let result = spec.dump(pipe_in, &options).await.map(|_| ());
        if let Err(error) = &result {
            tracing::error!(%error, "backup export failed");
        }
        let _ = done_tx.send(result);
    });
    let failure = futures_util::stream::once(async move {
        match done_rx.await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(Err(std::io::Error::other(error.to_string()))),
            Err(_) => Some(Err(std::io::Error::other("the export task stopped"))),
        }
    })
    .filter_map(|end| async move { end });
    let body = Body::from_stream(ReaderStream::new(pipe_out).chain(failure));
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn import_all(
    State(state): State<AppState>,
    Params(qs): Params,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Json<BTreeMap<String, LoadStats>>> {
    let upload = read_upload(state.spec(), &qs, multipart).await?;
    upload.archive.load(upload.on_duplicate).await.map(Json)
}

async fn import_model(
    State(state): State<AppState>,
    ModelParam(model): ModelParam,
    Params(qs): Params,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Json<LoadStats>> {
    let upload = read_upload(state.spec(), &qs, multipart).await?;
    if let Some(other) = upload.archive.models().iter().find(|m| *m != model.name()) {
        return Err(Error::BadRequest {
            parameter: "file".into(),
            message: format!(
                "the archive has a section for model `{other}`; only `{}` can be imported here",
                model.name()
            ),
        });
    }
    let mut stats = upload.archive.load(upload.on_duplicate).await?;
    Ok(Json(stats.remove(model.name()).unwrap_or_default()))
}

/// A checked upload and the strategy to load it with.
struct Upload {
    archive: CheckedArchive,
    on_duplicate: OnDuplicate,
}

/// Read the multipart body: the `file` field goes through the checking pass as it streams in;
/// an `on_duplicate` field may give the strategy (the query parameter wins).
async fn read_upload(
    spec: &SpecStar,
    qs: &QueryString,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Upload> {
    let from_query = qs.get("on_duplicate").map(str::parse).transpose()?;
    let mut multipart = multipart.map_err(|rejection| bad_file(rejection.body_text()))?;
    let mut archive = None;
    let mut from_form = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad_file(e.body_text()))?
    {
        match field.name() {
            Some("file") if archive.is_none() => {
                let bytes = field.map_err(std::io::Error::other);
                archive = Some(spec.check_archive(StreamReader::new(bytes)).await?);
            }
            Some("on_duplicate") => {
                let text = field.text().await.map_err(|e| bad_file(e.body_text()))?;
                from_form = Some(text.trim().parse::<OnDuplicate>()?);
            }
            _ => {}
        }
    }
    let archive =
        archive.ok_or_else(|| bad_file("the multipart field `file` (the archive) is missing"))?;
    Ok(Upload {
        archive,
        on_duplicate: from_query.or(from_form).unwrap_or_default(),
    })
}

fn bad_file(message: impl Into<String>) -> Error {
    Error::BadRequest {
        parameter: "file".into(),
        message: message.into(),
    }
}
