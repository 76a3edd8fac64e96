//! Files in resources through the public API: the bytes of a written `Binary` go to the blob
//! store, the stored revision keeps only the reference, the bytes are read back through the
//! resource; without a blob store writing bytes is `NotConfigured`. On every backend, JSON and
//! MessagePack encodings.

mod common;

use std::sync::Arc;

use common::{Backend, Kind, patch, variant};
use serde_json::json;
use specstar::prelude::*;
use specstar::storage::blob::memory::MemoryBlobStore;
use specstar::storage::blob::sqlite::SqliteBlobStore;
use specstar::storage::blob::{BlobStore, file_id_of};
use specstar::storage::sqlite::SqliteOptions;
use specstar::{GetOptions, Query};

/// A document with files in every shape a type can hold them.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Document {
    #[index]
    pub title: String,
    pub file: Binary,
    #[serde(default)]
    pub attachments: Vec<Binary>,
    #[serde(default)]
    pub cover: Option<Binary>,
    #[serde(default)]
    pub pages: Vec<Page>,
}

#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
pub struct Page {
    pub number: i64,
    pub scan: Option<Binary>,
}

/// The same, stored as MessagePack.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[specstar(encoding = msgpack)]
pub struct Packed {
    pub name: String,
    pub file: Binary,
}

struct App {
    spec: SpecStar,
    blobs: Arc<dyn BlobStore>,
    _backend: Backend,
    _dir: tempfile::TempDir,
}

async fn app(kind: Kind) -> App {
    let backend = Backend::open(kind).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let blobs: Arc<dyn BlobStore> = match kind {
        Kind::Memory => Arc::new(MemoryBlobStore::new()),
        Kind::Sqlite => Arc::new(
            SqliteBlobStore::open(SqliteOptions::file(dir.path().join("blobs.db")))
                .await
                .expect("blob store"),
        ),
    };
    let spec = backend
        .builder()
        .blob_store(blobs.clone())
        .resource::<Document>()
        .resource::<Packed>()
        .build()
        .await
        .expect("the app builds");
    App {
        spec,
        blobs,
        _backend: backend,
        _dir: dir,
    }
}

fn document(title: &str, bytes: &[u8]) -> Document {
    Document {
        title: title.into(),
        file: Binary::new(bytes.to_vec(), "application/pdf"),
        attachments: vec![],
        cover: None,
        pages: vec![],
    }
}

/// Neither the bytes nor their base64 appear in any stored revision of `id`.
async fn stored_revisions_hold_no_bytes(spec: &SpecStar, model: &str, id: &str, bytes: &[u8]) {
    let store = spec.store();
    for info in store.list_revisions(model, id).await.expect("list") {
        let revision = store
            .load_revision(model, &info.revision_id)
            .await
            .expect("load")
            .expect("stored");
        let raw = &revision.data;
        assert!(
            !raw.windows(bytes.len()).any(|w| w == bytes),
            "revision {} holds the raw bytes",
            info.revision_id
        );
        let encoded = base64_text(bytes);
        assert!(
            !raw.windows(encoded.len()).any(|w| w == encoded.as_bytes()),
            "revision {} holds the base64 bytes",
            info.revision_id
        );
    }
}

/// Standard base64, written out here so the test does not share the runtime's encoder.
fn base64_text(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn create_stores_the_bytes_and_keeps_the_reference(kind: Kind) {
    let app = app(kind).await;
    let docs = app.spec.manager::<Document>();
    let pdf = b"%PDF-1.7 the whole report \x00\x01\x02\xff".to_vec();
    let png = b"\x89PNG\r\n\x1a\n cover".to_vec();
    let info = docs
        .as_user("alice")
        .create(Document {
            attachments: vec![
                Binary::new(b"one".to_vec(), "text/plain"),
                Binary::new(pdf.clone(), "application/pdf"),
            ],
            cover: Some(Binary::new(png.clone(), "image/png")),
            pages: vec![Page {
                number: 1,
                scan: Some(Binary {
                    data: Some(b"scan".to_vec()),
                    ..Binary::default()
                }),
            }],
            ..document("Report", &pdf)
        })
        .await
        .expect("create");

    let read = docs.get(&info.resource_id).await.expect("get").data;
    let expect_ref = |bytes: &[u8], content_type: &str| Binary {
        file_id: Some(file_id_of(bytes)),
        size: Some(bytes.len() as i64),
        content_type: Some(content_type.into()),
        data: None,
    };
    assert_eq!(read.file, expect_ref(&pdf, "application/pdf"));
    assert_eq!(
        read.attachments,
        [
            expect_ref(b"one", "text/plain"),
            expect_ref(&pdf, "application/pdf")
        ]
    );
    assert_eq!(read.cover, Some(expect_ref(&png, "image/png")));
    assert_eq!(
        read.pages[0].scan,
        Some(expect_ref(b"scan", "application/octet-stream")),
        "no content type given: the default"
    );

    // The stored payload and its hash carry the references only.
    stored_revisions_hold_no_bytes(&app.spec, "document", &info.resource_id, &pdf).await;
    let raw = app
        .spec
        .store()
        .load_revision("document", &info.revision_id)
        .await
        .unwrap()
        .unwrap();
    let stored: serde_json::Value = serde_json::from_slice(&raw.data).expect("JSON payload");
    assert_eq!(
        stored["file"],
        json!({"file_id": file_id_of(&pdf), "size": pdf.len(), "content_type": "application/pdf"})
    );
    assert_eq!(
        info.data_hash,
        format!("xxh3_128:{:032x}", xxhash_rust::xxh3::xxh3_128(&raw.data))
    );

    // Every file is in the blob store (the PDF once), and readable through the resource.
    for (bytes, content_type) in [
        (&pdf[..], "application/pdf"),
        (b"one", "text/plain"),
        (&png[..], "image/png"),
        (b"scan", "application/octet-stream"),
    ] {
        let id = file_id_of(bytes);
        let stored = app
            .blobs
            .get(&id)
            .await
            .unwrap()
            .expect("in the blob store");
        assert_eq!(stored.data, bytes);
        let blob = docs.blob(&info.resource_id, &id).await.expect("blob");
        assert_eq!(
            (blob.data.as_slice(), blob.content_type.as_str()),
            (bytes, content_type)
        );
    }
}

async fn same_bytes_again_write_no_revision(kind: Kind) {
    let app = app(kind).await;
    let docs = app.spec.manager::<Document>();
    let info = docs.create(document("Same", b"bytes")).await.unwrap();
    // The same file sent again (with its bytes) is the same data: no new revision.
    let again = docs
        .update(&info.resource_id, document("Same", b"bytes"))
        .await
        .unwrap();
    assert_eq!(again.revision_id, info.revision_id);
    // So is the reference read back.
    let read = docs.get(&info.resource_id).await.unwrap().data;
    let again = docs.update(&info.resource_id, read).await.unwrap();
    assert_eq!(again.revision_id, info.revision_id);
    // New bytes: a new revision; the old file stays readable through the old revision.
    let second = docs
        .update(&info.resource_id, document("Same", b"other bytes"))
        .await
        .unwrap();
    assert_ne!(second.revision_id, info.revision_id);
    let handle = app.spec.model("document").unwrap();
    let old = handle
        .blob(
            &info.resource_id,
            &file_id_of(b"bytes"),
            &GetOptions {
                revision_id: Some(info.revision_id.clone()),
                include_deleted: false,
            },
        )
        .await
        .expect("the old revision's file");
    assert_eq!(old.data, b"bytes");
    // …but the current revision no longer references it.
    let e = docs
        .blob(&info.resource_id, &file_id_of(b"bytes"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::FileNotFound { .. }), "{e}");
}

async fn patch_and_modify_store_bytes_too(kind: Kind) {
    let app = app(kind).await;
    let docs = app.spec.manager::<Document>();
    let info = docs.create(document("Patched", b"v1")).await.unwrap();
    let patched = docs
        .patch(
            &info.resource_id,
            &patch(json!([{"op": "add", "path": "/cover", "value": {"data": "aGVsbG8=", "content_type": "text/plain"}}])),
        )
        .await
        .expect("patch");
    let read = docs.get(&info.resource_id).await.unwrap().data;
    let cover = read.cover.expect("a cover");
    assert_eq!(
        cover.file_id.as_deref(),
        Some(file_id_of(b"hello").as_str())
    );
    assert_eq!(cover.data, None);
    stored_revisions_hold_no_bytes(&app.spec, "document", &info.resource_id, b"hello").await;

    let draft = docs
        .modify(
            &patched.resource_id,
            Modify::data(document("Patched", b"modified bytes")).with_status(RevisionStatus::Draft),
        )
        .await
        .expect("modify");
    assert_eq!(draft.revision_id, patched.revision_id, "rewritten in place");
    let blob = docs
        .blob(&info.resource_id, &file_id_of(b"modified bytes"))
        .await
        .expect("modified file");
    assert_eq!(blob.data, b"modified bytes");
    stored_revisions_hold_no_bytes(&app.spec, "document", &info.resource_id, b"modified bytes")
        .await;
}

async fn msgpack_payloads_hold_references_too(kind: Kind) {
    let app = app(kind).await;
    let packed = app.spec.manager::<Packed>();
    let bytes = b"packed file bytes".to_vec();
    let info = packed
        .create(Packed {
            name: "p".into(),
            file: Binary::new(bytes.clone(), "application/x-packed"),
        })
        .await
        .unwrap();
    stored_revisions_hold_no_bytes(&app.spec, "packed", &info.resource_id, &bytes).await;
    let file = packed.get(&info.resource_id).await.unwrap().data.file;
    assert_eq!(file.size, Some(bytes.len() as i64));
    let blob = packed
        .blob(&info.resource_id, file.file_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(blob.data, bytes);
}

async fn bytes_without_a_blob_store_are_not_configured(kind: Kind) {
    let backend = Backend::open(kind).await;
    let spec = backend
        .builder()
        .resource::<Document>()
        .build()
        .await
        .unwrap();
    assert!(spec.blob_store().is_none());
    let docs = spec.manager::<Document>();
    let e = docs
        .create(document("No store", b"bytes"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::NotConfigured { ref feature } if feature.contains("blob store")),
        "{}: {e}",
        variant(&e)
    );
    assert_eq!(
        docs.count(Query::default()).await.unwrap(),
        0,
        "nothing written"
    );
    // A reference without bytes needs no blob store.
    let info = docs
        .create(Document {
            file: Binary::stored("elsewhere", 3, "text/plain"),
            ..document("Reference", b"")
        })
        .await
        .expect("a reference is plain data");
    assert_eq!(
        docs.get(&info.resource_id).await.unwrap().data.file,
        Binary::stored("elsewhere", 3, "text/plain")
    );
    let e = docs.blob(&info.resource_id, "elsewhere").await.unwrap_err();
    assert!(matches!(e, Error::NotConfigured { .. }), "{e}");
}

async fn bad_base64_is_a_validation_error(kind: Kind) {
    let app = app(kind).await;
    let handle = app.spec.model("document").unwrap();
    let e = handle
        .create(json!({"title": "bad", "file": {"data": "not base64!"}}))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Validation { .. }),
        "{}: {e}",
        variant(&e)
    );
    assert!(e.to_string().contains("base64"), "{e}");
}

async fn files_are_served_only_through_resources_that_reference_them(kind: Kind) {
    let app = app(kind).await;
    let docs = app.spec.manager::<Document>();
    let a = docs.create(document("A", b"file of a")).await.unwrap();
    let b = docs.create(document("B", b"file of b")).await.unwrap();
    let e = docs
        .blob(&a.resource_id, &file_id_of(b"file of b"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::FileNotFound { ref referenced_by, .. } if referenced_by.as_deref().is_some_and(|r| r.contains(&a.resource_id))),
        "{e}"
    );
    // A referenced file missing from the store is not found either.
    let ghost = docs
        .create(Document {
            file: Binary::stored("ghost", 1, "x/y"),
            ..document("Ghost", b"")
        })
        .await
        .unwrap();
    let e = docs.blob(&ghost.resource_id, "ghost").await.unwrap_err();
    assert!(matches!(e, Error::FileNotFound { .. }), "{e}");
    // Deleted resources hide their files unless asked.
    docs.delete(&b.resource_id).await.unwrap();
    let e = docs
        .blob(&b.resource_id, &file_id_of(b"file of b"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Deleted { .. }), "{e}");
    let blob = app
        .spec
        .model("document")
        .unwrap()
        .blob(
            &b.resource_id,
            &file_id_of(b"file of b"),
            &GetOptions {
                revision_id: None,
                include_deleted: true,
            },
        )
        .await
        .expect("include_deleted");
    assert_eq!(blob.data, b"file of b");
}

on_every_backend!(
    create_stores_the_bytes_and_keeps_the_reference,
    same_bytes_again_write_no_revision,
    patch_and_modify_store_bytes_too,
    msgpack_payloads_hold_references_too,
    bytes_without_a_blob_store_are_not_configured,
    bad_base64_is_a_validation_error,
    files_are_served_only_through_resources_that_reference_them,
);
