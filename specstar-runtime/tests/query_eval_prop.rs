//! The in-memory evaluator against a deliberately naive reference written straight from the
//! semantics table in the `query` module docs: random metas (missing keys, nulls, ints,
//! floats, strings, bools, lists, objects) and random condition trees over all 15 operators,
//! with operands of every JSON type (a mistyped operand is unknown, a malformed one an error).
//!
//! The reference works on `serde_json::to_value(meta)` (so meta times are their wire
//! strings), recompiles regexes for every row, and shares no code with the evaluator.

use std::cmp::Ordering;

use proptest::prelude::*;
use serde_json::{Map, Number, Value, json};
use specstar_runtime::model::{ResourceMeta, RevisionStatus, Timestamp};
use specstar_runtime::query::{
    Condition, Direction, FieldPath, MetaField, Operator, Query, Sort, Truth, apply, count,
    evaluate,
};

// ---------------------------------------------------------------------------------------
// The reference.

fn looked_up(meta: &ResourceMeta, field: &FieldPath) -> Option<Value> {
    match field {
        FieldPath::Meta(m) => {
            let whole = serde_json::to_value(meta).expect("a meta serializes");
            Some(whole[m.as_str()].clone())
        }
        FieldPath::Data(path) => meta.indexed_data.get(path.as_ref()).cloned(),
    }
}

fn num_cmp(a: &Number, b: &Number) -> Ordering {
    let int = |n: &Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a
            .as_f64()
            .unwrap()
            .partial_cmp(&b.as_f64().unwrap())
            .unwrap(),
    }
}

/// Same type and equal; numbers numerically.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num_cmp(x, y) == Ordering::Equal,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

fn naive(c: &Condition, meta: &ResourceMeta) -> Option<bool> {
    match c {
        Condition::And(all) => {
            let results: Vec<Option<bool>> = all.iter().map(|c| naive(c, meta)).collect();
            if results.contains(&Some(false)) {
                Some(false)
            } else if results.contains(&None) {
                None
            } else {
                Some(true)
            }
        }
        Condition::Or(any) => {
            let results: Vec<Option<bool>> = any.iter().map(|c| naive(c, meta)).collect();
            if results.contains(&Some(true)) {
                Some(true)
            } else if results.contains(&None) {
                None
            } else {
                Some(false)
            }
        }
        Condition::Not(inner) => naive(inner, meta).map(|b| !b),
        Condition::Compare {
            field,
            op,
            value: v,
        } => {
            let y = looked_up(meta, field);
            match op {
                Operator::IsNull => {
                    let b = v.as_bool().unwrap();
                    return match y {
                        None => Some(false),
                        Some(Value::Null) => Some(b),
                        Some(_) => Some(!b),
                    };
                }
                Operator::Exists => {
                    let b = v.as_bool().unwrap();
                    return Some(if y.is_some() { b } else { !b });
                }
                Operator::IsNa => {
                    let b = v.as_bool().unwrap();
                    return Some(match y {
                        None | Some(Value::Null) => b,
                        Some(_) => !b,
                    });
                }
                _ => {}
            }
            let y = match y {
                None | Some(Value::Null) => return None,
                Some(y) => y,
            };
            // "v null → unknown" for the operators that take a scalar or a string.
            let takes_null = !matches!(op, Operator::In | Operator::NotIn);
            if takes_null && v.is_null() {
                return None;
            }
            // "a list or an object compared whole → unknown".
            let whole = y.is_array() || y.is_object();
            match op {
                Operator::Eq | Operator::Ne => {
                    if whole {
                        return None;
                    }
                    let eq = same(&y, v);
                    Some(if *op == Operator::Eq { eq } else { !eq })
                }
                Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => {
                    let ord = match (&y, v) {
                        (Value::Number(a), Value::Number(b)) => num_cmp(a, b),
                        (Value::String(a), Value::String(b)) => a.as_bytes().cmp(b.as_bytes()),
                        _ => return None,
                    };
                    Some(match op {
                        Operator::Gt => ord == Ordering::Greater,
                        Operator::Gte => ord != Ordering::Less,
                        Operator::Lt => ord == Ordering::Less,
                        _ => ord != Ordering::Greater,
                    })
                }
                Operator::Contains => match (&y, v) {
                    (Value::Array(items), _) => Some(items.iter().any(|item| same(item, v))),
                    (Value::String(hay), Value::String(needle)) => {
                        Some(hay.contains(needle.as_str()))
                    }
                    _ => None,
                },
                Operator::StartsWith => y.as_str().map(|s| s.starts_with(v.as_str().unwrap())),
                Operator::EndsWith => y.as_str().map(|s| s.ends_with(v.as_str().unwrap())),
                Operator::In | Operator::NotIn => {
                    if whole {
                        return None;
                    }
                    // Null elements are ignored (`same` never pairs them with a non-null `y`).
                    let hit = v.as_array().unwrap().iter().any(|e| same(&y, e));
                    Some(if *op == Operator::In { hit } else { !hit })
                }
                Operator::Regex => y
                    .as_str()
                    .map(|s| regex::Regex::new(v.as_str().unwrap()).unwrap().is_match(s)),
                Operator::IsNull | Operator::Exists | Operator::IsNa => unreachable!(),
            }
        }
    }
}

fn rank(v: &Option<Value>) -> u8 {
    match v {
        Some(Value::Number(_)) => 0,
        Some(Value::String(_)) => 1,
        Some(Value::Bool(_)) => 2,
        Some(Value::Array(_) | Value::Object(_)) => 3,
        Some(Value::Null) | None => 4,
    }
}

fn reference_cmp(sorts: &[Sort], a: &ResourceMeta, b: &ResourceMeta) -> Ordering {
    let default = [Sort::asc(MetaField::CreatedTime)];
    let sorts = if sorts.is_empty() {
        &default[..]
    } else {
        sorts
    };
    for sort in sorts {
        let (x, y) = (looked_up(a, &sort.field), looked_up(b, &sort.field));
        let mut ord = match (&x, &y) {
            (Some(Value::Number(p)), Some(Value::Number(q))) => num_cmp(p, q),
            (Some(Value::String(p)), Some(Value::String(q))) => p.as_bytes().cmp(q.as_bytes()),
            (Some(Value::Bool(p)), Some(Value::Bool(q))) => p.cmp(q),
            _ => rank(&x).cmp(&rank(&y)),
        };
        if sort.direction == Direction::Desc {
            ord = ord.reverse();
        }
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.resource_id.cmp(&b.resource_id)
}

// ---------------------------------------------------------------------------------------
// Generators.

const DATA_KEYS: [&str; 4] = ["a", "b", "c.d", "missing"];
const TIMES: [&str; 4] = [
    "2026-01-02T03:04:05.000006Z",
    "2026-01-02T03:04:05.000000Z",
    "2025-12-31T23:59:59.999999Z",
    "2027-06-01T00:00:00.100000Z",
];
const STRINGS: [&str; 9] = [
    "",
    "a",
    "ab",
    "b",
    "ba",
    "A",
    "1",
    "alice",
    "2026-01-02T03:04:05Z",
];
const PATTERNS: [&str; 10] = [
    "a", "^a", "b$", "^$", ".", "(?i)A", "1|b", "^2026", "05\\.0", "li",
];

fn time(s: &str) -> Timestamp {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..=3).prop_map(Value::from),
        prop::sample::select(vec![-1.5, 0.0, 1.0, 2.5, 3.0]).prop_map(Value::from),
        prop::sample::select(STRINGS.to_vec()).prop_map(Value::from),
        prop::sample::select(TIMES.to_vec()).prop_map(Value::from),
    ]
}

fn stored_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => scalar(),
        1 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Array),
        1 => Just(json!([[1], "a"])),
        1 => Just(json!({"a": 1})),
    ]
}

fn meta_strategy() -> impl Strategy<Value = ResourceMeta> {
    (
        prop::collection::vec(prop::option::of(stored_value()), 3),
        prop::sample::select(TIMES.to_vec()),
        prop::sample::select(TIMES.to_vec()),
        prop::sample::select(vec!["alice", "bob", "A"]),
        any::<bool>(),
        prop::sample::select(vec![None, Some("v1"), Some("v2")]),
        0u64..4,
        any::<bool>(),
    )
        .prop_map(
            |(values, created, updated, user, deleted, version, revisions, draft)| {
                let mut indexed_data = Map::new();
                for (key, value) in DATA_KEYS.iter().zip(values) {
                    if let Some(value) = value {
                        indexed_data.insert((*key).to_owned(), value);
                    }
                }
                ResourceMeta {
                    current_revision_id: String::new(),
                    resource_id: String::new(),
                    schema_version: version.map(str::to_owned),
                    total_revision_count: revisions,
                    created_time: time(created),
                    updated_time: time(updated),
                    created_by: user.to_owned(),
                    updated_by: "bob".to_owned(),
                    is_deleted: deleted,
                    indexed_data,
                    rev_status: if draft {
                        RevisionStatus::Draft
                    } else {
                        RevisionStatus::Stable
                    },
                    rev_created_by: user.to_owned(),
                    rev_updated_by: "alice".to_owned(),
                    rev_created_time: time(updated),
                    rev_updated_time: time(created),
                }
            },
        )
}

fn metas_strategy() -> impl Strategy<Value = Vec<ResourceMeta>> {
    prop::collection::vec(meta_strategy(), 0..25).prop_map(|mut metas| {
        for (i, meta) in metas.iter_mut().enumerate() {
            // Unique ids, not in creation order.
            meta.resource_id = format!("m:{:02}", (i * 7) % 25);
            meta.current_revision_id = format!("{}:1", meta.resource_id);
        }
        metas
    })
}

fn field_strategy() -> impl Strategy<Value = FieldPath> {
    prop_oneof![
        3 => prop::sample::select(DATA_KEYS.to_vec()).prop_map(FieldPath::data),
        2 => prop::sample::select(MetaField::ALL.to_vec()).prop_map(FieldPath::Meta),
    ]
}

/// A well-formed operand for `op`, mistyped ones included (`gt true`, `starts_with null`).
fn operand(op: Operator) -> BoxedStrategy<Value> {
    let text = prop::sample::select(
        STRINGS
            .iter()
            .chain(TIMES.iter())
            .copied()
            .collect::<Vec<_>>(),
    )
    .prop_map(Value::from);
    match op {
        Operator::Eq | Operator::Ne | Operator::Contains => scalar().boxed(),
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => prop_oneof![
            4 => scalar(),
            1 => Just(json!([1])),
            1 => Just(json!({"a": 1})),
        ]
        .boxed(),
        Operator::StartsWith | Operator::EndsWith => {
            prop_oneof![6 => text, 1 => Just(Value::Null)].boxed()
        }
        Operator::In | Operator::NotIn => prop::collection::vec(scalar(), 0..4)
            .prop_map(Value::Array)
            .boxed(),
        Operator::IsNull | Operator::Exists | Operator::IsNa => {
            any::<bool>().prop_map(Value::Bool).boxed()
        }
        Operator::Regex => prop_oneof![
            6 => prop::sample::select(PATTERNS.to_vec()).prop_map(Value::from),
            1 => Just(Value::Null),
        ]
        .boxed(),
    }
}

/// Any JSON an operand could be, well-formed or not.
fn any_operand() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => scalar(),
        1 => prop::sample::select(vec!["(", "a{2,1}", "[z-a]"]).prop_map(Value::from),
        2 => prop::collection::vec(scalar(), 0..3).prop_map(Value::Array),
        1 => Just(json!([1, [2]])),
        1 => Just(json!([{"a": 1}])),
        1 => Just(json!({"a": 1})),
    ]
}

/// The table's list of malformed queries (`Error::BadQuery`); everything else evaluates.
fn malformed(op: Operator, v: &Value) -> bool {
    let whole = |v: &Value| v.is_array() || v.is_object();
    match op {
        Operator::Eq | Operator::Ne | Operator::Contains => whole(v),
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => false,
        Operator::StartsWith | Operator::EndsWith => !(v.is_string() || v.is_null()),
        Operator::Regex => match v {
            Value::Null => false,
            Value::String(p) => regex::Regex::new(p).is_err(),
            _ => true,
        },
        Operator::In | Operator::NotIn => v.as_array().is_none_or(|items| items.iter().any(whole)),
        Operator::IsNull | Operator::Exists | Operator::IsNa => !v.is_boolean(),
    }
}

fn leaf() -> impl Strategy<Value = Condition> {
    (
        field_strategy(),
        prop::sample::select(Operator::ALL.to_vec()),
    )
        .prop_flat_map(|(field, op)| {
            operand(op).prop_map(move |value| Condition::compare(field.clone(), op, value))
        })
}

fn condition_strategy() -> impl Strategy<Value = Condition> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::And),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::Or),
            inner.prop_map(|c| !c),
        ]
    })
}

fn sort_strategy() -> impl Strategy<Value = Sort> {
    (field_strategy(), any::<bool>()).prop_map(|(field, asc)| {
        if asc {
            Sort::asc(field)
        } else {
            Sort::desc(field)
        }
    })
}

fn query_strategy() -> impl Strategy<Value = Query> {
    (
        prop::option::weighted(0.9, condition_strategy()),
        prop::collection::vec(sort_strategy(), 0..3),
        prop::option::of(0usize..8),
        0usize..6,
    )
        .prop_map(|(condition, sorts, limit, offset)| Query {
            condition,
            sorts,
            limit,
            offset,
        })
}

fn ids(metas: &[ResourceMeta]) -> Vec<&str> {
    metas.iter().map(|m| m.resource_id.as_str()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn evaluate_agrees_with_the_naive_reference(
        condition in condition_strategy(),
        metas in metas_strategy(),
    ) {
        for meta in &metas {
            let expected = match naive(&condition, meta) {
                Some(true) => Truth::True,
                Some(false) => Truth::False,
                None => Truth::Unknown,
            };
            let got = evaluate(&condition, meta).expect("generated conditions are well-formed");
            prop_assert_eq!(got, expected, "condition {} on {:?}", condition, meta.indexed_data);
        }
    }

    #[test]
    fn only_malformed_operands_are_errors(
        field in field_strategy(),
        op in prop::sample::select(Operator::ALL.to_vec()),
        value in any_operand(),
        meta in meta_strategy(),
    ) {
        let condition = Condition::compare(field, op, value.clone());
        match evaluate(&condition, &meta) {
            Err(err) => {
                prop_assert!(malformed(op, &value), "{} refused: {}", condition, err);
                let is_bad_query = matches!(err, specstar_runtime::Error::BadQuery { .. });
                prop_assert!(is_bad_query, "{}: {:?}", condition, err);
            }
            Ok(got) => {
                prop_assert!(!malformed(op, &value), "{} accepted", condition);
                let expected = match naive(&condition, &meta) {
                    Some(true) => Truth::True,
                    Some(false) => Truth::False,
                    None => Truth::Unknown,
                };
                prop_assert_eq!(got, expected, "condition {} on {:?}", condition, meta.indexed_data);
            }
        }
    }

    #[test]
    fn apply_agrees_with_naive_filter_sort_and_page(
        query in query_strategy(),
        metas in metas_strategy(),
    ) {
        let mut expected: Vec<ResourceMeta> = metas
            .iter()
            .filter(|m| query.condition.as_ref().is_none_or(|c| naive(c, m) == Some(true)))
            .cloned()
            .collect();
        let matching = expected.len() as u64;
        expected.sort_by(|a, b| reference_cmp(&query.sorts, a, b));
        let expected: Vec<ResourceMeta> = expected
            .into_iter()
            .skip(query.offset)
            .take(query.limit.unwrap_or(usize::MAX))
            .collect();

        let got = apply(&query, metas.clone()).expect("generated queries are well-formed");
        prop_assert_eq!(ids(&got), ids(&expected), "query {:?}", query);
        let by_ref = apply(&query, &metas).expect("well-formed");
        prop_assert_eq!(by_ref.len(), got.len());
        prop_assert_eq!(count(&query, &metas).expect("well-formed"), matching);
    }
}
