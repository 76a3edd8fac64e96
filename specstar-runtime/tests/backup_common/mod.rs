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
use specstar_runtime::app::SpecStar;
use specstar_runtime::model::{Encoding, ResourceMeta, RevisionStatus, Timestamp};
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

/// A fresh, empty app with `zone` and `relic` on `backend`; `None` (with a "skipped" line)
/// when PostgreSQL is unreachable and not required.
pub async fn app(backend: Backend) -> Option<App> {
    let mut keep: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
    let store: Arc<dyn ResourceStore> = match backend {
        Backend::Memory => Arc::new(specstar_runtime::storage::memory::MemoryStore::new()),
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = specstar_runtime::storage::sqlite::SqliteStore::open_file(
                dir.path().join("backup.db"),
            )
            .await
            .expect("open sqlite");
            keep.push(Box::new(dir));
            Arc::new(store)
        }
        Backend::Disk => {
            let dir = tempfile::tempdir().expect("temp dir");
            let store = specstar_runtime::storage::disk::DiskStore::open(dir.path().join("data"))
                .await
                .expect("open disk store");
            keep.push(Box::new(dir));
            Arc::new(store)
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
            Arc::new(
                specstar_runtime::storage::postgres::PostgresStore::open(options)
                    .await
                    .expect("open postgres"),
            )
        }
    };
    let spec = SpecStar::builder()
        .store(store)
        .resource::<Zone>()
        .resource::<Relic>()
        .build()
        .await
        .expect("build the app");
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
