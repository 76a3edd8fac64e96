//! The values met while interpreting a `qb` expression, their conversion to JSON operands,
//! and how call arguments bind to parameters.

use serde_json::Value;

use super::syntax::Span;
use super::{ParseError, QbQuery};
use crate::model::{Error, Timestamp, wire_time};
use crate::query::tree::{Condition, FieldPath, Sort};

/// A value met while interpreting the expression.
#[derive(Debug, Clone)]
pub(super) enum Val {
    Qb,
    Field(FieldPath),
    Length(FieldPath),
    Query(QbQuery),
    Sort(Sort),
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Time(Timestamp),
    /// A `timedelta`, in microseconds.
    Delta(i64),
    List(Vec<(Val, Span)>),
}

impl Val {
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Val::Qb => "QB",
            Val::Field(_) => "a field",
            Val::Length(_) => "a field's length",
            Val::Query(_) => "a condition",
            Val::Sort(_) => "a sort key",
            Val::None => "None",
            Val::Bool(_) => "a boolean",
            Val::Int(_) | Val::Float(_) => "a number",
            Val::Str(_) => "a string",
            Val::Time(_) => "a datetime",
            Val::Delta(_) => "a timedelta",
            Val::List(_) => "a list",
        }
    }

    pub(super) fn condition(condition: Condition) -> Val {
        Val::Query(QbQuery {
            condition: Some(condition),
            ..QbQuery::default()
        })
    }
}

pub(super) fn err(pos: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        pos,
        message: message.into(),
    }
}

/// A `BadQuery` from validation, re-positioned.
pub(super) fn at(pos: usize, error: Error) -> ParseError {
    match error {
        Error::BadQuery { message, .. } => err(pos, message),
        other => err(pos, other.to_string()),
    }
}

/// An argument after interpretation.
pub(super) struct Lowered {
    pub(super) name: Option<(String, Span)>,
    pub(super) value: Val,
    pub(super) span: Span,
}

pub(super) fn bind(
    args: Vec<Lowered>,
    params: &[&str],
    required: usize,
    what: &str,
    pos: usize,
) -> Result<Vec<Option<(Val, Span)>>, ParseError> {
    let mut slots: Vec<Option<(Val, Span)>> = params.iter().map(|_| None).collect();
    let mut next = 0;
    for arg in args {
        let index = match &arg.name {
            None => {
                if next >= params.len() {
                    return Err(err(
                        arg.span.start,
                        format!(
                            "{what}() takes {} argument{}",
                            if params.len() == required {
                                params.len().to_string()
                            } else {
                                format!("at most {}", params.len())
                            },
                            if params.len() == 1 { "" } else { "s" }
                        ),
                    ));
                }
                next += 1;
                next - 1
            }
            Some((name, name_span)) => match params.iter().position(|p| p == name) {
                Some(i) => i,
                None => {
                    return Err(err(
                        name_span.start,
                        format!(
                            "{what}() has no parameter `{name}` (parameters: {})",
                            params.join(", ")
                        ),
                    ));
                }
            },
        };
        if slots[index].is_some() {
            return Err(err(
                arg.span.start,
                format!("{what}() got `{}` twice", params[index]),
            ));
        }
        slots[index] = Some((arg.value, arg.span));
    }
    if let Some(missing) = (0..required).find(|i| slots[*i].is_none()) {
        return Err(err(pos, format!("{what}() needs `{}`", params[missing])));
    }
    Ok(slots)
}

pub(super) fn positional(args: Vec<Lowered>, what: &str) -> Result<Vec<(Val, Span)>, ParseError> {
    args.into_iter()
        .map(|arg| match arg.name {
            Some((name, span)) => Err(err(
                span.start,
                format!("{what}() takes no keyword arguments (got `{name}`)"),
            )),
            None => Ok((arg.value, arg.span)),
        })
        .collect()
}

pub(super) fn no_args(args: Vec<Lowered>, what: &str) -> Result<(), ParseError> {
    match args.first() {
        Some(arg) => Err(err(arg.span.start, format!("{what}() takes no arguments"))),
        None => Ok(()),
    }
}

pub(super) fn describe_literal(value: &Val) -> String {
    match value {
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        other => other.describe().to_owned(),
    }
}

/// A comparison operand as JSON.
pub(super) fn scalar(value: Val, span: Span) -> Result<Value, ParseError> {
    match value {
        Val::None => Ok(Value::Null),
        Val::Bool(b) => Ok(Value::Bool(b)),
        Val::Int(i) => Ok(Value::from(i)),
        Val::Float(f) => Ok(Value::from(f)),
        Val::Str(s) => Ok(Value::String(s)),
        Val::Time(t) => Ok(Value::String(wire_time::format(&t))),
        other => Err(err(
            span.start,
            format!(
                "expected a value (number, string, boolean, None or datetime), got {}",
                other.describe()
            ),
        )),
    }
}

pub(super) fn scalar_list(items: Vec<(Val, Span)>) -> Result<Value, ParseError> {
    items
        .into_iter()
        .map(|(value, span)| scalar(value, span))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

pub(super) fn string(value: Val, span: Span) -> Result<String, ParseError> {
    match value {
        Val::Str(s) => Ok(s),
        other => Err(err(
            span.start,
            format!("expected a string, got {}", other.describe()),
        )),
    }
}

pub(super) fn count(value: Val, span: Span, what: &str) -> Result<usize, ParseError> {
    match value {
        Val::Int(n) if n >= 0 => {
            usize::try_from(n).map_err(|_| err(span.start, format!("{what} is too large")))
        }
        other => Err(err(
            span.start,
            format!(
                "{what} must be a non-negative integer, got {}",
                describe_literal(&other)
            ),
        )),
    }
}

pub(super) fn float_micros(micros: f64) -> Option<i64> {
    (micros.is_finite() && micros.abs() < 9.2e18).then(|| micros.round() as i64)
}
