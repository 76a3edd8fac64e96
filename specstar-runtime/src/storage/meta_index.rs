//! Secondary indexes over metas held in memory (the memory store, and the disk store's
//! in-process index of its metas): per indexed data path, an ordered map from a
//! comparable key of each scalar value to the ids holding it, plus the live and deleted id
//! sets. They only *narrow* a search to candidates; the reference evaluator
//! ([`crate::query::apply`]) still decides every match, so answers are exactly the same as a
//! full scan.
//!
//! Keys never under-approximate: numbers are keyed by their `f64` value (`1` and `1.0` share a
//! key; two distinct integers beyond 2^53 may share one too, which only adds candidates), and
//! a value the evaluator finds equal to / ordered against a literal always lies in the key
//! range derived from that literal, because rounding to `f64` is monotone.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;

use serde_json::Value;

use crate::model::ResourceMeta;
use crate::query::{Condition, FieldPath, MetaField, Operator, Query};
use crate::resource::ResourceDescriptor;

/// A number as an ordered key (`-0.0` is stored as `0.0`; JSON has no NaN).
#[derive(Debug, Clone, Copy)]
struct NumKey(f64);

impl PartialEq for NumKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for NumKey {}
impl PartialOrd for NumKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for NumKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The comparable key of a scalar value: numbers < strings (byte order) < booleans.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum IndexKey {
    Num(NumKey),
    Str(String),
    Bool(bool),
}

impl IndexKey {
    /// The key of a scalar, non-null value; `None` for null, lists and objects (the
    /// operators answered from the index are never true on those).
    fn of(value: &Value) -> Option<IndexKey> {
        match value {
            Value::Number(n) => Some(IndexKey::Num(num_key(n.as_f64().unwrap_or(0.0)))),
            Value::String(s) => Some(IndexKey::Str(s.clone())),
            Value::Bool(b) => Some(IndexKey::Bool(*b)),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }
}

fn num_key(f: f64) -> NumKey {
    NumKey(if f == 0.0 { 0.0 } else { f })
}

/// One model's secondary indexes.
#[derive(Debug, Default)]
pub(crate) struct Indexes {
    /// Indexed path → value key → ids of the resources (deleted or not) holding that value.
    by_path: HashMap<&'static str, BTreeMap<IndexKey, HashSet<String>>>,
    live: HashSet<String>,
    deleted: HashSet<String>,
}

impl Indexes {
    pub(crate) fn new(descriptor: &ResourceDescriptor) -> Indexes {
        Indexes {
            by_path: descriptor
                .indexes
                .iter()
                .map(|index| (index.path, BTreeMap::new()))
                .collect(),
            live: HashSet::new(),
            deleted: HashSet::new(),
        }
    }

    /// Records `meta` (call after [`Indexes::remove`] of its previous version).
    pub(crate) fn insert(&mut self, meta: &ResourceMeta) {
        let id = &meta.resource_id;
        for (path, map) in &mut self.by_path {
            if let Some(key) = meta.indexed_data.get(*path).and_then(IndexKey::of) {
                map.entry(key).or_default().insert(id.clone());
            }
        }
        if meta.is_deleted {
            self.deleted.insert(id.clone());
        } else {
            self.live.insert(id.clone());
        }
    }

    /// Records `new` in place of `old` (the version stored before, of the same id), touching
    /// only the entries whose value changed: an update usually changes few indexed values, and
    /// re-inserting every entry cost a commit more than the rest of it.
    pub(crate) fn replace(&mut self, old: &ResourceMeta, new: &ResourceMeta) {
        let id = &new.resource_id;
        for (path, map) in &mut self.by_path {
            let before = old.indexed_data.get(*path).and_then(IndexKey::of);
            let after = new.indexed_data.get(*path).and_then(IndexKey::of);
            if before == after {
                continue;
            }
            if let Some(key) = before
                && let Some(ids) = map.get_mut(&key)
            {
                ids.remove(id);
                if ids.is_empty() {
                    map.remove(&key);
                }
            }
            if let Some(key) = after {
                map.entry(key).or_default().insert(id.clone());
            }
        }
        if old.is_deleted != new.is_deleted {
            let (from, to) = if new.is_deleted {
                (&mut self.live, &mut self.deleted)
            } else {
                (&mut self.deleted, &mut self.live)
            };
            from.remove(id);
            to.insert(id.clone());
        }
    }

    /// Forgets `meta` (the version currently stored).
    pub(crate) fn remove(&mut self, meta: &ResourceMeta) {
        let id = &meta.resource_id;
        for (path, map) in &mut self.by_path {
            if let Some(key) = meta.indexed_data.get(*path).and_then(IndexKey::of)
                && let Some(ids) = map.get_mut(&key)
            {
                ids.remove(id);
                if ids.is_empty() {
                    map.remove(&key);
                }
            }
        }
        self.live.remove(id);
        self.deleted.remove(id);
    }

    /// A superset of the ids matching `condition`, or `None` when the indexes cannot narrow
    /// it (scan everything). Uses the comparisons the indexes answer among the conjuncts of
    /// the top-level `And` (nested `And`s flattened; or a lone comparison), and intersects
    /// their candidate sets.
    /// The metas of `metas` that the indexes narrow `query` to (a superset of its matches),
    /// or `None` when they cannot narrow it (scan everything).
    pub(crate) fn select<'a>(
        &self,
        query: &Query,
        metas: &'a HashMap<String, ResourceMeta>,
    ) -> Option<Vec<&'a ResourceMeta>> {
        let ids = self.candidates(query.condition.as_ref()?)?;
        Some(ids.into_iter().filter_map(|id| metas.get(id)).collect())
    }

    fn candidates(&self, condition: &Condition) -> Option<HashSet<&str>> {
        let mut conjuncts = Vec::new();
        flatten_and(condition, &mut conjuncts);
        let mut sets: Vec<HashSet<&str>> = Vec::new();
        // `is_deleted` conjuncts are tested for membership rather than copied: the live set
        // holds nearly every id, and copying it per query cost more than the query.
        let mut within: Vec<&HashSet<String>> = Vec::new();
        for conjunct in conjuncts {
            match self.conjunct_candidates(conjunct) {
                Some(Narrowing::Ids(ids)) => sets.push(ids),
                Some(Narrowing::Within(set)) => within.push(set),
                None => {}
            }
        }
        sets.sort_by_key(HashSet::len);
        let mut sets = sets.into_iter();
        let mut result = match sets.next() {
            Some(smallest) => smallest,
            None => {
                within.sort_by_key(|set| set.len());
                let (smallest, rest) = within.split_first()?;
                let ids = smallest.iter().map(String::as_str).collect();
                within = rest.to_vec();
                ids
            }
        };
        for other in sets {
            if result.is_empty() {
                break;
            }
            result.retain(|id| other.contains(id));
        }
        for set in within {
            result.retain(|id| set.contains(*id));
        }
        Some(result)
    }

    fn conjunct_candidates(&self, condition: &Condition) -> Option<Narrowing<'_>> {
        let Condition::Compare { field, op, value } = condition else {
            return None;
        };
        match field {
            FieldPath::Meta(MetaField::IsDeleted) => match (op, value) {
                (Operator::Eq, Value::Bool(deleted)) => Some(Narrowing::Within(if *deleted {
                    &self.deleted
                } else {
                    &self.live
                })),
                _ => None,
            },
            FieldPath::Meta(_) => None,
            FieldPath::Data(path) => {
                let map = self.by_path.get(path.as_ref())?;
                let ranges = key_ranges(*op, value)?;
                let mut ids = HashSet::new();
                for (low, high) in ranges {
                    for (_, holders) in map.range((low, high)) {
                        ids.extend(holders.iter().map(String::as_str));
                    }
                }
                Some(Narrowing::Ids(ids))
            }
        }
    }
}

/// What one conjunct narrows the ids to.
enum Narrowing<'a> {
    /// Exactly these ids (collected from an index).
    Ids(HashSet<&'a str>),
    /// Ids in this set (live or deleted), kept by reference.
    Within(&'a HashSet<String>),
}

/// The conjuncts of `condition`: the children of `And`s, recursively; anything else is one.
fn flatten_and<'a>(condition: &'a Condition, out: &mut Vec<&'a Condition>) {
    match condition {
        Condition::And(children) => children.iter().for_each(|c| flatten_and(c, out)),
        other => out.push(other),
    }
}

type KeyRange = (Bound<IndexKey>, Bound<IndexKey>);

/// The key ranges holding every value for which `field op value` can be true; `None` when
/// the operator is not answered from the index (or the operand is malformed: the evaluator
/// reports that).
fn key_ranges(op: Operator, value: &Value) -> Option<Vec<KeyRange>> {
    use Bound::{Excluded, Included, Unbounded};
    let point = |key: IndexKey| (Included(key.clone()), Included(key));
    let first_str = || IndexKey::Str(String::new());
    Some(match op {
        Operator::Eq => match value {
            Value::Null => Vec::new(),
            Value::Array(_) | Value::Object(_) => return None,
            scalar => vec![point(IndexKey::of(scalar)?)],
        },
        Operator::In => {
            let Value::Array(items) = value else {
                return None;
            };
            let mut ranges = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Null => {}
                    Value::Array(_) | Value::Object(_) => return None,
                    scalar => ranges.push(point(IndexKey::of(scalar)?)),
                }
            }
            ranges
        }
        Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => {
            let above = matches!(op, Operator::Gt | Operator::Gte);
            match value {
                // Inclusive in f64 space on both sides: rounding may merge distinct numbers.
                Value::Number(n) => {
                    let key = IndexKey::Num(num_key(n.as_f64()?));
                    if above {
                        vec![(Included(key), Excluded(first_str()))]
                    } else {
                        vec![(Unbounded, Included(key))]
                    }
                }
                Value::String(s) => {
                    let key = IndexKey::Str(s.clone());
                    let strict = matches!(op, Operator::Gt | Operator::Lt);
                    let bound = if strict { Excluded(key) } else { Included(key) };
                    if above {
                        vec![(bound, Excluded(IndexKey::Bool(false)))]
                    } else {
                        vec![(Included(first_str()), bound)]
                    }
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}
