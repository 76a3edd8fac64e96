//! The in-memory evaluator: three-valued evaluation of a condition against a
//! [`ResourceMeta`], the sort order, and paging. It is the reference every other backend's
//! translation must agree with (see the table in the [module docs](crate::query)).
//!
//! A condition is compiled once ([`CompiledCondition::new`]: every operand checked by the
//! shared `operand::check_operand`, as the SQL translation does, literals prepared, regexes
//! built) and then evaluated against any number of metas without allocating per row.

use std::borrow::Borrow;
use std::cmp::Ordering;

use serde_json::Value;

use super::compare::{Lit, Val, equals, lookup, order, sort_order};
use super::operand::{Operand, OrderOp, Scalar, check_operand};
use super::tree::{Condition, Direction, FieldPath, MetaField, Query, Sort};
use super::validate::CONDITIONS;
use crate::model::{ResourceMeta, Result};

/// The value of a condition for one resource in three-valued logic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Truth {
    True,
    False,
    /// A comparison with a missing or null value, or between values that do not compare.
    Unknown,
}

impl Truth {
    /// `true` only for [`Truth::True`] (a resource matches only then).
    pub fn is_true(self) -> bool {
        self == Truth::True
    }

    /// Three-valued AND: false if either is false, else unknown if either is unknown.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            _ => Truth::True,
        }
    }

    /// Three-valued OR: true if either is true, else unknown if either is unknown.
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
            _ => Truth::False,
        }
    }
}

/// Three-valued NOT: swaps true and false; unknown stays unknown.
impl std::ops::Not for Truth {
    type Output = Truth;
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

impl From<bool> for Truth {
    fn from(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }
}

/// A comparison ready to run on a looked-up value, built from the checked [`Operand`].
#[derive(Debug, Clone)]
enum Check {
    Unknown,
    Equals { lit: Lit, negated: bool },
    Order(OrderOp, Lit),
    Contains(Lit),
    StartsWith(String),
    EndsWith(String),
    OneOf { lits: Vec<Lit>, negated: bool },
    Regex(regex::Regex),
    IsNull(bool),
    Exists(bool),
    IsNa(bool),
}

impl Check {
    fn of(operand: Operand<'_>) -> Check {
        let lit = |s: Scalar<'_>| Lit::new(s.to_json());
        match operand {
            Operand::Unknown => Check::Unknown,
            Operand::Equals { value, negated } => Check::Equals {
                lit: lit(value),
                negated,
            },
            Operand::Order { op, value } => Check::Order(op, lit(value)),
            Operand::Contains(value) => Check::Contains(lit(value)),
            Operand::StartsWith(s) => Check::StartsWith(s.to_owned()),
            Operand::EndsWith(s) => Check::EndsWith(s.to_owned()),
            Operand::OneOf { values, negated } => Check::OneOf {
                lits: values.into_iter().map(lit).collect(),
                negated,
            },
            Operand::Regex(regex) => Check::Regex(regex),
            Operand::IsNull(b) => Check::IsNull(b),
            Operand::Exists(b) => Check::Exists(b),
            Operand::IsNa(b) => Check::IsNa(b),
        }
    }
}

#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Test { field: FieldPath, check: Check },
}

/// A condition ready to evaluate: operands checked and literals prepared once.
#[derive(Debug, Clone)]
pub struct CompiledCondition {
    root: Node,
}

impl CompiledCondition {
    /// Compiles `condition`; a malformed operand (e.g. `in` without a list, a bad regex) is
    /// `Error::BadQuery` naming the `conditions` parameter.
    pub fn new(condition: &Condition) -> Result<CompiledCondition> {
        CompiledCondition::with_parameter(condition, CONDITIONS)
    }

    /// Like [`CompiledCondition::new`], with errors naming `parameter`.
    pub fn with_parameter(condition: &Condition, parameter: &str) -> Result<CompiledCondition> {
        Ok(CompiledCondition {
            root: compile(condition, parameter)?,
        })
    }

    /// The truth of the condition for `meta`.
    pub fn evaluate(&self, meta: &ResourceMeta) -> Truth {
        eval_node(&self.root, meta)
    }

    /// `true` when the condition is true for `meta` (unknown does not match).
    pub fn matches(&self, meta: &ResourceMeta) -> bool {
        self.evaluate(meta).is_true()
    }
}

fn compile(condition: &Condition, parameter: &str) -> Result<Node> {
    let all = |children: &[Condition]| -> Result<Vec<Node>> {
        children.iter().map(|c| compile(c, parameter)).collect()
    };
    Ok(match condition {
        Condition::And(children) => Node::And(all(children)?),
        Condition::Or(children) => Node::Or(all(children)?),
        Condition::Not(inner) => Node::Not(Box::new(compile(inner, parameter)?)),
        Condition::Compare { field, op, value } => Node::Test {
            field: field.clone(),
            check: Check::of(check_operand(parameter, field, *op, value)?),
        },
    })
}

fn eval_node(node: &Node, meta: &ResourceMeta) -> Truth {
    match node {
        Node::And(children) => {
            let mut result = Truth::True;
            for child in children {
                match eval_node(child, meta) {
                    Truth::False => return Truth::False,
                    Truth::Unknown => result = Truth::Unknown,
                    Truth::True => {}
                }
            }
            result
        }
        Node::Or(children) => {
            let mut result = Truth::False;
            for child in children {
                match eval_node(child, meta) {
                    Truth::True => return Truth::True,
                    Truth::Unknown => result = Truth::Unknown,
                    Truth::False => {}
                }
            }
            result
        }
        Node::Not(inner) => !eval_node(inner, meta),
        Node::Test { field, check } => eval_check(check, lookup(meta, field)),
    }
}

fn eval_check(check: &Check, found: Option<Val<'_>>) -> Truth {
    // The presence operators are never unknown.
    match check {
        Check::IsNull(b) => {
            return match found {
                None => Truth::False,
                Some(Val::Null) => Truth::from(*b),
                Some(_) => Truth::from(!*b),
            };
        }
        Check::Exists(b) => {
            return match found {
                None => Truth::from(!*b),
                Some(_) => Truth::from(*b),
            };
        }
        Check::IsNa(b) => {
            return match found {
                None | Some(Val::Null) => Truth::from(*b),
                Some(_) => Truth::from(!*b),
            };
        }
        _ => {}
    }
    let y = match found {
        None | Some(Val::Null) => return Truth::Unknown,
        Some(y) => y,
    };
    // A list or an object is unknown for every operator that compares it whole.
    let is_scalar = !matches!(y, Val::List(_) | Val::Object);
    match check {
        Check::Unknown => Truth::Unknown,
        Check::Equals { .. } | Check::OneOf { .. } if !is_scalar => Truth::Unknown,
        Check::Equals { lit, negated } => Truth::from(equals(y, lit) != *negated),
        Check::OneOf { lits, negated } => {
            Truth::from(lits.iter().any(|lit| equals(y, lit)) != *negated)
        }
        Check::Order(op, lit) => match order(y, lit) {
            None => Truth::Unknown,
            Some(ordering) => Truth::from(op.holds(ordering)),
        },
        Check::Contains(lit) => match y {
            Val::List(items) => Truth::from(items.iter().any(|item| {
                !matches!(item, Value::Array(_) | Value::Object(_)) && equals(Val::of(item), lit)
            })),
            Val::Str(_) | Val::Time(_) => match (&lit.value, y.text()) {
                (Value::String(needle), Some(hay)) => Truth::from(hay.contains(needle.as_str())),
                _ => Truth::Unknown,
            },
            _ => Truth::Unknown,
        },
        Check::StartsWith(prefix) => match y.text() {
            Some(text) => Truth::from(text.starts_with(prefix.as_str())),
            None => Truth::Unknown,
        },
        Check::EndsWith(suffix) => match y.text() {
            Some(text) => Truth::from(text.ends_with(suffix.as_str())),
            None => Truth::Unknown,
        },
        Check::Regex(regex) => match y.text() {
            Some(text) => Truth::from(regex.is_match(&text)),
            None => Truth::Unknown,
        },
        Check::IsNull(_) | Check::Exists(_) | Check::IsNa(_) => Truth::Unknown,
    }
}

/// The truth of `condition` for `meta` (compiles the condition; for many metas use
/// [`CompiledCondition`]).
///
/// ```
/// # use specstar_runtime::query::{evaluate, Condition, FieldPath, Operator, Truth};
/// # use specstar_runtime::model::{ResourceMeta, RevisionStatus, now};
/// # let t = now();
/// # let meta = ResourceMeta { current_revision_id: "zone:1:1".into(), resource_id: "zone:1".into(),
/// #     schema_version: None, total_revision_count: 1, created_time: t, updated_time: t,
/// #     created_by: "a".into(), updated_by: "a".into(), is_deleted: false,
/// #     indexed_data: serde_json::json!({"level": 3, "note": null}).as_object().unwrap().clone(),
/// #     rev_status: RevisionStatus::Stable, rev_created_by: "a".into(), rev_updated_by: "a".into(),
/// #     rev_created_time: t, rev_updated_time: t };
/// let level = FieldPath::parse("level");
/// let note = FieldPath::parse("note");
/// assert_eq!(evaluate(&Condition::compare(level.clone(), Operator::Gt, 2.5), &meta)?, Truth::True);
/// assert_eq!(evaluate(&Condition::compare(note.clone(), Operator::Ne, "x"), &meta)?, Truth::Unknown);
/// assert_eq!(evaluate(&!Condition::compare(note.clone(), Operator::Ne, "x"), &meta)?, Truth::Unknown);
/// assert_eq!(evaluate(&Condition::compare(note, Operator::Exists, true), &meta)?, Truth::True);
/// # Ok::<(), specstar_runtime::Error>(())
/// ```
pub fn evaluate(condition: &Condition, meta: &ResourceMeta) -> Result<Truth> {
    Ok(CompiledCondition::new(condition)?.evaluate(meta))
}

/// `true` when `condition` is true for `meta`.
pub fn matches(condition: &Condition, meta: &ResourceMeta) -> Result<bool> {
    Ok(evaluate(condition, meta)?.is_true())
}

/// The default order when a query has no sort keys: `created_time` ascending (then
/// `resource_id`).
const DEFAULT_SORTS: &[Sort] = &[Sort {
    field: FieldPath::Meta(MetaField::CreatedTime),
    direction: Direction::Asc,
}];

fn effective_sorts(sorts: &[Sort]) -> &[Sort] {
    if sorts.is_empty() {
        DEFAULT_SORTS
    } else {
        sorts
    }
}

fn key_cmp(sort: &Sort, a: &ResourceMeta, b: &ResourceMeta) -> Ordering {
    let ordering = sort_order(lookup(a, &sort.field), lookup(b, &sort.field));
    match sort.direction {
        Direction::Asc => ordering,
        Direction::Desc => ordering.reverse(),
    }
}

/// The order of two metas under `sorts`: keys in order (numbers < strings < booleans, null
/// and missing last ascending / first descending), ties broken by `resource_id` ascending.
/// No keys: `created_time` ascending, then `resource_id`.
pub fn sort_cmp(sorts: &[Sort], a: &ResourceMeta, b: &ResourceMeta) -> Ordering {
    effective_sorts(sorts)
        .iter()
        .map(|sort| key_cmp(sort, a, b))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.resource_id.cmp(&b.resource_id))
}

/// Filters, sorts and pages `metas` by `query` (owned metas or references).
///
/// ```
/// # use specstar_runtime::query::{apply, Condition, FieldPath, Operator, Query, Sort};
/// # use specstar_runtime::model::{ResourceMeta, RevisionStatus, now};
/// # fn meta(id: &str, data: serde_json::Value) -> ResourceMeta { let t = now(); ResourceMeta {
/// #     current_revision_id: format!("{id}:1"), resource_id: id.into(), schema_version: None,
/// #     total_revision_count: 1, created_time: t, updated_time: t, created_by: "a".into(),
/// #     updated_by: "a".into(), is_deleted: false, indexed_data: data.as_object().unwrap().clone(),
/// #     rev_status: RevisionStatus::Stable, rev_created_by: "a".into(), rev_updated_by: "a".into(),
/// #     rev_created_time: t, rev_updated_time: t } }
/// let metas = vec![
///     meta("z:1", serde_json::json!({"level": 5})),
///     meta("z:2", serde_json::json!({"level": 9})),
///     meta("z:3", serde_json::json!({})),
///     meta("z:4", serde_json::json!({"level": 7})),
/// ];
/// let level = FieldPath::parse("level");
/// let query = Query::from(Condition::compare(level.clone(), Operator::Gte, 6))
///     .sort(Sort::desc(level))
///     .limit(10);
/// let found = apply(&query, &metas)?;
/// let ids: Vec<&str> = found.iter().map(|m| m.resource_id.as_str()).collect();
/// assert_eq!(ids, ["z:2", "z:4"]);
/// # Ok::<(), specstar_runtime::Error>(())
/// ```
pub fn apply<M: Borrow<ResourceMeta>>(
    query: &Query,
    metas: impl IntoIterator<Item = M>,
) -> Result<Vec<M>> {
    let mut found = filter(query, metas)?;
    let sorts = effective_sorts(&query.sorts);
    found.sort_by(|a, b| {
        let (a, b) = (a.borrow(), b.borrow());
        sorts
            .iter()
            .map(|sort| key_cmp(sort, a, b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| a.resource_id.cmp(&b.resource_id))
    });
    let limit = query.limit.unwrap_or(usize::MAX);
    Ok(found.into_iter().skip(query.offset).take(limit).collect())
}

/// The metas matching `query`'s condition, in input order (sorts and paging ignored).
pub fn filter<M: Borrow<ResourceMeta>>(
    query: &Query,
    metas: impl IntoIterator<Item = M>,
) -> Result<Vec<M>> {
    match &query.condition {
        None => Ok(metas.into_iter().collect()),
        Some(condition) => {
            let compiled = CompiledCondition::new(condition)?;
            Ok(metas
                .into_iter()
                .filter(|m| compiled.matches(m.borrow()))
                .collect())
        }
    }
}

/// How many of `metas` match `query`'s condition (sorts and paging ignored).
pub fn count<M: Borrow<ResourceMeta>>(
    query: &Query,
    metas: impl IntoIterator<Item = M>,
) -> Result<u64> {
    let compiled = query
        .condition
        .as_ref()
        .map(CompiledCondition::new)
        .transpose()?;
    Ok(metas
        .into_iter()
        .filter(|m| compiled.as_ref().is_none_or(|c| c.matches(m.borrow())))
        .count() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Error, RevisionStatus, Timestamp};
    use crate::query::Operator;
    use serde_json::json;

    fn time(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn meta(id: &str, data: Value) -> ResourceMeta {
        let t = time("2026-01-02T03:04:05.000006Z");
        ResourceMeta {
            current_revision_id: format!("{id}:1"),
            resource_id: id.to_owned(),
            schema_version: None,
            total_revision_count: 1,
            created_time: t,
            updated_time: t,
            created_by: "alice".into(),
            updated_by: "bob".into(),
            is_deleted: false,
            indexed_data: data.as_object().cloned().unwrap_or_default(),
            rev_status: RevisionStatus::Draft,
            rev_created_by: "alice".into(),
            rev_updated_by: "bob".into(),
            rev_created_time: t,
            rev_updated_time: t,
        }
    }

    /// Evaluates `field op value` on a meta whose `x` is `stored` (`None`: absent).
    fn truth(stored: Option<Value>, op: Operator, value: Value) -> Truth {
        let data = match stored {
            Some(v) => json!({ "x": v }),
            None => json!({}),
        };
        let c = Condition::compare(FieldPath::parse("x"), op, value);
        evaluate(&c, &meta("m:1", data)).unwrap()
    }

    use Truth::{False as F, True as T, Unknown as U};

    #[test]
    fn ordinary_operators_are_unknown_on_absent_and_null() {
        let cases = [
            (Operator::Eq, json!(1)),
            (Operator::Ne, json!(1)),
            (Operator::Gt, json!(1)),
            (Operator::Gte, json!("a")),
            (Operator::Lt, json!(1)),
            (Operator::Lte, json!(1)),
            (Operator::Contains, json!("a")),
            (Operator::StartsWith, json!("a")),
            (Operator::EndsWith, json!("a")),
            (Operator::In, json!([1, null])),
            (Operator::NotIn, json!([1])),
            (Operator::Regex, json!(".*")),
        ];
        for (op, value) in cases {
            assert_eq!(truth(None, op, value.clone()), U, "{op} absent");
            assert_eq!(truth(Some(Value::Null), op, value), U, "{op} null");
        }
    }

    #[test]
    fn presence_operators_follow_the_table() {
        for (op, b, absent, null, present) in [
            (Operator::IsNull, true, F, T, F),
            (Operator::IsNull, false, F, F, T),
            (Operator::Exists, true, F, T, T),
            (Operator::Exists, false, T, F, F),
            (Operator::IsNa, true, T, T, F),
            (Operator::IsNa, false, F, F, T),
        ] {
            assert_eq!(truth(None, op, json!(b)), absent, "{op} {b} absent");
            assert_eq!(
                truth(Some(Value::Null), op, json!(b)),
                null,
                "{op} {b} null"
            );
            assert_eq!(
                truth(Some(json!(0)), op, json!(b)),
                present,
                "{op} {b} present"
            );
            assert_eq!(
                truth(Some(json!([])), op, json!(b)),
                present,
                "{op} {b} list"
            );
        }
    }

    #[test]
    fn equality_is_typed_with_numeric_numbers() {
        assert_eq!(truth(Some(json!(1)), Operator::Eq, json!(1.0)), T);
        assert_eq!(truth(Some(json!(1)), Operator::Eq, json!(true)), F);
        assert_eq!(truth(Some(json!(true)), Operator::Eq, json!(1)), F);
        assert_eq!(truth(Some(json!("1")), Operator::Eq, json!(1)), F);
        assert_eq!(truth(Some(json!("1")), Operator::Ne, json!(1)), T);
        assert_eq!(truth(Some(json!(2)), Operator::Eq, json!(null)), U);
        assert_eq!(truth(Some(json!(2)), Operator::Ne, json!(null)), U);
        assert_eq!(truth(Some(json!([1])), Operator::Eq, json!(1)), U);
        assert_eq!(truth(Some(json!([1])), Operator::Ne, json!(1)), U);
        assert_eq!(truth(Some(json!({"a": 1})), Operator::Eq, json!(1)), U);
        assert_eq!(truth(Some(json!({"a": 1})), Operator::Ne, json!(1)), U);
    }

    #[test]
    fn order_compares_numbers_or_strings_only() {
        assert_eq!(truth(Some(json!(2)), Operator::Gt, json!(1.5)), T);
        assert_eq!(truth(Some(json!(2)), Operator::Lte, json!(2.0)), T);
        assert_eq!(truth(Some(json!(2)), Operator::Lt, json!(2)), F);
        assert_eq!(truth(Some(json!("b")), Operator::Gt, json!("a")), T);
        assert_eq!(truth(Some(json!("B")), Operator::Gt, json!("a")), F); // byte order
        assert_eq!(truth(Some(json!("b")), Operator::Gt, json!(1)), U);
        assert_eq!(truth(Some(json!(true)), Operator::Gt, json!(0)), U);
        assert_eq!(truth(Some(json!([3])), Operator::Gt, json!(1)), U);
        assert_eq!(truth(Some(json!({"a": 3})), Operator::Gt, json!(1)), U);
        // Operands that are neither number nor string make every order unknown.
        assert_eq!(truth(Some(json!(true)), Operator::Gt, json!(false)), U);
        assert_eq!(truth(Some(json!(1)), Operator::Lte, json!(null)), U);
        assert_eq!(truth(Some(json!([1])), Operator::Gte, json!([1])), U);
    }

    #[test]
    fn contains_and_text_operators() {
        assert_eq!(
            truth(Some(json!(["a", 1])), Operator::Contains, json!(1.0)),
            T
        );
        assert_eq!(
            truth(Some(json!(["a", 1])), Operator::Contains, json!("b")),
            F
        );
        assert_eq!(truth(Some(json!([[1]])), Operator::Contains, json!(1)), F);
        assert_eq!(
            truth(Some(json!("hello")), Operator::Contains, json!("ell")),
            T
        );
        assert_eq!(truth(Some(json!("hello")), Operator::Contains, json!(1)), U);
        assert_eq!(truth(Some(json!(12)), Operator::Contains, json!(1)), U);
        assert_eq!(
            truth(Some(json!("hello")), Operator::StartsWith, json!("he")),
            T
        );
        assert_eq!(
            truth(Some(json!("hello")), Operator::EndsWith, json!("he")),
            F
        );
        assert_eq!(truth(Some(json!(5)), Operator::StartsWith, json!("5")), U);
        assert_eq!(
            truth(Some(json!(["he"])), Operator::EndsWith, json!("he")),
            U
        );
        assert_eq!(
            truth(Some(json!("hello")), Operator::Regex, json!("l+o")),
            T
        );
        assert_eq!(truth(Some(json!("hello")), Operator::Regex, json!("^l")), F);
        assert_eq!(truth(Some(json!(5)), Operator::Regex, json!("5")), U);
        // A null operand is unknown, like `eq null`.
        for op in [
            Operator::Contains,
            Operator::StartsWith,
            Operator::EndsWith,
            Operator::Regex,
        ] {
            assert_eq!(truth(Some(json!("x")), op, json!(null)), U, "{op}");
            assert_eq!(truth(Some(json!([null])), op, json!(null)), U, "{op}");
        }
    }

    #[test]
    fn in_and_not_in() {
        assert_eq!(truth(Some(json!(2)), Operator::In, json!([1, 2.0])), T);
        assert_eq!(truth(Some(json!(3)), Operator::In, json!([1, "3"])), F);
        assert_eq!(truth(Some(json!(3)), Operator::In, json!([])), F);
        assert_eq!(truth(Some(json!(3)), Operator::NotIn, json!([1, null])), T);
        assert_eq!(truth(Some(json!(1)), Operator::NotIn, json!([1])), F);
        // A list or an object is unknown, so `not (tags in [...])` matches no list either.
        assert_eq!(truth(Some(json!([1])), Operator::In, json!([1])), U);
        assert_eq!(truth(Some(json!([1])), Operator::NotIn, json!([1])), U);
        assert_eq!(truth(Some(json!({"a": 1})), Operator::NotIn, json!([1])), U);
        // Null elements are ignored: `not_in [null]` is true for every present scalar.
        assert_eq!(truth(Some(json!(1)), Operator::NotIn, json!([null])), T);
        assert_eq!(truth(Some(json!(1)), Operator::In, json!([null])), F);
        assert_eq!(truth(Some(Value::Null), Operator::NotIn, json!([null])), U);
        assert_eq!(truth(None, Operator::NotIn, json!([null])), U);
    }

    #[test]
    fn logic_is_three_valued() {
        let unknown = Condition::compare(FieldPath::parse("missing"), Operator::Eq, 1);
        let yes = Condition::compare(FieldPath::parse("x"), Operator::Eq, 1);
        let no = Condition::compare(FieldPath::parse("x"), Operator::Eq, 2);
        let m = meta("m:1", json!({"x": 1}));
        let t = |c: Condition| evaluate(&c, &m).unwrap();
        assert_eq!(t(Condition::And(vec![])), T);
        assert_eq!(t(Condition::Or(vec![])), F);
        assert_eq!(t(yes.clone() & unknown.clone()), U);
        assert_eq!(t(no.clone() & unknown.clone()), F);
        assert_eq!(t(yes.clone() | unknown.clone()), T);
        assert_eq!(t(no.clone() | unknown.clone()), U);
        assert_eq!(t(!unknown.clone()), U);
        assert_eq!(t(!no), T);
        assert!(!matches(&unknown, &m).unwrap());
    }

    #[test]
    fn meta_fields_are_never_absent() {
        let mut m = meta("zone:1", json!({}));
        m.schema_version = Some("v2".into());
        m.total_revision_count = 3;
        let cases = [
            (
                MetaField::ResourceId,
                Operator::StartsWith,
                json!("zone:"),
                T,
            ),
            (
                MetaField::CreatedTime,
                Operator::Eq,
                json!("2026-01-02T03:04:05.000006Z"),
                T,
            ),
            (
                MetaField::CreatedTime,
                Operator::Gt,
                json!("2026-01-02T03:04:05Z"),
                F,
            ),
            (
                MetaField::UpdatedTime,
                Operator::Lt,
                json!("2026-01-02T03:04:05.000007Z"),
                T,
            ),
            (
                MetaField::RevCreatedTime,
                Operator::StartsWith,
                json!("2026-01-02T"),
                T,
            ),
            (
                MetaField::RevUpdatedTime,
                Operator::Regex,
                json!("05\\.000006Z$"),
                T,
            ),
            (MetaField::IsDeleted, Operator::Eq, json!(false), T),
            (MetaField::TotalRevisionCount, Operator::Gte, json!(3), T),
            (
                MetaField::SchemaVersion,
                Operator::In,
                json!(["v1", "v2"]),
                T,
            ),
            (MetaField::RevStatus, Operator::Eq, json!("draft"), T),
            (MetaField::CreatedBy, Operator::Ne, json!("bob"), T),
            (MetaField::UpdatedBy, Operator::Exists, json!(false), F),
            (MetaField::RevUpdatedBy, Operator::IsNa, json!(false), T),
            (MetaField::RevCreatedBy, Operator::Contains, json!("lic"), T),
            (
                MetaField::CurrentRevisionId,
                Operator::EndsWith,
                json!(":1"),
                T,
            ),
        ];
        for (field, op, value, expected) in cases {
            let c = Condition::compare(field, op, value.clone());
            assert_eq!(evaluate(&c, &m).unwrap(), expected, "{field} {op} {value}");
        }
        m.schema_version = None;
        let c = Condition::compare(MetaField::SchemaVersion, Operator::IsNull, true);
        assert_eq!(evaluate(&c, &m).unwrap(), T);
        let c = Condition::compare(MetaField::SchemaVersion, Operator::Ne, "v1");
        assert_eq!(evaluate(&c, &m).unwrap(), U);
    }

    #[test]
    fn malformed_conditions_are_bad_query() {
        for (op, value) in [
            (Operator::In, json!(1)),
            (Operator::Regex, json!("(")),
            (Operator::Regex, json!(1)),
            (Operator::Exists, json!(1)),
            (Operator::Eq, json!([1])),
            (Operator::Contains, json!({"a": 1})),
            (Operator::StartsWith, json!(1)),
            (Operator::NotIn, json!([[1]])),
        ] {
            let c = Condition::compare(FieldPath::parse("x"), op, value);
            let err = evaluate(&c, &meta("m:1", json!({}))).unwrap_err();
            assert!(
                matches!(&err, Error::BadQuery { parameter, message } if parameter == "conditions" && message.contains("`x`")),
                "{err}"
            );
        }
    }

    #[test]
    fn sorting_puts_nulls_last_ascending_and_first_descending() {
        let metas = vec![
            meta("m:5", json!({"k": null})),
            meta("m:4", json!({"k": "a"})),
            meta("m:3", json!({})),
            meta("m:2", json!({"k": 2})),
            meta("m:1", json!({"k": true})),
            meta("m:0", json!({"k": 10})),
        ];
        let ids = |q: Query| -> Vec<String> {
            apply(&q, &metas)
                .unwrap()
                .into_iter()
                .map(|m| m.resource_id.clone())
                .collect()
        };
        let k = FieldPath::parse("k");
        assert_eq!(
            ids(Query::new().sort(Sort::asc(k.clone()))),
            ["m:2", "m:0", "m:4", "m:1", "m:3", "m:5"]
        );
        assert_eq!(
            ids(Query::new().sort(Sort::desc(k.clone()))),
            ["m:3", "m:5", "m:1", "m:4", "m:0", "m:2"]
        );
        // Default order: created_time (all equal here), then resource_id.
        assert_eq!(
            ids(Query::new()),
            ["m:0", "m:1", "m:2", "m:3", "m:4", "m:5"]
        );
        assert_eq!(ids(Query::new().offset(2).limit(3)), ["m:2", "m:3", "m:4"]);
        assert_eq!(ids(Query::new().limit(0)), Vec::<String>::new());
        assert_eq!(ids(Query::new().offset(10)), Vec::<String>::new());
    }

    #[test]
    fn default_order_is_created_time_then_resource_id() {
        let mut late = meta("m:0", json!({}));
        late.created_time = time("2027-01-01T00:00:00Z");
        let early_b = meta("m:2", json!({}));
        let early_a = meta("m:1", json!({}));
        let all = [late, early_b, early_a];
        let found = apply(&Query::new(), all.iter()).unwrap();
        let ids: Vec<&str> = found.iter().map(|m| m.resource_id.as_str()).collect();
        assert_eq!(ids, ["m:1", "m:2", "m:0"]);
        assert_eq!(sort_cmp(&[], &all[0], &all[1]), Ordering::Greater);
        assert_eq!(count(&Query::new().limit(1), &all).unwrap(), 3);
    }
}
