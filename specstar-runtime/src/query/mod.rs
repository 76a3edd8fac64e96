//! Queries: the typed builder, the serializable condition tree, sorts and paging, validation
//! against a resource, the in-memory evaluator and the parser of the HTTP `qb=` expression.
//!
//! | file | holds |
//! |---|---|
//! | `tree.rs` | [`Condition`], [`Operator`], [`FieldPath`], [`Sort`], [`Query`], combinators |
//! | `wire.rs` | the JSON of the `conditions` / `sorts` parameters |
//! | `builder.rs` | typed [`Field<T>`] handles, [`QueryArg`], [`MetaFields`] |
//! | `operand.rs` | `check_operand`: the one check of an operator's value, shared by the evaluator, validation and the SQL translation |
//! | `validate.rs` | [`Query::validate`], [`Query::prepare`] (typed checks against a descriptor) |
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
//! | operator | well-formed value `v` | on a present non-null value `y` | on Absent / Null |
//! |---|---|---|---|
//! | `eq` | scalar or null | `y == v` (numbers numerically: 1 == 1.0) | unknown |
//! | `ne` | scalar or null | `y != v` | unknown |
//! | `gt gte lt lte` | anything | numeric order for two numbers, byte order for two strings; any other pair → unknown | unknown |
//! | `contains` | scalar or null | `y` a list: some element `== v`; `y` and `v` strings: substring; otherwise unknown | unknown |
//! | `starts_with`, `ends_with` | string or null | `y` a string: prefix / suffix; otherwise unknown | unknown |
//! | `in` | list of scalars and nulls | `y` equals some element | unknown |
//! | `not_in` | list of scalars and nulls | `y` equals no element | unknown |
//! | `regex` | string (a valid pattern) or null | `y` a string and the pattern *searches* (Rust `regex` syntax) | unknown |
//! | `is_null` | bool `b` | `!b` | Null: `b`; Absent: false |
//! | `exists` | bool `b` | `b` | Null: `b`; Absent: `!b` |
//! | `isna` | bool `b` | `!b` | `b` |
//!
//! Type mismatches are unknown, never errors:
//! - `v` null makes every operator but `in`, `not_in` and the presence operators unknown
//!   (`eq null`, `contains null`, `starts_with null`, `regex null`, `gt null`).
//! - An order operator whose `v` is not a number or a string (`gt false`, `gt [1]`) is unknown.
//! - A list or object `y` compared whole — `eq`, `ne`, `in`, `not_in`, order — is unknown, so
//!   `not (tags in ["x"])` matches no resource whose `tags` is a list. `contains` looks into a
//!   list `y` (elements that are lists or objects equal nothing); an object `y` is unknown.
//! - `null` elements of an `in` / `not_in` list are ignored: `in [null]` is false and
//!   `not_in [null]` true for every present scalar `y` (unknown on lists, objects, Absent, Null).
//!
//! `is_null`, `exists` and `isna` are never unknown. Equality of two JSON values: same type and
//! equal, numbers numerically (two integers exactly, otherwise as `f64`), bools never equal
//! numbers.
//!
//! Only a structurally malformed operand is `Error::BadQuery` (naming the parameter, the
//! operator and the field), the same from every backend: `eq`/`ne`/`contains` with a list or
//! an object; `in`/`not_in` whose value is not a list or holds a list or object;
//! `starts_with`/`ends_with`/`regex` with anything but a string or null; an invalid regex;
//! `is_null`/`exists`/`isna` with a non-bool. Whether a literal fits the *field* (a string for
//! an integer index, ordering a boolean index, comparing a list index whole) is checked by
//! [`Query::validate`] / [`Query::prepare`] against the descriptor, not at evaluation.
//!
//! Sorting: keys in order; values order as numbers (numerically) < strings (byte order) <
//! booleans (false < true) < lists and objects (which all tie with each other), and
//! Absent/Null sort last ascending and first descending. Ties after all keys go by
//! `resource_id` ascending. No sort keys: `created_time` ascending, then `resource_id`.
//! Paging: skip `offset`, then take `limit` (`None`: all; `Some(0)`: none).

mod builder;
mod calendar;
mod compare;
mod eval;
pub(crate) mod operand;
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
