//! Files over HTTP: base64 `data` in JSON bodies, `GET /{m}/{id}/blobs/{file_id}`,
//! `GET /blobs/{file_id}`, `POST /blobs/upload`, the upload-session routes, with the statuses
//! of http-api.md (404 for an unknown or unreferenced file or session, 409 for a session in the
//! wrong state, 501 with a JSON `detail` without a blob store).

mod backup_common;
mod store_common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use backup_common::{App, Backend, gallery_app, gallery_app_without_blobs};
use serde_json::{Value, json};
use specstar_runtime::storage::blob::file_id_of;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    #[track_caller]
    fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "body: {}",
            String::from_utf8_lossy(&self.bytes)
        );
        self
    }

    fn detail(&self) -> String {
        self.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

async fn send(app: &App, request: Request<Body>) -> Reply {
    let response = app
        .spec
        .router()
        .oneshot(request)
        .await
        .expect("the router never fails");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a complete body")
        .to_vec();
    Reply {
        status,
        content_type,
        bytes,
    }
}

async fn get(app: &App, uri: &str) -> Reply {
    send(app, Request::get(uri).body(Body::empty()).expect("request")).await
}

async fn post_json(app: &App, uri: &str, body: Value) -> Reply {
    let request = Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    send(app, request).await
}

async fn put_json(app: &App, uri: &str, body: Value) -> Reply {
    let request = Request::put(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    send(app, request).await
}

const BOUNDARY: &str = "specstar-blob-boundary-93hfW2";

/// A multipart body with one field `name` holding `bytes` (as a file with `content_type`).
fn multipart(name: &str, content_type: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"f.bin\"\r\n"
    )
    .into_bytes();
    if let Some(ct) = content_type {
        body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
    }
    body.extend_from_slice(b"\r\n");
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload(app: &App, body: Vec<u8>) -> Reply {
    let request = Request::post("/blobs/upload")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    send(app, request).await
}

/// `"aGVsbG8="` for `b"hello"`: standard base64, written out here.
fn b64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                char::from(A[((n >> (18 - 6 * i)) & 63) as usize])
            } else {
                '='
            });
        }
    }
    out
}

async fn files_written_as_base64_are_served_through_their_resource(backend: Backend) {
    let Some(app) = gallery_app(backend).await else {
        return;
    };
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n\x00\xff"
        .iter()
        .copied()
        .cycle()
        .take(5000)
        .collect();
    let info = post_json(
        &app,
        "/picture",
        json!({
            "name": "sunset",
            "image": {"data": b64(&png), "content_type": "image/png"},
            "thumbnails": [{"data": b64(b"thumb")}]
        }),
    )
    .await
    .expect(200)
    .json();
    let id = info["resource_id"].as_str().expect("id").to_owned();
    let image_id = file_id_of(&png);

    let read = get(&app, &format!("/picture/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(
        read["data"]["image"],
        json!({"file_id": image_id, "size": png.len(), "content_type": "image/png"}),
        "the revision holds the reference, not the bytes"
    );
    assert_eq!(
        read["data"]["thumbnails"][0]["content_type"],
        "application/octet-stream"
    );

    let reply = get(&app, &format!("/picture/{id}/blobs/{image_id}")).await;
    reply.expect(200);
    assert_eq!(reply.bytes, png);
    assert_eq!(reply.content_type.as_deref(), Some("image/png"));
    let reply = get(&app, &format!("/blobs/{image_id}")).await;
    reply.expect(200);
    assert_eq!(reply.bytes, png);
    assert_eq!(reply.content_type.as_deref(), Some("image/png"));

    // A new image: the old file is still served for the revision that references it.
    put_json(
        &app,
        &format!("/picture/{id}"),
        json!({"name": "sunset", "image": {"data": b64(b"second"), "content_type": "image/webp"}}),
    )
    .await
    .expect(200);
    let reply = get(&app, &format!("/picture/{id}/blobs/{image_id}")).await;
    reply.expect(404);
    assert!(reply.detail().contains(&image_id), "{}", reply.detail());
    let reply = get(
        &app,
        &format!("/picture/{id}/blobs/{image_id}?revision_id={id}:1"),
    )
    .await;
    reply.expect(200);
    assert_eq!(reply.bytes, png);
}

async fn unknown_unreferenced_and_deleted_files_are_404(backend: Backend) {
    let Some(app) = gallery_app(backend).await else {
        return;
    };
    let a = post_json(
        &app,
        "/picture",
        json!({"name": "a", "image": {"data": b64(b"file a")}}),
    )
    .await
    .expect(200)
    .json()["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = post_json(
        &app,
        "/picture",
        json!({"name": "b", "image": {"data": b64(b"file b"), "content_type": "text/plain"}}),
    )
    .await
    .expect(200)
    .json()["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let dangling = post_json(
        &app,
        "/picture",
        json!({"name": "c", "image": {"file_id": "nowhere", "size": 1}}),
    )
    .await
    .expect(200)
    .json()["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let file_b = file_id_of(b"file b");

    // b's file is not a's.
    get(&app, &format!("/picture/{a}/blobs/{file_b}"))
        .await
        .expect(404);
    // referenced but not held
    get(&app, &format!("/picture/{dangling}/blobs/nowhere"))
        .await
        .expect(404);
    get(&app, "/blobs/nowhere").await.expect(404);
    get(&app, "/blobs/..%2F..%2Fetc%2Fpasswd").await.expect(404);
    // unknown resource, unknown model
    get(&app, &format!("/picture/picture:missing/blobs/{file_b}"))
        .await
        .expect(404);
    get(&app, &format!("/ghost/x/blobs/{file_b}"))
        .await
        .expect(404);
    // deleted: 404 unless include_deleted
    send(
        &app,
        Request::delete(format!("/picture/{b}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .expect(200);
    let reply = get(&app, &format!("/picture/{b}/blobs/{file_b}")).await;
    reply.expect(404);
    assert!(reply.detail().contains("deleted"), "{}", reply.detail());
    let reply = get(
        &app,
        &format!("/picture/{b}/blobs/{file_b}?include_deleted=true"),
    )
    .await;
    reply.expect(200);
    assert_eq!(
        (reply.bytes.as_slice(), reply.content_type.as_deref()),
        (&b"file b"[..], Some("text/plain"))
    );
    // the global route serves any held file
    get(&app, &format!("/blobs/{file_b}")).await.expect(200);
}

async fn uploads_answer_a_binary_to_put_in_a_resource(backend: Backend) {
    let Some(app) = gallery_app(backend).await else {
        return;
    };
    let bytes: Vec<u8> = (0..=255u8).collect();
    let binary = upload(&app, multipart("file", Some("image/jpeg"), &bytes))
        .await
        .expect(200)
        .json();
    let file_id = file_id_of(&bytes);
    assert_eq!(
        binary,
        json!({"file_id": file_id, "size": 256, "content_type": "image/jpeg"})
    );
    // The same bytes again: the same id.
    let again = upload(&app, multipart("file", None, &bytes))
        .await
        .expect(200)
        .json();
    assert_eq!(again["file_id"], binary["file_id"]);
    assert_eq!(again["content_type"], "application/octet-stream");

    let id = post_json(
        &app,
        "/picture",
        json!({"name": "uploaded", "image": binary}),
    )
    .await
    .expect(200)
    .json()["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = get(&app, &format!("/picture/{id}/blobs/{file_id}")).await;
    reply.expect(200);
    assert_eq!(reply.bytes, bytes);
    assert_eq!(reply.content_type.as_deref(), Some("image/jpeg"));

    // No `file` field, or not multipart: 400.
    let reply = upload(&app, multipart("other", None, b"x")).await;
    reply.expect(400);
    assert!(reply.detail().contains("file"), "{}", reply.detail());
    post_json(&app, "/blobs/upload", json!({"file": "x"}))
        .await
        .expect(400);
}

async fn bad_base64_is_422(backend: Backend) {
    let Some(app) = gallery_app(backend).await else {
        return;
    };
    let reply = post_json(
        &app,
        "/picture",
        json!({"name": "bad", "image": {"data": "***"}}),
    )
    .await;
    reply.expect(422);
    assert!(reply.detail().contains("base64"), "{}", reply.detail());
}

async fn without_a_blob_store_file_routes_are_501(backend: Backend) {
    let Some(app) = gallery_app_without_blobs(backend).await else {
        return;
    };
    let reply = post_json(
        &app,
        "/picture",
        json!({"name": "x", "image": {"data": b64(b"bytes")}}),
    )
    .await;
    reply.expect(501);
    assert!(reply.detail().contains("blob store"), "{}", reply.detail());
    assert_eq!(
        get(&app, "/picture/count").await.expect(200).json(),
        json!(0)
    );

    // references are plain data
    let id = post_json(
        &app,
        "/picture",
        json!({"name": "ref", "image": {"file_id": "abc", "size": 3}}),
    )
    .await
    .expect(200)
    .json()["resource_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for reply in [
        get(&app, &format!("/picture/{id}/blobs/abc")).await,
        get(&app, "/blobs/abc").await,
        upload(&app, multipart("file", None, b"x")).await,
    ] {
        reply.expect(501);
        assert!(reply.detail().contains("blob store"), "{}", reply.detail());
    }
}

async fn put_part(
    app: &App,
    upload_id: &str,
    part: Option<u32>,
    bytes: &[u8],
    multipart_body: bool,
) -> Reply {
    let uri = match part {
        Some(n) => format!("/blobs/upload-sessions/{upload_id}/content?part_number={n}"),
        None => format!("/blobs/upload-sessions/{upload_id}/content"),
    };
    let request = if multipart_body {
        Request::put(uri)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart("file", None, bytes)))
    } else {
        Request::put(uri)
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes.to_vec()))
    };
    send(app, request.expect("request")).await
}

async fn upload_sessions_take_parts_in_any_order(backend: Backend) {
    let Some(app) = gallery_app(backend).await else {
        return;
    };
    let parts: [&[u8]; 3] = [b"first part, ", b"second part, ", b"third part"];
    let whole: Vec<u8> = parts.concat();
    let session = post_json(
        &app,
        "/blobs/upload-sessions",
        json!({"content_type": "text/plain", "size": whole.len(), "total_parts": 3}),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(session["status"], "pending");
    assert_eq!(session["upload_method"], "proxy");
    assert_eq!(session["file_id"], "");
    assert_eq!(session["parts_received"], json!([]));
    assert!(session["expires_at"].is_string(), "{session}");
    let id = session["upload_id"].as_str().expect("upload_id").to_owned();

    // parts 3 and 1 (multipart), then finalize is refused: part 2 is missing
    let s = put_part(&app, &id, Some(3), parts[2], true)
        .await
        .expect(200)
        .json();
    assert_eq!(s["status"], "uploading");
    let s = put_part(&app, &id, Some(1), parts[0], true)
        .await
        .expect(200)
        .json();
    assert_eq!(s["parts_received"], json!([1, 3]));
    let reply = post_json(
        &app,
        &format!("/blobs/upload-sessions/{id}/finalize"),
        json!(null),
    )
    .await;
    reply.expect(409);
    assert!(reply.detail().contains("[2]"), "{}", reply.detail());
    // part 2 as a raw body: every part is there
    let s = put_part(&app, &id, Some(2), parts[1], false)
        .await
        .expect(200)
        .json();
    assert_eq!(s["status"], "uploaded");
    assert_eq!(s["uploaded_size"], json!(whole.len()));
    let binary = post_json(
        &app,
        &format!("/blobs/upload-sessions/{id}/finalize"),
        json!(null),
    )
    .await
    .expect(200)
    .json();
    let file_id = file_id_of(&whole);
    assert_eq!(
        binary,
        json!({"file_id": file_id, "size": whole.len(), "content_type": "text/plain"})
    );
    let s = get(&app, &format!("/blobs/upload-sessions/{id}"))
        .await
        .expect(200)
        .json();
    assert_eq!(
        (s["status"].clone(), s["file_id"].clone()),
        (json!("finalized"), json!(file_id))
    );
    let reply = get(&app, &format!("/blobs/{file_id}")).await;
    reply.expect(200);
    assert_eq!(reply.bytes, whole, "parts joined by number");

    // a finalized session takes nothing more
    put_part(&app, &id, Some(1), b"late", false)
        .await
        .expect(409);
    post_json(
        &app,
        &format!("/blobs/upload-sessions/{id}/finalize"),
        json!(null),
    )
    .await
    .expect(409);
    post_json(
        &app,
        &format!("/blobs/upload-sessions/{id}/abort"),
        json!(null),
    )
    .await
    .expect(409);

    // the Binary goes into a resource like any other
    let picture = post_json(
        &app,
        "/picture",
        json!({"name": "chunked", "image": binary}),
    )
    .await
    .expect(200)
    .json();
    let reply = get(
        &app,
        &format!(
            "/picture/{}/blobs/{file_id}",
            picture["resource_id"].as_str().unwrap()
        ),
    )
    .await;
    reply.expect(200);
    assert_eq!(reply.bytes, whole);
}

async fn upload_session_errors(backend: Backend) {
    let Some(app) = gallery_app(backend).await else {
        return;
    };
    let open = |body: Value| {
        let app = &app;
        async move {
            post_json(app, "/blobs/upload-sessions", body)
                .await
                .expect(200)
                .json()["upload_id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // single upload: no part number, no declared parts
    let single = open(json!({})).await;
    let s = put_part(&app, &single, None, b"whole file", true)
        .await
        .expect(200)
        .json();
    assert_eq!(s["status"], "uploaded");
    let binary = post_json(
        &app,
        &format!("/blobs/upload-sessions/{single}/finalize"),
        json!(null),
    )
    .await
    .expect(200)
    .json();
    assert_eq!(binary["content_type"], "application/octet-stream");

    // declared size that does not match: 400
    let sized = open(json!({"size": 100})).await;
    put_part(&app, &sized, None, b"short", false)
        .await
        .expect(200);
    post_json(
        &app,
        &format!("/blobs/upload-sessions/{sized}/finalize"),
        json!(null),
    )
    .await
    .expect(400);

    // nothing uploaded: 409; bad part numbers: 400
    let parts = open(json!({"total_parts": 2})).await;
    post_json(
        &app,
        &format!("/blobs/upload-sessions/{parts}/finalize"),
        json!(null),
    )
    .await
    .expect(409);
    put_part(&app, &parts, Some(0), b"x", false)
        .await
        .expect(400);
    put_part(&app, &parts, Some(3), b"x", false)
        .await
        .expect(400);
    send(
        &app,
        Request::put(format!(
            "/blobs/upload-sessions/{parts}/content?part_number=one"
        ))
        .body(Body::from("x"))
        .unwrap(),
    )
    .await
    .expect(400);

    // abort: 204, then the session refuses parts
    let reply = post_json(
        &app,
        &format!("/blobs/upload-sessions/{parts}/abort"),
        json!(null),
    )
    .await;
    reply.expect(204);
    let s = get(&app, &format!("/blobs/upload-sessions/{parts}"))
        .await
        .expect(200)
        .json();
    assert_eq!(s["status"], "aborted");
    put_part(&app, &parts, Some(1), b"x", false)
        .await
        .expect(409);

    // unknown sessions: 404; a bad body: 422
    get(&app, "/blobs/upload-sessions/nope").await.expect(404);
    put_part(&app, "nope", None, b"x", false).await.expect(404);
    post_json(&app, "/blobs/upload-sessions/nope/finalize", json!(null))
        .await
        .expect(404);
    post_json(&app, "/blobs/upload-sessions/nope/abort", json!(null))
        .await
        .expect(404);
    post_json(&app, "/blobs/upload-sessions", json!({"size": "big"}))
        .await
        .expect(422);
}

async fn upload_sessions_without_a_blob_store_are_501(backend: Backend) {
    let Some(app) = gallery_app_without_blobs(backend).await else {
        return;
    };
    for reply in [
        post_json(&app, "/blobs/upload-sessions", json!({})).await,
        get(&app, "/blobs/upload-sessions/x").await,
        put_part(&app, "x", None, b"x", false).await,
        post_json(&app, "/blobs/upload-sessions/x/finalize", json!(null)).await,
        post_json(&app, "/blobs/upload-sessions/x/abort", json!(null)).await,
    ] {
        reply.expect(501);
        assert!(reply.detail().contains("blob store"), "{}", reply.detail());
    }
}

macro_rules! backends {
    ($($backend:ident => $variant:ident),*) => {$(
        mod $backend {
            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        super::$name(super::Backend::$variant).await;
                    }
                };
            }
            case!(files_written_as_base64_are_served_through_their_resource);
            case!(unknown_unreferenced_and_deleted_files_are_404);
            case!(uploads_answer_a_binary_to_put_in_a_resource);
            case!(bad_base64_is_422);
            case!(without_a_blob_store_file_routes_are_501);
            case!(upload_sessions_take_parts_in_any_order);
            case!(upload_session_errors);
            case!(upload_sessions_without_a_blob_store_are_501);
        }
    )*};
}

backends!(memory => Memory, sqlite => Sqlite, disk => Disk, postgres => Postgres);

#[test]
fn the_test_encoder_is_standard_base64() {
    assert_eq!(b64(b"hello"), "aGVsbG8=");
    assert_eq!(b64(b"\xfb\xff"), "+/8=");
    assert_eq!(b64(b"abc"), "YWJj");
}
