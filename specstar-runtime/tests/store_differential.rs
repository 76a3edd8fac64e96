//! Differential test: one seeded random dataset, many random queries (conditions, sorts,
//! paging); every backend must return the same ids in the same order. The SQLite and
//! PostgreSQL translations and the in-process evaluator (disk) are independent
//! implementations of the query semantics, so any drift between them shows up here.

mod store_common;

use serde_json::{Value, json};
use specstar_runtime::query::{Condition, Direction, FieldPath, MetaField, Operator, Query, Sort};
use specstar_runtime::storage::ResourceStore;
use store_common::*;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

const FIELDS: [&str; 6] = ["level", "score", "any", "tags", "flag", "stats.hp"];

fn scalar(rng: &mut Rng) -> Value {
    rng.pick(&[
        json!(-1),
        json!(0),
        json!(1),
        json!(2),
        json!(1.0),
        json!(0.5),
        json!(2.5),
        json!(""),
        json!("a"),
        json!("ab"),
        json!("B"),
        json!("ba"),
        json!("é"),
        json!(true),
        json!(false),
    ])
}

/// A stored value: `None` = absent.
fn stored(rng: &mut Rng) -> Option<Value> {
    match rng.below(12) {
        0 => None,
        1 => Some(Value::Null),
        2 => Some(json!([])),
        3 => Some(Value::Array(
            (0..1 + rng.below(3)).map(|_| scalar(rng)).collect(),
        )),
        4 => Some(rng.pick(&[json!({}), json!({"a": 1}), json!([null, [1], {"a": 1}])])),
        _ => Some(scalar(rng)),
    }
}

fn condition(rng: &mut Rng, depth: usize) -> Condition {
    if depth > 0 && rng.below(3) == 0 {
        let n = rng.below(4);
        let items = (0..n).map(|_| condition(rng, depth - 1)).collect();
        return match rng.below(3) {
            0 => Condition::And(items),
            1 => Condition::Or(items),
            _ => Condition::Not(Box::new(condition(rng, depth - 1))),
        };
    }
    let field = if rng.below(8) == 0 {
        FieldPath::Meta(rng.pick(&[
            MetaField::CreatedBy,
            MetaField::TotalRevisionCount,
            MetaField::IsDeleted,
            MetaField::SchemaVersion,
        ]))
    } else {
        FieldPath::Data(rng.pick(&FIELDS).to_owned().into())
    };
    use Operator::*;
    let op = rng.pick(&[
        Eq, Ne, Gt, Gte, Lt, Lte, Contains, StartsWith, EndsWith, In, NotIn, IsNull, Exists, IsNa,
        Regex,
    ]);
    // Now and then an operand of the wrong shape: every backend must refuse a malformed one
    // with the same error, and find a merely mistyped one (`gt true`) unknown alike.
    if rng.below(40) == 0 {
        let value = match op {
            Eq | Ne | Contains => rng.pick(&[json!([1]), json!({"a": 1})]),
            In | NotIn => rng.pick(&[json!(1), json!("a"), json!([[1]]), json!(null)]),
            IsNull | Exists | IsNa => rng.pick(&[json!(1), json!("true"), json!(null)]),
            StartsWith | EndsWith => rng.pick(&[json!(1), json!(true), json!(["a"])]),
            Regex => rng.pick(&[json!("("), json!(1)]),
            Gt | Gte | Lt | Lte => rng.pick(&[json!(true), json!([1]), json!({})]),
        };
        return Condition::Compare { field, op, value };
    }
    let value = match op {
        In | NotIn => {
            let mut items: Vec<Value> = (0..rng.below(4)).map(|_| scalar(rng)).collect();
            if rng.below(4) == 0 {
                items.push(Value::Null);
            }
            Value::Array(items)
        }
        IsNull | Exists | IsNa => json!(rng.below(2) == 0),
        StartsWith | EndsWith => {
            rng.pick(&[json!(""), json!("a"), json!("b"), json!("B"), Value::Null])
        }
        Regex => rng.pick(&[
            json!("^a"),
            json!("b$"),
            json!("a|B"),
            json!("."),
            json!("^$"),
            Value::Null,
        ]),
        _ if rng.below(10) == 0 => Value::Null,
        _ => scalar(rng),
    };
    Condition::Compare { field, op, value }
}

fn query(rng: &mut Rng) -> Query {
    let sorts = (0..rng.below(3))
        .map(|_| Sort {
            field: if rng.below(4) == 0 {
                FieldPath::Meta(rng.pick(&[MetaField::CreatedTime, MetaField::SchemaVersion]))
            } else {
                FieldPath::Data(rng.pick(&FIELDS).to_owned().into())
            },
            direction: rng.pick(&[Direction::Asc, Direction::Desc]),
        })
        .collect();
    Query {
        condition: (rng.below(6) != 0).then(|| condition(rng, 3)),
        sorts,
        offset: rng.pick(&[0, 0, 1, 3]),
        limit: rng.pick(&[None, None, Some(0), Some(2), Some(5)]),
    }
}

async fn load(store: &dyn ResourceStore, seed: u64) {
    let mut rng = Rng(seed);
    for i in 0..40 {
        let mut data = serde_json::Map::new();
        data.insert("name".into(), json!(format!("n{i}")));
        for field in FIELDS {
            if let Some(v) = stored(&mut rng) {
                data.insert(field.into(), v);
            }
        }
        let by = rng.pick(&["alice", "bob", "Carol"]);
        let mut meta = new_meta(
            &format!("item:{i:02}"),
            Value::Object(data),
            rng.below(5) as i64,
            by,
        );
        if rng.below(3) == 0 {
            meta.schema_version = Some(rng.pick(&["v1", "v2"]).to_owned());
        }
        meta.is_deleted = rng.below(6) == 0;
        store
            .commit("item", create_commit(&meta, b"x"))
            .await
            .expect("load");
    }
}

async fn answers(store: &dyn ResourceStore, seed: u64, queries: usize) -> Vec<String> {
    load(store, seed).await;
    let mut rng = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity(queries);
    for _ in 0..queries {
        let q = query(&mut rng);
        let found = store.search("item", &q).await;
        let count = store.count("item", &q).await;
        out.push(match (found, count) {
            (Ok(found), Ok(count)) => format!(
                "{:?} count={count}",
                found
                    .iter()
                    .map(|m| m.resource_id.as_str())
                    .collect::<Vec<_>>()
            ),
            (Err(e), _) | (_, Err(e)) => format!("error {e}"),
        });
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_backend_answers_random_queries_alike() {
    const QUERIES: usize = 400;
    for seed in [0x5EED_0001_u64, 0xC0FF_EE00_1234] {
        // The memory store evaluates with `query::eval`, the reference semantics.
        let memory = memory().await.expect("memory");
        let sqlite = sqlite().await.expect("sqlite");
        let disk = disk().await.expect("disk");
        let reference = answers(&*memory.store, seed, QUERIES).await;
        // The generator must reach both outcomes, or the comparison proves little.
        let errors = reference.iter().filter(|a| a.starts_with("error")).count();
        assert!(
            errors > 0 && errors < QUERIES / 4,
            "seed {seed:#x}: {errors} of {QUERIES} queries are errors"
        );
        let mut others = vec![
            ("sqlite", answers(&*sqlite.store, seed, QUERIES).await),
            ("disk", answers(&*disk.store, seed, QUERIES).await),
        ];
        if let Some(pg) = postgres().await {
            others.push(("postgres", answers(&*pg.store, seed, QUERIES).await));
        }
        let mut rng = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        for (i, expected) in reference.iter().enumerate() {
            let q = query(&mut rng);
            for (name, got) in &others {
                assert_eq!(
                    &got[i], expected,
                    "seed {seed:#x}, query {i}: {name} differs from memory for {q:?}"
                );
            }
        }
    }
}
