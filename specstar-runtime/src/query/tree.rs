//! The serializable condition tree.

use std::borrow::Cow;

/// The 15 comparison operators (wire names in snake_case: `eq`, `not_in`, `is_null`, `isna`, …).
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

/// `and` / `or` / `not` groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogicOp {
    And,
    Or,
    Not,
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

/// What a condition or sort refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldPath {
    /// A meta field.
    Meta(MetaField),
    /// An indexed data field, by dotted path.
    Data(Cow<'static, str>),
}

/// A condition tree.
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

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Asc,
    Desc,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sort {
    pub field: FieldPath,
    pub direction: Direction,
}

/// A complete query: condition, sorts and paging.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub condition: Option<Condition>,
    pub sorts: Vec<Sort>,
    pub limit: Option<usize>,
    pub offset: usize,
}
