//! In-process evaluation of a [`Query`] over metas, for backends that search in memory (disk).
//!
//! This implements the brief's semantics table directly. It is the one place the disk backend
//! calls ([`search_metas`], [`count_metas`]); when `crate::query::eval` lands, the lead can
//! re-point these two functions to it without touching the backend.

use std::cmp::Ordering as CmpOrdering;

use serde_json::Value;

use super::query_check::{NumberRepr, Operand, Scalar, check_condition, check_operand};
use crate::model::{ResourceMeta, Result, wire_time};
use crate::query::{Condition, Direction, FieldPath, MetaField, Query};

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn from_bool(b: bool) -> Self {
        if b { Truth::True } else { Truth::False }
    }
}

/// The metas matching `query` (condition, sorts, offset, limit).
pub(crate) fn search_metas<'a>(
    metas: impl IntoIterator<Item = &'a ResourceMeta>,
    query: &Query,
) -> Result<Vec<ResourceMeta>> {
    if let Some(c) = &query.condition {
        check_condition(c)?;
    }
    let mut hits = Vec::new();
    for meta in metas {
        if matches(meta, query.condition.as_ref())? {
            hits.push(meta);
        }
    }
    sort_metas(&mut hits, query);
    Ok(hits
        .into_iter()
        .skip(query.offset)
        .take(query.limit.unwrap_or(usize::MAX))
        .cloned()
        .collect())
}

/// The number of metas matching `query`'s condition.
pub(crate) fn count_metas<'a>(
    metas: impl IntoIterator<Item = &'a ResourceMeta>,
    query: &Query,
) -> Result<u64> {
    if let Some(c) = &query.condition {
        check_condition(c)?;
    }
    let mut n = 0;
    for meta in metas {
        if matches(meta, query.condition.as_ref())? {
            n += 1;
        }
    }
    Ok(n)
}

/// Whether `condition` is *true* for `meta` (no condition: true).
pub(crate) fn matches(meta: &ResourceMeta, condition: Option<&Condition>) -> Result<bool> {
    match condition {
        None => Ok(true),
        Some(c) => Ok(evaluate(meta, c)? == Truth::True),
    }
}

fn evaluate(meta: &ResourceMeta, condition: &Condition) -> Result<Truth> {
    Ok(match condition {
        Condition::Compare { field, op, value } => {
            let operand = check_operand(field, *op, value)?;
            let looked_up = lookup(meta, field);
            compare(looked_up.as_ref(), &operand)
        }
        Condition::And(all) => {
            let mut result = Truth::True;
            for c in all {
                match evaluate(meta, c)? {
                    Truth::False => result = Truth::False,
                    Truth::Unknown if result == Truth::True => result = Truth::Unknown,
                    _ => {}
                }
            }
            result
        }
        Condition::Or(any) => {
            let mut result = Truth::False;
            for c in any {
                match evaluate(meta, c)? {
                    Truth::True => result = Truth::True,
                    Truth::Unknown if result == Truth::False => result = Truth::Unknown,
                    _ => {}
                }
            }
            result
        }
        Condition::Not(inner) => match evaluate(meta, inner)? {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        },
    })
}

/// The value of a field: `None` when absent (data fields only).
fn lookup(meta: &ResourceMeta, field: &FieldPath) -> Option<Value> {
    match field {
        FieldPath::Data(path) => meta.indexed_data.get(path.as_ref()).cloned(),
        FieldPath::Meta(m) => Some(meta_value(meta, *m)),
    }
}

/// A meta field as JSON (times as wire strings, so string order = time order).
pub(crate) fn meta_value(meta: &ResourceMeta, field: MetaField) -> Value {
    let time = |t| Value::String(wire_time::format(t));
    match field {
        MetaField::ResourceId => Value::String(meta.resource_id.clone()),
        MetaField::CurrentRevisionId => Value::String(meta.current_revision_id.clone()),
        MetaField::CreatedTime => time(&meta.created_time),
        MetaField::UpdatedTime => time(&meta.updated_time),
        MetaField::CreatedBy => Value::String(meta.created_by.clone()),
        MetaField::UpdatedBy => Value::String(meta.updated_by.clone()),
        MetaField::IsDeleted => Value::Bool(meta.is_deleted),
        MetaField::SchemaVersion => meta
            .schema_version
            .clone()
            .map_or(Value::Null, Value::String),
        MetaField::TotalRevisionCount => Value::from(meta.total_revision_count),
        MetaField::RevStatus => Value::String(meta.rev_status.as_str().to_owned()),
        MetaField::RevCreatedBy => Value::String(meta.rev_created_by.clone()),
        MetaField::RevUpdatedBy => Value::String(meta.rev_updated_by.clone()),
        MetaField::RevCreatedTime => time(&meta.rev_created_time),
        MetaField::RevUpdatedTime => time(&meta.rev_updated_time),
    }
}

fn numbers_cmp(a: &serde_json::Number, b: &serde_json::Number) -> CmpOrdering {
    match (NumberRepr::of(a), NumberRepr::of(b)) {
        (NumberRepr::Int(x), NumberRepr::Int(y)) => x.cmp(&y),
        _ => {
            let x = a.as_f64().unwrap_or(f64::NAN);
            let y = b.as_f64().unwrap_or(f64::NAN);
            x.partial_cmp(&y).unwrap_or(CmpOrdering::Equal)
        }
    }
}

/// JSON equality of a present value with a scalar: same type and equal, numbers numerically.
fn scalar_equals(y: &Value, v: Scalar<'_>) -> bool {
    match (y, v) {
        (Value::Bool(a), Scalar::Bool(b)) => *a == b,
        (Value::Number(a), Scalar::Number(b)) => numbers_cmp(a, b) == CmpOrdering::Equal,
        (Value::String(a), Scalar::String(b)) => a == b,
        _ => false,
    }
}

fn is_scalar(y: &Value) -> bool {
    matches!(y, Value::Bool(_) | Value::Number(_) | Value::String(_))
}

fn compare(y: Option<&Value>, operand: &Operand<'_>) -> Truth {
    let present = match y {
        None | Some(Value::Null) => None,
        Some(v) => Some(v),
    };
    let negate = |t: Truth, negated: bool| match (t, negated) {
        (Truth::True, true) => Truth::False,
        (Truth::False, true) => Truth::True,
        (t, _) => t,
    };
    match operand {
        Operand::IsNull(b) => Truth::from_bool(match y {
            None => false,
            Some(Value::Null) => *b,
            Some(_) => !*b,
        }),
        Operand::Exists(b) => Truth::from_bool(if y.is_none() { !*b } else { *b }),
        Operand::IsNa(b) => Truth::from_bool(if present.is_none() { *b } else { !*b }),
        Operand::Equals { value, negated } => match (present, value) {
            (Some(y), Some(v)) if is_scalar(y) => {
                negate(Truth::from_bool(scalar_equals(y, *v)), *negated)
            }
            _ => Truth::Unknown,
        },
        Operand::Order { ordering, value } => match (present, value) {
            (Some(Value::Number(a)), Some(Scalar::Number(b))) => {
                Truth::from_bool(ordering.holds(numbers_cmp(a, b)))
            }
            (Some(Value::String(a)), Some(Scalar::String(b))) => {
                Truth::from_bool(ordering.holds(a.as_bytes().cmp(b.as_bytes())))
            }
            _ => Truth::Unknown,
        },
        Operand::Contains(value) => match (present, value) {
            (Some(Value::Array(items)), Some(v)) => {
                Truth::from_bool(items.iter().any(|item| scalar_equals(item, *v)))
            }
            (Some(Value::String(s)), Some(Scalar::String(needle))) => {
                Truth::from_bool(s.contains(needle))
            }
            _ => Truth::Unknown,
        },
        Operand::StartsWith(prefix) => match present {
            Some(Value::String(s)) => Truth::from_bool(s.starts_with(prefix)),
            _ => Truth::Unknown,
        },
        Operand::EndsWith(suffix) => match present {
            Some(Value::String(s)) => Truth::from_bool(s.ends_with(suffix)),
            _ => Truth::Unknown,
        },
        Operand::Regex { compiled, .. } => match present {
            Some(Value::String(s)) => Truth::from_bool(compiled.is_match(s)),
            _ => Truth::Unknown,
        },
        Operand::OneOf { values, negated } => match present {
            Some(y) if is_scalar(y) => negate(
                Truth::from_bool(values.iter().any(|v| scalar_equals(y, *v))),
                *negated,
            ),
            _ => Truth::Unknown,
        },
    }
}

/// Sort class of a value: numbers < strings < booleans < lists/objects < absent/null.
fn sort_class(v: Option<&Value>) -> u8 {
    match v {
        Some(Value::Number(_)) => 0,
        Some(Value::String(_)) => 1,
        Some(Value::Bool(_)) => 2,
        Some(Value::Array(_)) | Some(Value::Object(_)) => 3,
        None | Some(Value::Null) => 4,
    }
}

fn value_cmp(a: Option<&Value>, b: Option<&Value>) -> CmpOrdering {
    let class = sort_class(a).cmp(&sort_class(b));
    if class != CmpOrdering::Equal {
        return class;
    }
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => numbers_cmp(x, y),
        (Some(Value::String(x)), Some(Value::String(y))) => x.as_bytes().cmp(y.as_bytes()),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        // Lists and objects all tie: the semantics define no order among them.
        _ => CmpOrdering::Equal,
    }
}

/// Sort by the query's keys (numbers < strings < booleans < lists/objects < absent/null, so
/// absent/null are last ascending and first descending; lists/objects tie among themselves),
/// ties by `resource_id`; no keys: `created_time` then `resource_id`.
pub(crate) fn sort_metas(metas: &mut [&ResourceMeta], query: &Query) {
    metas.sort_by(|a, b| {
        if query.sorts.is_empty() {
            return a
                .created_time
                .cmp(&b.created_time)
                .then_with(|| a.resource_id.as_bytes().cmp(b.resource_id.as_bytes()));
        }
        for sort in &query.sorts {
            let x = lookup(a, &sort.field);
            let y = lookup(b, &sort.field);
            let ord = value_cmp(x.as_ref(), y.as_ref());
            let ord = match sort.direction {
                Direction::Asc => ord,
                Direction::Desc => ord.reverse(),
            };
            if ord != CmpOrdering::Equal {
                return ord;
            }
        }
        a.resource_id.as_bytes().cmp(b.resource_id.as_bytes())
    });
}
