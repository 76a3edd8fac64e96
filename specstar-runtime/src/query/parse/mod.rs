//! The parser of the HTTP `qb=` query-builder expression.
//!
//! The expression is Python syntax over a closed vocabulary; it is tokenized, parsed into a
//! syntax tree and then *interpreted* over a handful of safe value types (fields, conditions,
//! literals) — never evaluated as code. Operator precedence is Python's, so comparisons bind
//! more loosely than `&`/`|`: write `(QB["a"] == 1) & (QB["b"] == 2)`. A chained comparison
//! such as `QB["a"] == 1 & QB["b"] == 2` (which Python reads as
//! `QB["a"] == (1 & QB["b"]) == 2`) is rejected with a hint.
//!
//! # Vocabulary
//!
//! - Fields: `QB["level"]`, `QB["stats.hp"]`, `QB["stats"]["hp"]`, `QB.level`; meta fields
//!   `QB.resource_id()`, `QB.created_time()`, … (the 14 names of `ResourceMeta`).
//!   `QB["created_time"]` is the meta field too, as in the `conditions` JSON.
//! - Comparisons `== != > >= < <=` (either side may be the field); `&` and, `|` or, `~` not,
//!   `field << [..]` in, `field >> v` contains, `field % "re"` regex.
//! - Field methods: `eq ne gt gte lt lte`, `contains starts_with ends_with regex match like
//!   icontains istarts_with iends_with not_contains not_starts_with not_ends_with`,
//!   `in_ one_of not_in` (a list/tuple or several values), `between in_range` (inclusive),
//!   `is_null is_not_null has_value exists isna` (`is_null`, `exists`, `isna` take an
//!   optional bool), `is_true is_false is_truthy is_falsy is_empty is_blank`, `length()`
//!   (then a comparison or `between`), `today yesterday this_week this_month this_year
//!   last_n_days(n | timedelta)`, `asc desc`.
//! - `QB.all(c, …)` (none: matches everything), `QB.any(c, …)` (at least one).
//! - Query methods on a condition: `.filter(c, …)`, `.exclude(c, …)` (excludes what matches
//!   all of them), `.sort(keys…)` / `.order_by(…)` with `"-created_time"`, `"+name"`,
//!   `"name"` or `field.asc()`/`field.desc()`, `.limit(n)`, `.offset(n)`, `.page(n, size)`
//!   (1-based), `.first()` (limit 1).
//! - Literals: integers, floats, strings in both quote styles with Python escapes (and `r"…"`
//!   raw strings), `True`, `False`, `None`, lists, tuples, `datetime(y, m, d[, h, mi, s[,
//!   us]])` (UTC; also `datetime.datetime(...)`, `datetime.now()`), `timedelta(days=, hours=,
//!   minutes=, seconds=, milliseconds=, microseconds=, weeks=)`; `datetime ± timedelta`,
//!   `timedelta ± timedelta`, `timedelta * number` and plain number arithmetic.
//!
//! # Meaning of the helpers (compiled to the 15 operators)
//!
//! - A bare field (`QB["active"]`, also as an operand of `&`, `|`, `~`) means `is_truthy()`:
//!   present, not null, and not `false` / `0` / `""`. `is_falsy()` is the opposite (missing
//!   and null are falsy). With a descriptor the test uses the field's kind (e.g. `!= 0` for
//!   numbers); truthiness of list fields is refused (it cannot be expressed).
//! - `is_empty()`: missing, null or `""`; `is_blank()`: missing, null or only whitespace.
//! - `icontains`/`istarts_with`/`iends_with` compile to `regex` with `(?i)` and an escaped
//!   literal; `like` (`%`, `_`) to an anchored `regex`; `match` is `regex` (a search).
//! - `not_contains(x)` is `~contains(x)`: like every negation it does not match a missing
//!   or null value.
//! - `length()` of a string compiles to an anchored `regex` counting characters; it does not
//!   apply to lists.
//! - Calendar helpers are UTC, half-open ranges from now: days from midnight, weeks from
//!   Monday, months from the 1st; `last_n_days(n)` is `>= now - n days`.
//! - `== None` is `eq null`, which never matches (use `is_null()` or `isna()`).

mod lexer;
mod literal;
mod lower;
mod syntax;
mod value;

use crate::model::{Error, Result, Timestamp, now};
use crate::resource::ResourceDescriptor;

use super::tree::{Condition, Query, Sort};

/// What a `qb` expression says: a condition, sort keys and paging. URL `limit`/`offset`
/// override the expression's paging when given, so those stay optional here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QbQuery {
    /// `None` when the expression puts no condition (`QB.all()`).
    pub condition: Option<Condition>,
    pub sorts: Vec<Sort>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl QbQuery {
    /// The query to run (offset 0 when the expression has none).
    pub fn into_query(self) -> Query {
        Query {
            condition: self.condition,
            sorts: self.sorts,
            limit: self.limit,
            offset: self.offset.unwrap_or(0),
        }
    }
}

impl From<QbQuery> for Query {
    fn from(qb: QbQuery) -> Query {
        qb.into_query()
    }
}

/// A parse error at a byte position of the expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    pub(crate) pos: usize,
    pub(crate) message: String,
}

/// Longest expression accepted, in bytes.
const MAX_LEN: usize = 16 * 1024;

/// Parses a `qb` expression. With `descriptor`, data fields must be indexed, literals must
/// fit the fields' types (each checked where it is written), and truthiness tests use the
/// field's kind; time literals compared with time fields are normalised to the wire format.
/// Calendar helpers are relative to [`model::now()`](crate::model::now).
///
/// Errors are `Error::BadQuery { parameter: "qb", .. }` whose message gives the byte position
/// and a caret under the offending spot.
///
/// ```
/// # use specstar_runtime::query::{parse_qb, Condition, FieldPath, Operator, Sort};
/// let qb = parse_qb(r#"((QB["level"] >= 3) & QB["name"].starts_with("A")).sort("-level").limit(5)"#, None)?;
/// assert_eq!(
///     qb.condition,
///     Some(Condition::compare(FieldPath::parse("level"), Operator::Gte, 3)
///         & Condition::compare(FieldPath::parse("name"), Operator::StartsWith, "A"))
/// );
/// assert_eq!(qb.sorts, vec![Sort::desc(FieldPath::parse("level"))]);
/// assert_eq!(qb.limit, Some(5));
///
/// let err = parse_qb(r#"QB["a"] == 1 & QB["b"] == 2"#, None).unwrap_err();
/// assert!(err.to_string().contains("chained comparison"));
/// # Ok::<(), specstar_runtime::Error>(())
/// ```
pub fn parse_qb(expression: &str, descriptor: Option<&ResourceDescriptor>) -> Result<QbQuery> {
    parse_qb_at(expression, descriptor, now())
}

/// [`parse_qb`] with an explicit "now" for the calendar helpers and `datetime.now()`.
pub fn parse_qb_at(
    expression: &str,
    descriptor: Option<&ResourceDescriptor>,
    now: Timestamp,
) -> Result<QbQuery> {
    parse_inner(expression, descriptor, now).map_err(|e| to_error(expression, &e))
}

fn parse_inner(
    expression: &str,
    descriptor: Option<&ResourceDescriptor>,
    now: Timestamp,
) -> std::result::Result<QbQuery, ParseError> {
    if expression.len() > MAX_LEN {
        return Err(ParseError {
            pos: MAX_LEN,
            message: format!("expression is too long (at most {MAX_LEN} bytes)"),
        });
    }
    if expression.trim().is_empty() {
        return Err(ParseError {
            pos: 0,
            message: "empty expression".to_owned(),
        });
    }
    let tokens = lexer::tokenize(expression)?;
    let tree = syntax::parse(&tokens)?;
    lower::lower(&tree, descriptor, now)
}

/// `Error::BadQuery` naming `qb`, with the position and a caret excerpt.
fn to_error(src: &str, e: &ParseError) -> Error {
    let mut pos = e.pos.min(src.len());
    while !src.is_char_boundary(pos) {
        pos -= 1;
    }
    let line_start = src[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[pos..].find('\n').map_or(src.len(), |i| pos + i);
    let line = &src[line_start..line_end];
    let column = src[line_start..pos].chars().count();
    // A window of at most 80 characters around the position.
    const BEFORE: usize = 50;
    const WIDTH: usize = 80;
    let skip = column.saturating_sub(BEFORE);
    let shown: String = line.chars().skip(skip).take(WIDTH).collect();
    let mut excerpt = String::new();
    let mut caret_at = column - skip;
    if skip > 0 {
        excerpt.push_str("...");
        caret_at += 3;
    }
    excerpt.push_str(&shown.replace('\t', " "));
    if line.chars().count() > skip + WIDTH {
        excerpt.push_str("...");
    }
    Error::bad_query(
        "qb",
        format!(
            "{} at byte {}\n  {}\n  {}^",
            e.message,
            pos,
            excerpt,
            " ".repeat(caret_at)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(src: &str) -> String {
        match parse_qb(src, None) {
            Err(Error::BadQuery { parameter, message }) => {
                assert_eq!(parameter, "qb");
                message
            }
            other => panic!("{src}: {other:?}"),
        }
    }

    #[test]
    fn errors_show_a_caret_under_the_position() {
        assert_eq!(
            message("QB[\"a\"] == 1 & QB[\"b\"] == 2"),
            "chained comparison: Python reads `a == 1 & b == 2` as `a == (1 & b) == 2`; put each comparison in parentheses: (QB[\"a\"] == 1) & (QB[\"b\"] == 2) at byte 23\n  QB[\"a\"] == 1 & QB[\"b\"] == 2\n                         ^"
        );
        let long = format!("{}QB[\"x\"] === 1", "(".repeat(0) + &" ".repeat(100));
        let m = message(&long);
        assert!(m.contains("at byte 110"), "{m}");
        let lines: Vec<&str> = m.lines().collect();
        assert!(lines[1].starts_with("  ..."), "{m}");
        assert_eq!(lines[2].find('^').map(|c| &lines[1][c..c + 1]), Some("="));
        let multi = message("QB[\"a\"].eq(1)\n  .limit(-1)");
        assert!(multi.contains("\n    .limit(-1)\n"), "{multi}");
    }

    #[test]
    fn empty_and_oversized_expressions_are_rejected() {
        assert!(message("   ").starts_with("empty expression at byte 0"));
        let huge = format!("QB[\"{}\"]", "a".repeat(MAX_LEN));
        assert!(message(&huge).contains("too long"));
    }

    #[test]
    fn error_positions_respect_utf8() {
        let m = message("QB[\"é\"] ≥ 1");
        assert!(m.contains("unexpected character `≥` at byte 9"), "{m}");
        assert!(m.ends_with("\n          ^"), "{m:?}");
    }
}
