//! `ResourceStore::import` (the write path of backup loads) on every backend: a whole history
//! installed atomically, `Insert` leaves an existing resource alone, `Replace` swaps the whole
//! history, unique constraints hold, and a refused import writes nothing.
//!
//! PostgreSQL cases use a fresh schema each (see `store_common`) and print "skipped: …" when the
//! server is unreachable, unless `SPECSTAR_REQUIRE_SERVICES=1`.

mod store_common;

use serde_json::json;
use specstar_runtime::Error;
use specstar_runtime::model::ResourceMeta;
use specstar_runtime::query::{Condition, FieldPath, Operator, Query};
use specstar_runtime::storage::{
    ImportMode, ImportOutcome, ImportedResource, ResourceStore, StoredRevision,
};
use store_common::{create, indexed, info, new_meta, t};

/// A resource of model `item` with `n` revisions; the current one is `current`.
fn history(id: &str, n: u64, current: u64, name: &str) -> ImportedResource {
    let revisions: Vec<StoredRevision> = (1..=n)
        .map(|k| {
            let data = format!("{{\"name\":\"{name}\",\"k\":{k}}}").into_bytes();
            StoredRevision {
                info: info(id, k, t(k as i64), "importer", &data),
                data,
            }
        })
        .collect();
    let mut meta = new_meta(id, json!({ "name": name }), 0, "importer");
    meta.total_revision_count = n;
    meta.updated_time = t(100);
    meta.mirror_revision(&revisions[(current - 1) as usize].info);
    ImportedResource { meta, revisions }
}

async fn assert_stored(store: &dyn ResourceStore, expected: &ImportedResource) {
    let id = &expected.meta.resource_id;
    let meta = store.load_meta("item", id).await.unwrap();
    assert_eq!(meta.as_ref(), Some(&expected.meta), "meta of {id}");
    let infos = store.list_revisions("item", id).await.unwrap();
    let expected_infos: Vec<_> = expected.revisions.iter().map(|r| r.info.clone()).collect();
    assert_eq!(infos, expected_infos, "history of {id}, oldest first");
    for revision in &expected.revisions {
        let stored = store
            .load_revision("item", &revision.info.revision_id)
            .await
            .unwrap();
        assert_eq!(stored.as_ref(), Some(revision));
    }
}

async fn by_name(store: &dyn ResourceStore, name: &str) -> Vec<String> {
    let query = Query::new().filter(Condition::compare(
        FieldPath::parse("name"),
        Operator::Eq,
        name,
    ));
    let found: Vec<ResourceMeta> = store.search("item", &query).await.unwrap();
    found.into_iter().map(|m| m.resource_id).collect()
}

async fn insert_writes_the_whole_history(store: &dyn ResourceStore) {
    let resource = history("item:a", 3, 2, "alpha");
    let outcome = store
        .import("item", resource.clone(), ImportMode::Insert)
        .await
        .unwrap();
    assert_eq!(outcome, ImportOutcome::Inserted);
    assert_stored(store, &resource).await;
    assert_eq!(by_name(store, "alpha").await, vec!["item:a".to_owned()]);
}

async fn insert_leaves_an_existing_resource_alone(store: &dyn ResourceStore) {
    let existing = create(store, "item", "item:a", json!({"name": "old"}), 0, "u").await;
    let outcome = store
        .import("item", history("item:a", 2, 2, "new"), ImportMode::Insert)
        .await
        .unwrap();
    assert_eq!(outcome, ImportOutcome::Exists);
    assert_eq!(
        store.load_meta("item", "item:a").await.unwrap(),
        Some(existing)
    );
    assert_eq!(
        store.list_revisions("item", "item:a").await.unwrap().len(),
        1
    );
}

async fn replace_swaps_the_whole_history(store: &dyn ResourceStore) {
    create(store, "item", "item:a", json!({"name": "old"}), 0, "u").await;
    let longer = history("item:a", 4, 4, "new");
    let outcome = store
        .import("item", longer.clone(), ImportMode::Replace)
        .await
        .unwrap();
    assert_eq!(outcome, ImportOutcome::Replaced);
    assert_stored(store, &longer).await;
    assert!(
        by_name(store, "old").await.is_empty(),
        "old index entries are gone"
    );
    // The old unique value is free again.
    create(store, "item", "item:b", json!({"name": "old"}), 0, "u").await;

    // A shorter history replaces a longer one completely.
    let shorter = history("item:a", 1, 1, "newer");
    store
        .import("item", shorter.clone(), ImportMode::Replace)
        .await
        .unwrap();
    assert_stored(store, &shorter).await;
    assert_eq!(
        store.load_revision("item", "item:a:3").await.unwrap(),
        None,
        "revisions of the replaced history are gone"
    );
}

async fn unique_violation_writes_nothing(store: &dyn ResourceStore) {
    create(
        store,
        "item",
        "item:holder",
        json!({"name": "taken"}),
        0,
        "u",
    )
    .await;
    let before = create(store, "item", "item:a", json!({"name": "mine"}), 0, "u").await;
    for mode in [ImportMode::Insert, ImportMode::Replace] {
        let id = if mode == ImportMode::Insert {
            "item:new"
        } else {
            "item:a"
        };
        let err = store
            .import("item", history(id, 2, 2, "taken"), mode)
            .await
            .unwrap_err();
        match err {
            Error::UniqueViolation {
                field,
                conflicting_id,
                ..
            } => {
                assert_eq!(field, "name");
                assert_eq!(conflicting_id, "item:holder");
            }
            other => panic!("expected a unique violation, got {other}"),
        }
    }
    assert_eq!(store.load_meta("item", "item:new").await.unwrap(), None);
    assert!(
        store
            .list_revisions("item", "item:new")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.load_meta("item", "item:a").await.unwrap(),
        Some(before)
    );
    assert_eq!(
        store.list_revisions("item", "item:a").await.unwrap().len(),
        1
    );
}

async fn a_deleted_import_holds_no_unique_value(store: &dyn ResourceStore) {
    let mut resource = history("item:gone", 1, 1, "shared");
    resource.meta.is_deleted = true;
    store
        .import("item", resource.clone(), ImportMode::Insert)
        .await
        .unwrap();
    assert_stored(store, &resource).await;
    create(
        store,
        "item",
        "item:live",
        json!({"name": "shared"}),
        0,
        "u",
    )
    .await;
}

async fn inconsistent_resources_are_refused(store: &dyn ResourceStore) {
    let mut resource = history("item:a", 2, 2, "x");
    resource.meta.current_revision_id = "item:a:7".into();
    let err = store
        .import("item", resource, ImportMode::Insert)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation { .. }), "{err}");
    assert_eq!(store.load_meta("item", "item:a").await.unwrap(), None);
    assert!(
        store
            .list_revisions("item", "item:a")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn indexed_data_is_what_the_caller_gives(store: &dyn ResourceStore) {
    let mut resource = history("item:a", 1, 1, "x");
    resource.meta.indexed_data = indexed(json!({"name": "x", "level": 7}));
    store
        .import("item", resource, ImportMode::Insert)
        .await
        .unwrap();
    let query = Query::new().filter(Condition::compare(
        FieldPath::parse("level"),
        Operator::Eq,
        7,
    ));
    let found = store.search("item", &query).await.unwrap();
    assert_eq!(found.len(), 1);
}

macro_rules! backends {
    ($($backend:ident),*) => {$(
        mod $backend {
            macro_rules! case {
                ($name:ident) => {
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let Some(fixture) = super::store_common::$backend().await else { return };
                        super::$name(&*fixture.store).await;
                    }
                };
            }
            case!(insert_writes_the_whole_history);
            case!(insert_leaves_an_existing_resource_alone);
            case!(replace_swaps_the_whole_history);
            case!(unique_violation_writes_nothing);
            case!(a_deleted_import_holds_no_unique_value);
            case!(inconsistent_resources_are_refused);
            case!(indexed_data_is_what_the_caller_gives);
        }
    )*};
}

backends!(memory, sqlite, disk, postgres);
