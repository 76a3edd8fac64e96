//! One conformance suite for every `BlobStore`: the same cases run against the memory, disk,
//! SQLite and PostgreSQL stores, plus reopen (durable stores) and a SQLite file shared with
//! the resource store.
//!
//! PostgreSQL cases read `SPECSTAR_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), use a fresh schema each and drop it afterwards;
//! they print "skipped: …" when the server is unreachable, unless `SPECSTAR_REQUIRE_SERVICES=1`.

mod store_common;

use std::sync::Arc;

use specstar_runtime::Error;
use specstar_runtime::storage::blob::disk::DiskBlobStore;
use specstar_runtime::storage::blob::memory::MemoryBlobStore;
use specstar_runtime::storage::blob::postgres::PostgresBlobStore;
use specstar_runtime::storage::blob::sqlite::SqliteBlobStore;
use specstar_runtime::storage::blob::{BlobStore, MAX_FILE_ID_LEN, file_id_of};
use specstar_runtime::storage::postgres::PostgresOptions;
use specstar_runtime::storage::sqlite::SqliteOptions;

/// A store under test and whatever must outlive it.
struct Fixture {
    store: Arc<dyn BlobStore>,
    _keep: Vec<Box<dyn std::any::Any + Send>>,
}

async fn memory() -> Option<Fixture> {
    Some(Fixture {
        store: Arc::new(MemoryBlobStore::new()),
        _keep: Vec::new(),
    })
}

async fn disk() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = DiskBlobStore::open(dir.path().join("blobs"))
        .await
        .expect("open disk blob store");
    Some(Fixture {
        store: Arc::new(store),
        _keep: vec![Box::new(dir)],
    })
}

async fn sqlite() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteBlobStore::open(SqliteOptions::file(dir.path().join("b.db")))
        .await
        .expect("open sqlite blob store");
    Some(Fixture {
        store: Arc::new(store),
        _keep: vec![Box::new(dir)],
    })
}

async fn sqlite_memory() -> Option<Fixture> {
    let store = SqliteBlobStore::open(SqliteOptions::memory())
        .await
        .expect("open in-memory sqlite blob store");
    Some(Fixture {
        store: Arc::new(store),
        _keep: Vec::new(),
    })
}

async fn postgres() -> Option<Fixture> {
    let url = store_common::postgres_reachable().await?;
    let schema = store_common::random_schema();
    let guard = store_common::SchemaGuard {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = PostgresBlobStore::open(PostgresOptions::new(url).schema(schema))
        .await
        .expect("open postgres blob store");
    Some(Fixture {
        store: Arc::new(store),
        _keep: vec![Box::new(guard)],
    })
}

/// Bytes of every value, a few KiB.
fn all_bytes() -> Vec<u8> {
    (0..4096u32).map(|i| (i % 256) as u8).collect()
}

mod cases {
    use super::*;

    pub async fn put_names_bytes_by_content_and_get_round_trips(store: &dyn BlobStore) {
        for (data, content_type) in [
            (b"hello".to_vec(), "text/plain"),
            (Vec::new(), "application/x-empty"),
            (all_bytes(), "application/octet-stream"),
        ] {
            let id = store.put(data.clone(), content_type).await.expect("put");
            assert_eq!(id, file_id_of(&data));
            assert_eq!(id.len(), 32);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
            let blob = store.get(&id).await.expect("get").expect("stored");
            assert_eq!(blob.file_id, id);
            assert_eq!(blob.data, data, "every byte round-trips");
            assert_eq!(blob.size(), data.len() as u64);
            assert_eq!(blob.content_type, content_type);
        }
    }

    pub async fn identical_bytes_are_stored_once(store: &dyn BlobStore) {
        let first = store.put(b"same".to_vec(), "text/plain").await.unwrap();
        let second = store.put(b"same".to_vec(), "image/png").await.unwrap();
        assert_eq!(first, second);
        let blob = store.get(&first).await.unwrap().unwrap();
        assert_eq!(
            blob.content_type, "text/plain",
            "the first content type stays"
        );
        let other = store.put(b"other".to_vec(), "text/plain").await.unwrap();
        assert_ne!(other, first);
    }

    pub async fn empty_content_type_defaults(store: &dyn BlobStore) {
        let id = store.put(b"untyped".to_vec(), "").await.unwrap();
        let blob = store.get(&id).await.unwrap().unwrap();
        assert_eq!(blob.content_type, "application/octet-stream");
    }

    pub async fn put_with_id_stores_and_replaces_under_any_id(store: &dyn BlobStore) {
        let long = "x".repeat(MAX_FILE_ID_LEN);
        let ids = [
            "python-uuid-0f1e",
            "../../etc/passwd",
            "a/b\\c",
            "UPPER and lower",
            "ünïcødé ✓",
            ".hidden",
            long.as_str(),
        ];
        for (n, id) in ids.iter().enumerate() {
            let data = format!("blob {n}").into_bytes();
            store
                .put_with_id(id, data.clone(), "text/plain")
                .await
                .unwrap_or_else(|e| panic!("put_with_id {id:?}: {e}"));
            let blob = store.get(id).await.unwrap().expect("stored");
            assert_eq!((blob.file_id.as_str(), blob.data), (*id, data));
        }
        // Distinct ids never collide (case, separators).
        assert_eq!(
            store.get("upper and lower").await.unwrap(),
            None,
            "ids are case-sensitive"
        );
        store
            .put_with_id("python-uuid-0f1e", b"new".to_vec(), "image/png")
            .await
            .unwrap();
        let blob = store.get("python-uuid-0f1e").await.unwrap().unwrap();
        assert_eq!(
            (blob.data.as_slice(), blob.content_type.as_str()),
            (&b"new"[..], "image/png")
        );
    }

    pub async fn malformed_ids_are_refused_or_unknown(store: &dyn BlobStore) {
        for id in [String::new(), "y".repeat(MAX_FILE_ID_LEN + 1)] {
            let e = store
                .put_with_id(&id, b"x".to_vec(), "text/plain")
                .await
                .unwrap_err();
            assert!(
                matches!(e, Error::BadRequest { ref parameter, .. } if parameter == "file_id"),
                "{e}"
            );
            assert_eq!(store.get(&id).await.unwrap(), None);
            assert!(!store.exists(&id).await.unwrap());
        }
    }

    pub async fn exists_and_delete(store: &dyn BlobStore) {
        let id = store
            .put(b"to delete".to_vec(), "text/plain")
            .await
            .unwrap();
        assert!(store.exists(&id).await.unwrap());
        assert!(!store.exists("unknown").await.unwrap());
        assert!(store.delete(&id).await.unwrap());
        assert!(
            !store.delete(&id).await.unwrap(),
            "a second delete finds nothing"
        );
        assert!(!store.exists(&id).await.unwrap());
        assert_eq!(store.get(&id).await.unwrap(), None);
        // deleted bytes can be stored again
        assert_eq!(
            store
                .put(b"to delete".to_vec(), "text/plain")
                .await
                .unwrap(),
            id
        );
        assert!(store.exists(&id).await.unwrap());
    }

    pub async fn unknown_ids_are_none(store: &dyn BlobStore) {
        for id in ["0123456789abcdef0123456789abcdef", "no such file", "../x"] {
            assert_eq!(store.get(id).await.unwrap(), None, "{id}");
            assert!(!store.exists(id).await.unwrap(), "{id}");
        }
    }

    pub async fn large_blobs_round_trip(store: &dyn BlobStore) {
        let data: Vec<u8> = (0..3 * 1024 * 1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let id = store.put(data.clone(), "video/mp4").await.unwrap();
        let blob = store.get(&id).await.unwrap().unwrap();
        assert_eq!(blob.data.len(), data.len());
        assert!(blob.data == data);
    }

    pub async fn concurrent_puts_agree(store: Arc<dyn BlobStore>) {
        let mut tasks = Vec::new();
        for n in 0..16u8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                // half write the same bytes, half their own
                let data = if n % 2 == 0 {
                    vec![42; 1000]
                } else {
                    vec![n; 1000]
                };
                let id = store.put(data.clone(), "application/x-test").await?;
                Ok::<_, Error>((id, data))
            }));
        }
        for task in tasks {
            let (id, data) = task.await.expect("join").expect("put");
            let blob = store.get(&id).await.unwrap().expect("stored");
            assert_eq!(blob.data, data);
        }
    }
}

macro_rules! conformance {
    ($backend:ident, $factory:path) => {
        mod $backend {
            use super::*;

            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(fixture) = $factory().await else { return };
                        cases::$name(&*fixture.store).await;
                    }
                };
                (shared $name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(fixture) = $factory().await else { return };
                        cases::$name(fixture.store.clone()).await;
                    }
                };
            }

            case!(put_names_bytes_by_content_and_get_round_trips);
            case!(identical_bytes_are_stored_once);
            case!(empty_content_type_defaults);
            case!(put_with_id_stores_and_replaces_under_any_id);
            case!(malformed_ids_are_refused_or_unknown);
            case!(exists_and_delete);
            case!(unknown_ids_are_none);
            case!(large_blobs_round_trip);
            case!(shared concurrent_puts_agree);
        }
    };
}

conformance!(memory_store, memory);
conformance!(disk_store, disk);
conformance!(sqlite_store, sqlite);
conformance!(sqlite_memory_store, sqlite_memory);
conformance!(postgres_store, postgres);

#[tokio::test]
async fn durable_stores_keep_blobs_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let disk_root = dir.path().join("blobs");
    let db = dir.path().join("b.db");
    let id = {
        let disk = DiskBlobStore::open(&disk_root).await.unwrap();
        let sqlite = SqliteBlobStore::open(SqliteOptions::file(&db))
            .await
            .unwrap();
        let id = disk.put(b"persisted".to_vec(), "text/plain").await.unwrap();
        sqlite
            .put(b"persisted".to_vec(), "text/plain")
            .await
            .unwrap();
        id
    };
    let stores: [Arc<dyn BlobStore>; 2] = [
        Arc::new(DiskBlobStore::open(&disk_root).await.unwrap()),
        Arc::new(
            SqliteBlobStore::open(SqliteOptions::file(&db))
                .await
                .unwrap(),
        ),
    ];
    for store in stores {
        let blob = store.get(&id).await.unwrap().expect("kept");
        assert_eq!(
            (blob.data.as_slice(), blob.content_type.as_str()),
            (&b"persisted"[..], "text/plain"),
            "{}",
            store.backend_name()
        );
    }
}

#[tokio::test]
async fn disk_files_never_use_the_raw_id_as_a_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let store = DiskBlobStore::open(&root).await.unwrap();
    store
        .put_with_id("../escape", b"x".to_vec(), "text/plain")
        .await
        .unwrap();
    assert!(!dir.path().join("escape").exists());
    let mut names = Vec::new();
    for shard in std::fs::read_dir(&root).unwrap() {
        for file in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            names.push(file.unwrap().file_name().to_string_lossy().into_owned());
        }
    }
    assert_eq!(names, ["%2E%2E%2Fescape.blob"]);
}

#[tokio::test]
async fn a_corrupt_disk_blob_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = DiskBlobStore::open(dir.path()).await.unwrap();
    let id = store.put(b"12345".to_vec(), "text/plain").await.unwrap();
    for shard in std::fs::read_dir(dir.path()).unwrap() {
        for file in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.truncate(bytes.len() - 2);
            std::fs::write(&path, bytes).unwrap();
        }
    }
    let e = store.get(&id).await.unwrap_err();
    assert!(
        matches!(e, Error::Storage { .. }) && e.to_string().contains("corrupt"),
        "{e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_blobs_share_the_file_with_resources() {
    use specstar_runtime::storage::ResourceStore;
    use specstar_runtime::storage::sqlite::SqliteStore;
    use store_common::{ITEM, create};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let resources = Arc::new(SqliteStore::open_file(&path).await.unwrap());
    resources.register_model(&ITEM).await.unwrap();
    let blobs = Arc::new(
        SqliteBlobStore::open(SqliteOptions::file(&path))
            .await
            .unwrap(),
    );
    let writer = {
        let resources = resources.clone();
        tokio::spawn(async move {
            for n in 0..50 {
                let id = format!("item:{n}");
                create(
                    &*resources,
                    "item",
                    &id,
                    serde_json::json!({"name": format!("n{n}")}),
                    n,
                    "alice",
                )
                .await;
            }
        })
    };
    let mut ids = Vec::new();
    for n in 0..50u32 {
        ids.push(blobs.put(n.to_be_bytes().to_vec(), "x/y").await.unwrap());
    }
    writer.await.unwrap();
    assert_eq!(
        resources.count("item", &Default::default()).await.unwrap(),
        50
    );
    for (n, id) in ids.iter().enumerate() {
        let blob = blobs.get(id).await.unwrap().unwrap();
        assert_eq!(blob.data, (n as u32).to_be_bytes());
    }
}
