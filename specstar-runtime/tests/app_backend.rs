//! `SpecStar::builder().backend(..)`: every accepted form opens the right store, models are
//! registered with it, and the backend's default encoding applies.

mod app_common;
mod store_common;

use app_common::{Player, player};
use specstar_runtime::app::SpecStar;
use specstar_runtime::model::{Encoding, Error};
use specstar_runtime::storage::config::{Backend, BackendConfig};

async fn app(backend: impl Into<specstar_runtime::storage::config::BackendSpec>) -> SpecStar {
    SpecStar::builder()
        .backend(backend)
        .resource::<Player>()
        .build()
        .await
        .expect("build the app")
}

/// The stored bytes of a resource's current revision.
async fn stored_bytes(spec: &SpecStar, id: &str) -> Vec<u8> {
    let meta = spec.store().load_meta("player", id).await.unwrap().unwrap();
    let revision = spec
        .store()
        .load_revision("player", &meta.current_revision_id)
        .await
        .unwrap()
        .unwrap();
    revision.data
}

#[tokio::test]
async fn a_sqlite_url_opens_a_durable_store_with_the_models_registered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let url = format!("sqlite://{}", path.display());
    let id = {
        let spec = app(url.as_str()).await;
        assert_eq!(spec.store().backend_name(), "sqlite");
        let players = spec.manager::<Player>();
        let info = players.create(player("ada", 3)).await.unwrap();
        // Registered: the unique index is enforced by the store.
        let err = players.create(player("ada", 4)).await.unwrap_err();
        assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");
        info.resource_id
    };
    // The same file through the typed constructor: the data is there.
    let spec = app(Backend::sqlite(&path)).await;
    let found = spec.manager::<Player>().get(&id).await.unwrap();
    assert_eq!(found.data, player("ada", 3));
}

#[tokio::test]
async fn memory_disk_json_and_config_forms_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("data");
    let json = format!(
        r#"{{"connections": {{"main": {{"type": "disk", "options": {{"rootdir": "{}"}}}}}},
            "meta": {{"use": "main"}}, "resource": {{"use": "main"}}}}"#,
        disk.display()
    );
    let file = dir.path().join("backend.json");
    std::fs::write(&file, &json).unwrap();
    let cases: Vec<(&str, specstar_runtime::storage::config::BackendSpec)> = vec![
        ("memory", "memory://".into()),
        ("memory", Backend::memory().into()),
        ("memory", BackendConfig::memory().into()),
        ("disk", format!("disk://{}", disk.display()).into()),
        ("disk", Backend::disk(&disk).into()),
        ("disk", json.clone().into()),
        ("disk", file.display().to_string().into()),
        ("disk", BackendConfig::from_file(&file).unwrap().into()),
    ];
    for (backend, spec) in cases {
        let what = format!("{spec:?}");
        let spec = app(spec).await;
        assert_eq!(spec.store().backend_name(), backend, "{what}");
        let players = spec.manager::<Player>();
        let info = players
            .create(player(format!("p-{}", uuid::Uuid::new_v4()), 1))
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        players.get(&info.resource_id).await.unwrap();
    }
}

#[tokio::test]
async fn the_backend_default_encoding_applies_unless_the_builder_sets_one() {
    let msgpack = Backend::memory().encoding(Encoding::Msgpack);
    let spec = app(msgpack.clone()).await;
    let info = spec
        .manager::<Player>()
        .create(player("bo", 1))
        .await
        .unwrap();
    let bytes = stored_bytes(&spec, &info.resource_id).await;
    let decoded: Player = rmp_serde::from_slice(&bytes).expect("msgpack payload");
    assert_eq!(decoded, player("bo", 1));

    let spec = SpecStar::builder()
        .backend(msgpack)
        .encoding(Encoding::Json)
        .resource::<Player>()
        .build()
        .await
        .unwrap();
    let info = spec
        .manager::<Player>()
        .create(player("bo", 1))
        .await
        .unwrap();
    let bytes = stored_bytes(&spec, &info.resource_id).await;
    let decoded: Player = serde_json::from_slice(&bytes).expect("json payload");
    assert_eq!(decoded, player("bo", 1));

    // From JSON text too.
    let spec = app(r#"{"defaults": {"encoding": "msgpack"}}"#).await;
    let info = spec
        .manager::<Player>()
        .create(player("cy", 1))
        .await
        .unwrap();
    let bytes = stored_bytes(&spec, &info.resource_id).await;
    assert!(rmp_serde::from_slice::<Player>(&bytes).is_ok());
}

#[tokio::test]
async fn bad_backends_fail_the_build_with_a_config_error() {
    for (spec, needle) in [
        ("nosuch://x", "unknown scheme `nosuch`"),
        ("sqlite://", "no database file"),
        (
            "{\"meta\": {\"type\": \"nosuch\"}}",
            "unknown backend type `nosuch`",
        ),
        (
            "/definitely/not/here.json",
            "cannot read backend config file",
        ),
    ] {
        let err = SpecStar::builder()
            .backend(spec)
            .resource::<Player>()
            .build()
            .await
            .unwrap_err();
        match err {
            Error::Config { message } => assert!(message.contains(needle), "{spec}: {message}"),
            other => panic!("{spec}: expected a config error, got {other:?}"),
        }
    }
    let err = SpecStar::builder()
        .backend(Backend::memory().option("path", "x"))
        .build()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn the_last_of_store_and_backend_wins() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SpecStar::builder()
        .backend(Backend::disk(dir.path()))
        .store(std::sync::Arc::new(
            specstar_runtime::storage::memory::MemoryStore::new(),
        ))
        .build()
        .await
        .unwrap();
    assert_eq!(spec.store().backend_name(), "memory");
    let spec = SpecStar::builder()
        .store(std::sync::Arc::new(
            specstar_runtime::storage::memory::MemoryStore::new(),
        ))
        .backend(Backend::disk(dir.path()))
        .build()
        .await
        .unwrap();
    assert_eq!(spec.store().backend_name(), "disk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_backend_with_its_own_schema() {
    let Some(url) = store_common::postgres_reachable().await else {
        return;
    };
    let schema = store_common::random_schema();
    let _guard = store_common::SchemaGuard {
        url: url.clone(),
        schema: schema.clone(),
    };
    let spec = app(Backend::postgres(&url).schema(&schema)).await;
    assert_eq!(spec.store().backend_name(), "postgres");
    let players = spec.manager::<Player>();
    let info = players.create(player("di", 2)).await.unwrap();
    let err = players.create(player("di", 5)).await.unwrap_err();
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");
    // A URL with our `schema` parameter reaches the same tables.
    let sep = if url.contains('?') { '&' } else { '?' };
    let spec = app(format!("{url}{sep}schema={schema}")).await;
    let found = spec
        .manager::<Player>()
        .get(&info.resource_id)
        .await
        .unwrap();
    assert_eq!(found.data, player("di", 2));
}
