//! The backup routes over HTTP: `GET /_backup/export`, `POST /_backup/import`,
//! `GET /{m}/export`, `POST /{m}/import`, with the statuses of http-api.md.

mod backup_common;
mod store_common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use backup_common::{App, Backend, app, counts, dump_all, populate};
use serde_json::{Value, json};
use specstar_runtime::backup::{ArchiveReader, DumpOptions, Record};
use specstar_runtime::http::HttpOptions;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
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

async fn send(app: &App, options: HttpOptions, request: Request<Body>) -> Reply {
    let response = app
        .spec
        .router_with(options)
        .oneshot(request)
        .await
        .expect("the router never fails");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a complete body")
        .to_vec();
    Reply {
        status,
        headers,
        bytes,
    }
}

async fn get(app: &App, uri: &str) -> Reply {
    let request = Request::get(uri).body(Body::empty()).expect("request");
    send(app, HttpOptions::default(), request).await
}

const BOUNDARY: &str = "specstar-test-boundary-7MA4YWxkTrZu0gW";

/// A multipart/form-data body: `(name, file name, bytes)` per field.
fn multipart(fields: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, bytes) in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file_name {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn upload_with(app: &App, options: HttpOptions, uri: &str, body: Vec<u8>) -> Reply {
    let request = Request::post(uri)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    send(app, options, request).await
}

async fn upload(app: &App, uri: &str, archive: &[u8]) -> Reply {
    upload_with(
        app,
        HttpOptions::default(),
        uri,
        multipart(&[("file", Some("backup.acbak"), archive)]),
    )
    .await
}

async fn metas(bytes: &[u8]) -> Vec<(String, bool)> {
    let mut reader = ArchiveReader::new(bytes);
    let mut out = Vec::new();
    while let Some(record) = reader.next().await.expect("a valid archive") {
        if let Record::Meta(meta) = record {
            out.push((meta.resource_id, meta.is_deleted));
        }
    }
    out
}

async fn fresh() -> App {
    app(Backend::Sqlite).await.expect("sqlite app")
}

#[tokio::test]
async fn export_all_streams_the_archive() {
    let app = fresh().await;
    populate(&app.spec).await;
    let reply = get(&app, "/_backup/export").await;
    reply.expect(200);
    assert_eq!(reply.headers["content-type"], "application/octet-stream");
    assert_eq!(
        reply.headers["content-disposition"],
        "attachment; filename=\"backup.acbak\""
    );
    assert!(reply.bytes == dump_all(&app.spec).await);

    let reply = get(&app, "/_backup/export?models=relic").await;
    reply.expect(200);
    let mut only_relic = Vec::new();
    app.spec
        .dump(&mut only_relic, &DumpOptions::all().model("relic"))
        .await
        .expect("dump");
    assert!(reply.bytes == only_relic);

    let reply = get(
        &app,
        "/_backup/export?models=zone&models=ghost&models=phantom",
    )
    .await;
    reply.expect(400);
    assert!(
        reply.detail().contains("ghost, phantom"),
        "{}",
        reply.detail()
    );
}

#[tokio::test]
async fn model_export_includes_deleted_unless_qb_is_given() {
    let app = fresh().await;
    let ids = populate(&app.spec).await;
    let reply = get(&app, "/zone/export").await;
    reply.expect(200);
    assert_eq!(reply.headers["content-type"], "application/octet-stream");
    let all = metas(&reply.bytes).await;
    assert_eq!(all.len(), 4);
    assert!(all.contains(&(ids.deleted.clone(), true)));

    let reply = get(&app, "/zone/export?qb=QB%5B%22level%22%5D%20%3E%3D%205").await;
    reply.expect(200);
    let mut found: Vec<String> = metas(&reply.bytes).await.into_iter().map(|m| m.0).collect();
    found.sort();
    let mut expected = vec![ids.draft.clone(), ids.switched.clone()];
    expected.sort();
    assert_eq!(found, expected, "qb: the deleted Bog (level 5) is left out");

    let reply = get(
        &app,
        "/zone/export?qb=QB%5B%22level%22%5D%20%3E%3D%205&is_deleted=true",
    )
    .await;
    assert_eq!(
        metas(&reply.expect(200).bytes).await,
        vec![(ids.deleted, true)]
    );

    get(&app, "/zone/export?qb=QB%5B%22nope").await.expect(400);
    get(&app, "/ghost/export").await.expect(404);
}

#[tokio::test]
async fn import_all_loads_and_reports_per_model() {
    let source = fresh().await;
    populate(&source.spec).await;
    let archive = dump_all(&source.spec).await;
    let target = fresh().await;

    let reply = upload(&target, "/_backup/import", &archive).await;
    reply.expect(200);
    assert_eq!(
        reply.json(),
        json!({
            "relic": {"loaded": 1, "skipped": 0, "total": 1},
            "zone": {"loaded": 4, "skipped": 0, "total": 4}
        })
    );
    assert!(dump_all(&target.spec).await == archive);

    let reply = upload(&target, "/_backup/import?on_duplicate=skip", &archive).await;
    assert_eq!(
        reply.expect(200).json()["zone"],
        json!({"loaded": 0, "skipped": 4, "total": 4})
    );

    let reply = upload(
        &target,
        "/_backup/import?on_duplicate=raise_error",
        &archive,
    )
    .await;
    reply.expect(409);
    assert!(
        reply.detail().contains("already exists"),
        "{}",
        reply.detail()
    );

    let reply = upload(&target, "/_backup/import?on_duplicate=merge", &archive).await;
    reply.expect(400);
    assert!(reply.detail().contains("overwrite, skip, raise_error"));
}

#[tokio::test]
async fn bad_uploads_are_400_and_write_nothing() {
    let source = fresh().await;
    populate(&source.spec).await;
    let archive = dump_all(&source.spec).await;
    let target = fresh().await;
    let empty = counts(&target.spec).await;

    let truncated = &archive[..archive.len() / 2];
    let reply = upload(&target, "/_backup/import", truncated).await;
    reply.expect(400);
    assert!(reply.detail().contains("truncated"), "{}", reply.detail());

    upload(&target, "/_backup/import", b"").await.expect(400);
    upload(&target, "/zone/import", b"not an archive")
        .await
        .expect(400);

    let no_file = multipart(&[("on_duplicate", None, b"skip")]);
    let reply = upload_with(&target, HttpOptions::default(), "/_backup/import", no_file).await;
    reply.expect(400);
    assert!(reply.detail().contains("`file`"), "{}", reply.detail());

    let not_multipart = Request::post("/_backup/import")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .expect("request");
    send(&target, HttpOptions::default(), not_multipart)
        .await
        .expect(400);

    assert_eq!(counts(&target.spec).await, empty);
}

#[tokio::test]
async fn model_import_takes_its_own_section_only() {
    let source = fresh().await;
    populate(&source.spec).await;
    let zones = get(&source, "/zone/export").await.bytes;
    let target = fresh().await;

    let reply = upload(&target, "/zone/import", &zones).await;
    assert_eq!(
        reply.expect(200).json(),
        json!({"loaded": 4, "skipped": 0, "total": 4})
    );

    // `on_duplicate` as a form field.
    let body = multipart(&[
        ("file", Some("zone.acbak"), &zones),
        ("on_duplicate", None, b"skip"),
    ]);
    let reply = upload_with(&target, HttpOptions::default(), "/zone/import", body).await;
    assert_eq!(
        reply.expect(200).json(),
        json!({"loaded": 0, "skipped": 4, "total": 4})
    );
    upload(&target, "/zone/import?on_duplicate=raise_error", &zones)
        .await
        .expect(409);

    // An archive with another model's section is refused whole.
    let everything = dump_all(&source.spec).await;
    let fresh_target = fresh().await;
    let reply = upload(&fresh_target, "/zone/import", &everything).await;
    reply.expect(400);
    assert!(reply.detail().contains("`relic`"), "{}", reply.detail());
    assert_eq!(counts(&fresh_target.spec).await["zone"], 0);

    upload(&target, "/ghost/import", &zones).await.expect(404);
}

#[tokio::test]
async fn imports_are_not_capped_by_the_request_body_limit() {
    let source = fresh().await;
    populate(&source.spec).await;
    let archive = dump_all(&source.spec).await;
    let target = fresh().await;
    let small = HttpOptions::default().body_limit(256);
    assert!(archive.len() > 256);
    let reply = upload_with(
        &target,
        small.clone(),
        "/_backup/import",
        multipart(&[("file", Some("b.acbak"), &archive)]),
    )
    .await;
    reply.expect(200);
    // Other routes keep the limit.
    let big = Request::post("/zone")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"name": "x".repeat(400), "level": 1}).to_string(),
        ))
        .expect("request");
    send(&target, small, big).await.expect(413);
}
