//! `BackendConfig`: URL forms, JSON (inline and file), env expansion, errors, and opening.

mod store_common;

use std::sync::Arc;

use serde_json::{Value, json};
use specstar_runtime::model::Error;
use specstar_runtime::query::Query;
use specstar_runtime::storage::ResourceStore;
use specstar_runtime::storage::config::{BackendBinding, BackendConfig, register_backend_provider};
use specstar_runtime::storage::sqlite::SqliteStore;
use store_common::*;

/// The kind and options of the single connection a URL config creates.
fn single(config: &BackendConfig) -> (String, Value) {
    assert_eq!(config.meta, BackendBinding::connection("default"));
    assert_eq!(config.resource, BackendBinding::connection("default"));
    let profile = &config.connections["default"];
    (profile.kind.clone(), Value::Object(profile.options.clone()))
}

fn config_error(result: specstar_runtime::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Config { message }) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn sqlite_urls() {
    let c = BackendConfig::parse("sqlite://specstar.db").unwrap();
    assert_eq!(
        single(&c),
        ("sqlite".into(), json!({"path": "specstar.db"}))
    );
    let c = BackendConfig::parse("sqlite:///var/lib/app.db").unwrap();
    assert_eq!(
        single(&c),
        ("sqlite".into(), json!({"path": "/var/lib/app.db"}))
    );
    let c = BackendConfig::parse("sqlite://app.db?synchronous=full&busy_timeout_ms=250").unwrap();
    assert_eq!(
        single(&c),
        (
            "sqlite".into(),
            json!({"path": "app.db", "synchronous": "full", "busy_timeout_ms": 250})
        )
    );
    for memory in ["sqlite::memory:", "sqlite://:memory:"] {
        let c = BackendConfig::parse(memory).unwrap();
        assert_eq!(single(&c), ("sqlite".into(), json!({"memory": true})));
    }
    config_error(BackendConfig::parse("sqlite://"));
    config_error(BackendConfig::parse("sqlite://x.db?busy_timeout_ms=soon"));
}

#[test]
fn postgres_urls_keep_driver_parameters_and_take_ours() {
    let c =
        BackendConfig::parse("postgres://app:pw@db:5432/main?schema=game&sslmode=disable").unwrap();
    assert_eq!(
        single(&c),
        (
            "postgres".into(),
            json!({"schema": "game", "url": "postgres://app:pw@db:5432/main?sslmode=disable"})
        )
    );
    let c = BackendConfig::parse("postgresql://db/main").unwrap();
    assert_eq!(
        single(&c),
        ("postgres".into(), json!({"url": "postgresql://db/main"}))
    );
}

#[test]
fn memory_and_disk_urls() {
    let c = BackendConfig::parse("memory://").unwrap();
    assert_eq!(c, BackendConfig::memory());
    assert_eq!(c.meta, BackendBinding::memory());
    let c = BackendConfig::parse("disk://./data").unwrap();
    assert_eq!(single(&c), ("disk".into(), json!({"rootdir": "./data"})));
    config_error(BackendConfig::parse("memory://somewhere"));
    config_error(BackendConfig::parse("disk://"));
    let message = config_error(BackendConfig::parse("mysql://db/x"));
    assert!(message.contains("unknown scheme `mysql`"), "{message}");
}

#[test]
fn inline_json_and_files() {
    let text = r#"{
        "defaults": {"table_prefix": "app_"},
        "connections": {"main": {"type": "sqlite", "options": {"path": "a.db"}, "tags": ["primary"]}},
        "meta": {"use": "main"},
        "resource": {"use": "main"}
    }"#;
    let inline = BackendConfig::parse(text).unwrap();
    assert_eq!(inline.defaults.table_prefix, "app_");
    assert_eq!(inline.connections["main"].tags, ["primary"]);
    inline.validate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backend.json");
    std::fs::write(&path, text).unwrap();
    assert_eq!(
        BackendConfig::parse(path.to_str().unwrap()).unwrap(),
        inline
    );
    assert_eq!(BackendConfig::from_json_file(&path).unwrap(), inline);

    let message = config_error(BackendConfig::parse(
        dir.path().join("missing.json").to_str().unwrap(),
    ));
    assert!(message.contains("missing.json"), "{message}");
    std::fs::write(&path, "{ not json").unwrap();
    config_error(BackendConfig::from_json_file(&path));
    config_error(BackendConfig::parse(
        r#"{"meta": {"type": "sqlite"}, "colour": "blue"}"#,
    ));
}

#[test]
fn environment_variables_expand_in_json_and_urls() {
    // Cargo sets CARGO_PKG_NAME for the test process.
    let c = BackendConfig::parse(r#"{
        "connections": {"main": {"type": "disk", "options": {"rootdir": "/srv/${CARGO_PKG_NAME}/$CARGO_PKG_NAME"}}},
        "meta": {"use": "main"}, "resource": {"use": "main"}
    }"#)
    .unwrap();
    assert_eq!(
        c.connections["main"].options["rootdir"],
        json!("/srv/specstar-runtime/specstar-runtime")
    );
    let c = BackendConfig::parse("disk:///srv/$CARGO_PKG_NAME").unwrap();
    assert_eq!(single(&c).1, json!({"rootdir": "/srv/specstar-runtime"}));
    let message = config_error(BackendConfig::parse(
        r#"{"meta": {"type": "sqlite", "options": {"path": "$SPECSTAR_SURELY_UNSET_VAR"}}}"#,
    ));
    assert!(message.contains("SPECSTAR_SURELY_UNSET_VAR"), "{message}");
}

#[test]
fn resolution_errors_name_the_role_and_connection() {
    let parse = |v: Value| BackendConfig::from_json_value(v).unwrap();
    let cases = [
        (
            json!({"meta": {"type": "cassandra"}, "resource": {"type": "cassandra"}}),
            "unknown backend type `cassandra`",
        ),
        (
            json!({"meta": {"use": "nope"}, "resource": {"use": "nope"}}),
            "unknown connection `nope`",
        ),
        (
            json!({"connections": {"old": {"type": "sqlite", "options": {"path": "x"}, "enabled": false}},
                   "meta": {"use": "old"}, "resource": {"use": "old"}}),
            "`old`, which is disabled",
        ),
        (
            json!({"meta": {}, "resource": {"type": "memory"}}),
            "role `meta` has neither",
        ),
        (
            json!({"meta": {"type": "memory"}, "resource": {"type": "sqlite", "options": {"path": "x"}}}),
            "must use the same backend",
        ),
        (
            json!({"blob": {"use": "nope"}}),
            "role `blob` uses unknown connection `nope`",
        ),
        (
            json!({"mq": {"type": "memory"}}),
            "cannot serve the `mq` role",
        ),
        (
            json!({"connections": {"c": {"type": "disk", "options": {"rootdir": "x"}}},
                   "meta": {"use": "c", "type": "sqlite"}, "resource": {"use": "c"}}),
            "says type `sqlite` but connection `c` is `disk`",
        ),
        (json!({"version": 2}), "version 2"),
    ];
    for (value, expected) in cases {
        let message = config_error(parse(value.clone()).validate());
        assert!(message.contains(expected), "{value}: {message}");
    }
    // An optional binding this version cannot serve is ignored.
    parse(json!({"mq": {"type": "memory", "required": false}}))
        .validate()
        .unwrap();
    // Every built-in provider serves the blob role.
    for kind in ["memory", "sqlite", "postgres", "disk"] {
        parse(json!({"blob": {"type": kind}})).validate().unwrap();
    }
}

#[tokio::test]
async fn provider_option_errors() {
    let cases = [
        (json!({"type": "sqlite"}), "needs option `path`"),
        (
            json!({"type": "sqlite", "options": {"path": "x.db", "synchronus": "full"}}),
            "unknown `sqlite` backend option(s): synchronus",
        ),
        (
            json!({"type": "sqlite", "options": {"path": "x.db", "synchronous": "sometimes"}}),
            "`synchronous` must be",
        ),
        (
            json!({"type": "sqlite", "options": {"path": 3}}),
            "`path` must be a string",
        ),
        (json!({"type": "postgres"}), "needs option `url`"),
        (json!({"type": "disk"}), "needs option `rootdir`"),
        (
            json!({"type": "memory", "options": {"size": 1}}),
            "unknown `memory` backend option(s): size",
        ),
    ];
    for (binding, expected) in cases {
        let config =
            BackendConfig::from_json_value(json!({"meta": binding, "resource": binding})).unwrap();
        let message = config_error(config.open().await.map(|s| s.backend_name()));
        assert!(message.contains(expected), "{binding}: {message}");
    }
}

async fn works(store: Arc<dyn ResourceStore>) {
    store.register_model(&ITEM).await.unwrap();
    create(&*store, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    assert_eq!(store.count("item", &Query::default()).await.unwrap(), 1);
}

#[tokio::test]
async fn open_sqlite_and_disk_from_config() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let store = BackendConfig::parse(&format!("sqlite://{}", db.display()))
        .unwrap()
        .open()
        .await
        .unwrap();
    assert_eq!(store.backend_name(), "sqlite");
    works(store).await;
    assert!(db.exists());

    let store = BackendConfig::disk(dir.path().join("data"))
        .open()
        .await
        .unwrap();
    assert_eq!(store.backend_name(), "disk");
    works(store).await;

    let store = BackendConfig::parse("sqlite::memory:")
        .unwrap()
        .open()
        .await
        .unwrap();
    works(store).await;
}

#[tokio::test]
async fn defaults_table_prefix_reaches_the_sql_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let config = |prefix: &str| {
        BackendConfig::from_json_value(json!({
            "defaults": {"table_prefix": prefix},
            "connections": {"db": {"type": "sqlite", "options": {"path": db.to_str().unwrap()}}},
            "meta": {"use": "db"}, "resource": {"use": "db"}
        }))
        .unwrap()
    };
    let a = config("a_").open().await.unwrap();
    let b = config("b_").open().await.unwrap();
    works(a).await;
    works(b).await; // would collide on `item:1` if the tables were shared
}

#[tokio::test]
async fn open_postgres_from_config() {
    let Some(url) = postgres_reachable().await else {
        return;
    };
    let guard = SchemaGuard {
        url: url.clone(),
        schema: random_schema(),
    };
    let store = BackendConfig::postgres(url, Some(&guard.schema))
        .open()
        .await
        .unwrap();
    assert_eq!(store.backend_name(), "postgres");
    works(store).await;
}

#[tokio::test]
async fn custom_providers() {
    register_backend_provider("test-scratch", |ctx| {
        Box::pin(async move {
            assert_eq!(ctx.options["flavour"], json!("vanilla"));
            Ok(Arc::new(SqliteStore::in_memory().await?) as Arc<dyn ResourceStore>)
        })
    })
    .unwrap();
    let config = BackendConfig::from_json_value(json!({
        "connections": {"s": {"type": "test-scratch", "options": {"flavour": "vanilla"}}},
        "meta": {"use": "s"}, "resource": {"use": "s"}
    }))
    .unwrap();
    works(config.open().await.unwrap()).await;

    // A custom provider cannot hold blobs: refused when required, ignored when optional.
    let blob_on_custom = |required: bool| {
        BackendConfig::from_json_value(json!({
            "connections": {"s": {"type": "test-scratch", "options": {"flavour": "vanilla"}}},
            "meta": {"use": "s"}, "resource": {"use": "s"},
            "blob": {"use": "s", "required": required}
        }))
        .unwrap()
    };
    let message = config_error(blob_on_custom(true).validate());
    assert!(
        message.contains("`test-scratch` provider cannot serve the `blob` role"),
        "{message}"
    );
    assert!(
        blob_on_custom(false)
            .open_blob_store()
            .await
            .unwrap()
            .is_none()
    );

    let again = register_backend_provider("test-scratch", |_| {
        Box::pin(async { Err(Error::config("unused")) })
    });
    assert!(config_error(again).contains("already registered"));
    let builtin = register_backend_provider("sqlite", |_| {
        Box::pin(async { Err(Error::config("unused")) })
    });
    assert!(config_error(builtin).contains("built in"));
}

/// The `blob` role opens a blob store; the one-store shorthands put blobs beside resources.
#[tokio::test]
async fn the_blob_role_opens_a_blob_store() {
    use specstar_runtime::storage::blob::BlobStore;
    async fn round_trip(store: Arc<dyn BlobStore>) -> String {
        let id = store
            .put(b"config blob".to_vec(), "text/plain")
            .await
            .unwrap();
        let blob = store.get(&id).await.unwrap().expect("stored");
        assert_eq!(blob.data, b"config blob");
        id
    }

    // URLs and shorthands bind blobs to the resources' store.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("app.db");
    let config = BackendConfig::parse(&format!("sqlite://{}", db.display())).unwrap();
    assert_eq!(config.blob, Some(BackendBinding::connection("default")));
    let _resources = config.open().await.unwrap();
    let blobs = config
        .open_blob_store()
        .await
        .unwrap()
        .expect("a blob store");
    assert_eq!(blobs.backend_name(), "sqlite");
    round_trip(blobs).await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM blobs")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 1, "the blobs table is in the resources' file");
    }

    let config = BackendConfig::disk(dir.path().join("data"));
    let blobs = config
        .open_blob_store()
        .await
        .unwrap()
        .expect("a blob store");
    assert_eq!(blobs.backend_name(), "disk");
    round_trip(blobs).await;
    assert!(dir.path().join("data").join(".blobs").is_dir());

    let memory = BackendConfig::parse("memory://").unwrap();
    let blobs = memory
        .open_blob_store()
        .await
        .unwrap()
        .expect("a blob store");
    assert_eq!(blobs.backend_name(), "memory");

    // A JSON config without `blob` has no blob store; with one, it opens it, with the
    // table prefix of the defaults.
    let plain = BackendConfig::from_json_value(json!({})).unwrap();
    assert!(plain.open_blob_store().await.unwrap().is_none());
    let prefixed = BackendConfig::from_json_value(json!({
        "defaults": {"table_prefix": "p_"},
        "blob": {"type": "sqlite", "options": {"path": db.to_str().unwrap()}}
    }))
    .unwrap();
    let blobs = prefixed
        .open_blob_store()
        .await
        .unwrap()
        .expect("a blob store");
    round_trip(blobs).await;
    {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM p_blobs")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
    let bad = BackendConfig::from_json_value(json!({
        "blob": {"type": "memory", "options": {"path": "x"}}
    }))
    .unwrap();
    let message = config_error(bad.open_blob_store().await.map(|s| s.is_some()));
    assert!(
        message.contains("unknown `memory` backend option"),
        "{message}"
    );

    // PostgreSQL: the blobs table in the schema.
    let Some(url) = postgres_reachable().await else {
        return;
    };
    let guard = SchemaGuard {
        url: url.clone(),
        schema: random_schema(),
    };
    let config = BackendConfig::postgres(url, Some(&guard.schema));
    let _resources = config.open().await.unwrap();
    let blobs = config
        .open_blob_store()
        .await
        .unwrap()
        .expect("a blob store");
    assert_eq!(blobs.backend_name(), "postgres");
    round_trip(blobs).await;
}
