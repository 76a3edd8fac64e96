//! Files (the bytes of `Binary` values):
//!
//! - `GET /{model}/{id}/blobs/{file_id}`: a file the resource references (its current
//!   revision, or `revision_id`; `include_deleted` as for a read), with the content type the
//!   resource recorded; the resource's permission and `get` handlers apply. 404 when the
//!   resource does not reference the file or the store does not hold it.
//! - `GET /blobs/{file_id}`: a stored file by id, with its stored content type; 404 unknown.
//! - `POST /blobs/upload`: multipart field `file` → `{file_id, size, content_type}` (the
//!   field's content type, default `application/octet-stream`), a `Binary` ready to be put in
//!   a resource. The request body limit applies.
//!
//! Every route answers 501 with a JSON `detail` when the app has no blob store. Static `blobs`
//! segments win over `/{model}/{id}` (a model named `blobs` is shadowed by these routes).

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::http::extract::{Caller, Params, Target};
use crate::http::router::AppState;
use crate::model::{Binary, DEFAULT_CONTENT_TYPE, Error, Result};
use crate::resource::GetOptions;
use crate::storage::blob::{Blob, BlobStore};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{model}/{id}/blobs/{file_id}", get(resource_blob))
        .route("/blobs/upload", post(upload))
        .route("/blobs/{file_id}", get(blob))
}

#[derive(Deserialize)]
struct FileId {
    file_id: String,
}

fn store(state: &AppState) -> Result<&dyn BlobStore> {
    state
        .spec()
        .blob_store()
        .map(|store| store.as_ref())
        .ok_or_else(|| Error::NotConfigured {
            feature: "a blob store (files are served only by an app with one)".into(),
        })
}

async fn resource_blob(
    Target { model, id, .. }: Target,
    Path(FileId { file_id }): Path<FileId>,
    caller: Caller,
    Params(qs): Params,
) -> Result<Response> {
    let options = GetOptions {
        revision_id: qs
            .get("revision_id")
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
        include_deleted: qs.bool("include_deleted")?.unwrap_or(false),
    };
    let blob = caller.on(&model).blob(&id, &file_id, &options).await?;
    Ok(bytes(blob))
}

async fn blob(
    State(state): State<AppState>,
    Path(FileId { file_id }): Path<FileId>,
) -> Result<Response> {
    let blob = store(&state)?
        .get(&file_id)
        .await?
        .ok_or(Error::FileNotFound {
            file_id,
            referenced_by: None,
        })?;
    Ok(bytes(blob))
}

async fn upload(
    State(state): State<AppState>,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Json<Binary>> {
    let store = store(&state)?;
    let mut multipart = multipart.map_err(|rejection| bad_file(rejection.body_text()))?;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad_file(e.body_text()))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let content_type = field
            .content_type()
            .filter(|ct| !ct.trim().is_empty())
            .unwrap_or(DEFAULT_CONTENT_TYPE)
            .to_owned();
        let data = field.bytes().await.map_err(|e| bad_file(e.body_text()))?;
        let size = data.len() as u64;
        let file_id = store.put(data.to_vec(), &content_type).await?;
        return Ok(Json(Binary::stored(file_id, size, content_type)));
    }
    Err(bad_file("the multipart field `file` is missing"))
}

/// The bytes of `blob` with its content type (`application/octet-stream` when the stored one
/// is not a valid header value).
fn bytes(blob: Blob) -> Response {
    let content_type = HeaderValue::from_str(&blob.content_type)
        .unwrap_or(HeaderValue::from_static(DEFAULT_CONTENT_TYPE));
    ([(header::CONTENT_TYPE, content_type)], blob.data).into_response()
}

fn bad_file(message: impl Into<String>) -> Error {
    Error::BadRequest {
        parameter: "file".into(),
        message: message.into(),
    }
}
