//! The operand of one comparison, checked once for every backend: [`check_operand`] turns a
//! `field op value` into an [`Operand`] or refuses a structurally malformed one with
//! `Error::BadQuery`. The in-memory evaluator (`eval.rs`), the SQL translation
//! (`storage/sql`) and validation (`validate.rs`) all go through it, so they accept, refuse
//! and word their errors exactly alike.
//!
//! Malformed (whatever the field): `eq`/`ne`/`contains` with a list or an object, `in`/`not_in`
//! without a list or with a list or object element, `starts_with`/`ends_with`/`regex` with
//! anything but a string or null, an invalid regex, `is_null`/`exists`/`isna` without a bool.
//! Well-formed but unknown for every resource ([`Operand::Unknown`]): `eq`/`ne`/`contains`/
//! `starts_with`/`ends_with`/`regex` with null, and an order operator with anything but a
//! number or a string. Whether a literal fits the *field's* type is the business of
//! `Query::validate` with a descriptor, not of this module.

use serde_json::{Number, Value};

use super::tree::{FieldPath, Operator};
use crate::model::{Error, Result};

/// A JSON scalar a comparison uses (null never is one: it makes the comparison unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Scalar<'a> {
    Bool(bool),
    Number(&'a Number),
    String(&'a str),
}

impl<'a> Scalar<'a> {
    /// The scalar of a JSON value; `None` for null, lists and objects.
    pub(crate) fn of(value: &'a Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            Value::Number(n) => Some(Scalar::Number(n)),
            Value::String(s) => Some(Scalar::String(s)),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    /// The value as JSON.
    pub(crate) fn to_json(self) -> Value {
        match self {
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Number(n) => Value::Number(n.clone()),
            Scalar::String(s) => Value::String(s.to_owned()),
        }
    }
}

/// An order operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl OrderOp {
    /// Whether `y <op> v` holds when `y` compares to `v` as `ordering`.
    pub(crate) fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Greater, Less};
        match self {
            OrderOp::Gt => ordering == Greater,
            OrderOp::Gte => ordering != Less,
            OrderOp::Lt => ordering == Less,
            OrderOp::Lte => ordering != Greater,
        }
    }

    /// The SQL operator.
    pub(crate) fn sql(self) -> &'static str {
        match self {
            OrderOp::Gt => ">",
            OrderOp::Gte => ">=",
            OrderOp::Lt => "<",
            OrderOp::Lte => "<=",
        }
    }
}

/// A checked comparison: what the operator does with its value, in a well-formed shape.
#[derive(Debug, Clone)]
pub(crate) enum Operand<'a> {
    /// Unknown for every resource (e.g. `eq null`, `gt false`, `starts_with null`).
    Unknown,
    /// `eq` (`negated: false`) or `ne` (`true`).
    Equals {
        value: Scalar<'a>,
        negated: bool,
    },
    /// `gt`/`gte`/`lt`/`lte` with a number or a string.
    Order {
        op: OrderOp,
        value: Scalar<'a>,
    },
    Contains(Scalar<'a>),
    StartsWith(&'a str),
    EndsWith(&'a str),
    /// `regex`, compiled (Rust `regex` syntax, searched, not full-matched); `as_str()` is the
    /// pattern.
    Regex(regex::Regex),
    /// `in` (`negated: false`) or `not_in` (`true`); null elements dropped (they equal nothing).
    OneOf {
        values: Vec<Scalar<'a>>,
        negated: bool,
    },
    IsNull(bool),
    Exists(bool),
    IsNa(bool),
}

/// A short rendering of a literal for messages.
pub(crate) fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        return text;
    }
    let cut: String = text.chars().take(57).collect();
    format!("{cut}...")
}

/// `Error::BadQuery` for `field op value`, naming the query parameter, operator and field.
pub(crate) fn compare_error(
    parameter: &str,
    field: &FieldPath,
    op: Operator,
    problem: &str,
) -> Error {
    Error::bad_query(parameter, format!("operator `{op}` on `{field}` {problem}"))
}

/// Compiles a `regex` operand; `Err` is the problem in words.
pub(crate) fn compile_regex(pattern: &str) -> std::result::Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            // Syntax errors render over several lines (pattern, caret, reason): keep the reason.
            let text = e.to_string();
            let reason = text
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .unwrap_or_default()
                .trim()
                .trim_start_matches("error: ");
            format!("has an invalid pattern: {reason}")
        })
}

/// Checks `field op value`: the [`Operand`] every backend evaluates, or `Error::BadQuery`
/// naming `parameter`, the operator and the field when the value is malformed for `op`.
pub(crate) fn check_operand<'a>(
    parameter: &str,
    field: &FieldPath,
    op: Operator,
    value: &'a Value,
) -> Result<Operand<'a>> {
    let bad = |what: &str, got: &Value| {
        compare_error(
            parameter,
            field,
            op,
            &format!("needs {what}, got {}", describe(got)),
        )
    };
    let scalar = |v: &'a Value| -> Result<Option<Scalar<'a>>> {
        match v {
            Value::Array(_) | Value::Object(_) => {
                Err(bad("a scalar (string, number, boolean or null)", v))
            }
            other => Ok(Scalar::of(other)),
        }
    };
    let text = |v: &'a Value| -> Result<Option<&'a str>> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(bad("a string", other)),
        }
    };
    let flag = |v: &Value| v.as_bool().ok_or_else(|| bad("true or false", v));
    let order = |op| match value {
        Value::Number(_) | Value::String(_) => {
            Scalar::of(value).map(|value| Operand::Order { op, value })
        }
        _ => None,
    };
    let or_unknown = |operand: Option<Operand<'a>>| operand.unwrap_or(Operand::Unknown);
    Ok(match op {
        Operator::Eq | Operator::Ne => or_unknown(scalar(value)?.map(|value| Operand::Equals {
            value,
            negated: op == Operator::Ne,
        })),
        Operator::Gt => or_unknown(order(OrderOp::Gt)),
        Operator::Gte => or_unknown(order(OrderOp::Gte)),
        Operator::Lt => or_unknown(order(OrderOp::Lt)),
        Operator::Lte => or_unknown(order(OrderOp::Lte)),
        Operator::Contains => or_unknown(scalar(value)?.map(Operand::Contains)),
        Operator::StartsWith => or_unknown(text(value)?.map(Operand::StartsWith)),
        Operator::EndsWith => or_unknown(text(value)?.map(Operand::EndsWith)),
        Operator::Regex => match text(value)? {
            None => Operand::Unknown,
            Some(pattern) => Operand::Regex(
                compile_regex(pattern).map_err(|p| compare_error(parameter, field, op, &p))?,
            ),
        },
        Operator::In | Operator::NotIn => {
            let Value::Array(items) = value else {
                return Err(bad("a list", value));
            };
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::Array(_) | Value::Object(_) => {
                        return Err(bad("a list of scalars", value));
                    }
                    other => values.extend(Scalar::of(other)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(op: Operator, value: &Value) -> Result<String> {
        check_operand("conditions", &FieldPath::parse("x"), op, value).map(|o| format!("{o:?}"))
    }

    #[test]
    fn malformed_operands_are_bad_query_naming_parameter_operator_and_field() {
        for (op, value, expected) in [
            (Operator::Eq, json!([1]), "needs a scalar"),
            (Operator::Ne, json!({"a": 1}), "needs a scalar"),
            (Operator::Contains, json!([1]), "needs a scalar"),
            (Operator::In, json!(1), "needs a list, got 1"),
            (Operator::NotIn, json!(null), "needs a list"),
            (Operator::In, json!([1, [2]]), "needs a list of scalars"),
            (Operator::StartsWith, json!(1), "needs a string"),
            (Operator::EndsWith, json!(true), "needs a string"),
            (Operator::Regex, json!(["a"]), "needs a string"),
            (Operator::Regex, json!("(unclosed"), "invalid pattern"),
            (Operator::Exists, json!("yes"), "needs true or false"),
            (Operator::IsNull, json!(null), "needs true or false"),
            (Operator::IsNa, json!(1), "needs true or false"),
        ] {
            match check(op, &value) {
                Err(Error::BadQuery { parameter, message }) => {
                    assert_eq!(parameter, "conditions");
                    assert!(
                        message.starts_with(&format!("operator `{op}` on `x` ")),
                        "{message}"
                    );
                    assert!(message.contains(expected), "{op} {value}: {message}");
                }
                other => panic!("{op} {value}: expected BadQuery, got {other:?}"),
            }
        }
    }

    #[test]
    fn type_mismatched_operands_are_unknown_not_errors() {
        for (op, value) in [
            (Operator::Eq, json!(null)),
            (Operator::Ne, json!(null)),
            (Operator::Gt, json!(false)),
            (Operator::Gte, json!(null)),
            (Operator::Lt, json!([1])),
            (Operator::Lte, json!({"a": 1})),
            (Operator::Contains, json!(null)),
            (Operator::StartsWith, json!(null)),
            (Operator::EndsWith, json!(null)),
            (Operator::Regex, json!(null)),
        ] {
            assert_eq!(check(op, &value).unwrap(), "Unknown", "{op} {value}");
        }
    }

    #[test]
    fn null_elements_of_in_lists_are_dropped() {
        let value = json!([1, null, "a"]);
        match check_operand(
            "conditions",
            &FieldPath::parse("x"),
            Operator::NotIn,
            &value,
        ) {
            Ok(Operand::OneOf { values, negated }) => {
                assert!(negated);
                assert_eq!(values.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        let only_null = json!([null]);
        assert!(matches!(
            check_operand("conditions", &FieldPath::parse("x"), Operator::In, &only_null),
            Ok(Operand::OneOf { values, .. }) if values.is_empty()
        ));
    }

    #[test]
    fn regex_keeps_its_pattern() {
        let value = json!("^a+b$");
        match check_operand("qb", &FieldPath::parse("x"), Operator::Regex, &value) {
            Ok(Operand::Regex(regex)) => assert_eq!(regex.as_str(), "^a+b$"),
            other => panic!("{other:?}"),
        }
    }
}
