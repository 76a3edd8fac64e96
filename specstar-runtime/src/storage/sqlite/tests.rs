//! Group commit: concurrent commits share transactions, and each keeps its own result.

use std::sync::Arc;

use serde_json::json;

use super::writer::Work;
use super::{SqliteOptions, SqliteStore};
use crate::model::{Error, ResourceMeta, RevisionInfo, RevisionStatus, now};
use crate::resource::{IndexKind, IndexSpec, ResourceDescriptor};
use crate::storage::{Commit, ResourceStore, StoredRevision};

static THING: ResourceDescriptor = ResourceDescriptor {
    name: "thing",
    type_name: "Thing",
    description: None,
    indexes: &[IndexSpec {
        path: "name",
        kind: IndexKind::String,
        unique: true,
        nullable: false,
        list: false,
    }],
    refs: &[],
    display_name: None,
    default_status: None,
    encoding: None,
    version: None,
};

fn create(id: &str, name: &str) -> Commit {
    let t = now();
    let info = RevisionInfo {
        uid: format!("uid-{id}"),
        resource_id: id.into(),
        revision_id: format!("{id}:1"),
        parent_revision_id: None,
        schema_version: None,
        data_hash: "xxh3_128:0".into(),
        status: RevisionStatus::Stable,
        created_time: t,
        updated_time: t,
        created_by: "a".into(),
        updated_by: "a".into(),
        parent_schema_version: None,
    };
    let mut meta = ResourceMeta {
        current_revision_id: String::new(),
        resource_id: id.into(),
        schema_version: None,
        total_revision_count: 1,
        created_time: t,
        updated_time: t,
        created_by: "a".into(),
        updated_by: "a".into(),
        is_deleted: false,
        indexed_data: json!({ "name": name })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        rev_status: RevisionStatus::Stable,
        rev_created_by: "a".into(),
        rev_updated_by: "a".into(),
        rev_created_time: t,
        rev_updated_time: t,
    };
    meta.mirror_revision(&info);
    Commit {
        expected_current: None,
        meta,
        revision: Some(StoredRevision {
            info,
            data: b"{}".to_vec(),
        }),
        replace_revision: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_share_a_transaction_and_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(SqliteOptions::file(dir.path().join("g.db")))
            .await
            .unwrap(),
    );
    store.register_model(&THING).await.unwrap();
    store
        .commit("thing", create("thing:held", "held"))
        .await
        .unwrap();

    // Keep the writer busy so the next commits queue up behind it.
    let busy = {
        let store = store.clone();
        tokio::spawn(async move {
            let slow = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c \
                        WHERE x < 2000000) SELECT count(*) FROM c";
            store
                .writer
                .write(
                    "busy".into(),
                    Work::Setup {
                        statements: vec![slow.to_owned()],
                        backfill: None,
                    },
                )
                .await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let before = store.writer.batches();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        // Every other commit claims the taken name.
        let name = if i % 2 == 0 {
            format!("n{i}")
        } else {
            "held".to_owned()
        };
        tasks.push(tokio::spawn(async move {
            store
                .commit("thing", create(&format!("thing:{i}"), &name))
                .await
        }));
    }
    busy.await.unwrap().unwrap();
    for (i, task) in tasks.into_iter().enumerate() {
        let result = task.await.unwrap();
        let meta = store
            .load_meta("thing", &format!("thing:{i}"))
            .await
            .unwrap();
        if i % 2 == 0 {
            result.unwrap_or_else(|e| panic!("commit {i}: {e}"));
            assert!(meta.is_some(), "commit {i} is stored");
        } else {
            match result {
                Err(Error::UniqueViolation { conflicting_id, .. }) => {
                    assert_eq!(conflicting_id, "thing:held");
                }
                other => panic!("commit {i}: expected a unique violation, got {other:?}"),
            }
            assert!(meta.is_none(), "failed commit {i} left a meta");
            let revisions = store.list_revisions("thing", &format!("thing:{i}")).await;
            assert!(
                revisions.unwrap().is_empty(),
                "failed commit {i} left a revision"
            );
        }
    }
    let batches = store.writer.batches() - before;
    assert!(
        batches <= 4,
        "40 queued commits should share a few transactions, took {batches}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(SqliteOptions::file(dir.path().join("c.db")))
        .await
        .unwrap();
    store.register_model(&THING).await.unwrap();
    let writes = 3 * super::writer::CHECKPOINT_EVERY;
    for i in 0..writes {
        store
            .commit("thing", create(&format!("thing:{i}"), &format!("n{i}")))
            .await
            .unwrap();
    }
    // The last checkpoint may still be running.
    for _ in 0..100 {
        if store.writer.checkpoints() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        store.writer.checkpoints() >= 2,
        "{writes} writes ran {} checkpoints",
        store.writer.checkpoints()
    );
    assert_eq!(
        store
            .count("thing", &crate::query::Query::default())
            .await
            .unwrap(),
        writes as u64
    );
}

/// The WAL restarts from its beginning while writes go on (it does not grow without bound).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_stays_bounded_under_sustained_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let store = SqliteStore::open(SqliteOptions::file(&path)).await.unwrap();
    store.register_model(&THING).await.unwrap();
    let wal = dir.path().join("w.db-wal");
    let wal_size = || std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    let every = super::writer::RESTART_EVERY;
    let mut one_cycle = 0;
    for i in 0..(3 * every + every / 2) {
        store
            .commit("thing", create(&format!("thing:{i}"), &format!("n{i}")))
            .await
            .unwrap();
        if i + 2 == every {
            // Just before the first restart: the most one cycle of writes takes.
            one_cycle = wal_size();
        }
    }
    let after = wal_size();
    assert!(one_cycle > 0, "the WAL was never written");
    // Without restarts the WAL would hold 3.5 cycles of writes. A restart waits for a running
    // background checkpoint, which on a loaded machine may take a good part of a cycle, so
    // only a WAL that never restarts is sure to reach that size.
    assert!(store.writer.restarts() >= 1, "the WAL never restarted");
    assert!(
        after < one_cycle * 3,
        "the WAL grew from {one_cycle} bytes after one cycle to {after} after 3.5 ({} restarts)",
        store.writer.restarts()
    );
}

/// A search that an index seek answers runs within the budget; one that has to scan runs out
/// of it, is run again off the async threads, and still gives the full answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_over_budget_are_rerun_and_complete() {
    use crate::query::{Condition, FieldPath, Operator, Query};
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(SqliteOptions::file(dir.path().join("b.db")))
            .await
            .unwrap(),
    );
    store.register_model(&THING).await.unwrap();
    let n = 3000;
    let mut writes = Vec::new();
    for i in 0..n {
        let store = store.clone();
        writes.push(tokio::spawn(async move {
            store
                .commit(
                    "thing",
                    create(&format!("thing:{i:05}"), &format!("n{i:05}")),
                )
                .await
        }));
    }
    for write in writes {
        write.await.unwrap().unwrap();
    }
    let name = |op, value: serde_json::Value| {
        Query::from(Condition::compare(FieldPath::parse("name"), op, value))
    };

    let seek = name(Operator::Eq, json!("n01234"));
    let found = store.search("thing", &seek).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        store.points.over_budget(),
        0,
        "an index seek fits the budget"
    );

    // `contains` cannot use an index: every row is read.
    let scan = name(Operator::Contains, json!("9"));
    let expected = (0..n).filter(|i| format!("n{i:05}").contains('9')).count();
    let found = store.search("thing", &scan.clone().limit(n)).await.unwrap();
    assert_eq!(found.len(), expected);
    assert_eq!(store.count("thing", &scan).await.unwrap(), expected as u64);
    assert!(
        store.points.over_budget() >= 2,
        "a scan of {n} rows should exceed the budget"
    );
}

static TAGGED: ResourceDescriptor = ResourceDescriptor {
    name: "tagged",
    type_name: "Tagged",
    description: None,
    indexes: &[
        IndexSpec {
            path: "name",
            kind: IndexKind::Any,
            unique: false,
            nullable: true,
            list: false,
        },
        IndexSpec {
            path: "tags",
            kind: IndexKind::Any,
            unique: false,
            nullable: true,
            list: true,
        },
    ],
    refs: &[],
    display_name: None,
    default_status: None,
    encoding: None,
    version: None,
};

/// A commit writing revision `n` of `id` with these indexed values (a create when `n == 1`).
fn write(id: &str, n: u64, indexed: serde_json::Value, deleted: bool) -> Commit {
    let mut commit = create(id, "");
    commit.meta.indexed_data = indexed.as_object().cloned().unwrap_or_default();
    commit.meta.is_deleted = deleted;
    commit.meta.total_revision_count = n;
    if let Some(revision) = &mut commit.revision {
        revision.info.revision_id = format!("{id}:{n}");
        commit.meta.mirror_revision(&revision.info);
    }
    if n > 1 {
        commit.expected_current = Some(format!("{id}:{}", n - 1));
    }
    commit
}

/// The index table holds exactly the rows the stored metas derive, after updates that change,
/// keep, add and drop indexed values of every type (lists with duplicates such as `[1, 1.0]`
/// included), deletes, purges and a failed compare-and-set (whose deletes must roll back).
#[tokio::test]
async fn index_rows_follow_the_metas_through_updates_and_purges() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("i.db");
    let store = SqliteStore::open(SqliteOptions::file(&path)).await.unwrap();
    store.register_model(&TAGGED).await.unwrap();
    let values = [
        json!({"name": "a", "tags": ["x", 1, 1.0, true]}),
        json!({"name": 7, "tags": [2.5, "x", false, null, {"o": 1}]}),
        json!({"name": 7, "tags": ["x", 1, 1.0, true]}),
        json!({"name": 9_007_199_254_740_993_i64, "tags": []}),
        json!({"name": true}),
        json!({"name": "a", "tags": ["y", "y", 18_446_744_073_709_551_615_u64]}),
        json!({"name": null, "tags": "not a list"}),
    ];
    for r in 0..4 {
        let id = format!("tagged:{r}");
        store
            .commit("tagged", write(&id, 1, values[r].clone(), false))
            .await
            .unwrap();
        for n in 2..=6u64 {
            let next = values[(r + n as usize) % values.len()].clone();
            let commit = write(&id, n, next, n == 4);
            store.commit("tagged", commit).await.unwrap();
        }
    }
    // A lost compare-and-set: nothing of it stays, the index rows of tagged:0 included.
    let stale = write("tagged:0", 3, json!({"name": "zzz"}), false);
    let lost = store.commit("tagged", stale).await;
    assert!(matches!(lost, Err(Error::Conflict { .. })), "{lost:?}");
    store.purge("tagged", "tagged:1").await.unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let derived =
        super::sql::sqlite::index_select(&super::sql::sqlite::IndexSource::Table("metas"))
            .finish(&super::sql::sqlite::Sqlite::default());
    let count = |sql: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM ({sql})"), [], |row| {
            row.get(0)
        })
        .unwrap()
    };
    // The derived rows are a compound select: wrapped, so EXCEPT applies to all of it.
    let derived = format!("SELECT * FROM ({})", derived.sql);
    let stored = "SELECT model, resource_id, path, tag, value, kind FROM index_values";
    let missing = count(&format!("{derived} EXCEPT {stored}"));
    let extra = count(&format!("{stored} EXCEPT {derived}"));
    assert_eq!((missing, extra), (0, 0), "index rows missing / stale");
    let rows = count(stored);
    assert!(rows >= 6, "the test wrote only {rows} index rows");
    assert_eq!(
        count("SELECT 1 FROM index_values WHERE resource_id = 'tagged:1'"),
        0,
        "a purged resource keeps no index rows"
    );
    assert_eq!(
        count("SELECT 1 FROM index_values WHERE value = 'zzz'"),
        0,
        "the lost write left no rows"
    );
}

/// A resource's revisions are a range of the `revision_id` key; a resource whose id extends
/// another's (`x` and `x:1`) keeps its own.
#[tokio::test]
async fn revisions_of_a_resource_whose_id_extends_another_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(SqliteOptions::file(dir.path().join("r.db")))
        .await
        .unwrap();
    store.register_model(&TAGGED).await.unwrap();
    for id in ["tagged:x", "tagged:x:1"] {
        for n in 1..=2 {
            let commit = write(id, n, json!({"name": id}), false);
            store.commit("tagged", commit).await.unwrap();
        }
    }
    let ids = |infos: Vec<RevisionInfo>| -> Vec<String> {
        infos.into_iter().map(|info| info.revision_id).collect()
    };
    let listed = store.list_revisions("tagged", "tagged:x").await.unwrap();
    assert_eq!(ids(listed), ["tagged:x:1", "tagged:x:2"]);
    store.purge("tagged", "tagged:x").await.unwrap();
    let other = store.list_revisions("tagged", "tagged:x:1").await.unwrap();
    assert_eq!(ids(other), ["tagged:x:1:1", "tagged:x:1:2"]);
    assert!(
        store
            .list_revisions("tagged", "tagged:x")
            .await
            .unwrap()
            .is_empty()
    );
}

/// A file from before the by-resource indexes were dropped loses them at open (they only
/// slowed every write down).
#[tokio::test]
async fn indexes_of_older_files_that_nothing_reads_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let store = SqliteStore::open(SqliteOptions::file(&path)).await.unwrap();
    store.register_model(&TAGGED).await.unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE INDEX revisions_by_resource ON revisions (model, resource_id, seq); \
         CREATE INDEX index_values_by_resource ON index_values (model, resource_id);",
    )
    .unwrap();
    let by_resource = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' \
             AND name IN ('revisions_by_resource', 'index_values_by_resource')",
            [],
            |row| row.get(0),
        )
        .unwrap()
    };
    assert_eq!(by_resource(&conn), 2);
    drop(conn);
    let store = SqliteStore::open(SqliteOptions::file(&path)).await.unwrap();
    store.register_model(&TAGGED).await.unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(by_resource(&conn), 0);
}
