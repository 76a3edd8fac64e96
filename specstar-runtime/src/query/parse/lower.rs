//! Interprets a `qb` syntax tree over a closed set of values (the `QB` root, fields,
//! conditions, sort keys, literals) and produces a [`QbQuery`]. Every construct outside that
//! vocabulary is an error pointing at its position.

use chrono::TimeDelta;
use serde_json::Value;

use super::literal::{self, MICROS_PER_DAY, arithmetic, timedelta};
use super::syntax::{Arg, BinOp, CmpOp, Expr, Logic, Node, Span, UnOp};
use super::value::{
    Lowered, Val, at, bind, count, describe_literal, err, float_micros, no_args, positional,
    scalar, scalar_list, string,
};
use super::{ParseError, QbQuery};
use crate::model::Timestamp;
use crate::query::builder::text_regex;
use crate::query::calendar::{Period, since};
use crate::query::operand::compile_regex;
use crate::query::tree::{Condition, FieldPath, MetaField, Operator, Sort};
use crate::query::validate::{check_condition, check_field, field_kind, normalize_times};
use crate::resource::{IndexKind, ResourceDescriptor};

/// Longest string `length()` can count to.
const MAX_LENGTH_BOUND: i64 = 1000;

const FIELD_METHODS: &str = "eq, ne, gt, gte, lt, lte, contains, starts_with, ends_with, regex, match, like, icontains, istarts_with, iends_with, not_contains, not_starts_with, not_ends_with, in_, one_of, not_in, between, in_range, is_null, is_not_null, has_value, exists, isna, is_true, is_false, is_truthy, is_falsy, is_empty, is_blank, length, today, yesterday, this_week, this_month, this_year, last_n_days, asc, desc";
const QUERY_METHODS: [&str; 8] = [
    "filter", "exclude", "sort", "order_by", "limit", "offset", "page", "first",
];

pub(super) fn lower(
    tree: &Node,
    descriptor: Option<&ResourceDescriptor>,
    now: Timestamp,
) -> Result<QbQuery, ParseError> {
    let ctx = Ctx { descriptor, now };
    let value = ctx.value(tree)?;
    let mut query = ctx.to_query(value, tree.span)?;
    if let Some(condition) = &mut query.condition {
        normalize_times(condition, descriptor);
    }
    Ok(query)
}

struct Ctx<'d> {
    descriptor: Option<&'d ResourceDescriptor>,
    now: Timestamp,
}

impl Ctx<'_> {
    fn value(&self, node: &Node) -> Result<Val, ParseError> {
        let span = node.span;
        match &node.expr {
            Expr::Name(name) => match name.as_str() {
                "QB" => Ok(Val::Qb),
                "True" => Ok(Val::Bool(true)),
                "False" => Ok(Val::Bool(false)),
                "None" => Ok(Val::None),
                "datetime" | "timedelta" => Err(err(
                    span.start,
                    format!("`{name}` must be called, e.g. {name}(...)"),
                )),
                _ => Err(err(
                    span.start,
                    format!(
                        "unknown name `{name}`: fields are written QB[\"{name}\"] (names available: QB, True, False, None, datetime, timedelta)"
                    ),
                )),
            },
            Expr::Int(i) => Ok(Val::Int(*i)),
            Expr::Float(f) => Ok(Val::Float(*f)),
            Expr::Str(s) => Ok(Val::Str(s.clone())),
            Expr::List(items) | Expr::Tuple(items) => Ok(Val::List(
                items
                    .iter()
                    .map(|item| Ok((self.value(item)?, item.span)))
                    .collect::<Result<_, ParseError>>()?,
            )),
            Expr::Attr(..) | Expr::Index(..) if self.field_path(node)?.is_some() => {
                let path = self
                    .field_path(node)?
                    .ok_or_else(|| err(span.start, "not a field"))?;
                self.field(path, span)
            }
            Expr::Attr(object, name) => {
                let name_pos = span.end - name.len();
                self.attribute(self.value(object)?, name, name_pos)
            }
            Expr::Index(object, key) => self.index(self.value(object)?, key, span),
            Expr::Call(callee, args) => self.call(callee, args, span),
            Expr::Unary(op, inner) => self.unary(*op, inner, span),
            Expr::Binary(op, op_span, left, right) => self.binary(*op, *op_span, left, right),
            Expr::Chain(logic, items) => {
                let conditions = items
                    .iter()
                    .map(|item| self.to_condition(self.value(item)?, item.span))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut conditions = conditions.into_iter();
                let first = conditions.next().unwrap_or(Condition::And(Vec::new()));
                Ok(Val::condition(conditions.fold(
                    first,
                    |acc, c| match logic {
                        Logic::And => acc & c,
                        Logic::Or => acc | c,
                    },
                )))
            }
            Expr::Compare(first, rest) => {
                if let Some((_, second, _)) = rest.get(1) {
                    return Err(err(
                        second.start,
                        "chained comparison: Python reads `a == 1 & b == 2` as `a == (1 & b) == 2`; put each comparison in parentheses: (QB[\"a\"] == 1) & (QB[\"b\"] == 2)",
                    ));
                }
                let Some((op, op_span, right)) = rest.first() else {
                    return self.value(first);
                };
                let left = self.value(first)?;
                let right_val = self.value(right)?;
                self.comparison(
                    *op,
                    *op_span,
                    (left, first.span),
                    (right_val, right.span),
                    span,
                )
            }
        }
    }

    // ----- fields and checks ---------------------------------------------------------------

    fn field(&self, path: FieldPath, span: Span) -> Result<Val, ParseError> {
        check_field(self.descriptor, &path, "qb").map_err(|e| at(span.start, e))?;
        Ok(Val::Field(path))
    }

    /// Checks a condition built at `span` (types against the descriptor when there is one).
    fn checked(&self, condition: Condition, span: Span) -> Result<Val, ParseError> {
        check_condition(&condition, self.descriptor, "qb").map_err(|e| at(span.start, e))?;
        Ok(Val::condition(condition))
    }

    /// The path a field expression names (`QB["a"]`, `QB.a`, `QB["a"]["b"]`), without checking
    /// that it is indexed (only the whole path is checked, not its prefixes); `None` for any
    /// other expression.
    fn field_path(&self, node: &Node) -> Result<Option<FieldPath>, ParseError> {
        let is_qb = |n: &Node| matches!(&n.expr, Expr::Name(name) if name == "QB");
        match &node.expr {
            Expr::Attr(object, name) if is_qb(object) => {
                let is_method =
                    MetaField::from_name(name).is_some() || name == "all" || name == "any";
                Ok((!is_method).then(|| FieldPath::data(name.clone())))
            }
            Expr::Index(object, key) => {
                let Expr::Str(name) = &key.expr else {
                    return Ok(None);
                };
                if name.is_empty() {
                    return Ok(None);
                }
                if is_qb(object) {
                    return Ok(Some(FieldPath::parse(name)));
                }
                match self.field_path(object)? {
                    Some(FieldPath::Data(parent)) => {
                        Ok(Some(FieldPath::data(format!("{parent}.{name}"))))
                    }
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }

    fn attribute(&self, object: Val, name: &str, pos: usize) -> Result<Val, ParseError> {
        match object {
            Val::Qb => {
                if MetaField::from_name(name).is_some() || name == "all" || name == "any" {
                    return Err(err(
                        pos,
                        format!("`QB.{name}` is a method: write QB.{name}()"),
                    ));
                }
                self.field(
                    FieldPath::data(name.to_owned()),
                    Span {
                        start: pos,
                        end: pos + name.len(),
                    },
                )
            }
            Val::Field(_) => Err(err(
                pos,
                format!(
                    "`.{name}` must be called like a method (field methods: {FIELD_METHODS}); for a nested path write QB[\"a.b\"]"
                ),
            )),
            other => Err(err(
                pos,
                format!("{} has no attribute `{name}`", other.describe()),
            )),
        }
    }

    fn index(&self, object: Val, key: &Node, span: Span) -> Result<Val, ParseError> {
        let key_value = self.value(key)?;
        let Val::Str(name) = key_value else {
            return Err(err(
                key.span.start,
                format!(
                    "a field name must be a string, e.g. QB[\"level\"], got {}",
                    key_value.describe()
                ),
            ));
        };
        if name.is_empty() {
            return Err(err(key.span.start, "a field name must not be empty"));
        }
        match object {
            Val::Qb => self.field(FieldPath::parse(&name), span),
            Val::Field(FieldPath::Data(parent)) => {
                self.field(FieldPath::data(format!("{parent}.{name}")), span)
            }
            Val::Field(FieldPath::Meta(meta)) => Err(err(
                key.span.start,
                format!("meta field `{meta}` has no nested fields"),
            )),
            other => Err(err(
                span.start,
                format!(
                    "only QB and data fields can be subscripted, not {}",
                    other.describe()
                ),
            )),
        }
    }

    // ----- calls -----------------------------------------------------------------------------

    fn args(&self, args: &[Arg]) -> Result<Vec<Lowered>, ParseError> {
        args.iter()
            .map(|arg| {
                Ok(Lowered {
                    name: arg.name.clone(),
                    value: self.value(&arg.value)?,
                    span: arg.value.span,
                })
            })
            .collect()
    }

    fn call(&self, callee: &Node, args: &[Arg], span: Span) -> Result<Val, ParseError> {
        match &callee.expr {
            Expr::Name(name) if name == "datetime" => literal::datetime(self.args(args)?, span),
            Expr::Name(name) if name == "timedelta" => timedelta(self.args(args)?, span),
            Expr::Attr(object, method) if matches!(&object.expr, Expr::Name(n) if n == "datetime") => {
                match method.as_str() {
                    "datetime" => literal::datetime(self.args(args)?, span),
                    "timedelta" => timedelta(self.args(args)?, span),
                    "now" | "utcnow" => {
                        no_args(self.args(args)?, method)?;
                        Ok(Val::Time(self.now))
                    }
                    _ => Err(err(
                        span.start,
                        format!("`datetime.{method}` is not supported"),
                    )),
                }
            }
            Expr::Attr(object, method) => {
                let receiver = self.value(object)?;
                let method_pos = callee.span.end - method.len();
                self.method(
                    receiver,
                    object.span,
                    method,
                    method_pos,
                    self.args(args)?,
                    span,
                )
            }
            _ => Err(err(
                callee.span.start,
                "only methods, datetime(...) and timedelta(...) can be called",
            )),
        }
    }

    fn method(
        &self,
        receiver: Val,
        receiver_span: Span,
        method: &str,
        pos: usize,
        args: Vec<Lowered>,
        span: Span,
    ) -> Result<Val, ParseError> {
        match receiver {
            Val::Qb => self.qb_method(method, pos, args, span),
            Val::Field(field) if QUERY_METHODS.contains(&method) => {
                let truthy = self.truthy(&field, receiver_span)?;
                self.query_method(
                    QbQuery {
                        condition: Some(truthy),
                        ..QbQuery::default()
                    },
                    method,
                    pos,
                    args,
                    span,
                )
            }
            Val::Field(field) => self.field_method(field, method, pos, args, span),
            Val::Length(field) => self.length_method(field, method, pos, args, span),
            Val::Query(query) => self.query_method(query, method, pos, args, span),
            other => Err(err(
                pos,
                format!("{} has no method `{method}`", other.describe()),
            )),
        }
    }

    fn qb_method(
        &self,
        method: &str,
        pos: usize,
        args: Vec<Lowered>,
        span: Span,
    ) -> Result<Val, ParseError> {
        if let Some(meta) = MetaField::from_name(method) {
            no_args(args, method)?;
            return Ok(Val::Field(FieldPath::Meta(meta)));
        }
        match method {
            "all" | "any" => {
                let conditions = positional(args, method)?
                    .into_iter()
                    .map(|(value, span)| self.to_condition(value, span))
                    .collect::<Result<Vec<_>, _>>()?;
                if method == "all" {
                    if conditions.is_empty() {
                        return Ok(Val::Query(QbQuery::default()));
                    }
                    return Ok(Val::condition(Condition::all(conditions)));
                }
                if conditions.is_empty() {
                    return Err(err(span.start, "QB.any() needs at least one condition"));
                }
                Ok(Val::condition(Condition::any(conditions)))
            }
            _ => Err(err(
                pos,
                format!(
                    "unknown QB method `{method}`: QB has all(), any() and the meta fields resource_id(), created_time(), …; a data field is written QB[\"{method}\"]"
                ),
            )),
        }
    }

    fn field_method(
        &self,
        field: FieldPath,
        method: &str,
        pos: usize,
        args: Vec<Lowered>,
        span: Span,
    ) -> Result<Val, ParseError> {
        let compare = |op: Operator, value: Value| Condition::compare(field.clone(), op, value);
        let one = |args: Vec<Lowered>, param: &str| -> Result<(Val, Span), ParseError> {
            let mut slots = bind(args, &[param], 1, method, pos)?;
            slots.remove(0).ok_or_else(|| err(pos, "missing argument"))
        };
        let condition = match method {
            "eq" | "ne" | "gt" | "gte" | "lt" | "lte" | "contains" | "not_contains" => {
                let op = match method {
                    "eq" => Operator::Eq,
                    "ne" => Operator::Ne,
                    "gt" => Operator::Gt,
                    "gte" => Operator::Gte,
                    "lt" => Operator::Lt,
                    "lte" => Operator::Lte,
                    _ => Operator::Contains,
                };
                let (value, value_span) = one(args, "value")?;
                let c = compare(op, scalar(value, value_span)?);
                if method == "not_contains" { !c } else { c }
            }
            "starts_with" | "ends_with" | "not_starts_with" | "not_ends_with" => {
                let (value, value_span) = one(args, "value")?;
                let text = string(value, value_span)?;
                let op = if method.ends_with("starts_with") {
                    Operator::StartsWith
                } else {
                    Operator::EndsWith
                };
                let c = compare(op, Value::String(text));
                if method.starts_with("not_") { !c } else { c }
            }
            "regex" | "match" | "like" | "icontains" | "istarts_with" | "iends_with" => {
                let (value, value_span) = one(args, "pattern")?;
                let text = string(value, value_span)?;
                let pattern = match method {
                    "like" => text_regex::like(&text),
                    "icontains" => text_regex::icontains(&text),
                    "istarts_with" => text_regex::istarts_with(&text),
                    "iends_with" => text_regex::iends_with(&text),
                    _ => text,
                };
                compile_regex(&pattern)
                    .map_err(|p| err(value_span.start, format!("the regex {p}")))?;
                compare(Operator::Regex, Value::String(pattern))
            }
            "in_" | "one_of" | "not_in" => {
                let values = positional(args, method)?;
                let items = match values.len() {
                    0 => {
                        return Err(err(
                            span.start,
                            format!("{method}() needs a list of values"),
                        ));
                    }
                    1 if matches!(values[0].0, Val::List(_)) => match values.into_iter().next() {
                        Some((Val::List(items), _)) => items,
                        _ => Vec::new(),
                    },
                    _ => values,
                };
                let op = if method == "not_in" {
                    Operator::NotIn
                } else {
                    Operator::In
                };
                compare(op, scalar_list(items)?)
            }
            "between" | "in_range" => {
                let mut slots = bind(args, &["low", "high"], 2, method, pos)?;
                let (low, low_span) = slots.remove(0).ok_or_else(|| err(pos, "missing `low`"))?;
                let (high, high_span) =
                    slots.remove(0).ok_or_else(|| err(pos, "missing `high`"))?;
                compare(Operator::Gte, scalar(low, low_span)?)
                    & compare(Operator::Lte, scalar(high, high_span)?)
            }
            "is_null" | "exists" | "isna" => {
                let mut slots = bind(args, &["value"], 0, method, pos)?;
                let flag = match slots.remove(0) {
                    None => true,
                    Some((Val::Bool(b), _)) => b,
                    Some((other, s)) => {
                        return Err(err(
                            s.start,
                            format!("{method}() takes True or False, got {}", other.describe()),
                        ));
                    }
                };
                let op = match method {
                    "is_null" => Operator::IsNull,
                    "exists" => Operator::Exists,
                    _ => Operator::IsNa,
                };
                compare(op, Value::Bool(flag))
            }
            "is_not_null" | "has_value" | "is_true" | "is_false" => {
                no_args(args, method)?;
                match method {
                    "is_not_null" => compare(Operator::IsNull, Value::Bool(false)),
                    "has_value" => compare(Operator::IsNa, Value::Bool(false)),
                    "is_true" => compare(Operator::Eq, Value::Bool(true)),
                    _ => compare(Operator::Eq, Value::Bool(false)),
                }
            }
            "is_truthy" | "is_falsy" | "is_empty" | "is_blank" => {
                no_args(args, method)?;
                match method {
                    "is_truthy" => self.truthy(&field, span)?,
                    "is_falsy" => self.falsy(&field, span)?,
                    _ => self.emptiness(&field, method == "is_blank", span)?,
                }
            }
            "length" => {
                no_args(args, method)?;
                if let Some((kind, list)) = field_kind(self.descriptor, &field)
                    && (list || !matches!(kind, IndexKind::String | IndexKind::Any))
                {
                    return Err(err(
                        pos,
                        format!("length() applies to string fields, and `{field}` is not one"),
                    ));
                }
                return Ok(Val::Length(field));
            }
            "today" | "yesterday" | "this_week" | "this_month" | "this_year" => {
                no_args(args, method)?;
                let period = match method {
                    "today" => Period::Today,
                    "yesterday" => Period::Yesterday,
                    "this_week" => Period::ThisWeek,
                    "this_month" => Period::ThisMonth,
                    _ => Period::ThisYear,
                };
                period.condition(field.clone(), self.now)
            }
            "last_n_days" => {
                let (value, value_span) = one(args, "n")?;
                let micros = match value {
                    Val::Int(days) if days >= 0 => days.checked_mul(MICROS_PER_DAY),
                    Val::Float(days) if days >= 0.0 => float_micros(days * MICROS_PER_DAY as f64),
                    Val::Delta(micros) if micros >= 0 => Some(micros),
                    other => {
                        return Err(err(
                            value_span.start,
                            format!(
                                "last_n_days() takes a non-negative number of days or a timedelta, got {}",
                                describe_literal(&other)
                            ),
                        ));
                    }
                };
                let micros = micros
                    .ok_or_else(|| err(value_span.start, "last_n_days() span is too large"))?;
                since(field.clone(), self.now, TimeDelta::microseconds(micros))
            }
            "asc" | "desc" => {
                no_args(args, method)?;
                return Ok(Val::Sort(if method == "asc" {
                    Sort::asc(field)
                } else {
                    Sort::desc(field)
                }));
            }
            _ => {
                return Err(err(
                    pos,
                    format!("unknown field method `{method}` (field methods: {FIELD_METHODS})"),
                ));
            }
        };
        self.checked(condition, span)
    }

    fn length_method(
        &self,
        field: FieldPath,
        method: &str,
        pos: usize,
        args: Vec<Lowered>,
        span: Span,
    ) -> Result<Val, ParseError> {
        let cmp = match method {
            "eq" => CmpOp::Eq,
            "ne" => CmpOp::Ne,
            "gt" => CmpOp::Gt,
            "gte" => CmpOp::Ge,
            "lt" => CmpOp::Lt,
            "lte" => CmpOp::Le,
            "between" | "in_range" => {
                let mut slots = bind(args, &["low", "high"], 2, method, pos)?;
                let (low, low_span) = slots.remove(0).ok_or_else(|| err(pos, "missing `low`"))?;
                let (high, high_span) =
                    slots.remove(0).ok_or_else(|| err(pos, "missing `high`"))?;
                let c = length_condition(&field, CmpOp::Ge, length_bound(low, low_span)?)
                    & length_condition(&field, CmpOp::Le, length_bound(high, high_span)?);
                return self.checked(c, span);
            }
            _ => {
                return Err(err(
                    pos,
                    format!(
                        "a length supports eq, ne, gt, gte, lt, lte, between and comparisons, not `{method}`"
                    ),
                ));
            }
        };
        let mut slots = bind(args, &["value"], 1, method, pos)?;
        let (value, value_span) = slots.remove(0).ok_or_else(|| err(pos, "missing `value`"))?;
        let c = length_condition(&field, cmp, length_bound(value, value_span)?);
        self.checked(c, span)
    }

    fn query_method(
        &self,
        mut query: QbQuery,
        method: &str,
        pos: usize,
        args: Vec<Lowered>,
        span: Span,
    ) -> Result<Val, ParseError> {
        match method {
            "filter" | "exclude" => {
                let conditions = positional(args, method)?
                    .into_iter()
                    .map(|(value, span)| self.to_condition(value, span))
                    .collect::<Result<Vec<_>, _>>()?;
                if conditions.is_empty() {
                    return Err(err(span.start, format!(".{method}() needs a condition")));
                }
                let added = if method == "filter" {
                    Condition::all(conditions)
                } else {
                    !Condition::all(conditions)
                };
                query.condition = Some(match query.condition.take() {
                    None => added,
                    Some(existing) => existing & added,
                });
            }
            "sort" | "order_by" => {
                let keys = positional(args, method)?;
                if keys.is_empty() {
                    return Err(err(span.start, format!(".{method}() needs sort keys")));
                }
                for (key, key_span) in keys {
                    self.sort_keys(key, key_span, &mut query.sorts)?;
                }
            }
            "limit" | "offset" => {
                let mut slots = bind(args, &["n"], 1, method, pos)?;
                let (value, value_span) = slots.remove(0).ok_or_else(|| err(pos, "missing `n`"))?;
                let n = count(value, value_span, method)?;
                if method == "limit" {
                    query.limit = Some(n);
                } else {
                    query.offset = Some(n);
                }
            }
            "page" => {
                let mut slots = bind(args, &["page", "size"], 2, method, pos)?;
                let (page, page_span) =
                    slots.remove(0).ok_or_else(|| err(pos, "missing `page`"))?;
                let (size, size_span) =
                    slots.remove(0).ok_or_else(|| err(pos, "missing `size`"))?;
                let page = count(page, page_span, "page")?;
                let size = count(size, size_span, "page size")?;
                if page == 0 {
                    return Err(err(page_span.start, "pages are numbered from 1"));
                }
                let offset = (page - 1)
                    .checked_mul(size)
                    .ok_or_else(|| err(page_span.start, "page is too large"))?;
                query.offset = Some(offset);
                query.limit = Some(size);
            }
            "first" => {
                no_args(args, method)?;
                query.limit = Some(1);
            }
            _ => {
                return Err(err(
                    pos,
                    format!(
                        "unknown query method `{method}` (query methods: {})",
                        QUERY_METHODS.join(", ")
                    ),
                ));
            }
        }
        Ok(Val::Query(query))
    }

    fn sort_keys(&self, key: Val, span: Span, sorts: &mut Vec<Sort>) -> Result<(), ParseError> {
        let sort = match key {
            Val::Sort(sort) => sort,
            Val::Field(field) => Sort::asc(field),
            Val::Str(text) => {
                let (direction_desc, name) = match text.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, text.strip_prefix('+').unwrap_or(&text)),
                };
                if name.is_empty() {
                    return Err(err(
                        span.start,
                        "a sort key needs a field name, e.g. \"-created_time\"",
                    ));
                }
                let field = FieldPath::parse(name);
                if direction_desc {
                    Sort::desc(field)
                } else {
                    Sort::asc(field)
                }
            }
            Val::List(items) => {
                for (item, item_span) in items {
                    if matches!(item, Val::List(_)) {
                        return Err(err(item_span.start, "sort keys cannot be nested lists"));
                    }
                    self.sort_keys(item, item_span, sorts)?;
                }
                return Ok(());
            }
            other => {
                return Err(err(
                    span.start,
                    format!(
                        "a sort key is a string like \"-created_time\" or field.asc()/field.desc(), got {}",
                        other.describe()
                    ),
                ));
            }
        };
        check_field(self.descriptor, &sort.field, "qb").map_err(|e| at(span.start, e))?;
        sorts.push(sort);
        Ok(())
    }

    // ----- truthiness ------------------------------------------------------------------------

    fn list_refused(&self, field: &FieldPath, span: Span, what: &str) -> Result<(), ParseError> {
        if let Some((_, true)) = field_kind(self.descriptor, field) {
            return Err(err(
                span.start,
                format!("{what} cannot be tested on list field `{field}`; use contains(...)"),
            ));
        }
        Ok(())
    }

    /// Missing, null, `false`, `0` or `""` (what the kind allows).
    fn falsy(&self, field: &FieldPath, span: Span) -> Result<Condition, ParseError> {
        self.list_refused(field, span, "truthiness")?;
        let c = |op: Operator, value: Value| Condition::compare(field.clone(), op, value);
        let isna = c(Operator::IsNa, Value::Bool(true));
        Ok(
            match field_kind(self.descriptor, field).map(|(kind, _)| kind) {
                Some(IndexKind::String) => isna | c(Operator::Eq, Value::from("")),
                Some(IndexKind::Integer | IndexKind::Float) => {
                    isna | c(Operator::Eq, Value::from(0))
                }
                Some(IndexKind::Boolean) => isna | c(Operator::Eq, Value::Bool(false)),
                Some(IndexKind::DateTime) => isna,
                Some(IndexKind::Any) | None => Condition::Or(vec![
                    isna,
                    c(Operator::Eq, Value::Bool(false)),
                    c(Operator::Eq, Value::from(0)),
                    c(Operator::Eq, Value::from("")),
                ]),
            },
        )
    }

    fn truthy(&self, field: &FieldPath, span: Span) -> Result<Condition, ParseError> {
        let falsy = self.falsy(field, span)?;
        let truthy = !falsy;
        check_condition(&truthy, self.descriptor, "qb").map_err(|e| at(span.start, e))?;
        Ok(truthy)
    }

    /// `is_empty`: missing, null or `""`; `is_blank`: also only whitespace.
    fn emptiness(
        &self,
        field: &FieldPath,
        blank: bool,
        span: Span,
    ) -> Result<Condition, ParseError> {
        self.list_refused(field, span, if blank { "blankness" } else { "emptiness" })?;
        let isna = Condition::compare(field.clone(), Operator::IsNa, true);
        let textual = matches!(
            field_kind(self.descriptor, field).map(|(kind, _)| kind),
            Some(IndexKind::String | IndexKind::Any) | None
        );
        if !textual {
            return Ok(isna);
        }
        Ok(if blank {
            isna | Condition::compare(field.clone(), Operator::Regex, r"^\s*$")
        } else {
            isna | Condition::compare(field.clone(), Operator::Eq, "")
        })
    }

    // ----- operators -------------------------------------------------------------------------

    fn to_condition(&self, value: Val, span: Span) -> Result<Condition, ParseError> {
        match value {
            Val::Field(field) => self.truthy(&field, span),
            Val::Query(query) => {
                if !query.sorts.is_empty() || query.limit.is_some() || query.offset.is_some() {
                    return Err(err(
                        span.start,
                        "sorting and paging (.sort, .limit, .offset, .page, .first) must come last, after the conditions are combined",
                    ));
                }
                Ok(query.condition.unwrap_or(Condition::And(Vec::new())))
            }
            Val::Qb => Err(err(
                span.start,
                "QB alone is not a condition; write e.g. QB[\"x\"] == 1",
            )),
            Val::Length(_) => Err(err(
                span.start,
                "a length needs a comparison, e.g. QB[\"name\"].length() > 3",
            )),
            Val::Sort(_) => Err(err(
                span.start,
                "a sort key is not a condition; pass it to .sort(...)",
            )),
            other => Err(err(
                span.start,
                format!(
                    "expected a condition, got {}; `&`, `|` and `~` bind tighter than comparisons, so parenthesise each comparison: (QB[\"a\"] == 1) & (QB[\"b\"] > 2)",
                    other.describe()
                ),
            )),
        }
    }

    fn to_query(&self, value: Val, span: Span) -> Result<QbQuery, ParseError> {
        match value {
            Val::Query(query) => Ok(query),
            other => Ok(QbQuery {
                condition: Some(self.to_condition(other, span)?),
                ..QbQuery::default()
            }),
        }
    }

    fn unary(&self, op: UnOp, inner: &Node, span: Span) -> Result<Val, ParseError> {
        let value = self.value(inner)?;
        match (op, value) {
            (UnOp::Invert, value) => Ok(Val::condition(!self.to_condition(value, inner.span)?)),
            (UnOp::Neg, Val::Int(i)) => i
                .checked_neg()
                .map(Val::Int)
                .ok_or_else(|| err(span.start, "integer overflow")),
            (UnOp::Neg, Val::Float(f)) => Ok(Val::Float(-f)),
            (UnOp::Neg, Val::Delta(d)) => d
                .checked_neg()
                .map(Val::Delta)
                .ok_or_else(|| err(span.start, "timedelta out of range")),
            (UnOp::Pos, value @ (Val::Int(_) | Val::Float(_) | Val::Delta(_))) => Ok(value),
            (_, other) => Err(err(
                span.start,
                format!(
                    "unary `{}` does not apply to {}",
                    if op == UnOp::Neg { "-" } else { "+" },
                    other.describe()
                ),
            )),
        }
    }

    fn binary(
        &self,
        op: BinOp,
        op_span: Span,
        left: &Node,
        right: &Node,
    ) -> Result<Val, ParseError> {
        let pos = op_span.start;
        match op {
            BinOp::Xor => return Err(err(pos, "`^` is not supported; use `|` for or")),
            BinOp::FloorDiv | BinOp::MatMul | BinOp::Pow => {
                return Err(err(pos, format!("`{}` is not supported", op.symbol())));
            }
            _ => {}
        }
        let l = self.value(left)?;
        let r = self.value(right)?;
        let span = left.span.to(right.span);
        match (op, l, r) {
            (BinOp::LShift, Val::Field(field), Val::List(items)) => {
                let c = Condition::compare(field, Operator::In, scalar_list(items)?);
                self.checked(c, span)
            }
            (BinOp::LShift, Val::Field(_), other) => Err(err(
                right.span.start,
                format!(
                    "`<<` (in) needs a list or tuple on the right, got {}",
                    other.describe()
                ),
            )),
            (BinOp::RShift, Val::Field(field), value) => {
                let c = Condition::compare(field, Operator::Contains, scalar(value, right.span)?);
                self.checked(c, span)
            }
            (BinOp::Mod, Val::Field(field), value) => {
                let pattern = string(value, right.span)?;
                compile_regex(&pattern)
                    .map_err(|p| err(right.span.start, format!("the regex {p}")))?;
                self.checked(Condition::compare(field, Operator::Regex, pattern), span)
            }
            (BinOp::LShift | BinOp::RShift | BinOp::Mod, other, _) => Err(err(
                pos,
                format!(
                    "`{}` needs a field on the left (e.g. QB[\"x\"] {} …), got {}",
                    op.symbol(),
                    op.symbol(),
                    other.describe()
                ),
            )),
            (op, l, r) => arithmetic(op, pos, l, r),
        }
    }

    fn comparison(
        &self,
        op: CmpOp,
        op_span: Span,
        (left, left_span): (Val, Span),
        (right, right_span): (Val, Span),
        span: Span,
    ) -> Result<Val, ParseError> {
        let flipped = |op: CmpOp| match op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            same => same,
        };
        let operator = |op: CmpOp| match op {
            CmpOp::Eq => Operator::Eq,
            CmpOp::Ne => Operator::Ne,
            CmpOp::Lt => Operator::Lt,
            CmpOp::Le => Operator::Lte,
            CmpOp::Gt => Operator::Gt,
            CmpOp::Ge => Operator::Gte,
        };
        match (left, right) {
            (Val::Field(_) | Val::Length(_), Val::Field(_) | Val::Length(_)) => Err(err(
                op_span.start,
                "cannot compare two fields; compare a field with a value",
            )),
            (Val::Field(field), value) => {
                let c = Condition::compare(field, operator(op), scalar(value, right_span)?);
                self.checked(c, span)
            }
            (value, Val::Field(field)) => {
                let c = Condition::compare(field, operator(flipped(op)), scalar(value, left_span)?);
                self.checked(c, span)
            }
            (Val::Length(field), value) => {
                let c = length_condition(&field, op, length_bound(value, right_span)?);
                self.checked(c, span)
            }
            (value, Val::Length(field)) => {
                let c = length_condition(&field, flipped(op), length_bound(value, left_span)?);
                self.checked(c, span)
            }
            (left, right) => {
                let (side, which) = if matches!(left, Val::Query(_)) {
                    (left_span, &left)
                } else {
                    (right_span, &right)
                };
                let hint = if matches!(which, Val::Query(_)) {
                    "; `&` and `|` bind tighter than comparisons, so parenthesise each comparison: (QB[\"a\"] == 1) & (QB[\"b\"] == 2)"
                } else {
                    ""
                };
                Err(err(
                    side.start.min(op_span.start),
                    format!(
                        "`{}` compares a field with a value, not {} with {}{hint}",
                        op.symbol(),
                        left.describe(),
                        right.describe()
                    ),
                ))
            }
        }
    }
}

fn length_bound(value: Val, span: Span) -> Result<i64, ParseError> {
    match value {
        Val::Int(n) if n <= MAX_LENGTH_BOUND => Ok(n),
        Val::Int(_) => Err(err(
            span.start,
            format!("length bounds above {MAX_LENGTH_BOUND} are not supported"),
        )),
        other => Err(err(
            span.start,
            format!(
                "a length is compared with an integer, got {}",
                describe_literal(&other)
            ),
        )),
    }
}

/// `length(field) op n` for strings, as an anchored regex counting characters.
fn length_condition(field: &FieldPath, op: CmpOp, n: i64) -> Condition {
    const NEVER: &str = r"[^\s\S]";
    let regex = |pattern: String| Condition::compare(field.clone(), Operator::Regex, pattern);
    let at_least = |n: i64| regex(format!("^(?s:.){{{}}}", n.max(0)));
    let at_most = |n: i64| {
        if n < 0 {
            regex(NEVER.to_owned())
        } else {
            regex(format!("^(?s:.){{0,{n}}}$"))
        }
    };
    let exactly = |n: i64| {
        if n < 0 {
            regex(NEVER.to_owned())
        } else {
            regex(format!("^(?s:.){{{n}}}$"))
        }
    };
    match op {
        CmpOp::Eq => exactly(n),
        CmpOp::Ne => !exactly(n),
        CmpOp::Gt => at_least(n.saturating_add(1)),
        CmpOp::Ge => at_least(n),
        CmpOp::Lt => at_most(n.saturating_sub(1)),
        CmpOp::Le => at_most(n),
    }
}
