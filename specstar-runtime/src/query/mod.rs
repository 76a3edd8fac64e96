//! Queries: the typed builder, the serializable condition tree, sorts and paging, the in-memory
//! evaluator and (later) the parser of the HTTP `qb=` expression.
//!
//! # Semantics (every backend implements exactly these)
//!
//! A condition is evaluated against one resource's [`ResourceMeta`](crate::model::ResourceMeta):
//! meta fields by name, data fields in `indexed_data` by dotted path. Logic is SQL-like and
//! three-valued (true / false / unknown); a resource matches only when the condition is *true*.
//! (Detailed operator table: see `tree.rs`.)

mod builder;
mod calendar;
mod compare;
mod eval;
mod tree;
mod validate;
mod wire;

pub use builder::{
    BoolValue, Field, IndexEnum, MetaFields, OrderedValue, QueryArg, TextValue, TimeValue,
};
pub use eval::{CompiledCondition, Truth, apply, count, evaluate, filter, matches, sort_cmp};
pub use tree::{Condition, Direction, FieldPath, LogicOp, MetaField, Operator, Query, Sort};
