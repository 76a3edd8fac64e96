//! The conformance cases: every backend must pass every one of these, unchanged.

use serde_json::{Value, json};
use specstar_runtime::model::{Error, ResourceMeta};
use specstar_runtime::query::{Condition, Direction, FieldPath, MetaField, Operator, Query, Sort};
use specstar_runtime::storage::{Commit, ResourceStore, StoredRevision};

use super::*;

// ---------------------------------------------------------------- commit / CAS / revisions

pub async fn create_then_load_round_trips(store: &dyn ResourceStore) {
    let meta = create(
        store,
        "item",
        "item:1",
        json!({"name": "alpha", "level": 1, "score": 1.5, "tags": ["x"], "stats.hp": 3, "code": null}),
        0,
        "alice",
    )
    .await;
    let loaded = store.load_meta("item", "item:1").await.unwrap();
    assert_eq!(loaded.as_ref(), Some(&meta));
    let loaded = loaded.unwrap();
    assert_eq!(loaded.created_time, t(0), "microseconds survive");
    let keys: Vec<&String> = loaded.indexed_data.keys().collect();
    assert_eq!(
        keys,
        ["name", "level", "score", "tags", "stats.hp", "code"],
        "indexed_data keeps its key order"
    );
    let rev = store
        .load_revision("item", "item:1:1")
        .await
        .unwrap()
        .expect("revision 1 stored");
    assert_eq!(rev.data, b"item:1");
    assert_eq!(
        rev.info,
        create_commit(&meta, b"item:1").revision.unwrap().info
    );
    assert_eq!(store.load_meta("item", "item:none").await.unwrap(), None);
    assert_eq!(store.load_revision("item", "item:1:2").await.unwrap(), None);
    assert_eq!(
        store.load_meta("other", "item:1").await.unwrap(),
        None,
        "metas are per model"
    );
}

pub async fn binary_payloads_round_trip(store: &dyn ResourceStore) {
    let meta = new_meta("item:bin", json!({"name": "bin"}), 0, "a");
    let payload: Vec<u8> = (0..=255u8).chain([0, 0, 10, 13]).collect();
    store
        .commit("item", create_commit(&meta, &payload))
        .await
        .unwrap();
    let rev = store
        .load_revision("item", "item:bin:1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rev.data, payload);
}

pub async fn create_of_existing_id_conflicts_and_writes_nothing(store: &dyn ResourceStore) {
    create(
        store,
        "item",
        "item:1",
        json!({"name": "alpha"}),
        0,
        "alice",
    )
    .await;
    let again = new_meta("item:1", json!({"name": "other-name"}), 5, "bob");
    let mut commit = create_commit(&again, b"second");
    if let Some(rev) = commit.revision.as_mut() {
        rev.info.revision_id = "item:1:99".into();
    }
    let err = store.commit("item", commit).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "got {err:?}");
    let meta = store.load_meta("item", "item:1").await.unwrap().unwrap();
    assert_eq!(meta.created_by, "alice");
    assert_eq!(
        store.load_revision("item", "item:1:99").await.unwrap(),
        None
    );
}

pub async fn update_is_compare_and_set(store: &dyn ResourceStore) {
    let m1 = create(
        store,
        "item",
        "item:1",
        json!({"name": "alpha", "level": 1}),
        0,
        "a",
    )
    .await;
    let m2 = update(store, "item", &m1, json!({"name": "alpha", "level": 2})).await;
    assert_eq!(m2.current_revision_id, "item:1:2");
    assert_eq!(
        store.load_meta("item", "item:1").await.unwrap(),
        Some(m2.clone())
    );

    // A writer that read revision 1 loses: Conflict, nothing written.
    let stale = update_commit(&m1, json!({"name": "alpha", "level": 99}), b"stale");
    let mut stale = stale;
    if let Some(rev) = stale.revision.as_mut() {
        rev.info.revision_id = "item:1:3".into();
    }
    stale.meta.current_revision_id = "item:1:3".into();
    let err = store.commit("item", stale).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "got {err:?}");
    assert_eq!(
        store.load_meta("item", "item:1").await.unwrap(),
        Some(m2.clone())
    );
    assert_eq!(store.load_revision("item", "item:1:3").await.unwrap(), None);

    // Expecting a resource that does not exist is a conflict too.
    let ghost = update_commit(&new_meta("item:ghost", json!({}), 0, "a"), json!({}), b"g");
    let err = store.commit("item", ghost).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "got {err:?}");
    assert_eq!(store.load_meta("item", "item:ghost").await.unwrap(), None);
}

pub async fn revision_ids_are_never_reused(store: &dyn ResourceStore) {
    let m1 = create(store, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    // Correct CAS guard, but a revision id that already exists.
    let mut commit = update_commit(&m1, json!({"name": "alpha"}), b"dup");
    if let Some(rev) = commit.revision.as_mut() {
        rev.info.revision_id = "item:1:1".into();
    }
    let err = store.commit("item", commit).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "got {err:?}");
    let rev = store
        .load_revision("item", "item:1:1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rev.data, b"item:1", "the first revision is untouched");
    assert_eq!(store.load_meta("item", "item:1").await.unwrap(), Some(m1));
}

pub async fn replace_revision_overwrites_in_place(store: &dyn ResourceStore) {
    let m1 = create(
        store,
        "item",
        "item:1",
        json!({"name": "alpha", "level": 1}),
        0,
        "a",
    )
    .await;
    let mut rev = store
        .load_revision("item", "item:1:1")
        .await
        .unwrap()
        .unwrap();
    rev.info.uid = "new-uid".into();
    rev.info.updated_by = "modifier".into();
    rev.data = b"modified".to_vec();
    let mut meta = m1.clone();
    meta.indexed_data = indexed(json!({"name": "alpha", "level": 5}));
    meta.rev_updated_by = "modifier".into();
    store
        .commit(
            "item",
            Commit {
                expected_current: Some("item:1:1".into()),
                meta: meta.clone(),
                revision: Some(rev.clone()),
                replace_revision: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.load_revision("item", "item:1:1").await.unwrap(),
        Some(rev)
    );
    assert_eq!(
        store.list_revisions("item", "item:1").await.unwrap().len(),
        1
    );
    assert_eq!(store.load_meta("item", "item:1").await.unwrap(), Some(meta));
}

pub async fn list_revisions_oldest_first(store: &dyn ResourceStore) {
    let m1 = create(store, "item", "item:1", json!({"name": "a"}), 0, "a").await;
    create(store, "item", "item:2", json!({"name": "b"}), 0, "a").await;
    let m2 = update(store, "item", &m1, json!({"name": "a2"})).await;
    let m3 = update(store, "item", &m2, json!({"name": "a3"})).await;
    let ids: Vec<String> = store
        .list_revisions("item", "item:1")
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.revision_id)
        .collect();
    assert_eq!(ids, ["item:1:1", "item:1:2", "item:1:3"]);
    assert_eq!(m3.total_revision_count, 3);
    assert!(
        store
            .list_revisions("item", "item:none")
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn purge_removes_everything(store: &dyn ResourceStore) {
    let m1 = create(
        store,
        "item",
        "item:1",
        json!({"name": "alpha", "code": "C1"}),
        0,
        "a",
    )
    .await;
    update(store, "item", &m1, json!({"name": "alpha", "code": "C1"})).await;
    create(store, "item", "item:2", json!({"name": "beta"}), 0, "a").await;
    store.purge("item", "item:1").await.unwrap();
    assert_eq!(store.load_meta("item", "item:1").await.unwrap(), None);
    assert_eq!(store.load_revision("item", "item:1:1").await.unwrap(), None);
    assert!(
        store
            .list_revisions("item", "item:1")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.count("item", &Query::default()).await.unwrap(), 1);
    // Its unique values are free again.
    create(
        store,
        "item",
        "item:3",
        json!({"name": "alpha", "code": "C1"}),
        0,
        "a",
    )
    .await;
    // Purging something absent is not an error.
    store.purge("item", "item:none").await.unwrap();
}

// ---------------------------------------------------------------- unique

fn assert_unique_violation(err: Error, field: &str, value: Value, holder: &str) {
    match err {
        Error::UniqueViolation {
            resource,
            field: f,
            value: v,
            conflicting_id,
        } => {
            assert_eq!(resource, "item");
            assert_eq!(f, field);
            assert_eq!(v, value);
            assert_eq!(conflicting_id, holder);
        }
        other => panic!("expected a unique violation on {field}, got {other:?}"),
    }
}

pub async fn unique_refuses_a_second_holder(store: &dyn ResourceStore) {
    create(
        store,
        "item",
        "item:1",
        json!({"name": "alpha", "code": "C1"}),
        0,
        "a",
    )
    .await;
    let dup = new_meta("item:2", json!({"name": "alpha", "code": "C2"}), 1, "b");
    let err = store
        .commit("item", create_commit(&dup, b"x"))
        .await
        .unwrap_err();
    assert_unique_violation(err, "name", json!("alpha"), "item:1");
    assert_eq!(
        store.load_meta("item", "item:2").await.unwrap(),
        None,
        "nothing written"
    );
    assert_eq!(store.load_revision("item", "item:2:1").await.unwrap(), None);

    let dup = new_meta("item:2", json!({"name": "beta", "code": "C1"}), 1, "b");
    let err = store
        .commit("item", create_commit(&dup, b"x"))
        .await
        .unwrap_err();
    assert_unique_violation(err, "code", json!("C1"), "item:1");

    // The same value in another model is fine; so is another value.
    create(store, "other", "other:1", json!({"name": "alpha"}), 0, "a").await;
    create(
        store,
        "item",
        "item:2",
        json!({"name": "beta", "code": "C2"}),
        0,
        "a",
    )
    .await;
}

pub async fn unique_lets_null_and_absent_repeat(store: &dyn ResourceStore) {
    create(
        store,
        "item",
        "item:1",
        json!({"name": "a", "code": null}),
        0,
        "a",
    )
    .await;
    create(
        store,
        "item",
        "item:2",
        json!({"name": "b", "code": null}),
        0,
        "a",
    )
    .await;
    create(store, "item", "item:3", json!({"name": "c"}), 0, "a").await;
    create(store, "item", "item:4", json!({"name": "d"}), 0, "a").await;
    assert_eq!(store.count("item", &Query::default()).await.unwrap(), 4);
}

pub async fn unique_compares_numbers_numerically(store: &dyn ResourceStore) {
    create(
        store,
        "item",
        "item:1",
        json!({"name": "a", "ratio": 1}),
        0,
        "a",
    )
    .await;
    let dup = new_meta("item:2", json!({"name": "b", "ratio": 1.0}), 1, "b");
    let err = store
        .commit("item", create_commit(&dup, b"x"))
        .await
        .unwrap_err();
    assert_unique_violation(err, "ratio", json!(1.0), "item:1");
    create(
        store,
        "item",
        "item:3",
        json!({"name": "c", "ratio": 1.5}),
        0,
        "a",
    )
    .await;
    create(
        store,
        "item",
        "item:4",
        json!({"name": "d", "ratio": "1"}),
        0,
        "a",
    )
    .await;
}

pub async fn unique_value_is_freed_by_delete_and_change(store: &dyn ResourceStore) {
    let m1 = create(store, "item", "item:1", json!({"name": "alpha"}), 0, "a").await;
    // Deleting frees the value.
    let d1 = set_deleted(store, "item", &m1, true).await.unwrap();
    let m2 = create(store, "item", "item:2", json!({"name": "alpha"}), 1, "b").await;
    // Restoring the first now collides, and writes nothing.
    let err = set_deleted(store, "item", &d1, false).await.unwrap_err();
    assert_unique_violation(err, "name", json!("alpha"), "item:2");
    assert!(
        store
            .load_meta("item", "item:1")
            .await
            .unwrap()
            .unwrap()
            .is_deleted
    );
    // Changing the value frees the old one, and the new one is taken.
    let m2b = update(store, "item", &m2, json!({"name": "alpha-2"})).await;
    set_deleted(store, "item", &d1, false).await.unwrap();
    let dup = new_meta("item:3", json!({"name": "alpha-2"}), 2, "c");
    let err = store
        .commit("item", create_commit(&dup, b"x"))
        .await
        .unwrap_err();
    assert_unique_violation(err, "name", json!("alpha-2"), "item:2");
    // Re-writing the same value on the same resource is not a conflict with itself.
    update(store, "item", &m2b, json!({"name": "alpha-2", "level": 3})).await;
}

pub async fn unique_holds_under_concurrent_creates(store: Arc<dyn ResourceStore>) {
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let meta = new_meta(&format!("item:c{i}"), json!({"name": "contested"}), i, "x");
            store.commit("item", create_commit(&meta, b"x")).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => won += 1,
            Err(Error::UniqueViolation { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one concurrent creator wins");
}

pub async fn cas_holds_under_concurrent_updates(store: Arc<dyn ResourceStore>) {
    let m1 = create(&*store, "item", "item:1", json!({"name": "a"}), 0, "a").await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let m1 = m1.clone();
        tasks.push(tokio::spawn(async move {
            let commit = update_commit(&m1, json!({"name": "a", "level": i}), b"u");
            store.commit("item", commit).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => won += 1,
            Err(Error::Conflict { .. }) => {}
            Err(other) => panic!("unexpected error {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one writer of revision 2 wins");
    assert_eq!(
        store.list_revisions("item", "item:1").await.unwrap().len(),
        2
    );
}

/// Many concurrent commits, half of them doomed (a taken unique value, a stale
/// compare-and-set): each gets its own answer and the failed ones leave nothing behind, however
/// the store groups them (SQLite batches concurrent commits into one transaction).
pub async fn concurrent_commits_fail_alone(store: Arc<dyn ResourceStore>) {
    // 16 holders of `held-k`; holders 0..8 already have a revision 2.
    let mut first = Vec::new();
    for k in 0..16 {
        let id = format!("item:held{k}");
        let meta = create(
            &*store,
            "item",
            &id,
            json!({"name": format!("held-{k}")}),
            0,
            "a",
        )
        .await;
        if k < 8 {
            update(
                &*store,
                "item",
                &meta,
                json!({"name": format!("held-{k}"), "level": -1}),
            )
            .await;
        }
        first.push(meta);
    }
    enum Expect {
        Ok,
        Unique(String),
        Conflict,
    }
    let mut commits = Vec::new();
    for (k, held) in first.iter().enumerate() {
        let fresh = new_meta(
            &format!("item:new{k}"),
            json!({"name": format!("new-{k}")}),
            1,
            "b",
        );
        commits.push((create_commit(&fresh, b"n"), Expect::Ok));
        let dup = new_meta(
            &format!("item:dup{k}"),
            json!({"name": format!("held-{k}")}),
            1,
            "b",
        );
        commits.push((
            create_commit(&dup, b"d"),
            Expect::Unique(held.resource_id.clone()),
        ));
        // Built on revision 1: stale for holders 0..8, current for 8..16.
        let next = update_commit(held, json!({"name": format!("held-{k}"), "level": k}), b"u");
        commits.push((next, if k < 8 { Expect::Conflict } else { Expect::Ok }));
    }
    let mut handles = Vec::new();
    for (commit, expect) in commits {
        let store = store.clone();
        let id = commit.meta.resource_id.clone();
        handles.push((
            id,
            expect,
            tokio::spawn(async move { store.commit("item", commit).await }),
        ));
    }
    for (id, expect, handle) in handles {
        match (expect, handle.await.expect("task")) {
            (Expect::Ok, Ok(())) | (Expect::Conflict, Err(Error::Conflict { .. })) => {}
            (Expect::Unique(holder), Err(err)) => {
                let name = store
                    .load_meta("item", &holder)
                    .await
                    .unwrap()
                    .unwrap()
                    .indexed_data["name"]
                    .clone();
                assert_unique_violation(err, "name", name, &holder);
                assert!(
                    store.load_meta("item", &id).await.unwrap().is_none(),
                    "{id} left a meta"
                );
                let left = store.list_revisions("item", &id).await.unwrap();
                assert!(left.is_empty(), "{id} left revisions {left:?}");
            }
            (_, other) => panic!("commit of {id}: unexpected {other:?}"),
        }
    }
    for (k, held) in first.iter().enumerate() {
        let fresh = store
            .load_meta("item", &format!("item:new{k}"))
            .await
            .unwrap()
            .expect("fresh");
        assert_eq!(fresh.indexed_data["name"], json!(format!("new-{k}")));
        let id = &held.resource_id;
        let meta = store.load_meta("item", id).await.unwrap().unwrap();
        let revisions = store.list_revisions("item", id).await.unwrap();
        assert_eq!((meta.total_revision_count, revisions.len()), (2, 2), "{id}");
        let level = if k < 8 { json!(-1) } else { json!(k) };
        assert_eq!(
            meta.indexed_data["level"], level,
            "{id}: the winning update"
        );
    }
    assert_eq!(store.count("item", &Query::default()).await.unwrap(), 32);
}

/// `load_current` agrees with `load_meta` + `load_revision`, deleted resources included.
pub async fn load_current_reads_meta_and_revision_together(store: &dyn ResourceStore) {
    assert!(
        store
            .load_current("item", "item:none")
            .await
            .unwrap()
            .is_none()
    );
    let m1 = create(store, "item", "item:1", json!({"name": "a"}), 0, "a").await;
    let m2 = update(store, "item", &m1, json!({"name": "b", "level": 2})).await;
    let deleted = set_deleted(store, "item", &m2, true).await.unwrap();
    let (meta, revision) = store
        .load_current("item", "item:1")
        .await
        .unwrap()
        .expect("found");
    assert_eq!(meta, deleted);
    let expected = store
        .load_revision("item", &m2.current_revision_id)
        .await
        .unwrap();
    assert_eq!(revision, expected);
    assert_eq!(
        revision.expect("current revision").info.revision_id,
        "item:1:2"
    );
}

/// `load_revisions` returns the stored revisions among the ids asked for, skipping unknown ones.
pub async fn load_revisions_reads_a_page_at_once(store: &dyn ResourceStore) {
    assert!(store.load_revisions("item", &[]).await.unwrap().is_empty());
    let m1 = create(store, "item", "item:1", json!({"name": "a"}), 0, "a").await;
    let m1b = update(store, "item", &m1, json!({"name": "a2"})).await;
    let m2 = create(store, "item", "item:2", json!({"name": "b"}), 0, "a").await;
    let asked = vec![
        m1b.current_revision_id.clone(),
        "item:9:1".to_owned(),
        m2.current_revision_id.clone(),
        m1.current_revision_id.clone(),
    ];
    let mut found: Vec<String> = store
        .load_revisions("item", &asked)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            assert_eq!(
                r.data,
                if r.info.revision_id.ends_with(":2") {
                    b"updated".to_vec()
                } else {
                    r.info.resource_id.as_bytes().to_vec()
                }
            );
            r.info.revision_id
        })
        .collect();
    found.sort();
    assert_eq!(found, ["item:1:1", "item:1:2", "item:2:1"]);
    // Another model's revisions are not visible under this one.
    assert!(
        store
            .load_revisions("other", &asked)
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------- queries

/// Five items covering present / null / absent values of every kind.
///
/// | id | name | level | score | tags | flag | stats.hp | any | created | by | schema |
/// |---|---|---|---|---|---|---|---|---|---|---|
/// | 1 | alpha | 1 | 1.5 | [x,y] | true | 10 | "str" | t+3 | alice | v1 |
/// | 2 | beta | 2 | null | [] | false | 20 | 5 | t+1 | bob | - |
/// | 3 | gamma | 3 | 3.0 | [y] | true | absent | true | t+4 | alice | - |
/// | 4 | Delta | 10 | absent | [z,x] | absent | 10 | [1,2] | t+0 | bob | - |
/// | 5 | alphabet | 2 | 2 | null | false | null | null | t+1 | carol | - |
///
/// Item 3 has two revisions.
pub async fn fixture(store: &dyn ResourceStore) {
    let mut m1 = new_meta(
        "item:1",
        json!({"name": "alpha", "level": 1, "score": 1.5, "tags": ["x", "y"], "flag": true, "stats.hp": 10, "any": "str"}),
        3,
        "alice",
    );
    m1.schema_version = Some("v1".into());
    store
        .commit("item", create_commit(&m1, b"1"))
        .await
        .unwrap();
    create(
        store,
        "item",
        "item:2",
        json!({"name": "beta", "level": 2, "score": null, "tags": [], "flag": false, "stats.hp": 20, "any": 5}),
        1,
        "bob",
    )
    .await;
    let m3 = create(
        store,
        "item",
        "item:3",
        json!({"name": "gamma", "level": 0}),
        4,
        "alice",
    )
    .await;
    update(
        store,
        "item",
        &m3,
        json!({"name": "gamma", "level": 3, "score": 3.0, "tags": ["y"], "flag": true, "any": true}),
    )
    .await;
    create(
        store,
        "item",
        "item:4",
        json!({"name": "Delta", "level": 10, "tags": ["z", "x"], "stats.hp": 10, "any": [1, 2]}),
        0,
        "bob",
    )
    .await;
    create(
        store,
        "item",
        "item:5",
        json!({"name": "alphabet", "level": 2, "score": 2, "tags": null, "flag": false, "stats.hp": null, "any": null}),
        1,
        "carol",
    )
    .await;
}

pub fn cmp(field: &str, op: Operator, value: Value) -> Condition {
    Condition::Compare {
        field: FieldPath::Data(field.to_owned().into()),
        op,
        value,
    }
}

pub fn meta_cmp(field: MetaField, op: Operator, value: Value) -> Condition {
    Condition::Compare {
        field: FieldPath::Meta(field),
        op,
        value,
    }
}

pub fn not(c: Condition) -> Condition {
    Condition::Not(Box::new(c))
}

fn ids(metas: &[ResourceMeta]) -> Vec<String> {
    metas
        .iter()
        .map(|m| m.resource_id.trim_start_matches("item:").to_owned())
        .collect()
}

/// The matching ids (numbers as strings), sorted; also checks `count` agrees.
async fn matching(store: &dyn ResourceStore, condition: Condition) -> Vec<String> {
    let query = Query {
        condition: Some(condition.clone()),
        ..Query::default()
    };
    let found = store
        .search("item", &query)
        .await
        .unwrap_or_else(|e| panic!("search {condition:?}: {e}"));
    let mut found = ids(&found);
    found.sort();
    let n = store.count("item", &query).await.unwrap();
    assert_eq!(
        n as usize,
        found.len(),
        "count agrees with search for {condition:?}"
    );
    found
}

async fn check(store: &dyn ResourceStore, cases: Vec<(Condition, &[&str])>) {
    let mut failures = Vec::new();
    for (condition, expected) in cases {
        let got = matching(store, condition.clone()).await;
        if got != expected {
            failures.push(format!(
                "{condition:?}\n    expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const ALL: &[&str] = &["1", "2", "3", "4", "5"];
const NONE: &[&str] = &[];

pub async fn equality_operators(store: &dyn ResourceStore) {
    fixture(store).await;
    use Operator::*;
    check(
        store,
        vec![
            (cmp("level", Eq, json!(2)), &["2", "5"]),
            (cmp("level", Eq, json!(2.0)), &["2", "5"]),
            (cmp("score", Eq, json!(3)), &["3"]),
            (cmp("score", Eq, json!(2.0)), &["5"]),
            (cmp("level", Ne, json!(2)), &["1", "3", "4"]),
            (cmp("score", Ne, json!(1.5)), &["3", "5"]),
            (not(cmp("score", Eq, json!(1.5))), &["3", "5"]),
            (cmp("score", Eq, json!(null)), NONE),
            (not(cmp("score", Eq, json!(null))), NONE),
            (cmp("score", Ne, json!(null)), NONE),
            (cmp("flag", Eq, json!(true)), &["1", "3"]),
            (cmp("flag", Eq, json!(false)), &["2", "5"]),
            (cmp("flag", Eq, json!(1)), NONE),
            (not(cmp("flag", Eq, json!(1))), &["1", "2", "3", "5"]),
            (cmp("name", Eq, json!("alpha")), &["1"]),
            (cmp("name", Eq, json!(1)), NONE),
            (not(cmp("name", Eq, json!(1))), ALL),
            (cmp("any", Eq, json!("5")), NONE),
            (cmp("any", Eq, json!(5)), &["2"]),
            // A list value is unknown for eq/ne.
            (cmp("tags", Eq, json!("x")), NONE),
            (not(cmp("tags", Eq, json!("x"))), NONE),
            (cmp("stats.hp", Eq, json!(10)), &["1", "4"]),
            (cmp("nope", Eq, json!(1)), NONE),
            (not(cmp("nope", Eq, json!(1))), NONE),
        ],
    )
    .await;
}

pub async fn order_operators(store: &dyn ResourceStore) {
    fixture(store).await;
    use Operator::*;
    check(
        store,
        vec![
            (cmp("level", Gt, json!(2)), &["3", "4"]),
            (cmp("level", Gte, json!(2)), &["2", "3", "4", "5"]),
            (cmp("level", Lt, json!(2)), &["1"]),
            (cmp("level", Lte, json!(2.5)), &["1", "2", "5"]),
            (not(cmp("level", Gt, json!(2))), &["1", "2", "5"]),
            (cmp("score", Gt, json!(1.9)), &["3", "5"]),
            (not(cmp("score", Gt, json!(1.9))), &["1"]),
            // Byte order: uppercase before lowercase.
            (cmp("name", Gt, json!("alpha")), &["2", "3", "5"]),
            (cmp("name", Lt, json!("alpha")), &["4"]),
            (cmp("name", Gte, json!("alpha")), &["1", "2", "3", "5"]),
            (cmp("name", Lte, json!("beta")), &["1", "2", "4", "5"]),
            // Type mismatch is unknown, also under not.
            (cmp("level", Gt, json!("a")), NONE),
            (not(cmp("level", Gt, json!("a"))), NONE),
            (cmp("any", Gt, json!(1)), &["2"]),
            (not(cmp("any", Gt, json!(1))), NONE),
            (not(cmp("any", Lt, json!(1))), &["2"]),
            (cmp("flag", Gt, json!(false)), NONE),
            (not(cmp("flag", Gt, json!(false))), NONE),
            (cmp("level", Gt, json!(null)), NONE),
            (not(cmp("level", Gt, json!(null))), NONE),
            (cmp("tags", Gt, json!("a")), NONE),
        ],
    )
    .await;
}

pub async fn text_and_list_operators(store: &dyn ResourceStore) {
    fixture(store).await;
    use Operator::*;
    check(
        store,
        vec![
            (cmp("tags", Contains, json!("x")), &["1", "4"]),
            (not(cmp("tags", Contains, json!("x"))), &["2", "3"]),
            (cmp("tags", Contains, json!(1)), NONE),
            (not(cmp("tags", Contains, json!(1))), &["1", "2", "3", "4"]),
            (cmp("name", Contains, json!("lph")), &["1", "5"]),
            (not(cmp("name", Contains, json!("lph"))), &["2", "3", "4"]),
            (cmp("name", Contains, json!("")), ALL),
            (cmp("any", Contains, json!("t")), &["1"]),
            (not(cmp("any", Contains, json!("t"))), &["4"]),
            (cmp("any", Contains, json!(1)), &["4"]),
            (cmp("any", Contains, json!(1.0)), &["4"]),
            (not(cmp("any", Contains, json!(1))), NONE),
            (cmp("tags", Contains, json!(null)), NONE),
            (not(cmp("tags", Contains, json!(null))), NONE),
            (cmp("name", StartsWith, json!("alpha")), &["1", "5"]),
            (
                not(cmp("name", StartsWith, json!("alpha"))),
                &["2", "3", "4"],
            ),
            (cmp("name", StartsWith, json!("")), ALL),
            (cmp("name", StartsWith, json!("alphabetical")), NONE),
            (cmp("level", StartsWith, json!("1")), NONE),
            (not(cmp("level", StartsWith, json!("1"))), NONE),
            (cmp("name", EndsWith, json!("ta")), &["2", "4"]),
            (not(cmp("name", EndsWith, json!("ta"))), &["1", "3", "5"]),
            (cmp("name", EndsWith, json!("")), ALL),
            (cmp("name", EndsWith, json!("xalpha")), NONE),
            (cmp("name", Regex, json!("^a")), &["1", "5"]),
            (cmp("name", Regex, json!("ph")), &["1", "5"]),
            (cmp("name", Regex, json!("(?i)^d")), &["4"]),
            (cmp("name", Regex, json!("^[a-z]+a$")), &["1", "2", "3"]),
            (not(cmp("name", Regex, json!("^a"))), &["2", "3", "4"]),
            (cmp("level", Regex, json!("1")), NONE),
            (not(cmp("level", Regex, json!("1"))), NONE),
            // A null operand is unknown, like `eq null`.
            (cmp("name", StartsWith, json!(null)), NONE),
            (not(cmp("name", StartsWith, json!(null))), NONE),
            (not(cmp("name", EndsWith, json!(null))), NONE),
            (not(cmp("name", Regex, json!(null))), NONE),
            (not(cmp("any", Contains, json!(null))), NONE),
        ],
    )
    .await;
}

pub async fn membership_operators(store: &dyn ResourceStore) {
    fixture(store).await;
    use Operator::*;
    check(
        store,
        vec![
            (cmp("level", In, json!([1, 3, "x", null])), &["1", "3"]),
            (cmp("level", In, json!([2.0])), &["2", "5"]),
            (cmp("level", NotIn, json!([1, 3])), &["2", "4", "5"]),
            (not(cmp("level", NotIn, json!([1, 3]))), &["1", "3"]),
            (cmp("score", In, json!([])), NONE),
            (not(cmp("score", In, json!([]))), &["1", "3", "5"]),
            (cmp("score", NotIn, json!([])), &["1", "3", "5"]),
            (
                cmp("name", In, json!(["alpha", "Delta", "zzz"])),
                &["1", "4"],
            ),
            (cmp("flag", In, json!([true])), &["1", "3"]),
            (cmp("flag", NotIn, json!([true, 1])), &["2", "5"]),
            // A list value is unknown for in / not_in.
            (cmp("tags", In, json!(["x"])), NONE),
            (not(cmp("tags", In, json!(["x"]))), NONE),
        ],
    )
    .await;
}

/// A list or an object compared whole (`eq`, `ne`, `in`, `not_in`, order) is unknown, also
/// under `not`; in a sort they tie with each other after booleans.
pub async fn whole_values_are_unknown(store: &dyn ResourceStore) {
    for (id, any) in [
        ("1", json!({"a": 1})),
        ("2", json!([1])),
        ("3", json!(1)),
        ("4", json!({})),
        ("5", json!(true)),
    ] {
        let data = json!({"name": format!("n{id}"), "any": any});
        create(store, "item", &format!("item:{id}"), data, 0, "a").await;
    }
    use Operator::*;
    let mut cases: Vec<(Condition, &[&str])> = Vec::new();
    for (op, value) in [
        (Eq, json!(1)),
        (Ne, json!(1)),
        (In, json!([1, true])),
        (NotIn, json!([1])),
        (NotIn, json!([null])),
        (Gt, json!(0)),
        (Lte, json!("z")),
    ] {
        let matching: &[&str] = match op {
            Eq => &["3"],
            Ne => &["5"],
            In => &["3", "5"],
            NotIn if value == json!([1]) => &["5"],
            NotIn => &["3", "5"],
            Gt => &["3"],
            _ => NONE,
        };
        let negated: &[&str] = match op {
            Eq => &["5"],
            Ne => &["3"],
            In => NONE,
            NotIn if value == json!([1]) => &["3"],
            NotIn => NONE,
            _ => NONE,
        };
        cases.push((cmp("any", op, value.clone()), matching));
        cases.push((not(cmp("any", op, value)), negated));
    }
    cases.push((cmp("any", Contains, json!(1)), &["2"]));
    cases.push((not(cmp("any", Contains, json!(1))), NONE));
    check(store, cases).await;
    use Direction::*;
    assert_eq!(
        order(store, sorted_by(vec![(data("any"), Asc)])).await,
        ["3", "5", "1", "2", "4"]
    );
    assert_eq!(
        order(store, sorted_by(vec![(data("any"), Desc)])).await,
        ["1", "2", "4", "5", "3"]
    );
}

pub async fn null_and_presence_operators(store: &dyn ResourceStore) {
    fixture(store).await;
    use Operator::*;
    check(
        store,
        vec![
            (cmp("score", IsNull, json!(true)), &["2"]),
            (cmp("score", IsNull, json!(false)), &["1", "3", "5"]),
            (
                not(cmp("score", IsNull, json!(true))),
                &["1", "3", "4", "5"],
            ),
            (not(cmp("score", IsNull, json!(false))), &["2", "4"]),
            (cmp("score", Exists, json!(true)), &["1", "2", "3", "5"]),
            (cmp("score", Exists, json!(false)), &["4"]),
            (not(cmp("score", Exists, json!(true))), &["4"]),
            (cmp("score", IsNa, json!(true)), &["2", "4"]),
            (cmp("score", IsNa, json!(false)), &["1", "3", "5"]),
            (not(cmp("score", IsNa, json!(true))), &["1", "3", "5"]),
            (cmp("stats.hp", IsNa, json!(true)), &["3", "5"]),
            (cmp("stats.hp", Exists, json!(true)), &["1", "2", "4", "5"]),
            (cmp("tags", IsNull, json!(true)), &["5"]),
            (cmp("tags", IsNull, json!(false)), &["1", "2", "3", "4"]),
            (cmp("nope", Exists, json!(false)), ALL),
            (cmp("nope", IsNa, json!(true)), ALL),
            (cmp("nope", IsNull, json!(true)), NONE),
            (cmp("nope", IsNull, json!(false)), NONE),
        ],
    )
    .await;
}

pub async fn logic_operators(store: &dyn ResourceStore) {
    fixture(store).await;
    use Operator::*;
    let and = Condition::And;
    let or = Condition::Or;
    check(
        store,
        vec![
            (and(vec![]), ALL),
            (or(vec![]), NONE),
            (not(or(vec![])), ALL),
            (not(and(vec![])), NONE),
            (
                and(vec![
                    cmp("level", Eq, json!(2)),
                    cmp("flag", Eq, json!(false)),
                ]),
                &["2", "5"],
            ),
            (
                or(vec![
                    cmp("level", Eq, json!(1)),
                    cmp("name", Eq, json!("gamma")),
                ]),
                &["1", "3"],
            ),
            (
                not(or(vec![
                    cmp("score", Gt, json!(2)),
                    cmp("flag", Eq, json!(true)),
                ])),
                &["5"],
            ),
            (
                not(and(vec![
                    cmp("score", Gt, json!(2)),
                    cmp("flag", Eq, json!(false)),
                ])),
                &["1", "3", "5"],
            ),
            (not(not(cmp("score", Ne, json!(1.5)))), &["3", "5"]),
            (
                or(vec![
                    cmp("score", IsNa, json!(true)),
                    and(vec![
                        cmp("level", Gte, json!(3)),
                        not(cmp("tags", Contains, json!("x"))),
                    ]),
                ]),
                &["2", "3", "4"],
            ),
        ],
    )
    .await;
}

pub async fn meta_field_conditions(store: &dyn ResourceStore) {
    fixture(store).await;
    use Operator::*;
    let time = |secs| json!(specstar_runtime::model::wire_time::format(&t(secs)));
    check(
        store,
        vec![
            (meta_cmp(MetaField::IsDeleted, Eq, json!(false)), ALL),
            (meta_cmp(MetaField::IsDeleted, Eq, json!(0)), NONE),
            (not(meta_cmp(MetaField::IsDeleted, Eq, json!(0))), ALL),
            (
                meta_cmp(MetaField::CreatedBy, In, json!(["bob"])),
                &["2", "4"],
            ),
            (
                meta_cmp(MetaField::CreatedBy, Gt, json!("alice")),
                &["2", "4", "5"],
            ),
            (meta_cmp(MetaField::CreatedBy, Gt, json!(1)), NONE),
            (
                meta_cmp(MetaField::TotalRevisionCount, Gt, json!(1)),
                &["3"],
            ),
            (
                meta_cmp(MetaField::TotalRevisionCount, Eq, json!(2.0)),
                &["3"],
            ),
            (
                meta_cmp(MetaField::SchemaVersion, IsNull, json!(true)),
                &["2", "3", "4", "5"],
            ),
            (
                meta_cmp(MetaField::SchemaVersion, Exists, json!(false)),
                NONE,
            ),
            (meta_cmp(MetaField::SchemaVersion, Exists, json!(true)), ALL),
            (meta_cmp(MetaField::SchemaVersion, Eq, json!("v1")), &["1"]),
            (
                not(meta_cmp(MetaField::SchemaVersion, Eq, json!("v1"))),
                NONE,
            ),
            (
                meta_cmp(MetaField::SchemaVersion, IsNa, json!(true)),
                &["2", "3", "4", "5"],
            ),
            (meta_cmp(MetaField::CreatedTime, Gte, time(2)), &["1", "3"]),
            (meta_cmp(MetaField::CreatedTime, Lt, time(1)), &["4"]),
            (
                meta_cmp(MetaField::ResourceId, StartsWith, json!("item:")),
                ALL,
            ),
            (
                meta_cmp(MetaField::CurrentRevisionId, EndsWith, json!(":2")),
                &["3"],
            ),
            (meta_cmp(MetaField::RevStatus, Eq, json!("stable")), ALL),
            (meta_cmp(MetaField::UpdatedBy, Eq, json!("editor")), &["3"]),
            (
                meta_cmp(MetaField::ResourceId, Regex, json!("[13]$")),
                &["1", "3"],
            ),
        ],
    )
    .await;
}

pub async fn malformed_queries_are_bad_query(store: &dyn ResourceStore) {
    use Operator::*;
    for condition in [
        cmp("level", In, json!(3)),
        cmp("level", NotIn, json!("x")),
        cmp("name", Regex, json!("(")),
        cmp("name", Regex, json!(1)),
        cmp("score", Exists, json!("yes")),
        cmp("score", IsNull, json!(1)),
        cmp("score", IsNa, json!(null)),
        cmp("name", StartsWith, json!(1)),
        cmp("name", EndsWith, json!(["a"])),
        cmp("level", Eq, json!([1])),
        cmp("level", Ne, json!({"a": 1})),
        cmp("level", In, json!([[1]])),
        cmp("tags", Contains, json!({"a": 1})),
        cmp("tags", Contains, json!(["x"])),
    ] {
        let Condition::Compare { field, .. } = &condition else {
            unreachable!()
        };
        let query = Query {
            condition: Some(Condition::And(vec![condition.clone()])),
            ..Query::default()
        };
        let named = |err: &Error| {
            matches!(err, Error::BadQuery { parameter, message }
                if parameter == "conditions" && message.contains(&format!("`{field}`")))
        };
        let err = store.search("item", &query).await.unwrap_err();
        assert!(named(&err), "{condition:?}: got {err:?}");
        let err = store.count("item", &query).await.unwrap_err();
        assert!(named(&err), "{condition:?}: got {err:?}");
    }
}

// ---------------------------------------------------------------- sorting and paging

fn sorted_by(keys: Vec<(FieldPath, Direction)>) -> Query {
    Query {
        sorts: keys
            .into_iter()
            .map(|(field, direction)| Sort { field, direction })
            .collect(),
        ..Query::default()
    }
}

fn data(path: &str) -> FieldPath {
    FieldPath::Data(path.to_owned().into())
}

async fn order(store: &dyn ResourceStore, query: Query) -> Vec<String> {
    ids(&store.search("item", &query).await.unwrap())
}

pub async fn sorting(store: &dyn ResourceStore) {
    fixture(store).await;
    use Direction::*;
    type SortCase = (Vec<(FieldPath, Direction)>, [&'static str; 5]);
    let cases: Vec<SortCase> = vec![
        (vec![], ["4", "2", "5", "1", "3"]),
        (vec![(data("level"), Asc)], ["1", "2", "5", "3", "4"]),
        (vec![(data("level"), Desc)], ["4", "3", "2", "5", "1"]),
        (vec![(data("score"), Asc)], ["1", "5", "3", "2", "4"]),
        (vec![(data("score"), Desc)], ["2", "4", "3", "5", "1"]),
        (vec![(data("name"), Asc)], ["4", "1", "5", "2", "3"]),
        (vec![(data("name"), Desc)], ["3", "2", "5", "1", "4"]),
        (vec![(data("any"), Asc)], ["2", "1", "3", "4", "5"]),
        (vec![(data("any"), Desc)], ["5", "4", "3", "1", "2"]),
        (vec![(data("stats.hp"), Asc)], ["1", "4", "2", "3", "5"]),
        (
            vec![(data("flag"), Asc), (data("level"), Desc)],
            ["2", "5", "3", "1", "4"],
        ),
        (
            vec![(data("flag"), Desc), (data("level"), Asc)],
            ["4", "1", "3", "2", "5"],
        ),
        (vec![(data("nope"), Asc)], ["1", "2", "3", "4", "5"]),
        (
            vec![(FieldPath::Meta(MetaField::CreatedBy), Desc)],
            ["5", "2", "4", "1", "3"],
        ),
        (
            vec![(FieldPath::Meta(MetaField::CreatedTime), Desc)],
            ["3", "1", "2", "5", "4"],
        ),
        (
            vec![(FieldPath::Meta(MetaField::SchemaVersion), Asc)],
            ["1", "2", "3", "4", "5"],
        ),
        (
            vec![(FieldPath::Meta(MetaField::SchemaVersion), Desc)],
            ["2", "3", "4", "5", "1"],
        ),
        (
            vec![(FieldPath::Meta(MetaField::TotalRevisionCount), Desc)],
            ["3", "1", "2", "4", "5"],
        ),
    ];
    let mut failures = Vec::new();
    for (keys, expected) in cases {
        let got = order(store, sorted_by(keys.clone())).await;
        if got != expected {
            failures.push(format!("{keys:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

pub async fn paging(store: &dyn ResourceStore) {
    fixture(store).await;
    let page = |offset, limit| Query {
        offset,
        limit,
        ..Query::default()
    };
    assert_eq!(order(store, page(0, None)).await, ["4", "2", "5", "1", "3"]);
    assert_eq!(order(store, page(1, Some(2))).await, ["2", "5"]);
    assert_eq!(order(store, page(0, Some(0))).await, Vec::<String>::new());
    assert_eq!(order(store, page(4, None)).await, ["3"]);
    assert_eq!(order(store, page(10, Some(3))).await, Vec::<String>::new());
    let filtered = Query {
        condition: Some(cmp("level", Operator::Gte, json!(2))),
        sorts: vec![Sort {
            field: data("level"),
            direction: Direction::Desc,
        }],
        offset: 1,
        limit: Some(2),
    };
    assert_eq!(order(store, filtered.clone()).await, ["3", "2"]);
    // Paging over a list-membership filter (SQLite 3.51 once dropped OFFSET here).
    for (value, offset, expected) in [
        (json!("x"), 0, vec!["4", "1"]),
        (json!("x"), 1, vec!["1"]),
        (json!("y"), 2, vec![]),
    ] {
        let q = Query {
            condition: Some(cmp("tags", Operator::Contains, value.clone())),
            offset,
            ..Query::default()
        };
        assert_eq!(
            order(store, q).await,
            expected,
            "tags contains {value} offset {offset}"
        );
    }
    assert_eq!(
        store.count("item", &filtered).await.unwrap(),
        4,
        "count ignores paging"
    );
}

pub async fn deleted_resources_are_still_searchable_by_flag(store: &dyn ResourceStore) {
    fixture(store).await;
    let m2 = store.load_meta("item", "item:2").await.unwrap().unwrap();
    set_deleted(store, "item", &m2, true).await.unwrap();
    let q = |deleted: bool| Query {
        condition: Some(meta_cmp(MetaField::IsDeleted, Operator::Eq, json!(deleted))),
        ..Query::default()
    };
    assert_eq!(order(store, q(true)).await, ["2"]);
    assert_eq!(order(store, q(false)).await, ["4", "5", "1", "3"]);
}

/// Unused helper kept for symmetry with memory backends' tests.
pub fn _revision(id: &str, n: u64) -> StoredRevision {
    StoredRevision {
        info: info(id, n, t(0), "a", b""),
        data: Vec::new(),
    }
}
