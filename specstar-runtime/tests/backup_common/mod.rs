//! Shared pieces of the backup tests: two hand-written models (JSON and MessagePack encoded),
//! apps on every backend, a populated history, store snapshots, and [`generator`], which
//! assembles `.acbak` archives byte by byte from the format description — independently of
//! `specstar_runtime::backup` — so the writer and the reader are tested against it.

#![allow(dead_code)]

pub mod generator;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use specstar_runtime::app::{SpecStar, SpecStarBuilder};
use specstar_runtime::model::{Binary, Encoding, ResourceMeta, RevisionStatus, Timestamp};
use specstar_runtime::query::Query;
use specstar_runtime::resource::{IndexKind, IndexSpec, Modify, Resource, ResourceDescriptor};
use specstar_runtime::storage::{ResourceStore, StoredRevision};

/// A zone: unique `name`, indexed `level` and `tags` (JSON encoding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Zone {
    pub name: String,
    pub level: i64,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A picture: files in a field, a list and an option (JSON encoding).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Picture {
    pub name: String,
    pub image: Binary,
    #[serde(default)]
    pub thumbnails: Vec<Binary>,
    #[serde(default)]
    pub original: Option<Binary>,
}

/// A vault: a file in a MessagePack payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Vault {
    pub label: String,
    pub file: Option<Binary>,
}

/// A relic: stored as MessagePack, indexed `power`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Relic {
    pub title: String,
    pub power: f64,
}

const fn index(path: &'static str, kind: IndexKind, unique: bool, list: bool) -> IndexSpec {
    IndexSpec {
        path,
        kind,
        unique,
        nullable: false,
        list,
    }
}

static ZONE: ResourceDescriptor = ResourceDescriptor {
    name: "zone",
    type_name: "Zone",
    description: None,
    indexes: &[
        index("name", IndexKind::String, true, false),
        index("level", IndexKind::Integer, false, false),
        index("tags", IndexKind::String, false, true),
    ],
    refs: &[],
    display_name: Some("name"),
    default_status: None,
    encoding: None,
    version: None,
};

static RELIC: ResourceDescriptor = ResourceDescriptor {
    name: "relic",
    type_name: "Relic",
    description: None,
    indexes: &[index("power", IndexKind::Float, false, false)],
    refs: &[],
    display_name: Some("title"),
    default_status: None,
    encoding: Some(Encoding::Msgpack),
    version: Some("v2"),
};

static PICTURE: ResourceDescriptor = ResourceDescriptor {
    name: "picture",
    type_name: "Picture",
    description: None,
    indexes: &[index("name", IndexKind::String, false, false)],
    refs: &[],
    display_name: Some("name"),
    default_status: None,
    encoding: None,
    version: None,
};

static VAULT: ResourceDescriptor = ResourceDescriptor {
    name: "vault",
    type_name: "Vault",
    description: None,
    indexes: &[],
    refs: &[],
    display_name: None,
    default_status: None,
    encoding: Some(Encoding::Msgpack),
    version: None,
};

impl Resource for Picture {
    const NAME: &'static str = "picture";
    type Query = ();
    fn descriptor() -> &'static ResourceDescriptor {
        &PICTURE
    }
}

impl Resource for Vault {
    const NAME: &'static str = "vault";
    type Query = ();
    fn descriptor() -> &'static ResourceDescriptor {
        &VAULT
    }
}

impl Resource for Zone {
    const NAME: &'static str = "zone";
    type Query = ();
    fn descriptor() -> &'static ResourceDescriptor {
        &ZONE
    }
}

impl Resource for Relic {
    const NAME: &'static str = "relic";
    type Query = ();
    fn descriptor() -> &'static ResourceDescriptor {
        &RELIC
    }
}

/// The backends a round trip runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Sqlite,
    Disk,
    Postgres,
}

/// An app over a fresh store, and whatever must outlive it (temp dirs, schema guards).
pub struct App {
    pub spec: SpecStar,
    _keep: Vec<Box<dyn std::any::Any + Send>>,
}

impl App {
    pub fn store(&self) -> &Arc<dyn ResourceStore> {
        self.spec.store()
    }
}

/// A fresh, empty app with `zone` and `relic` on `backend`, with a blob store of the same
/// kind; `None` (with a "skipped" line) when PostgreSQL is unreachable and not required.
pub async fn app(backend: Backend) -> Option<App> {
    app_with(backend, true, |b| b.resource::<Zone>().resource::<Relic>()).await
}

/// A fresh, empty app with `picture`, `vault` and `zone` (files in JSON and MessagePack
/// payloads) and a blob store on `backend`.
pub async fn gallery_app(backend: Backend) -> Option<App> {
    app_with(backend, true, gallery_models).await
}

/// [`gallery_app`] without a blob store.
pub async fn gallery_app_without_blobs(backend: Backend) -> Option<App> {
    app_with(backend, false, gallery_models).await
}

fn gallery_models(builder: SpecStarBuilder) -> SpecStarBuilder {
    builder
        .resource::<Picture>()
        .resource::<Vault>()
        .resource::<Zone>()
}

/// An app on `backend` with the models `models` adds; with `blobs`, a blob store of the same
/// kind beside it (the memory store, a table of the SQLite file, `data/.blobs`, a table of the
/// PostgreSQL schema).
pub async fn app_with(
    backend: Backend,
    blobs: bool,
    models: fn(SpecStarBuilder) -> SpecStarBuilder,
) -> Option<App> {
    use specstar_runtime::storage::blob::{
        BlobStore, disk::DiskBlobStore, memory::MemoryBlobStore, postgres::PostgresBlobStore,
        sqlite::SqliteBlobStore,
    };
    let mut keep: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
    let (store, blob_store): (Arc<dyn ResourceStore>, Arc<dyn BlobStore>) = match backend {
        Backend::Memory => (
            Arc::new(specstar_runtime::storage::memory::MemoryStore::new()),
            Arc::new(MemoryBlobStore::new()),
        ),
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("backup.db");
            let store = specstar_runtime::storage::sqlite::SqliteStore::open_file(&path)
                .await
                .expect("open sqlite");
            let blobs = SqliteBlobStore::open(
                specstar_runtime::storage::sqlite::SqliteOptions::file(&path),
            )
            .await
            .expect("open sqlite blobs");
            keep.push(Box::new(dir));
            (Arc::new(store), Arc::new(blobs))
        }
        Backend::Disk => {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = specstar_runtime::storage::disk::DiskStore::open(dir.path().join("data"))
                .await
                .expect("open disk store");
            let blobs = DiskBlobStore::open(dir.path().join("data").join(".blobs"))
                .await
                .expect("open disk blobs");
            keep.push(Box::new(dir));
            (Arc::new(store), Arc::new(blobs))
        }
        Backend::Postgres => {
            let url = crate::store_common::postgres_reachable().await?;
            let schema = crate::store_common::random_schema();
            keep.push(Box::new(crate::store_common::SchemaGuard {
                url: url.clone(),
                schema: schema.clone(),
            }));
            let options = specstar_runtime::storage::postgres::PostgresOptions {
                max_connections: 4,
                ..specstar_runtime::storage::postgres::PostgresOptions::new(url).schema(schema)
            };
            let store = specstar_runtime::storage::postgres::PostgresStore::open(options.clone())
                .await
                .expect("open postgres");
            let blobs = PostgresBlobStore::open(options)
                .await
                .expect("open postgres blobs");
            (Arc::new(store), Arc::new(blobs))
        }
    };
    let mut builder = SpecStar::builder().store(store);
    if blobs {
        builder = builder.blob_store(blob_store);
    }
    let spec = models(builder).build().await.expect("build the app");
    Some(App { spec, _keep: keep })
}

/// A fixed base time plus `secs` seconds and some microseconds (so they must round-trip).
pub fn t(secs: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7)
        .single()
        .expect("valid time")
        + Duration::seconds(secs)
        + Duration::microseconds(654_321)
}

/// The ids [`populate`] created.
#[derive(Debug, Clone)]
pub struct Populated {
    /// Three revisions.
    pub edited: String,
    /// Soft-deleted.
    pub deleted: String,
    /// Current revision reopened as a draft and rewritten in place.
    pub draft: String,
    /// Two revisions, switched back to the first.
    pub switched: String,
    /// A MessagePack-encoded relic with two revisions.
    pub relic: String,
}

/// Write a varied history: several revisions, different users and times (with microseconds),
/// a deleted resource, a draft, a switched resource, a MessagePack payload.
pub async fn populate(spec: &SpecStar) -> Populated {
    let zones = spec.model("zone").expect("zone");
    let relics = spec.model("relic").expect("relic");
    let zone =
        |name: &str, level: i64, tags: &[&str]| json!({"name": name, "level": level, "tags": tags});

    let edited = zones
        .as_user("alice")
        .at(t(1))
        .create(zone("Ashland", 1, &["ash"]))
        .await
        .expect("create")
        .resource_id;
    zones
        .as_user("bob")
        .at(t(2))
        .update(&edited, zone("Ashland", 2, &["ash", "dust"]))
        .await
        .expect("update");
    zones
        .as_user("carol")
        .at(t(3))
        .update(&edited, zone("Ashlands", 3, &[]))
        .await
        .expect("update");

    let deleted = zones
        .as_user("alice")
        .at(t(4))
        .create(zone("Bog", 5, &["wet"]))
        .await
        .expect("create")
        .resource_id;
    zones
        .as_user("dave")
        .at(t(5))
        .delete(&deleted)
        .await
        .expect("delete");

    let draft = zones
        .as_user("alice")
        .at(t(6))
        .create(zone("Cove", 7, &[]))
        .await
        .expect("create")
        .resource_id;
    zones
        .as_user("erin")
        .at(t(7))
        .modify(
            &draft,
            Modify::data(zone("Cove", 8, &["sea"])).with_status(RevisionStatus::Draft),
        )
        .await
        .expect("reopen as a draft");

    let switched = zones
        .as_user("alice")
        .at(t(8))
        .create(zone("Dune", 9, &[]))
        .await
        .expect("create")
        .resource_id;
    zones
        .as_user("alice")
        .at(t(9))
        .update(&switched, zone("Dunes", 10, &[]))
        .await
        .expect("update");
    zones
        .as_user("frank")
        .at(t(10))
        .switch(&switched, &format!("{switched}:1"))
        .await
        .expect("switch back");

    let relic = relics
        .as_user("gina")
        .at(t(11))
        .create(json!({"title": "Orb", "power": 1.5}))
        .await
        .expect("create")
        .resource_id;
    relics
        .as_user("gina")
        .at(t(12))
        .update(&relic, json!({"title": "Orb", "power": -2.25}))
        .await
        .expect("update");

    Populated {
        edited,
        deleted,
        draft,
        switched,
        relic,
    }
}

/// One resource as stored: its meta and every revision with its bytes, oldest first.
pub type StoredResource = (ResourceMeta, Vec<StoredRevision>);

/// Everything `spec`'s store holds, deleted resources included, keyed by (model, id).
pub async fn snapshot(spec: &SpecStar) -> BTreeMap<(String, String), StoredResource> {
    let store = spec.store();
    let mut out = BTreeMap::new();
    for model in spec.models() {
        let name = model.name();
        for meta in store.search(name, &Query::new()).await.expect("search") {
            let mut revisions = Vec::new();
            for info in store
                .list_revisions(name, &meta.resource_id)
                .await
                .expect("list revisions")
            {
                revisions.push(
                    store
                        .load_revision(name, &info.revision_id)
                        .await
                        .expect("load revision")
                        .expect("listed revision exists"),
                );
            }
            out.insert(
                (name.to_owned(), meta.resource_id.clone()),
                (meta, revisions),
            );
        }
    }
    out
}

/// How many resources (deleted included) each model holds.
pub async fn counts(spec: &SpecStar) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for model in spec.models() {
        let n = spec
            .store()
            .count(model.name(), &Query::new())
            .await
            .expect("count");
        out.insert(model.name().to_owned(), n);
    }
    out
}

/// Dump every model into memory.
pub async fn dump_all(spec: &SpecStar) -> Vec<u8> {
    let mut out = Vec::new();
    spec.dump(&mut out, &specstar_runtime::backup::DumpOptions::all())
        .await
        .expect("dump");
    out
}

/// What [`populate_gallery`] wrote.
#[derive(Debug, Clone)]
pub struct Gallery {
    /// A picture with two revisions (its first image only in revision 1).
    pub edited: String,
    /// A soft-deleted picture.
    pub deleted: String,
    /// A picture referencing a file the blob store does not hold.
    pub dangling: String,
    /// A MessagePack vault sharing a file with a picture.
    pub vault: String,
    /// Every file written: bytes and content type.
    pub files: Vec<(Vec<u8>, String)>,
}

/// Pictures and a vault with files: shared files, a file only an old revision references, a
/// deleted resource's file, an empty file, every byte value, a reference to a missing file.
pub async fn populate_gallery(spec: &SpecStar) -> Gallery {
    let pictures = spec.model("picture").expect("picture");
    let vaults = spec.model("vault").expect("vault");
    let file = |bytes: &[u8], content_type: &str| {
        serde_json::to_value(Binary::new(bytes.to_vec(), content_type)).expect("binary")
    };
    let every_byte: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let files: Vec<(Vec<u8>, String)> = vec![
        (b"\x89PNG first image".to_vec(), "image/png".into()),
        (b"thumbnail one".to_vec(), "image/jpeg".into()),
        (Vec::new(), "text/plain".into()),
        (every_byte, "application/octet-stream".into()),
        (b"second image".to_vec(), "image/webp".into()),
        (b"deleted picture's image".to_vec(), "image/gif".into()),
        (b"PK zip in the vault".to_vec(), "application/zip".into()),
    ];
    let f = |i: usize| file(&files[i].0, &files[i].1);

    let edited = pictures
        .as_user("alice")
        .at(t(1))
        .create(
            json!({"name": "sunset", "image": f(0), "thumbnails": [f(1), f(2)], "original": f(3)}),
        )
        .await
        .expect("create")
        .resource_id;
    pictures
        .as_user("bob")
        .at(t(2))
        .update(
            &edited,
            json!({"name": "sunset", "image": f(4), "thumbnails": [f(1), f(2)], "original": f(3)}),
        )
        .await
        .expect("update");
    pictures
        .as_user("alice")
        .at(t(3))
        .create(json!({"name": "copy", "image": f(0)}))
        .await
        .expect("create a picture sharing a file");
    let deleted = pictures
        .as_user("alice")
        .at(t(4))
        .create(json!({"name": "gone", "image": f(5)}))
        .await
        .expect("create")
        .resource_id;
    pictures
        .as_user("dave")
        .at(t(5))
        .delete(&deleted)
        .await
        .expect("delete");
    let dangling = pictures
        .as_user("alice")
        .at(t(6))
        .create(json!({"name": "dangling", "image": {"file_id": "missing-file", "size": 3, "content_type": "x/y"}}))
        .await
        .expect("create a dangling reference")
        .resource_id;
    let vault = vaults
        .as_user("gina")
        .at(t(7))
        .create(json!({"label": "archive", "file": f(6)}))
        .await
        .expect("create")
        .resource_id;
    vaults
        .as_user("gina")
        .at(t(8))
        .update(&vault, json!({"label": "archive", "file": f(0)}))
        .await
        .expect("update the vault to a picture's file");
    spec.model("zone")
        .expect("zone")
        .at(t(9))
        .create(json!({"name": "No files", "level": 1, "tags": []}))
        .await
        .expect("create a zone");
    Gallery {
        edited,
        deleted,
        dangling,
        vault,
        files,
    }
}

/// Every file the stored revisions of `spec` reference and its blob store holds: file id →
/// (bytes, stored content type). Files referenced but not held map to `None`.
pub async fn blob_snapshot(spec: &SpecStar) -> BTreeMap<String, Option<(Vec<u8>, String)>> {
    let mut out = BTreeMap::new();
    for ((model, _), (_, revisions)) in snapshot(spec).await {
        let handle = spec.model(&model).expect("model");
        for revision in revisions {
            let data: serde_json::Value = match handle.encoding() {
                Encoding::Json => serde_json::from_slice(&revision.data).expect("JSON"),
                Encoding::Msgpack => rmp_serde::from_slice(&revision.data).expect("MessagePack"),
            };
            for file_id in handle.referenced_files(&data) {
                let held = match spec.blob_store() {
                    Some(store) => store
                        .get(&file_id)
                        .await
                        .expect("get")
                        .map(|b| (b.data, b.content_type)),
                    None => None,
                };
                out.insert(file_id, held);
            }
        }
    }
    out
}
