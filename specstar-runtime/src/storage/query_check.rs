//! Checking a query's operator/value pairs before a backend evaluates them.
//!
//! Every backend (SQL translation and in-process evaluation alike) first turns each comparison
//! into a [`Operand`] through [`check_operand`], so a malformed query is refused with the same
//! `Error::BadQuery` everywhere, and the backends only ever see well-formed shapes.
//!
//! Decisions where the brief's table leaves room (documented for the lead):
//! - `eq`/`ne`/`contains` with a list or object value, and `in`/`not_in` with a list or object
//!   element, are malformed (`BadQuery`): those operators take scalars.
//! - `eq`/`ne`/`contains` with `null` are unknown for every resource (SQL-like: nothing equals
//!   null); `null` elements of an `in`/`not_in` list never equal anything.
//! - `gt`/`gte`/`lt`/`lte` with a value that is neither a number nor a string are unknown for
//!   every resource (the table's "any other type pair").
//! - `starts_with`/`ends_with`/`regex` need a string value; `is_null`/`exists`/`isna` a bool.

use crate::model::{Error, Result};
use crate::query::{FieldPath, Operator};

/// A JSON scalar a query compares with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'a> {
    Bool(bool),
    Number(&'a serde_json::Number),
    String(&'a str),
}

impl<'a> Scalar<'a> {
    /// The scalar of a JSON value; `None` for null, lists and objects.
    pub(crate) fn of(value: &'a serde_json::Value) -> Option<Self> {
        match value {
            serde_json::Value::Bool(b) => Some(Scalar::Bool(*b)),
            serde_json::Value::Number(n) => Some(Scalar::Number(n)),
            serde_json::Value::String(s) => Some(Scalar::String(s)),
            _ => None,
        }
    }

    /// The value as JSON.
    pub(crate) fn to_json(self) -> serde_json::Value {
        match self {
            Scalar::Bool(b) => serde_json::Value::Bool(b),
            Scalar::Number(n) => serde_json::Value::Number(n.clone()),
            Scalar::String(s) => serde_json::Value::String(s.to_owned()),
        }
    }
}

/// How a number is best represented for a comparison: exactly as an integer when it is one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum NumberRepr {
    Int(i64),
    Float(f64),
}

impl NumberRepr {
    pub(crate) fn of(n: &serde_json::Number) -> Self {
        match n.as_i64() {
            Some(i) => NumberRepr::Int(i),
            None => NumberRepr::Float(n.as_f64().unwrap_or(f64::NAN)),
        }
    }
}

/// An order comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ordering {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Ordering {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Ordering::Gt => ">",
            Ordering::Gte => ">=",
            Ordering::Lt => "<",
            Ordering::Lte => "<=",
        }
    }

    pub(crate) fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Ordering::Gt => ord == Greater,
            Ordering::Gte => ord != Less,
            Ordering::Lt => ord == Less,
            Ordering::Lte => ord != Greater,
        }
    }
}

/// A checked comparison: the operator with its value in a well-formed shape.
#[derive(Debug, Clone)]
pub(crate) enum Operand<'a> {
    /// `eq` (`negated: false`) or `ne` (`true`); `None`: the value is null (always unknown).
    Equals {
        value: Option<Scalar<'a>>,
        negated: bool,
    },
    /// `gt`/`gte`/`lt`/`lte`; `None`: a value that is neither number nor string (always unknown).
    Order {
        ordering: Ordering,
        value: Option<Scalar<'a>>,
    },
    /// `contains`; `None`: null (always unknown).
    Contains(Option<Scalar<'a>>),
    StartsWith(&'a str),
    EndsWith(&'a str),
    /// `regex` with the compiled pattern (Rust `regex` syntax, searched, not full-matched).
    Regex {
        pattern: &'a str,
        compiled: regex::Regex,
    },
    /// `in` (`negated: false`) or `not_in` (`true`); null elements dropped.
    OneOf {
        values: Vec<Scalar<'a>>,
        negated: bool,
    },
    IsNull(bool),
    Exists(bool),
    IsNa(bool),
}

/// The display name of a field path for messages.
pub(crate) fn path_name(field: &FieldPath) -> String {
    match field {
        FieldPath::Data(p) => p.to_string(),
        FieldPath::Meta(m) => serde_json::to_value(m)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{m:?}")),
    }
}

fn op_name(op: Operator) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{op:?}"))
}

/// Check `field op value`; `Error::BadQuery` (naming the field and operator) when malformed.
pub(crate) fn check_operand<'a>(
    field: &FieldPath,
    op: Operator,
    value: &'a serde_json::Value,
) -> Result<Operand<'a>> {
    let bad = |message: String| {
        Error::bad_query(
            path_name(field),
            format!("operator `{}`: {message}", op_name(op)),
        )
    };
    let scalar_or_null = |value: &'a serde_json::Value| -> Result<Option<Scalar<'a>>> {
        match value {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => Err(bad(format!(
                "expects a scalar value (string, number, bool or null), got {value}"
            ))),
            other => Ok(Scalar::of(other)),
        }
    };
    let string = |value: &'a serde_json::Value| -> Result<&'a str> {
        value
            .as_str()
            .ok_or_else(|| bad(format!("expects a string value, got {value}")))
    };
    let flag = |value: &serde_json::Value| -> Result<bool> {
        value
            .as_bool()
            .ok_or_else(|| bad(format!("expects a bool value, got {value}")))
    };
    let order = |ordering| Operand::Order {
        ordering,
        value: match value {
            serde_json::Value::Number(_) | serde_json::Value::String(_) => Scalar::of(value),
            _ => None,
        },
    };
    Ok(match op {
        Operator::Eq => Operand::Equals {
            value: scalar_or_null(value)?,
            negated: false,
        },
        Operator::Ne => Operand::Equals {
            value: scalar_or_null(value)?,
            negated: true,
        },
        Operator::Gt => order(Ordering::Gt),
        Operator::Gte => order(Ordering::Gte),
        Operator::Lt => order(Ordering::Lt),
        Operator::Lte => order(Ordering::Lte),
        Operator::Contains => Operand::Contains(scalar_or_null(value)?),
        Operator::StartsWith => Operand::StartsWith(string(value)?),
        Operator::EndsWith => Operand::EndsWith(string(value)?),
        Operator::Regex => {
            let pattern = string(value)?;
            let compiled = regex::Regex::new(pattern)
                .map_err(|e| bad(format!("invalid regular expression `{pattern}`: {e}")))?;
            Operand::Regex { pattern, compiled }
        }
        Operator::In | Operator::NotIn => {
            let list = value
                .as_array()
                .ok_or_else(|| bad(format!("expects a list value, got {value}")))?;
            let mut values = Vec::with_capacity(list.len());
            for element in list {
                if let Some(s) = scalar_or_null(element)? {
                    values.push(s);
                }
            }
            Operand::OneOf {
                values,
                negated: op == Operator::NotIn,
            }
        }
        Operator::IsNull => Operand::IsNull(flag(value)?),
        Operator::Exists => Operand::Exists(flag(value)?),
        Operator::IsNa => Operand::IsNa(flag(value)?),
    })
}

/// Check every comparison of a condition tree (so a malformed query fails even when there is
/// nothing to evaluate it on).
pub(crate) fn check_condition(condition: &crate::query::Condition) -> Result<()> {
    use crate::query::Condition;
    match condition {
        Condition::Compare { field, op, value } => check_operand(field, *op, value).map(|_| ()),
        Condition::And(items) | Condition::Or(items) => items.iter().try_for_each(check_condition),
        Condition::Not(inner) => check_condition(inner),
    }
}
