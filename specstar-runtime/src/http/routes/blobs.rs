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
//! - upload sessions, for files sent in parts (see
//!   [`UploadSessions`](crate::storage::blob::upload::UploadSessions)):
//!   `POST /blobs/upload-sessions` (`{content_type?, size?, total_parts?}`) → the session;
//!   `GET /blobs/upload-sessions/{upload_id}`;
//!   `PUT /blobs/upload-sessions/{upload_id}/content[?part_number=N]` (multipart `file`, or
//!   the raw body; parts in any order) → the session;
//!   `POST /blobs/upload-sessions/{upload_id}/finalize` → the `Binary`;
//!   `POST /blobs/upload-sessions/{upload_id}/abort` → 204.
//!   404 for an unknown session, 409 for the wrong state (finalized, aborted, parts missing).
//!
//! Every route answers 501 with a JSON `detail` when the app has no blob store. Static `blobs`
//! segments win over `/{model}/{id}` (a model named `blobs` is shadowed by these routes).

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::http::extract::{Caller, JsonBody, Params, Target};
use crate::http::router::AppState;
use crate::model::{Binary, DEFAULT_CONTENT_TYPE, Error, Result};
use crate::resource::GetOptions;
use crate::storage::blob::upload::{BlobUploadSession, NewUploadSession};
use crate::storage::blob::{Blob, BlobStore};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/{model}/{id}/blobs/{file_id}", get(resource_blob))
        .route("/blobs/upload", post(upload))
        .route("/blobs/{file_id}", get(blob))
        .route("/blobs/upload-sessions", post(open_session))
        .route("/blobs/upload-sessions/{upload_id}", get(session))
        .route("/blobs/upload-sessions/{upload_id}/content", put(content))
        .route(
            "/blobs/upload-sessions/{upload_id}/finalize",
            post(finalize),
        )
        .route("/blobs/upload-sessions/{upload_id}/abort", post(abort))
}

#[derive(Deserialize)]
struct UploadId {
    upload_id: String,
}

async fn open_session(
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Json<BlobUploadSession>> {
    store(&state)?;
    let new: NewUploadSession = match body {
        None | Some(Value::Null) => NewUploadSession::default(),
        Some(body) => serde_json::from_value(body).map_err(|e| Error::Validation {
            resource: "upload session".into(),
            field: None,
            message: e.to_string(),
        })?,
    };
    Ok(Json(state.spec().upload_sessions().open(new)))
}

async fn session(
    State(state): State<AppState>,
    Path(UploadId { upload_id }): Path<UploadId>,
) -> Result<Json<BlobUploadSession>> {
    store(&state)?;
    state
        .spec()
        .upload_sessions()
        .get(&upload_id)
        .await
        .map(Json)
}

async fn content(
    State(state): State<AppState>,
    Path(UploadId { upload_id }): Path<UploadId>,
    Params(qs): Params,
    request: Request,
) -> Result<Json<BlobUploadSession>> {
    store(&state)?;
    let part_number = qs
        .get("part_number")
        .map(|n| {
            n.parse::<u32>().map_err(|_| {
                Error::bad_query(
                    "part_number",
                    format!("`{n}` is not a part number (1, 2, …)"),
                )
            })
        })
        .transpose()?;
    let is_multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    let data = if is_multipart {
        let multipart = Multipart::from_request(request, &state)
            .await
            .map_err(|rejection| bad_file(rejection.body_text()))?;
        file_field(multipart).await?.1
    } else {
        Bytes::from_request(request, &state)
            .await
            .map_err(|rejection| bad_file(rejection.body_text()))?
            .to_vec()
    };
    state
        .spec()
        .upload_sessions()
        .put_part(&upload_id, part_number, data)
        .await
        .map(Json)
}

async fn finalize(
    State(state): State<AppState>,
    Path(UploadId { upload_id }): Path<UploadId>,
) -> Result<Json<Binary>> {
    let store = store(&state)?;
    state
        .spec()
        .upload_sessions()
        .finalize(&upload_id, store)
        .await
        .map(Json)
}

async fn abort(
    State(state): State<AppState>,
    Path(UploadId { upload_id }): Path<UploadId>,
) -> Result<StatusCode> {
    store(&state)?;
    state.spec().upload_sessions().abort(&upload_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The content type and bytes of the multipart field `file` (400 when missing).
async fn file_field(mut multipart: Multipart) -> Result<(String, Vec<u8>)> {
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
        return Ok((content_type, data.to_vec()));
    }
    Err(bad_file("the multipart field `file` is missing"))
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
    let multipart = multipart.map_err(|rejection| bad_file(rejection.body_text()))?;
    let (content_type, data) = file_field(multipart).await?;
    let size = data.len() as u64;
    let file_id = store.put(data, &content_type).await?;
    Ok(Json(Binary::stored(file_id, size, content_type)))
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
