//! The condition tree: what a query says, independent of how it was written (typed builder,
//! `conditions` JSON, `qb=` expression) and of where it runs (memory, SQL).

use std::borrow::Cow;
use std::fmt;

use crate::resource::IndexKind;

/// The 15 comparison operators (wire names in snake_case: `eq`, `not_in`, `is_null`, `isna`, …).
///
/// Their exact semantics are the table in the [module docs](crate::query).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    StartsWith,
    EndsWith,
    In,
    NotIn,
    IsNull,
    Exists,
    #[serde(rename = "isna")]
    IsNa,
    Regex,
}

impl Operator {
    /// Every operator, in wire-table order.
    pub const ALL: [Operator; 15] = [
        Operator::Eq,
        Operator::Ne,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
        Operator::Contains,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::In,
        Operator::NotIn,
        Operator::IsNull,
        Operator::Exists,
        Operator::IsNa,
        Operator::Regex,
    ];

    /// The wire name (`"eq"`, `"not_in"`, `"isna"`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Ne => "ne",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
            Operator::Contains => "contains",
            Operator::StartsWith => "starts_with",
            Operator::EndsWith => "ends_with",
            Operator::In => "in",
            Operator::NotIn => "not_in",
            Operator::IsNull => "is_null",
            Operator::Exists => "exists",
            Operator::IsNa => "isna",
            Operator::Regex => "regex",
        }
    }

    /// The operator with this wire name.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `and` / `or` / `not` groups (the `operator` of a group on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogicOp {
    And,
    Or,
    Not,
}

impl LogicOp {
    /// The wire name (`"and"`, `"or"`, `"not"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            LogicOp::And => "and",
            LogicOp::Or => "or",
            LogicOp::Not => "not",
        }
    }

    /// The group operator with this wire name.
    pub fn from_name(name: &str) -> Option<LogicOp> {
        match name {
            "and" => Some(LogicOp::And),
            "or" => Some(LogicOp::Or),
            "not" => Some(LogicOp::Not),
            _ => None,
        }
    }
}

/// Fields of [`ResourceMeta`](crate::model::ResourceMeta) a query can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaField {
    ResourceId,
    CurrentRevisionId,
    CreatedTime,
    UpdatedTime,
    CreatedBy,
    UpdatedBy,
    IsDeleted,
    SchemaVersion,
    TotalRevisionCount,
    RevStatus,
    RevCreatedBy,
    RevUpdatedBy,
    RevCreatedTime,
    RevUpdatedTime,
}

impl MetaField {
    /// Every meta field.
    pub const ALL: [MetaField; 14] = [
        MetaField::ResourceId,
        MetaField::CurrentRevisionId,
        MetaField::CreatedTime,
        MetaField::UpdatedTime,
        MetaField::CreatedBy,
        MetaField::UpdatedBy,
        MetaField::IsDeleted,
        MetaField::SchemaVersion,
        MetaField::TotalRevisionCount,
        MetaField::RevStatus,
        MetaField::RevCreatedBy,
        MetaField::RevUpdatedBy,
        MetaField::RevCreatedTime,
        MetaField::RevUpdatedTime,
    ];

    /// The meta fields allowed as `{"type": "meta", "key": …}` sort keys on the wire.
    pub const SORTABLE: [MetaField; 5] = [
        MetaField::CreatedTime,
        MetaField::UpdatedTime,
        MetaField::ResourceId,
        MetaField::RevCreatedTime,
        MetaField::RevUpdatedTime,
    ];

    /// The wire name (`"created_time"`, …), which is also the `ResourceMeta` field name.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetaField::ResourceId => "resource_id",
            MetaField::CurrentRevisionId => "current_revision_id",
            MetaField::CreatedTime => "created_time",
            MetaField::UpdatedTime => "updated_time",
            MetaField::CreatedBy => "created_by",
            MetaField::UpdatedBy => "updated_by",
            MetaField::IsDeleted => "is_deleted",
            MetaField::SchemaVersion => "schema_version",
            MetaField::TotalRevisionCount => "total_revision_count",
            MetaField::RevStatus => "rev_status",
            MetaField::RevCreatedBy => "rev_created_by",
            MetaField::RevUpdatedBy => "rev_updated_by",
            MetaField::RevCreatedTime => "rev_created_time",
            MetaField::RevUpdatedTime => "rev_updated_time",
        }
    }

    /// The meta field with this name.
    pub fn from_name(name: &str) -> Option<MetaField> {
        MetaField::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The kind of value the field holds (times compare as wire-format strings).
    pub const fn kind(self) -> IndexKind {
        match self {
            MetaField::CreatedTime
            | MetaField::UpdatedTime
            | MetaField::RevCreatedTime
            | MetaField::RevUpdatedTime => IndexKind::DateTime,
            MetaField::IsDeleted => IndexKind::Boolean,
            MetaField::TotalRevisionCount => IndexKind::Integer,
            MetaField::ResourceId
            | MetaField::CurrentRevisionId
            | MetaField::CreatedBy
            | MetaField::UpdatedBy
            | MetaField::SchemaVersion
            | MetaField::RevStatus
            | MetaField::RevCreatedBy
            | MetaField::RevUpdatedBy => IndexKind::String,
        }
    }

    /// `true` for the one meta field that may be null (`schema_version`).
    pub const fn nullable(self) -> bool {
        matches!(self, MetaField::SchemaVersion)
    }

    /// `true` when the wire allows this field as a meta sort key.
    pub fn is_wire_sortable(self) -> bool {
        MetaField::SORTABLE.contains(&self)
    }
}

impl fmt::Display for MetaField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a condition or sort refers to.
///
/// On the wire a field path is one string: the 14 meta field names (`"created_time"`, …)
/// name [`FieldPath::Meta`]; anything else is a dotted data path into `indexed_data`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldPath {
    /// A meta field.
    Meta(MetaField),
    /// An indexed data field, by dotted path.
    Data(Cow<'static, str>),
}

impl FieldPath {
    /// Read a wire field path: a meta field name gives [`FieldPath::Meta`], anything else a
    /// data path.
    ///
    /// ```
    /// # use specstar_runtime::query::{FieldPath, MetaField};
    /// assert_eq!(FieldPath::parse("created_by"), FieldPath::Meta(MetaField::CreatedBy));
    /// assert_eq!(FieldPath::parse("stats.hp"), FieldPath::data("stats.hp"));
    /// ```
    pub fn parse(path: &str) -> FieldPath {
        match MetaField::from_name(path) {
            Some(meta) => FieldPath::Meta(meta),
            None => FieldPath::Data(Cow::Owned(path.to_owned())),
        }
    }

    /// A data path (never interpreted as a meta field).
    pub fn data(path: impl Into<Cow<'static, str>>) -> FieldPath {
        FieldPath::Data(path.into())
    }

    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            FieldPath::Meta(meta) => meta.as_str(),
            FieldPath::Data(path) => path,
        }
    }
}

impl From<MetaField> for FieldPath {
    fn from(meta: MetaField) -> Self {
        FieldPath::Meta(meta)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A condition tree.
///
/// Build one with the typed builder (`Zone::q().level().gt(3)`), combine with `&`, `|`, `!`,
/// [`Condition::all`] and [`Condition::any`]; read one from the wire with
/// [`Condition::list_from_json`] or parse a `qb=` expression with [`crate::query::parse_qb`].
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `field op value`.
    Compare {
        field: FieldPath,
        op: Operator,
        value: serde_json::Value,
    },
    /// All must be true (empty: true).
    And(Vec<Condition>),
    /// Any must be true (empty: false).
    Or(Vec<Condition>),
    /// Negation (unknown stays unknown).
    Not(Box<Condition>),
}

impl Condition {
    /// `field op value`.
    ///
    /// ```
    /// # use specstar_runtime::query::{Condition, FieldPath, Operator};
    /// let c = Condition::compare(FieldPath::parse("level"), Operator::Gt, 3);
    /// assert_eq!(c.to_string(), "level gt 3");
    /// ```
    pub fn compare(
        field: impl Into<FieldPath>,
        op: Operator,
        value: impl Into<serde_json::Value>,
    ) -> Condition {
        Condition::Compare {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    /// All of `conditions` (an empty list is always true). A single condition is returned as is.
    pub fn all(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        let mut all: Vec<Condition> = conditions.into_iter().collect();
        if all.len() == 1 {
            return all.remove(0);
        }
        Condition::And(all)
    }

    /// Any of `conditions` (an empty list is always false). A single condition is returned as is.
    pub fn any(conditions: impl IntoIterator<Item = Condition>) -> Condition {
        let mut any: Vec<Condition> = conditions.into_iter().collect();
        if any.len() == 1 {
            return any.remove(0);
        }
        Condition::Or(any)
    }

    /// Calls `visit` on every comparison of the tree, depth first.
    pub fn for_each_compare<'a>(
        &'a self,
        visit: &mut impl FnMut(&'a FieldPath, Operator, &'a serde_json::Value),
    ) {
        match self {
            Condition::Compare { field, op, value } => visit(field, *op, value),
            Condition::And(children) | Condition::Or(children) => {
                for child in children {
                    child.for_each_compare(visit);
                }
            }
            Condition::Not(inner) => inner.for_each_compare(visit),
        }
    }
}

/// A short human-readable rendering for messages and logs (not a wire format):
/// `level gt 3`, `(a eq 1 and not (b isna true))`.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Compare { field, op, value } => write!(f, "{field} {op} {value}"),
            Condition::And(children) | Condition::Or(children) => {
                let (joiner, empty) = match self {
                    Condition::And(_) => (" and ", "true"),
                    _ => (" or ", "false"),
                };
                if children.is_empty() {
                    return f.write_str(empty);
                }
                f.write_str("(")?;
                for (i, child) in children.iter().enumerate() {
                    if i > 0 {
                        f.write_str(joiner)?;
                    }
                    write!(f, "{child}")?;
                }
                f.write_str(")")
            }
            Condition::Not(inner) => write!(f, "not ({inner})"),
        }
    }
}

/// `a & b`: both must hold. Nested `And`s are flattened.
impl std::ops::BitAnd for Condition {
    type Output = Condition;
    fn bitand(self, rhs: Condition) -> Condition {
        match (self, rhs) {
            (Condition::And(mut left), Condition::And(right)) => {
                left.extend(right);
                Condition::And(left)
            }
            (Condition::And(mut left), right) => {
                left.push(right);
                Condition::And(left)
            }
            (left, Condition::And(mut right)) => {
                right.insert(0, left);
                Condition::And(right)
            }
            (left, right) => Condition::And(vec![left, right]),
        }
    }
}

/// `a | b`: either must hold. Nested `Or`s are flattened.
impl std::ops::BitOr for Condition {
    type Output = Condition;
    fn bitor(self, rhs: Condition) -> Condition {
        match (self, rhs) {
            (Condition::Or(mut left), Condition::Or(right)) => {
                left.extend(right);
                Condition::Or(left)
            }
            (Condition::Or(mut left), right) => {
                left.push(right);
                Condition::Or(left)
            }
            (left, Condition::Or(mut right)) => {
                right.insert(0, left);
                Condition::Or(right)
            }
            (left, right) => Condition::Or(vec![left, right]),
        }
    }
}

/// `!a`: negation (unknown stays unknown, so `!a` is not "everything `a` does not match").
impl std::ops::Not for Condition {
    type Output = Condition;
    fn not(self) -> Condition {
        Condition::Not(Box::new(self))
    }
}

/// Sort direction (`"+"` / `"-"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    /// The wire spelling (`"+"` / `"-"`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "+",
            Direction::Desc => "-",
        }
    }
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sort {
    pub field: FieldPath,
    pub direction: Direction,
}

impl Sort {
    /// Ascending on `field` (Absent/Null last).
    pub fn asc(field: impl Into<FieldPath>) -> Sort {
        Sort {
            field: field.into(),
            direction: Direction::Asc,
        }
    }

    /// Descending on `field` (Absent/Null first).
    pub fn desc(field: impl Into<FieldPath>) -> Sort {
        Sort {
            field: field.into(),
            direction: Direction::Desc,
        }
    }
}

/// A complete query: condition, sorts and paging.
///
/// ```
/// # use specstar_runtime::query::{Condition, FieldPath, Operator, Query, Sort, MetaField};
/// let level = FieldPath::parse("level");
/// let q = Query::new()
///     .filter(Condition::compare(level.clone(), Operator::Gte, 3))
///     .filter(Condition::compare(level.clone(), Operator::Lt, 9))
///     .sort(Sort::desc(level))
///     .page(2, 20);
/// assert_eq!((q.offset, q.limit), (20, Some(20)));
/// assert!(matches!(q.condition, Some(Condition::And(ref all)) if all.len() == 2));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// `None` matches everything.
    pub condition: Option<Condition>,
    /// Sort keys in order; empty means `created_time` then `resource_id`, ascending.
    pub sorts: Vec<Sort>,
    /// At most this many results (`None`: all; `Some(0)`: none).
    pub limit: Option<usize>,
    /// Skip this many results first.
    pub offset: usize,
}

impl Query {
    /// A query matching everything, in the default order.
    pub fn new() -> Query {
        Query::default()
    }

    /// Adds a condition; several filters must all hold.
    pub fn filter(mut self, condition: Condition) -> Query {
        self.condition = Some(match self.condition.take() {
            None => condition,
            Some(existing) => existing & condition,
        });
        self
    }

    /// Adds a sort key after the existing ones.
    pub fn sort(mut self, sort: Sort) -> Query {
        self.sorts.push(sort);
        self
    }

    /// Returns at most `limit` results.
    pub fn limit(mut self, limit: usize) -> Query {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` results.
    pub fn offset(mut self, offset: usize) -> Query {
        self.offset = offset;
        self
    }

    /// Page `page` (1-based; 0 is read as 1) of `size` results: `offset = (page - 1) * size`.
    pub fn page(mut self, page: usize, size: usize) -> Query {
        self.offset = page.saturating_sub(1).saturating_mul(size);
        self.limit = Some(size);
        self
    }
}

impl From<Condition> for Query {
    fn from(condition: Condition) -> Query {
        Query::new().filter(condition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(path: &str, v: i64) -> Condition {
        Condition::compare(FieldPath::parse(path), Operator::Eq, v)
    }

    #[test]
    fn and_or_flatten_and_not_wraps() {
        let abc = c("a", 1) & c("b", 2) & c("c", 3);
        assert_eq!(abc, Condition::And(vec![c("a", 1), c("b", 2), c("c", 3)]));
        let right_nested = c("a", 1) & (c("b", 2) & c("c", 3));
        assert_eq!(right_nested, abc);
        let or = c("a", 1) | c("b", 2) | (c("c", 3) | c("d", 4));
        assert_eq!(
            or,
            Condition::Or(vec![c("a", 1), c("b", 2), c("c", 3), c("d", 4)])
        );
        // `&` does not flatten an Or and vice versa.
        let mixed = (c("a", 1) | c("b", 2)) & c("c", 3);
        assert_eq!(
            mixed,
            Condition::And(vec![Condition::Or(vec![c("a", 1), c("b", 2)]), c("c", 3)])
        );
        assert_eq!(!c("a", 1), Condition::Not(Box::new(c("a", 1))));
    }

    #[test]
    fn all_and_any_keep_singletons_and_empties() {
        assert_eq!(Condition::all([c("a", 1)]), c("a", 1));
        assert_eq!(Condition::all([]), Condition::And(vec![]));
        assert_eq!(Condition::any([]), Condition::Or(vec![]));
        assert_eq!(
            Condition::any([c("a", 1), c("b", 2)]),
            Condition::Or(vec![c("a", 1), c("b", 2)])
        );
    }

    #[test]
    fn field_paths_map_meta_names() {
        for meta in MetaField::ALL {
            assert_eq!(FieldPath::parse(meta.as_str()), FieldPath::Meta(meta));
            assert_eq!(
                serde_json::to_value(meta).ok(),
                Some(serde_json::Value::from(meta.as_str()))
            );
        }
        assert_eq!(FieldPath::parse("level"), FieldPath::data("level"));
        assert_eq!(
            FieldPath::parse("created_time.x").as_str(),
            "created_time.x"
        );
    }

    #[test]
    fn operator_names_match_serde() {
        for op in Operator::ALL {
            assert_eq!(
                serde_json::to_value(op).ok(),
                Some(serde_json::Value::from(op.as_str()))
            );
            assert_eq!(Operator::from_name(op.as_str()), Some(op));
        }
        assert_eq!(Operator::from_name("and"), None);
    }

    #[test]
    fn query_paging_and_filters() {
        let q = Query::new().page(3, 10);
        assert_eq!((q.offset, q.limit), (20, Some(10)));
        let q = Query::new().page(0, 10);
        assert_eq!(q.offset, 0);
        let q = Query::from(c("a", 1)).filter(c("b", 2)).limit(0).offset(4);
        assert_eq!(q.condition, Some(c("a", 1) & c("b", 2)));
        assert_eq!((q.offset, q.limit), (4, Some(0)));
    }
}
