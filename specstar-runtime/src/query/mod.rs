//! Queries: the typed builder, the serializable condition tree, sorts and paging, validation
//! against a resource, the in-memory evaluator and the parser of the HTTP `qb=` expression.
//!
//! | file | holds |
//! |---|---|
//! | `tree.rs` | [`Condition`], [`Operator`], [`FieldPath`], [`Sort`], [`Query`], combinators |
//! | `wire.rs` | the JSON of the `conditions` / `sorts` parameters |
//! | `builder.rs` | typed [`Field<T>`] handles, [`QueryArg`], [`MetaFields`] |
//! | `validate.rs` | [`Query::validate`], [`Query::prepare`] |
//! | `eval.rs` | [`CompiledCondition`], [`evaluate`], [`sort_cmp`], [`apply`] |
//! | `parse/` | [`parse_qb`] → [`QbQuery`] |
//!
//! ```
//! # use specstar_runtime::query::{Field, MetaFields, Query};
//! # let level: Field<i64> = Field::data("level");   // what `Zone::q().level()` returns
//! # let name: Field<String> = Field::data("name");
//! let query = Query::from(level.gt(3) & name.starts_with("A") & !MetaFields.is_deleted().is_true())
//!     .sort(level.desc())
//!     .limit(20);
//! ```
//!
//! # Semantics (every backend implements exactly these)
//!
//! A condition is evaluated against one resource's [`ResourceMeta`](crate::model::ResourceMeta):
//! meta fields by name; data fields in `meta.indexed_data`, a flat JSON object keyed by the
//! full dotted path (`"level"`, `"stats.hp"`). A data field's value is *Absent* (key missing),
//! *Null* or a value. Meta fields are never absent (`schema_version` may be null). Times are
//! compared as wire-format strings (`2026-11-23T19:53:26.984215Z`), so string order is time
//! order; [`Query::prepare`] and the builders normalise time literals to that format.
//!
//! Logic is three-valued ([`Truth`]); a resource matches only when the whole condition is
//! true. `And`: false if any false, else unknown if any unknown, else true (empty: true).
//! `Or`: true if any true, else unknown if any unknown, else false (empty: false). `Not`
//! swaps true and false; unknown stays unknown.
//!
//! | operator | value | on a present non-null value `y` | on Absent / Null |
//! |---|---|---|---|
//! | `eq` | scalar | `y == v` (numbers numerically: 1 == 1.0); `v` null → unknown | unknown |
//! | `ne` | scalar | `y != v`; `v` null → unknown | unknown |
//! | `gt gte lt lte` | number or string | numeric order for two numbers, byte order for two strings; other pairs → unknown | unknown |
//! | `contains` | scalar | `y` a list: some element `== v`; `y` and `v` strings: substring; otherwise unknown | unknown |
//! | `starts_with`, `ends_with` | string | `y` a string: prefix / suffix; otherwise unknown | unknown |
//! | `in` | list | `y` equals some element | unknown |
//! | `not_in` | list | `y` equals no element | unknown |
//! | `regex` | string | `y` a string and the pattern *searches* (Rust `regex` syntax) | unknown |
//! | `is_null` | bool `b` | `!b` | Null: `b`; Absent: false |
//! | `exists` | bool `b` | `b` | Null: `b`; Absent: `!b` |
//! | `isna` | bool `b` | `!b` | `b` |
//!
//! `is_null`, `exists` and `isna` are never unknown. A list value `y` compared with `eq`,
//! `ne` or an order operator is unknown; with `in` / `not_in` it simply equals no element
//! (so `in` is false and `not_in` true), as does an object value with `eq`, `ne`, `in`,
//! `not_in`. Equality of two JSON values: same type and equal, numbers numerically (two
//! integers exactly, otherwise as `f64`), bools never equal numbers. A malformed query (`in`
//! without a list, a bad regex, a non-bool for `exists`, …) is `Error::BadQuery`.
//!
//! Sorting: keys in order; values order as numbers < strings < booleans < lists < objects,
//! and Absent/Null sort last ascending and first descending. Ties after all keys go by
//! `resource_id` ascending. No sort keys: `created_time` ascending, then `resource_id`.
//! Paging: skip `offset`, then take `limit` (`None`: all; `Some(0)`: none).

mod builder;
mod calendar;
mod compare;
mod eval;
mod parse;
mod tree;
mod validate;
mod wire;

pub use builder::{
    BoolValue, Field, IndexEnum, MetaFields, OrderedValue, QueryArg, TextValue, TimeValue,
};
pub use eval::{CompiledCondition, Truth, apply, count, evaluate, filter, matches, sort_cmp};
pub use parse::{QbQuery, parse_qb, parse_qb_at};
pub use tree::{Condition, Direction, FieldPath, LogicOp, MetaField, Operator, Query, Sort};
