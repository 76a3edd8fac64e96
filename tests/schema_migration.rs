//! Schema migrations end to end: resources written by an app built with older types (v1, v2)
//! on a SQLite file, then read, migrated one by one and in bulk, and switched by an app rebuilt
//! with the v3 type over the same file — through the manager and over HTTP.

use std::cell::Cell;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{Value, json};
use specstar::prelude::*;
use specstar::schema::{MigrationProgress, MigrationStatus, MigrationSummary};
use specstar::{GetOptions, Query, ResourceStore};
use specstar_runtime::storage::sqlite::SqliteStore;
use tower::ServiceExt;

/// The zone as the first release stored it.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "zone", version = "v1")]
pub struct ZoneV1App {
    pub name: String,
    #[index]
    pub size: i64,
}

/// The zone of the second release.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "zone", version = "v2")]
pub struct ZoneV2App {
    pub title: String,
    #[index]
    pub level: i64,
}

/// The current zone: v1 data takes the shortcut, v2 data one step; the chain step v1 → v2 is
/// declared too, so a shortest path has to be chosen.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[specstar(
    name = "zone",
    version = "v3",
    migrate(from = "v1", via = ZoneV1App, to = "v2", to = "v3"),
    migrate(from = "v2", via = ZoneV2App)
)]
pub struct Zone {
    pub title: String,
    #[index]
    pub level: i64,
    #[serde(default)]
    pub tags: Vec<String>,
}

thread_local! {
    // Conversions run on the test's (current-thread) runtime: per-thread counts.
    static V1_TO_V2: Cell<usize> = const { Cell::new(0) };
    static V1_TO_V3: Cell<usize> = const { Cell::new(0) };
    static V2_TO_V3: Cell<usize> = const { Cell::new(0) };
}

fn counts() -> (usize, usize, usize) {
    (V1_TO_V2.get(), V1_TO_V3.get(), V2_TO_V3.get())
}

impl From<ZoneV1App> for ZoneV2App {
    fn from(v: ZoneV1App) -> Self {
        V1_TO_V2.set(V1_TO_V2.get() + 1);
        ZoneV2App {
            title: v.name,
            level: v.size,
        }
    }
}

impl From<ZoneV1App> for Zone {
    fn from(v: ZoneV1App) -> Self {
        V1_TO_V3.set(V1_TO_V3.get() + 1);
        Zone {
            title: v.name,
            level: v.size,
            tags: vec!["from-v1".into()],
        }
    }
}

impl TryFrom<ZoneV2App> for Zone {
    type Error = String;
    fn try_from(v: ZoneV2App) -> Result<Self, String> {
        V2_TO_V3.set(V2_TO_V3.get() + 1);
        if v.level < 0 {
            return Err(format!("level {} is negative", v.level));
        }
        Ok(Zone {
            title: v.title,
            level: v.level,
            tags: vec!["from-v2".into()],
        })
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn ResourceStore>,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("a temp dir");
    let store: Arc<dyn ResourceStore> = Arc::new(
        SqliteStore::open_file(dir.path().join("specstar.db"))
            .await
            .expect("the SQLite file opens"),
    );
    Fixture { _dir: dir, store }
}

async fn app<T: Resource>(store: &Arc<dyn ResourceStore>) -> SpecStar {
    SpecStar::builder()
        .store(store.clone())
        .resource::<T>()
        .build()
        .await
        .expect("the app builds")
}

/// Ids written by the old apps: `alpha` (v1, two revisions), `beta` (v1), `gamma` (v2, a
/// negative level that the v2 → v3 step refuses), `delta` (v2).
struct Old {
    alpha: RevisionInfo,
    alpha_first: RevisionInfo,
    beta: String,
    gamma: RevisionInfo,
    delta: String,
}

async fn write_old_data(store: &Arc<dyn ResourceStore>) -> Old {
    let v1 = app::<ZoneV1App>(store).await.manager::<ZoneV1App>();
    let zone = |name: &str, size| ZoneV1App {
        name: name.into(),
        size,
    };
    let alpha_first = v1.create(zone("Alpha", 2)).await.unwrap();
    let alpha = v1
        .update(&alpha_first.resource_id, zone("Alpha", 3))
        .await
        .unwrap();
    let beta = v1.create(zone("Beta", 5)).await.unwrap().resource_id;
    let v2 = app::<ZoneV2App>(store).await.manager::<ZoneV2App>();
    let gamma = v2
        .create(ZoneV2App {
            title: "Gamma".into(),
            level: -1,
        })
        .await
        .unwrap();
    let delta = v2
        .create(ZoneV2App {
            title: "Delta".into(),
            level: 7,
        })
        .await
        .unwrap()
        .resource_id;
    assert_eq!(alpha.schema_version.as_deref(), Some("v1"));
    assert_eq!(gamma.schema_version.as_deref(), Some("v2"));
    Old {
        alpha,
        alpha_first,
        beta,
        gamma,
        delta,
    }
}

fn level_is(level: i64) -> Query {
    Zone::q().level().eq(level).into()
}

#[tokio::test]
async fn old_revisions_are_read_migrated_then_written_back_in_bulk() {
    let f = fixture().await;
    let old = write_old_data(&f.store).await;
    let zones = app::<Zone>(&f.store).await.manager::<Zone>();
    let handle = zones.handle();
    let alpha = &old.alpha.resource_id;

    // Lazy: the v1 payload is converted in memory, by the shortcut only; nothing is written.
    let before = counts();
    let read = handle.get(alpha).await.unwrap();
    assert_eq!(
        read.data,
        json!({"title": "Alpha", "level": 3, "tags": ["from-v1"]})
    );
    assert_eq!(read.info.schema_version.as_deref(), Some("v1"));
    assert_eq!(read.meta.schema_version.as_deref(), Some("v1"));
    let after = counts();
    assert_eq!(
        (after.0 - before.0, after.1 - before.1, after.2 - before.2),
        (0, 1, 0),
        "v1 data takes the direct step, not the chain"
    );
    let typed = zones.get(&old.delta).await.unwrap();
    assert_eq!(typed.data.tags, ["from-v2"]);
    // The failing TryFrom is a migration error naming the step and the reason.
    match handle.get(&old.gamma.resource_id).await {
        Err(Error::MigrationFailed { from, message, .. }) => {
            assert_eq!(from.as_deref(), Some("v2"));
            assert!(message.contains("level -1 is negative"), "{message}");
        }
        other => panic!("expected MigrationFailed, got {other:?}"),
    }
    // Search sees what was indexed when the revision was written (`size`, not `level`).
    assert!(zones.search_metas(level_is(3)).await.unwrap().is_empty());

    // Dry run: the outcome of every resource, nothing written.
    let mut lines = Vec::new();
    let summary = handle
        .migrate_matching(&Query::default(), true, |p| lines.push(p))
        .await
        .unwrap();
    assert_eq!((summary.total, summary.success, summary.failed), (4, 3, 1));
    assert_eq!(lines.len(), 8);
    assert_eq!(
        handle
            .get_meta(alpha)
            .await
            .unwrap()
            .schema_version
            .as_deref(),
        Some("v1")
    );

    // Execute: progress lines, then the summary; the failure leaves gamma untouched.
    let mut lines: Vec<MigrationProgress> = Vec::new();
    let summary = handle
        .migrate_matching(&Query::default(), false, |p| lines.push(p))
        .await
        .unwrap();
    assert_eq!(
        summary,
        MigrationSummary {
            total: 4,
            success: 3,
            failed: 1,
            skipped: 0,
            errors: vec![format!(
                "{}: {}",
                old.gamma.resource_id,
                lines
                    .iter()
                    .find(|l| l.status == MigrationStatus::Failed)
                    .and_then(|l| l.error.clone())
                    .unwrap()
            )],
        }
    );
    for pair in lines.chunks(2) {
        assert_eq!(pair[0].status, MigrationStatus::Migrating);
        assert_eq!(pair[0].resource_id, pair[1].resource_id);
        assert_ne!(pair[1].status, MigrationStatus::Migrating);
    }
    let gamma_meta = handle.get_meta(&old.gamma.resource_id).await.unwrap();
    assert_eq!(gamma_meta.schema_version.as_deref(), Some("v2"));
    assert_eq!(gamma_meta.total_revision_count, 1);
    let gamma_revisions = handle.list_revisions(&old.gamma.resource_id).await.unwrap();
    assert_eq!(gamma_revisions.len(), 1);
    assert_eq!(gamma_revisions[0].data_hash, old.gamma.data_hash);

    // Written back: a new revision at v3, its parent version recorded, indexes refreshed.
    let meta = handle.get_meta(alpha).await.unwrap();
    assert_eq!(meta.schema_version.as_deref(), Some("v3"));
    assert_eq!(meta.total_revision_count, 3);
    assert_eq!(
        Value::Object(meta.indexed_data.clone()),
        json!({"level": 3})
    );
    let current = handle.get(alpha).await.unwrap().info;
    assert_eq!(
        current.parent_revision_id.as_deref(),
        Some(old.alpha.revision_id.as_str())
    );
    assert_eq!(current.parent_schema_version.as_deref(), Some("v1"));
    assert_eq!(current.status, old.alpha.status);
    let found = zones.search_metas(level_is(3)).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(&found[0].resource_id, alpha);
    assert_eq!(
        zones.search_metas(level_is(5)).await.unwrap()[0].resource_id,
        old.beta
    );

    // A second run skips what is current.
    let summary = handle
        .migrate_matching(&Query::default(), false, |_| {})
        .await
        .unwrap();
    assert_eq!((summary.skipped, summary.failed), (3, 1));
    assert_eq!(zones.migrate(alpha).await.unwrap(), None);

    // The old revisions stay at v1: switching to one is refused until it is migrated.
    match zones.switch(alpha, &old.alpha_first.revision_id).await {
        Err(Error::RevisionNotMigrated {
            found, expected, ..
        }) => assert_eq!(
            (found.as_deref(), expected.as_deref()),
            (Some("v1"), Some("v3"))
        ),
        other => panic!("expected RevisionNotMigrated, got {other:?}"),
    }
    // Migrating that one revision rewrites it in place and leaves the meta alone.
    let migrated = handle
        .migrate_revision(alpha, &old.alpha_first.revision_id)
        .await
        .unwrap();
    assert_eq!(migrated.revision_id, old.alpha_first.revision_id);
    assert_ne!(migrated.uid, old.alpha_first.uid);
    assert_eq!(migrated.schema_version.as_deref(), Some("v3"));
    assert_eq!(migrated.parent_schema_version.as_deref(), Some("v1"));
    assert_eq!(handle.get_meta(alpha).await.unwrap(), meta);
    let first = handle
        .get_with(
            alpha,
            &GetOptions {
                revision_id: Some(old.alpha_first.revision_id.clone()),
                ..GetOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(first.data["level"], 2);
    let switched = zones
        .switch(alpha, &old.alpha_first.revision_id)
        .await
        .unwrap();
    assert_eq!(Value::Object(switched.indexed_data), json!({"level": 2}));
}

#[tokio::test]
async fn a_failed_single_migration_changes_nothing() {
    let f = fixture().await;
    let old = write_old_data(&f.store).await;
    let zones = app::<Zone>(&f.store).await.manager::<Zone>();
    let id = &old.gamma.resource_id;
    let meta = zones.get_meta(id).await.unwrap();
    assert!(matches!(
        zones.handle().migrate(id).await,
        Err(Error::MigrationFailed { .. })
    ));
    assert!(matches!(
        zones
            .handle()
            .migrate_revision(id, &old.gamma.revision_id)
            .await,
        Err(Error::MigrationFailed { .. })
    ));
    assert_eq!(zones.get_meta(id).await.unwrap(), meta);
    let revisions = zones.list_revisions(id).await.unwrap();
    assert_eq!(revisions, std::slice::from_ref(&old.gamma));
}

async fn call(app: &axum::Router, method: Method, uri: &str) -> (u16, String, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::empty())
        .expect("a valid request");
    let response = app.clone().oneshot(request).await.expect("an answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    (status, content_type, bytes.to_vec())
}

fn json_lines(bytes: &[u8]) -> Vec<Value> {
    std::str::from_utf8(bytes)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[tokio::test]
async fn migration_routes_stream_progress_and_switch_answers_409() {
    let f = fixture().await;
    let old = write_old_data(&f.store).await;
    let spec = app::<Zone>(&f.store).await;
    let router = spec.router();
    let alpha = &old.alpha.resource_id;

    let (status, _, _) = call(
        &router,
        Method::POST,
        &format!("/zone/{alpha}/switch/{}", old.alpha_first.revision_id),
    )
    .await;
    assert_eq!(status, 409);

    let (status, content_type, body) = call(&router, Method::POST, "/zone/migrate/test").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "application/jsonl+json")
    );
    let lines = json_lines(&body);
    assert_eq!(lines.len(), 9);
    assert_eq!(
        lines[8],
        json!({"total": 4, "success": 3, "failed": 1, "skipped": 0,
               "errors": [lines.iter().find(|l| l["status"] == "failed").map(|l| format!("{}: {}", l["resource_id"].as_str().unwrap(), l["error"].as_str().unwrap())).unwrap()]})
    );
    let meta = spec.model("zone").unwrap().get_meta(alpha).await.unwrap();
    assert_eq!(
        meta.schema_version.as_deref(),
        Some("v1"),
        "a dry run writes nothing"
    );

    // One resource: 200 with its outcome; the failing one: 422; an unknown id: 404.
    let (status, _, body) = call(
        &router,
        Method::POST,
        &format!("/zone/migrate/single/{alpha}"),
    )
    .await;
    assert_eq!(status, 200);
    let line: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (line["resource_id"].as_str(), line["status"].as_str()),
        (Some(alpha.as_str()), Some("success"))
    );
    let gamma = &old.gamma.resource_id;
    let (status, _, _) = call(
        &router,
        Method::POST,
        &format!("/zone/migrate/single/{gamma}"),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _, _) = call(&router, Method::POST, "/zone/migrate/single/zone:nope").await;
    assert_eq!(status, 404);

    // Execute: every resource; alpha is already current now.
    let (status, _, body) = call(&router, Method::POST, "/zone/migrate/execute").await;
    assert_eq!(status, 200);
    let lines = json_lines(&body);
    let statuses: Vec<&str> = lines[..8]
        .iter()
        .map(|l| l["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "migrating").count(), 4);
    assert_eq!(
        (
            lines[8]["success"].as_u64(),
            lines[8]["skipped"].as_u64(),
            lines[8]["failed"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    for line in &lines[..8] {
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    let (status, _, _) = call(
        &router,
        Method::POST,
        &format!("/zone/{alpha}/switch/{}", old.alpha_first.revision_id),
    )
    .await;
    assert_eq!(status, 409, "the old revision itself is still at v1");
}

/// A release of `plain` before `level` was indexed.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug)]
#[specstar(name = "plain", version = "v1")]
pub struct PlainV1App {
    pub name: String,
    pub level: i64,
}

/// The next release only indexes `level`: a version bump with no migration steps.
#[derive(Resource, Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[specstar(name = "plain", version = "v2")]
pub struct Plain {
    pub name: String,
    #[index]
    pub level: i64,
}

#[tokio::test]
async fn a_version_bump_without_steps_only_reindexes() {
    let f = fixture().await;
    let v1 = app::<PlainV1App>(&f.store).await.manager::<PlainV1App>();
    let old = v1
        .create(PlainV1App {
            name: "p".into(),
            level: 4,
        })
        .await
        .unwrap();
    assert!(
        stored_indexed_data(&f.store, &old.resource_id)
            .await
            .is_empty()
    );

    let plains = app::<Plain>(&f.store).await.manager::<Plain>();
    let by_level: Query = Plain::q().level().eq(4).into();
    // Read as the current type directly (no path from v1): same data.
    let read = plains.get(&old.resource_id).await.unwrap();
    assert_eq!(
        read.data,
        Plain {
            name: "p".into(),
            level: 4
        }
    );
    assert!(
        plains
            .search_metas(by_level.clone())
            .await
            .unwrap()
            .is_empty()
    );

    // Migrating writes the same data at v2 and indexes it.
    let written = plains.migrate(&old.resource_id).await.unwrap().unwrap();
    assert_eq!(written.schema_version.as_deref(), Some("v2"));
    assert_eq!(written.data_hash, old.data_hash, "the data is unchanged");
    let found = plains.search_metas(by_level).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].resource_id, old.resource_id);
    assert_eq!(
        Value::Object(stored_indexed_data(&f.store, &old.resource_id).await),
        json!({"level": 4})
    );
}

async fn stored_indexed_data(
    store: &Arc<dyn ResourceStore>,
    id: &str,
) -> serde_json::Map<String, Value> {
    store
        .load_meta("plain", id)
        .await
        .unwrap()
        .expect("the meta is stored")
        .indexed_data
}
