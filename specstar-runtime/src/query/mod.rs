//! Queries: the typed builder, the serializable condition tree, sorts and paging, the in-memory
//! evaluator and (later) the parser of the HTTP `qb=` expression.
//!
//! # Semantics (every backend implements exactly these)
//!
//! A condition is evaluated against one resource's [`ResourceMeta`](crate::model::ResourceMeta):
//! meta fields by name, data fields in `indexed_data` by dotted path. Logic is SQL-like and
//! three-valued (true / false / unknown); a resource matches only when the condition is *true*.
//! (Detailed operator table: see `tree.rs`.)

pub mod eval;
mod tree;

pub use tree::{Condition, Direction, FieldPath, LogicOp, MetaField, Operator, Query, Sort};

use std::marker::PhantomData;

/// A typed handle on one field, returned by the accessors of `Zone::q()`. Its comparison methods
/// accept only values of the field's type `T`.
pub struct Field<T> {
    path: FieldPath,
    _type: PhantomData<fn() -> T>,
}

impl<T> Field<T> {
    /// A data field at a dotted path (generated code calls this).
    #[doc(hidden)]
    pub const fn data(path: &'static str) -> Self {
        Field {
            path: FieldPath::Data(std::borrow::Cow::Borrowed(path)),
            _type: PhantomData,
        }
    }

    /// A data field at a dotted path built at run time (generated accessors of `#[nested]`
    /// structs call this with the prefix they are embedded at).
    #[doc(hidden)]
    pub fn data_owned(path: String) -> Self {
        Field {
            path: FieldPath::Data(std::borrow::Cow::Owned(path)),
            _type: PhantomData,
        }
    }

    /// A meta field.
    pub const fn meta(field: MetaField) -> Self {
        Field {
            path: FieldPath::Meta(field),
            _type: PhantomData,
        }
    }

    /// The path this handle names.
    pub fn path(&self) -> &FieldPath {
        &self.path
    }
}

// PLACEHOLDER (derive branch): the query helper owns the comparison methods of `Field<T>`; this
// minimal `gt` exists only so the ui-tests can show that `Zone::q().level().gt("x")` does not
// compile. Replace it with the query helper's version when merging.
impl<T: serde::Serialize> Field<T> {
    /// `field > value`; the value must have the field's type.
    pub fn gt(&self, value: T) -> Condition {
        Condition::Compare {
            field: self.path.clone(),
            op: Operator::Gt,
            value: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        }
    }
}

impl<T> Clone for Field<T> {
    fn clone(&self) -> Self {
        Field {
            path: self.path.clone(),
            _type: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Field<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Field").field(&self.path).finish()
    }
}

/// The meta-field accessors every typed query struct derefs to: `Zone::q().created_by()`.
#[derive(Debug, Default, Clone, Copy)]
pub struct MetaFields;
