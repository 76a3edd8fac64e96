//! Shared pieces of the store tests: a hand-written descriptor, commit builders, backend
//! factories (with a drop guard that removes the PostgreSQL schema even when a test fails).

#![allow(dead_code)]

pub mod cases;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;
use specstar_runtime::model::{ResourceMeta, RevisionInfo, RevisionStatus, Timestamp};
use specstar_runtime::resource::{IndexKind, IndexSpec, ResourceDescriptor};
use specstar_runtime::storage::{Commit, ResourceStore, StoredRevision};

const fn index(path: &'static str, kind: IndexKind) -> IndexSpec {
    IndexSpec {
        path,
        kind,
        unique: false,
        nullable: true,
        list: false,
    }
}

/// `item`: one index of every kind, a nested path, a list, an untyped path, two unique fields.
pub static ITEM: ResourceDescriptor = ResourceDescriptor {
    name: "item",
    type_name: "Item",
    description: Some("A test item."),
    indexes: &[
        IndexSpec {
            unique: true,
            nullable: false,
            ..index("name", IndexKind::String)
        },
        index("level", IndexKind::Integer),
        index("score", IndexKind::Float),
        IndexSpec {
            list: true,
            ..index("tags", IndexKind::String)
        },
        index("flag", IndexKind::Boolean),
        index("stats.hp", IndexKind::Integer),
        index("any", IndexKind::Any),
        IndexSpec {
            unique: true,
            ..index("code", IndexKind::String)
        },
        IndexSpec {
            unique: true,
            ..index("ratio", IndexKind::Float)
        },
    ],
    refs: &[],
    display_name: Some("name"),
    default_status: None,
    encoding: None,
    version: None,
};

/// `other`: a second model with a unique `name`, to show models do not share unique values.
pub static OTHER: ResourceDescriptor = ResourceDescriptor {
    name: "other",
    type_name: "Other",
    description: None,
    indexes: &[IndexSpec {
        unique: true,
        nullable: false,
        ..index("name", IndexKind::String)
    }],
    refs: &[],
    display_name: None,
    default_status: None,
    encoding: None,
    version: None,
};

/// A fixed base time plus `secs` seconds (with microseconds, to check they round-trip).
pub fn t(secs: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid time")
        + Duration::seconds(secs)
        + Duration::microseconds(123_456)
}

pub fn rev_id(id: &str, n: u64) -> String {
    format!("{id}:{n}")
}

pub fn info(id: &str, n: u64, time: Timestamp, by: &str, data: &[u8]) -> RevisionInfo {
    RevisionInfo {
        uid: format!("uid-{id}-{n}-{}", data.len()),
        resource_id: id.to_owned(),
        revision_id: rev_id(id, n),
        parent_revision_id: (n > 1).then(|| rev_id(id, n - 1)),
        schema_version: None,
        data_hash: format!("xxh3_128:{:032x}", data.len()),
        status: RevisionStatus::Stable,
        created_time: time,
        updated_time: time,
        created_by: by.to_owned(),
        updated_by: by.to_owned(),
        parent_schema_version: None,
    }
}

pub fn indexed(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("indexed data must be an object, got {other}"),
    }
}

/// The meta of a new resource at revision 1.
pub fn new_meta(id: &str, data: Value, created_secs: i64, by: &str) -> ResourceMeta {
    let time = t(created_secs);
    let mut meta = ResourceMeta {
        current_revision_id: String::new(),
        resource_id: id.to_owned(),
        schema_version: None,
        total_revision_count: 1,
        created_time: time,
        updated_time: time,
        created_by: by.to_owned(),
        updated_by: by.to_owned(),
        is_deleted: false,
        indexed_data: indexed(data),
        rev_status: RevisionStatus::Stable,
        rev_created_by: by.to_owned(),
        rev_updated_by: by.to_owned(),
        rev_created_time: time,
        rev_updated_time: time,
    };
    meta.mirror_revision(&info(id, 1, time, by, b""));
    meta
}

/// A create commit (revision 1 with `payload`).
pub fn create_commit(meta: &ResourceMeta, payload: &[u8]) -> Commit {
    Commit {
        expected_current: None,
        meta: meta.clone(),
        revision: Some(StoredRevision {
            info: info(
                &meta.resource_id,
                1,
                meta.created_time,
                &meta.created_by,
                payload,
            ),
            data: payload.to_vec(),
        }),
        replace_revision: false,
    }
}

/// Create a resource; returns its meta.
pub async fn create(
    store: &dyn ResourceStore,
    model: &str,
    id: &str,
    data: Value,
    created_secs: i64,
    by: &str,
) -> ResourceMeta {
    let meta = new_meta(id, data, created_secs, by);
    store
        .commit(model, create_commit(&meta, id.as_bytes()))
        .await
        .unwrap_or_else(|e| panic!("create {id}: {e}"));
    meta
}

/// The commit writing revision n+1 on top of `prev` with new indexed data.
pub fn update_commit(prev: &ResourceMeta, data: Value, payload: &[u8]) -> Commit {
    let n = prev.total_revision_count + 1;
    let time = prev.updated_time + Duration::seconds(1);
    let info = info(&prev.resource_id, n, time, "editor", payload);
    let mut meta = prev.clone();
    meta.total_revision_count = n;
    meta.updated_time = time;
    meta.updated_by = "editor".into();
    meta.indexed_data = indexed(data);
    meta.mirror_revision(&info);
    Commit {
        expected_current: Some(prev.current_revision_id.clone()),
        meta,
        revision: Some(StoredRevision {
            info,
            data: payload.to_vec(),
        }),
        replace_revision: false,
    }
}

/// Update a resource; returns the new meta.
pub async fn update(
    store: &dyn ResourceStore,
    model: &str,
    prev: &ResourceMeta,
    data: Value,
) -> ResourceMeta {
    let commit = update_commit(prev, data, b"updated");
    let meta = commit.meta.clone();
    store
        .commit(model, commit)
        .await
        .unwrap_or_else(|e| panic!("update {}: {e}", prev.resource_id));
    meta
}

/// Soft-delete or restore (a meta-only commit).
pub async fn set_deleted(
    store: &dyn ResourceStore,
    model: &str,
    prev: &ResourceMeta,
    deleted: bool,
) -> specstar_runtime::Result<ResourceMeta> {
    let mut meta = prev.clone();
    meta.is_deleted = deleted;
    meta.updated_time = prev.updated_time + Duration::seconds(1);
    store
        .commit(
            model,
            Commit {
                expected_current: Some(prev.current_revision_id.clone()),
                meta: meta.clone(),
                revision: None,
                replace_revision: false,
            },
        )
        .await?;
    Ok(meta)
}

/// A store under test and whatever must live as long as it (temp dirs, schema guards).
pub struct Fixture {
    pub store: Arc<dyn ResourceStore>,
    pub _keep: Vec<Box<dyn std::any::Any + Send>>,
}

impl Fixture {
    pub async fn registered(self) -> Self {
        self.store
            .register_model(&ITEM)
            .await
            .expect("register item");
        self.store
            .register_model(&OTHER)
            .await
            .expect("register other");
        self
    }
}

pub async fn sqlite() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = specstar_runtime::storage::sqlite::SqliteStore::open_file(dir.path().join("t.db"))
        .await
        .expect("open sqlite");
    Some(
        Fixture {
            store: Arc::new(store),
            _keep: vec![Box::new(dir)],
        }
        .registered()
        .await,
    )
}

// LEAD: enable with the `memory` line in store_conformance.rs once MemoryStore is merged.
// pub async fn memory() -> Option<Fixture> {
//     let store = specstar_runtime::storage::memory::MemoryStore::new();
//     Some(Fixture { store: Arc::new(store), _keep: Vec::new() }.registered().await)
// }

pub async fn disk() -> Option<Fixture> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = specstar_runtime::storage::disk::DiskStore::open(dir.path().join("data"))
        .await
        .expect("open disk store");
    Some(
        Fixture {
            store: Arc::new(store),
            _keep: vec![Box::new(dir)],
        }
        .registered()
        .await,
    )
}

pub async fn postgres() -> Option<Fixture> {
    let url = postgres_reachable().await?;
    let schema = random_schema();
    let guard = SchemaGuard {
        url: url.clone(),
        schema: schema.clone(),
    };
    let options = specstar_runtime::storage::postgres::PostgresOptions {
        max_connections: 4,
        ..specstar_runtime::storage::postgres::PostgresOptions::new(url).schema(schema)
    };
    let store = specstar_runtime::storage::postgres::PostgresStore::open(options)
        .await
        .expect("open postgres");
    Some(
        Fixture {
            store: Arc::new(store),
            _keep: vec![Box::new(guard)],
        }
        .registered()
        .await,
    )
}

pub fn postgres_url() -> String {
    std::env::var("SPECSTAR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// `None` (and a "skipped" line) when PostgreSQL is not reachable, unless
/// `SPECSTAR_REQUIRE_SERVICES=1`, in which case the test fails.
pub async fn postgres_reachable() -> Option<String> {
    let url = postgres_url();
    let probe = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        use sqlx::Connection;
        sqlx::PgConnection::connect(&url).await
    })
    .await;
    match probe {
        Ok(Ok(conn)) => {
            drop(conn);
            Some(url)
        }
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".to_owned(),
            };
            if std::env::var("SPECSTAR_REQUIRE_SERVICES").as_deref() == Ok("1") {
                panic!("PostgreSQL not reachable at {url} ({why}) and SPECSTAR_REQUIRE_SERVICES=1");
            }
            println!("skipped: PostgreSQL not reachable at {url} ({why})");
            None
        }
    }
}

/// Drops a PostgreSQL schema when dropped (also while a failing test unwinds).
pub struct SchemaGuard {
    pub url: String,
    pub schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        let url = self.url.clone();
        let schema = self.schema.clone();
        // Drop runs inside the test's runtime: use a fresh thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let sql = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

pub fn random_schema() -> String {
    format!("specstar_test_{}", uuid::Uuid::new_v4().simple())
}
