//! Behaviour specific to one backend: reopening, crash debris, table prefixes and schemas,
//! two stores (as two processes would) on one database.

mod store_common;

use std::sync::Arc;

use serde_json::json;
use specstar_runtime::model::Error;
use specstar_runtime::query::{Operator, Query};
use specstar_runtime::storage::ResourceStore;
use specstar_runtime::storage::disk::{DiskStore, file_name};
use specstar_runtime::storage::postgres::{PostgresOptions, PostgresStore};
use specstar_runtime::storage::sqlite::{SqliteOptions, SqliteStore};
use store_common::cases::cmp;
use store_common::*;

async fn registered<S: ResourceStore>(store: S) -> Arc<dyn ResourceStore> {
    store.register_model(&ITEM).await.expect("register");
    store.register_model(&OTHER).await.expect("register");
    Arc::new(store)
}

async fn names(store: &dyn ResourceStore) -> Vec<String> {
    let found = store.search("item", &Query::default()).await.unwrap();
    found
        .iter()
        .map(|m| m.indexed_data["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Two stores race to create the same unique value: exactly one wins.
async fn one_winner(a: Arc<dyn ResourceStore>, b: Arc<dyn ResourceStore>) {
    let mut tasks = Vec::new();
    for (i, store) in [a.clone(), b.clone(), a, b].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let meta = new_meta(&format!("item:p{i}"), json!({"name": "contested"}), 0, "x");
            store.commit("item", create_commit(&meta, b"x")).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => won += 1,
            Err(Error::UniqueViolation { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(won, 1);
}

#[tokio::test]
async fn sqlite_data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    {
        let store = registered(SqliteStore::open_file(&path).await.unwrap()).await;
        create(&*store, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    }
    let store = registered(SqliteStore::open_file(&path).await.unwrap()).await;
    assert_eq!(names(&*store).await, ["alpha"]);
    let dup = new_meta("item:2", json!({"name": "alpha"}), 0, "a");
    let err = store
        .commit("item", create_commit(&dup, b"x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");
}

#[tokio::test]
async fn sqlite_table_prefixes_keep_two_apps_apart_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let a = registered(
        SqliteStore::open(SqliteOptions::file(&path).table_prefix("app_a_"))
            .await
            .unwrap(),
    )
    .await;
    let b = registered(
        SqliteStore::open(SqliteOptions::file(&path).table_prefix("app_b_"))
            .await
            .unwrap(),
    )
    .await;
    create(&*a, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    create(&*b, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    assert_eq!(names(&*a).await, ["alpha"]);
    assert_eq!(b.count("item", &Query::default()).await.unwrap(), 1);
}

/// Equality search reads the index table; a file written before it existed (or whose rows were
/// lost) gets it rebuilt from the metas when opened.
#[tokio::test]
async fn sqlite_index_table_is_rebuilt_for_files_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let by = |field: &str, value: serde_json::Value| Query {
        condition: Some(cmp(field, Operator::Eq, value)),
        ..Query::default()
    };
    {
        let store = registered(SqliteStore::open_file(&path).await.unwrap()).await;
        create(
            &*store,
            "item",
            "item:1",
            json!({"name": "alpha", "level": 3, "tags": ["x", 1]}),
            0,
            "a",
        )
        .await;
        create(
            &*store,
            "item",
            "item:2",
            json!({"name": "beta", "level": 3.0}),
            0,
            "a",
        )
        .await;
        assert_eq!(
            store.count("item", &by("level", json!(3))).await.unwrap(),
            2
        );
    }
    {
        use sqlx::Connection;
        let url = format!("sqlite://{}", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TABLE index_values")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let store = registered(SqliteStore::open_file(&path).await.unwrap()).await;
    assert_eq!(
        store.count("item", &by("level", json!(3))).await.unwrap(),
        2
    );
    assert_eq!(
        store
            .count("item", &by("name", json!("beta")))
            .await
            .unwrap(),
        1
    );
    let tagged = Query {
        condition: Some(cmp("tags", Operator::Contains, json!(1.0))),
        ..Query::default()
    };
    assert_eq!(store.count("item", &tagged).await.unwrap(), 1);
}

#[tokio::test]
async fn sqlite_refuses_a_bad_table_prefix() {
    let err = SqliteStore::open(SqliteOptions::memory().table_prefix("x\"; DROP"))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

#[tokio::test]
async fn sqlite_in_memory_store_works() {
    let store = registered(SqliteStore::in_memory().await.unwrap()).await;
    create(&*store, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    assert_eq!(names(&*store).await, ["alpha"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_stores_on_one_file_share_unique_constraints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let a = registered(SqliteStore::open_file(&path).await.unwrap()).await;
    let b = registered(SqliteStore::open_file(&path).await.unwrap()).await;
    one_winner(a, b).await;
}

#[tokio::test]
async fn disk_data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = registered(DiskStore::open(dir.path()).await.unwrap()).await;
        let m = create(
            &*store,
            "item",
            "item:1",
            json!({"name": "alpha", "code": "C"}),
            0,
            "a",
        )
        .await;
        update(
            &*store,
            "item",
            &m,
            json!({"name": "alpha", "code": "C", "level": 2}),
        )
        .await;
    }
    let store = registered(DiskStore::open(dir.path()).await.unwrap()).await;
    assert_eq!(names(&*store).await, ["alpha"]);
    let found = store
        .search(
            "item",
            &Query {
                condition: Some(cmp("level", Operator::Eq, json!(2))),
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        store.list_revisions("item", "item:1").await.unwrap().len(),
        2
    );
    let dup = new_meta("item:2", json!({"name": "x", "code": "C"}), 0, "a");
    let err = store
        .commit("item", create_commit(&dup, b"x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");
}

#[tokio::test]
async fn disk_ignores_the_debris_of_an_interrupted_commit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let m1 = {
        let store = registered(DiskStore::open(&root).await.unwrap()).await;
        create(&*store, "item", "item:1", json!({"name": "alpha"}), 0, "a").await
    };
    // What a commit killed before its meta rename leaves behind: revision 2 and a unique
    // entry for the value it was about to take.
    let model = root.join(file_name("item"));
    let rev2 = model
        .join("revisions")
        .join(file_name("item:1"))
        .join(format!("{}.rev", file_name("item:1:2")));
    let header = json!({"seq": 2, "info": info("item:1", 2, t(9), "ghost", b"lost")});
    std::fs::write(&rev2, format!("{header}\nlost")).unwrap();
    let unique = model.join("unique").join(file_name("name"));
    std::fs::create_dir_all(&unique).unwrap();
    std::fs::write(unique.join(file_name("\"beta\"")), "item:1").unwrap();
    std::fs::write(
        model.join("metas").join(".tmp-interrupted"),
        "{ half a meta",
    )
    .unwrap();

    let store = registered(DiskStore::open(&root).await.unwrap()).await;
    let revisions = store.list_revisions("item", "item:1").await.unwrap();
    assert_eq!(revisions.len(), 1, "the uncommitted revision is not listed");
    assert_eq!(store.load_revision("item", "item:1:2").await.unwrap(), None);
    assert_eq!(names(&*store).await, ["alpha"]);
    // The stale unique entry does not block the value; the orphan revision id can be written.
    create(&*store, "item", "item:2", json!({"name": "beta"}), 0, "b").await;
    let m2 = update(&*store, "item", &m1, json!({"name": "alpha-2"})).await;
    let rev = store
        .load_revision("item", "item:1:2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rev.data, b"updated");
    assert_eq!(m2.current_revision_id, "item:1:2");
    assert!(!model.join("metas").join(".tmp-interrupted").exists());
}

#[tokio::test]
async fn disk_never_uses_an_id_as_a_raw_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    let store = registered(DiskStore::open(&root).await.unwrap()).await;
    let id = "item:../../escape";
    create(&*store, "item", id, json!({"name": "sneaky"}), 0, "a").await;
    assert!(store.load_meta("item", id).await.unwrap().is_some());
    assert!(!dir.path().join("escape.json").exists());
    assert!(
        root.join("item")
            .join("metas")
            .join(format!("{}.json", file_name(id)))
            .exists()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_two_stores_on_one_directory_share_unique_constraints() {
    let dir = tempfile::tempdir().unwrap();
    let a = registered(DiskStore::open(dir.path()).await.unwrap()).await;
    let b = registered(DiskStore::open(dir.path()).await.unwrap()).await;
    one_winner(a, b).await;
}

async fn pg_store(url: &str, schema: &str) -> Arc<dyn ResourceStore> {
    let options = PostgresOptions {
        max_connections: 4,
        ..PostgresOptions::new(url).schema(schema)
    };
    registered(PostgresStore::open(options).await.expect("open postgres")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_creation_is_safe_when_stores_start_together() {
    let Some(url) = postgres_reachable().await else {
        return;
    };
    let guard = SchemaGuard {
        url: url.clone(),
        schema: random_schema(),
    };
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (url, schema) = (url.clone(), guard.schema.clone());
        tasks.push(tokio::spawn(async move { pg_store(&url, &schema).await }));
    }
    let mut stores = Vec::new();
    for task in tasks {
        stores.push(task.await.expect("task"));
    }
    one_winner(stores[0].clone(), stores[1].clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schemas_keep_two_apps_apart_in_one_database() {
    let Some(url) = postgres_reachable().await else {
        return;
    };
    let ga = SchemaGuard {
        url: url.clone(),
        schema: random_schema(),
    };
    let gb = SchemaGuard {
        url: url.clone(),
        schema: random_schema(),
    };
    let a = pg_store(&url, &ga.schema).await;
    let b = pg_store(&url, &gb.schema).await;
    create(&*a, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    create(&*b, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    assert_eq!(a.count("item", &Query::default()).await.unwrap(), 1);
    assert_eq!(names(&*b).await, ["alpha"]);
}

#[tokio::test]
async fn postgres_regex_it_cannot_run_is_a_bad_query() {
    let Some(url) = postgres_reachable().await else {
        return;
    };
    let guard = SchemaGuard {
        url: url.clone(),
        schema: random_schema(),
    };
    let store = pg_store(&url, &guard.schema).await;
    create(&*store, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    // Valid Rust regex syntax, refused by PostgreSQL's ARE engine.
    let query = Query {
        condition: Some(cmp("name", Operator::Regex, json!("(?P<x>a)"))),
        ..Query::default()
    };
    let err = store.search("item", &query).await.unwrap_err();
    assert!(matches!(err, Error::BadQuery { .. }), "{err:?}");
}

#[tokio::test]
async fn postgres_refuses_a_bad_schema_name() {
    let err = PostgresStore::open(PostgresOptions::new(postgres_url()).schema("a\"b"))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

/// The GIN index has no pending list (searches right after a bulk load stay index-fast); an
/// index created with one by an earlier version is switched at the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_gin_index_runs_without_a_pending_list() {
    use sqlx::Connection;
    let Some(url) = postgres_reachable().await else {
        return;
    };
    let guard = SchemaGuard {
        url: url.clone(),
        schema: random_schema(),
    };
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    let store = pg_store(&url, &guard.schema).await;
    assert!(
        gin_options(&mut conn, &guard.schema)
            .await
            .contains("fastupdate=off")
    );
    drop(store);
    let sql = format!(
        "ALTER INDEX \"{}\".metas_indexed_data SET (fastupdate = on)",
        guard.schema
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(
        gin_options(&mut conn, &guard.schema)
            .await
            .contains("fastupdate=on")
    );
    let _store = pg_store(&url, &guard.schema).await;
    assert!(
        gin_options(&mut conn, &guard.schema)
            .await
            .contains("fastupdate=off")
    );
}

async fn gin_options(conn: &mut sqlx::PgConnection, schema: &str) -> String {
    let sql = format!(
        "SELECT array_to_string(c.reloptions, ',') FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = '{schema}' AND c.relname = 'metas_indexed_data'"
    );
    let row: (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_one(conn)
        .await
        .expect("read the index options");
    row.0.unwrap_or_default()
}
