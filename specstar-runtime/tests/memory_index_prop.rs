//! The memory store's secondary indexes only narrow a search: for random data (ints, floats,
//! integers beyond 2^53, strings, bools, nulls, lists, objects, missing keys), random
//! updates, deletes and purges, and random queries (top-level `and`s of indexable comparisons
//! mixed with anything else), `search` and `count` answer exactly what `query::apply` and
//! `query::count` answer over every stored meta.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use specstar_runtime::model::{ResourceMeta, RevisionStatus, Timestamp};
use specstar_runtime::query::{self, Condition, FieldPath, MetaField, Operator, Query, Sort};
use specstar_runtime::resource::{IndexKind, IndexSpec, ResourceDescriptor};
use specstar_runtime::storage::memory::MemoryStore;
use specstar_runtime::storage::{Commit, ResourceStore};

const fn index(path: &'static str) -> IndexSpec {
    IndexSpec {
        path,
        kind: IndexKind::Any,
        unique: false,
        nullable: true,
        list: false,
    }
}

static ITEM: ResourceDescriptor = ResourceDescriptor {
    name: "item",
    type_name: "Item",
    description: None,
    // `d` is stored but not indexed.
    indexes: &[index("a"), index("b"), index("c")],
    refs: &[],
    display_name: None,
    default_status: None,
    encoding: None,
    version: None,
};

const KEYS: [&str; 4] = ["a", "b", "c", "d"];
const BIG: i64 = 9_007_199_254_740_992; // 2^53

fn time(second: u32) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(&format!("2026-01-02T03:04:{second:02}.000006Z"))
        .unwrap()
        .to_utc()
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..=3).prop_map(Value::from),
        prop::sample::select(vec![
            -1.5,
            -0.0,
            0.0,
            1.0,
            2.5,
            3.0,
            9_007_199_254_740_992.0
        ])
        .prop_map(Value::from),
        prop::sample::select(vec![BIG - 1, BIG, BIG + 1, i64::MAX]).prop_map(Value::from),
        Just(json!(u64::MAX)),
        prop::sample::select(vec!["", "a", "ab", "b", "B", "2026-01-02T03:04:05.000006Z"])
            .prop_map(Value::from),
    ]
}

fn stored_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => scalar(),
        1 => prop::collection::vec(scalar(), 0..3).prop_map(Value::Array),
        1 => Just(json!({"x": 1})),
    ]
}

fn data() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec(prop::option::of(stored_value()), KEYS.len()).prop_map(|values| {
        KEYS.iter()
            .zip(values)
            .filter_map(|(k, v)| v.map(|v| ((*k).to_owned(), v)))
            .collect()
    })
}

fn meta(n: usize, data: Map<String, Value>, deleted: bool, revision: u64) -> ResourceMeta {
    let t = time((n % 60) as u32);
    ResourceMeta {
        current_revision_id: format!("item:{n:02}:{revision}"),
        resource_id: format!("item:{n:02}"),
        schema_version: None,
        total_revision_count: revision,
        created_time: t,
        updated_time: t,
        created_by: "a".into(),
        updated_by: "a".into(),
        is_deleted: deleted,
        indexed_data: data,
        rev_status: RevisionStatus::Stable,
        rev_created_by: "a".into(),
        rev_updated_by: "a".into(),
        rev_created_time: t,
        rev_updated_time: t,
    }
}

/// What happens to a resource after its create.
#[derive(Debug, Clone)]
enum Later {
    Nothing,
    Update(Map<String, Value>, bool),
    Purge,
}

fn later() -> impl Strategy<Value = Later> {
    prop_oneof![
        2 => Just(Later::Nothing),
        2 => (data(), any::<bool>()).prop_map(|(d, del)| Later::Update(d, del)),
        1 => Just(Later::Purge),
    ]
}

fn leaf() -> impl Strategy<Value = Condition> {
    let field = prop_oneof![
        4 => prop::sample::select(KEYS.to_vec()).prop_map(FieldPath::data),
        1 => Just(FieldPath::Meta(MetaField::IsDeleted)),
        1 => Just(FieldPath::Meta(MetaField::ResourceId)),
    ];
    let op = prop::sample::select(vec![
        Operator::Eq,
        Operator::Eq,
        Operator::In,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::Ne,
        Operator::Exists,
        Operator::Contains,
    ]);
    let operand = prop_oneof![
        5 => scalar(),
        2 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Array),
        1 => Just(json!([[1]])),
    ];
    (field, op, operand).prop_map(|(field, op, value)| {
        let value = match (op, value) {
            (Operator::Exists, v) => Value::Bool(v.as_bool().unwrap_or(true)),
            (_, v) => v,
        };
        Condition::compare(field, op, value)
    })
}

fn condition() -> impl Strategy<Value = Condition> {
    let any = leaf().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Condition::And),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Condition::Or),
            inner.prop_map(|c| !c),
        ]
    });
    prop_oneof![
        3 => prop::collection::vec(leaf(), 1..4).prop_map(Condition::And),
        1 => (prop::collection::vec(leaf(), 0..3), leaf()).prop_map(|(all, last)| {
            Condition::And(vec![Condition::And(all), last])
        }),
        2 => leaf(),
        1 => (prop::collection::vec(leaf(), 0..3), any.clone()).prop_map(|(mut all, other)| {
            all.push(other);
            Condition::And(all)
        }),
        1 => any,
    ]
}

fn query_strategy() -> impl Strategy<Value = Query> {
    (
        prop::option::weighted(0.95, condition()),
        prop::option::of(prop::sample::select(KEYS.to_vec())),
        prop::option::of(0usize..6),
        0usize..3,
    )
        .prop_map(|(condition, sort, limit, offset)| Query {
            condition,
            sorts: sort
                .map(|k| vec![Sort::desc(FieldPath::data(k))])
                .unwrap_or_default(),
            limit,
            offset,
        })
}

fn ids(metas: &[ResourceMeta]) -> Vec<String> {
    metas.iter().map(|m| m.resource_id.clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn indexed_search_equals_apply_over_every_meta(
        rows in prop::collection::vec((data(), any::<bool>(), later()), 0..30),
        queries in prop::collection::vec(query_strategy(), 1..6),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let store = MemoryStore::new();
            store.register_model(&ITEM).await.unwrap();
            let mut current: Vec<ResourceMeta> = Vec::new();
            for (n, (data, deleted, later)) in rows.into_iter().enumerate() {
                let created = meta(n, data, deleted, 1);
                let commit = Commit {
                    expected_current: None,
                    meta: created.clone(),
                    revision: None,
                    replace_revision: false,
                };
                store.commit("item", commit).await.unwrap();
                match later {
                    Later::Nothing => current.push(created),
                    Later::Update(data, deleted) => {
                        // A new revision, then (maybe) a delete or restore of it.
                        let updated = meta(n, data.clone(), created.is_deleted, 2);
                        let commit = Commit {
                            expected_current: Some(created.current_revision_id.clone()),
                            meta: updated.clone(),
                            revision: None,
                            replace_revision: false,
                        };
                        store.commit("item", commit).await.unwrap();
                        let flipped = meta(n, data, deleted, 2);
                        let commit = Commit {
                            expected_current: Some(updated.current_revision_id.clone()),
                            meta: flipped.clone(),
                            revision: None,
                            replace_revision: false,
                        };
                        store.commit("item", commit).await.unwrap();
                        current.push(flipped);
                    }
                    Later::Purge => store.purge("item", &created.resource_id).await.unwrap(),
                }
            }
            for query in &queries {
                let expected = query::apply(query, &current).map(|found| {
                    found.into_iter().cloned().collect::<Vec<_>>()
                });
                let found = store.search("item", query).await;
                match (&expected, &found) {
                    (Ok(expected), Ok(found)) => {
                        prop_assert_eq!(ids(expected), ids(found), "query {}", query.condition.as_ref().map(ToString::to_string).unwrap_or_default());
                    }
                    (Err(_), Err(_)) => {}
                    _ => prop_assert!(false, "one side failed: {:?} vs {:?}", expected.as_ref().err(), found.as_ref().err()),
                }
                let expected_count = query::count(query, &current).ok();
                let count = store.count("item", query).await.ok();
                prop_assert_eq!(expected_count, count);
            }
            Ok(())
        })?;
    }
}
