//! STUB written on the `manager` branch so the memory store can search before the query
//! branch's evaluator lands. REPLACE THIS WHOLE FILE with the query branch's `eval.rs`
//! (it must provide `apply`, `matches`, `Query::validate` and `From<Condition> for Query`
//! with these signatures). It follows the semantics table of the brief, without time-literal
//! normalisation.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Condition, Direction, FieldPath, MetaField, Operator, Query};
use crate::model::{ResourceMeta, Result, wire_time};
use crate::resource::ResourceDescriptor;

impl From<Condition> for Query {
    fn from(condition: Condition) -> Self {
        Query {
            condition: Some(condition),
            ..Query::default()
        }
    }
}

impl Query {
    /// Check the query against a resource: data fields must be indexed, operator values well
    /// formed. Errors are `Error::BadQuery` naming the field.
    pub fn validate(&self, descriptor: &ResourceDescriptor) -> Result<()> {
        fn check(c: &Condition, d: &ResourceDescriptor) -> Result<()> {
            match c {
                Condition::And(cs) | Condition::Or(cs) => cs.iter().try_for_each(|c| check(c, d)),
                Condition::Not(c) => check(c, d),
                Condition::Compare { field, op, value } => {
                    let name = field_name(field);
                    if let FieldPath::Data(path) = field
                        && d.index(path).is_none()
                    {
                        return Err(crate::model::Error::bad_query(
                            name,
                            format!("`{path}` is not an indexed field of {}", d.name),
                        ));
                    }
                    let ok = match op {
                        Operator::In | Operator::NotIn => value.is_array(),
                        Operator::IsNull | Operator::Exists | Operator::IsNa => value.is_boolean(),
                        Operator::Regex => {
                            value.as_str().is_some_and(|p| regex::Regex::new(p).is_ok())
                        }
                        Operator::StartsWith | Operator::EndsWith => value.is_string(),
                        _ => true,
                    };
                    if ok {
                        Ok(())
                    } else {
                        Err(crate::model::Error::bad_query(
                            name,
                            format!("invalid value {value} for operator {op:?}"),
                        ))
                    }
                }
            }
        }
        for sort in &self.sorts {
            if let FieldPath::Data(path) = &sort.field
                && descriptor.index(path).is_none()
            {
                return Err(crate::model::Error::bad_query(
                    "sorts",
                    format!("`{path}` is not an indexed field of {}", descriptor.name),
                ));
            }
        }
        match &self.condition {
            Some(c) => check(c, descriptor),
            None => Ok(()),
        }
    }
}

fn field_name(field: &FieldPath) -> String {
    match field {
        FieldPath::Data(p) => p.to_string(),
        FieldPath::Meta(m) => serde_json::to_value(m)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    }
}

/// Filter, sort and page `metas` by `query`.
pub fn apply<'a>(
    query: &Query,
    metas: impl IntoIterator<Item = &'a ResourceMeta>,
) -> Result<Vec<ResourceMeta>> {
    let mut out = Vec::new();
    for meta in metas {
        if query
            .condition
            .as_ref()
            .map_or(Ok(true), |c| matches(c, meta))?
        {
            out.push(meta.clone());
        }
    }
    out.sort_by(|a, b| {
        for sort in &query.sorts {
            let ord = cmp_sort(lookup(a, &sort.field), lookup(b, &sort.field));
            let ord = if sort.direction == Direction::Desc {
                ord.reverse()
            } else {
                ord
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        if query.sorts.is_empty() {
            let ord = a.created_time.cmp(&b.created_time);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.resource_id.cmp(&b.resource_id)
    });
    Ok(out
        .into_iter()
        .skip(query.offset)
        .take(query.limit.unwrap_or(usize::MAX))
        .collect())
}

/// Whether `meta` satisfies `condition` (true, not unknown).
pub fn matches(condition: &Condition, meta: &ResourceMeta) -> Result<bool> {
    Ok(eval(condition, meta)? == Some(true))
}

fn eval(c: &Condition, meta: &ResourceMeta) -> Result<Option<bool>> {
    Ok(match c {
        Condition::And(cs) => {
            let mut unknown = false;
            for c in cs {
                match eval(c, meta)? {
                    Some(false) => return Ok(Some(false)),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            if unknown { None } else { Some(true) }
        }
        Condition::Or(cs) => {
            let mut unknown = false;
            for c in cs {
                match eval(c, meta)? {
                    Some(true) => return Ok(Some(true)),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            if unknown { None } else { Some(false) }
        }
        Condition::Not(c) => eval(c, meta)?.map(|b| !b),
        Condition::Compare { field, op, value } => {
            compare(*op, lookup(meta, field).as_ref(), value)?
        }
    })
}

fn lookup(meta: &ResourceMeta, field: &FieldPath) -> Option<Value> {
    let time = |t| Value::String(wire_time::format(t));
    Some(match field {
        FieldPath::Data(path) => return meta.indexed_data.get(path.as_ref()).cloned(),
        FieldPath::Meta(m) => match m {
            MetaField::ResourceId => Value::from(meta.resource_id.clone()),
            MetaField::CurrentRevisionId => Value::from(meta.current_revision_id.clone()),
            MetaField::CreatedTime => time(&meta.created_time),
            MetaField::UpdatedTime => time(&meta.updated_time),
            MetaField::CreatedBy => Value::from(meta.created_by.clone()),
            MetaField::UpdatedBy => Value::from(meta.updated_by.clone()),
            MetaField::IsDeleted => Value::from(meta.is_deleted),
            MetaField::SchemaVersion => {
                meta.schema_version.clone().map_or(Value::Null, Value::from)
            }
            MetaField::TotalRevisionCount => Value::from(meta.total_revision_count),
            MetaField::RevStatus => Value::from(meta.rev_status.as_str()),
            MetaField::RevCreatedBy => Value::from(meta.rev_created_by.clone()),
            MetaField::RevUpdatedBy => Value::from(meta.rev_updated_by.clone()),
            MetaField::RevCreatedTime => time(&meta.rev_created_time),
            MetaField::RevUpdatedTime => time(&meta.rev_updated_time),
        },
    })
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        _ => a == b,
    }
}

fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ => None,
    }
}

fn compare(op: Operator, y: Option<&Value>, v: &Value) -> Result<Option<bool>> {
    let flag = || {
        v.as_bool()
            .ok_or_else(|| crate::model::Error::bad_query("value", format!("{op:?} needs a bool")))
    };
    match op {
        Operator::IsNull => {
            let b = flag()?;
            return Ok(Some(match y {
                None => false,
                Some(Value::Null) => b,
                Some(_) => !b,
            }));
        }
        Operator::Exists => {
            let b = flag()?;
            return Ok(Some(if y.is_some() { b } else { !b }));
        }
        Operator::IsNa => {
            let b = flag()?;
            return Ok(Some(match y {
                None | Some(Value::Null) => b,
                Some(_) => !b,
            }));
        }
        _ => {}
    }
    let y = match y {
        None | Some(Value::Null) => return Ok(None),
        Some(y) => y,
    };
    let list = |v: &Value| {
        v.as_array()
            .cloned()
            .ok_or_else(|| crate::model::Error::bad_query("value", format!("{op:?} needs a list")))
    };
    Ok(match op {
        Operator::Eq | Operator::Ne if v.is_null() || y.is_array() => None,
        Operator::Eq => Some(json_eq(y, v)),
        Operator::Ne => Some(!json_eq(y, v)),
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => {
            order(y, v).map(|o| match op {
                Operator::Gt => o == Ordering::Greater,
                Operator::Gte => o != Ordering::Less,
                Operator::Lt => o == Ordering::Less,
                _ => o != Ordering::Greater,
            })
        }
        Operator::Contains => match (y, v) {
            (Value::Array(items), v) => Some(items.iter().any(|i| json_eq(i, v))),
            (Value::String(s), Value::String(sub)) => Some(s.contains(sub.as_str())),
            _ => None,
        },
        Operator::StartsWith | Operator::EndsWith => match (y, v) {
            (Value::String(s), Value::String(p)) => Some(if op == Operator::StartsWith {
                s.starts_with(p.as_str())
            } else {
                s.ends_with(p.as_str())
            }),
            _ => None,
        },
        Operator::In => Some(list(v)?.iter().any(|i| json_eq(y, i))),
        Operator::NotIn => Some(!list(v)?.iter().any(|i| json_eq(y, i))),
        Operator::Regex => {
            let pattern = v.as_str().ok_or_else(|| {
                crate::model::Error::bad_query("value", "regex needs a string pattern")
            })?;
            let re = regex::Regex::new(pattern)
                .map_err(|e| crate::model::Error::bad_query("value", e.to_string()))?;
            y.as_str().map(|s| re.is_match(s))
        }
        Operator::IsNull | Operator::Exists | Operator::IsNa => unreachable!("handled above"),
    })
}

fn cmp_sort(a: Option<Value>, b: Option<Value>) -> Ordering {
    fn rank(v: &Option<Value>) -> u8 {
        match v {
            Some(Value::Number(_)) => 0,
            Some(Value::String(_)) => 1,
            Some(Value::Bool(_)) => 2,
            Some(Value::Null) | None => 4,
            Some(_) => 3,
        }
    }
    let (ra, rb) = (rank(&a), rank(&b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (&a, &b) {
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(x), Some(y)) => order(x, y).unwrap_or(Ordering::Equal),
        _ => Ordering::Equal,
    }
}
