//! Translation of a [`Query`] into SQL, shared by the SQLite and PostgreSQL backends.
//!
//! # How three-valued logic becomes SQL
//!
//! Rather than leaning on SQL's own `NULL` logic (which differs from the brief in places: `NOT`
//! over a guarded `CASE`, `IN` with nulls, …), every condition `c` is translated into two
//! *two-valued* SQL predicates that are never `NULL`:
//!
//! - `T(c)`: "`c` is true", and
//! - `F(c)`: "`c` is false".
//!
//! "unknown" is the case where both are false. Then `T(a AND b) = T(a) AND T(b)`,
//! `F(a AND b) = F(a) OR F(b)`, `T(a OR b) = T(a) OR T(b)`, `F(a OR b) = F(a) AND F(b)`,
//! `T(NOT a) = F(a)`, `F(NOT a) = T(a)`; the `WHERE` clause is `T(query)`. Each comparison
//! produces its `T`/`F` pair from type tests on the looked-up value (absent, null, bool, number,
//! string, list, object) and a comparison guarded by those tests, exactly as in the semantics
//! table of [`crate::query`]. A side benefit: `T(eq)` can be a sargable form (PostgreSQL
//! `indexed_data @> …`).
//!
//! Every operand first goes through `query::operand::check_operand`, the check the in-memory
//! evaluator runs too, so both refuse the same malformed queries with the same error and see
//! the same always-unknown operands (`Operand::Unknown`).
//!
//! Field paths and values are always bind parameters; only fixed SQL text, column names from a
//! closed list, and validated table names are ever part of the statement text.
//!
//! The dialect differences are in [`sqlite`] and [`postgres`]: how a data path's type is tested
//! (`json_type` vs `jsonb_typeof`), how values are extracted, string byte order (SQLite's
//! `BINARY` collation vs `COLLATE "C"`), and regular expressions (SQLite: the Rust `regex` crate
//! registered as `regexp()`, i.e. exactly the brief's syntax; PostgreSQL: its own POSIX ARE
//! engine through `~`, which agrees on common patterns but not on every construct).

pub(crate) mod commit;
pub(crate) mod meta_row;
pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::borrow::Cow;

use crate::model::Result;
use crate::query::operand::{Operand, Scalar, check_operand};
use crate::query::{Condition, Direction, FieldPath, MetaField, Query};

/// The parameter a malformed condition's error names (as the in-memory evaluator does).
const CONDITIONS: &str = "conditions";

/// A bound parameter value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Bytes(Vec<u8>),
    /// A text `NULL`.
    Null,
}

#[derive(Debug, Clone)]
enum Piece {
    Sql(Cow<'static, str>),
    Bind(Bind),
}

/// A piece of SQL text with its bind values in order; placeholders are numbered when the
/// statement is finished (so fragments compose freely).
#[derive(Debug, Clone, Default)]
pub(crate) struct Frag {
    pieces: Vec<Piece>,
}

impl Frag {
    pub(crate) fn new() -> Self {
        Frag::default()
    }

    /// Append SQL text.
    pub(crate) fn sql(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.pieces.push(Piece::Sql(text.into()));
        self
    }

    /// Append a placeholder for `value`.
    pub(crate) fn bind(mut self, value: Bind) -> Self {
        self.pieces.push(Piece::Bind(value));
        self
    }

    /// Append another fragment.
    pub(crate) fn frag(mut self, other: Frag) -> Self {
        self.pieces.extend(other.pieces);
        self
    }

    /// The finished statement for `dialect`.
    pub(crate) fn finish(self, dialect: &dyn Dialect) -> Statement {
        let mut sql = String::new();
        let mut binds = Vec::new();
        for piece in self.pieces {
            match piece {
                Piece::Sql(text) => sql.push_str(&text),
                Piece::Bind(value) => {
                    binds.push(value);
                    dialect.placeholder(binds.len(), &mut sql);
                }
            }
        }
        Statement { sql, binds }
    }
}

/// SQL text and its bind values.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// A two-valued SQL predicate (never `NULL`), folded as it is built.
#[derive(Debug, Clone)]
pub(crate) enum Pred {
    Const(bool),
    /// A SQL boolean expression. When it appears as the right operand of a guard in `And`, it
    /// may be `NULL` where the guard is false (`FALSE AND NULL` is `FALSE`).
    Sql(Frag),
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
}

impl Pred {
    pub(crate) fn and(items: impl IntoIterator<Item = Pred>) -> Pred {
        let mut kept = Vec::new();
        for item in items {
            match item {
                Pred::Const(true) => {}
                Pred::Const(false) => return Pred::Const(false),
                Pred::And(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Pred::Const(true),
            1 => kept.pop().unwrap_or(Pred::Const(true)),
            _ => Pred::And(kept),
        }
    }

    pub(crate) fn or(items: impl IntoIterator<Item = Pred>) -> Pred {
        let mut kept = Vec::new();
        for item in items {
            match item {
                Pred::Const(false) => {}
                Pred::Const(true) => return Pred::Const(true),
                Pred::Or(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Pred::Const(false),
            1 => kept.pop().unwrap_or(Pred::Const(false)),
            _ => Pred::Or(kept),
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub(crate) fn not(inner: Pred) -> Pred {
        match inner {
            Pred::Const(b) => Pred::Const(!b),
            Pred::Not(p) => *p,
            other => Pred::Not(Box::new(other)),
        }
    }

    /// `guard AND prim` where `prim` is only meaningful when `guard` holds.
    fn guarded(guard: Pred, prim: Frag) -> Pred {
        Pred::and([guard, Pred::Sql(prim)])
    }

    /// `guard AND NOT prim`.
    fn guarded_not(guard: Pred, prim: Frag) -> Pred {
        Pred::and([guard, Pred::not(Pred::Sql(prim))])
    }

    pub(crate) fn render(self) -> Frag {
        match self {
            Pred::Const(true) => Frag::new().sql("TRUE"),
            Pred::Const(false) => Frag::new().sql("FALSE"),
            Pred::Sql(f) => Frag::new().sql("(").frag(f).sql(")"),
            Pred::Not(p) => Frag::new().sql("(NOT ").frag(p.render()).sql(")"),
            Pred::And(items) | Pred::Or(items) if items.is_empty() => unreachable_empty(),
            Pred::And(items) => join(items, " AND "),
            Pred::Or(items) => join(items, " OR "),
        }
    }
}

// `Pred::and`/`Pred::or` never build empty groups; render something harmless regardless.
fn unreachable_empty() -> Frag {
    Frag::new().sql("TRUE")
}

fn join(items: Vec<Pred>, sep: &'static str) -> Frag {
    let mut out = Frag::new().sql("(");
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out = out.sql(sep);
        }
        out = out.frag(item.render());
    }
    out.sql(")")
}

/// Value tags of a looked-up value, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tags(u8);

impl Tags {
    pub(crate) const ABSENT: Tags = Tags(1);
    pub(crate) const NULL: Tags = Tags(2);
    pub(crate) const TRUE: Tags = Tags(4);
    pub(crate) const FALSE: Tags = Tags(8);
    pub(crate) const NUMBER: Tags = Tags(16);
    pub(crate) const STRING: Tags = Tags(32);
    pub(crate) const ARRAY: Tags = Tags(64);
    pub(crate) const OBJECT: Tags = Tags(128);
    pub(crate) const ALL: Tags = Tags(255);
    pub(crate) const SCALAR: Tags = Tags(4 | 8 | 16 | 32);
    pub(crate) const PRESENT: Tags = Tags(4 | 8 | 16 | 32 | 64 | 128);

    pub(crate) fn has(self, other: Tags) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) fn union(self, other: Tags) -> Tags {
        Tags(self.0 | other.0)
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// What a meta field is stored as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    Text,
    Integer,
    Bool,
}

/// A meta field's column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub kind: ColumnKind,
    pub nullable: bool,
}

/// The column of a meta field.
pub(crate) fn meta_column(field: MetaField) -> Column {
    let text = |name| Column {
        name,
        kind: ColumnKind::Text,
        nullable: false,
    };
    match field {
        MetaField::ResourceId => text("resource_id"),
        MetaField::CurrentRevisionId => text("current_revision_id"),
        MetaField::CreatedTime => text("created_time"),
        MetaField::UpdatedTime => text("updated_time"),
        MetaField::CreatedBy => text("created_by"),
        MetaField::UpdatedBy => text("updated_by"),
        MetaField::IsDeleted => Column {
            name: "is_deleted",
            kind: ColumnKind::Bool,
            nullable: false,
        },
        MetaField::SchemaVersion => Column {
            name: "schema_version",
            kind: ColumnKind::Text,
            nullable: true,
        },
        MetaField::TotalRevisionCount => Column {
            name: "total_revision_count",
            kind: ColumnKind::Integer,
            nullable: false,
        },
        MetaField::RevStatus => text("rev_status"),
        MetaField::RevCreatedBy => text("rev_created_by"),
        MetaField::RevUpdatedBy => text("rev_updated_by"),
        MetaField::RevCreatedTime => text("rev_created_time"),
        MetaField::RevUpdatedTime => text("rev_updated_time"),
    }
}

/// The SQL of one database: placeholders, JSON access, text operators, sort keys.
pub(crate) trait Dialect: Send + Sync {
    /// Write the placeholder of the `n`-th bind value (1-based).
    fn placeholder(&self, n: usize, out: &mut String);

    /// What follows the placeholder of the `indexed_data` value in an insert/update
    /// (`::jsonb` on PostgreSQL).
    fn json_cast(&self) -> &'static str;

    /// The backend name for error messages.
    fn backend(&self) -> &'static str;

    /// "The value at `path` has one of `tags`" (never `NULL`). `tags` is neither empty nor all.
    fn data_tag_in(&self, path: &str, tags: Tags) -> Pred;
    /// `value(path) <op> n`, meaningful when the value is a number.
    fn data_number_cmp(&self, path: &str, op: &'static str, n: &serde_json::Number) -> Frag;
    /// The value at `path` as SQL text, meaningful when it is a string.
    fn data_text(&self, path: &str) -> Frag;
    /// "The value at `path` is a scalar equal to `v`" (two-valued).
    fn data_equals(&self, path: &str, v: Scalar<'_>) -> Pred {
        typed_equals(self, path, v)
    }
    /// "The value at `path` is a list with an element equal to `v`" (two-valued).
    fn data_list_contains(&self, path: &str, v: Scalar<'_>) -> Pred;

    /// `column <op> n` for an integer column.
    fn column_number_cmp(
        &self,
        column: &'static str,
        op: &'static str,
        n: &serde_json::Number,
    ) -> Frag;
    /// "The bool column is `b`".
    fn column_bool_is(&self, column: &'static str, b: bool) -> Frag;

    /// `lhs <op> s` in byte order.
    fn text_compare(&self, lhs: Frag, op: &'static str, s: &str) -> Frag;
    fn text_starts_with(&self, lhs: Frag, s: &str) -> Frag;
    fn text_ends_with(&self, lhs: Frag, s: &str) -> Frag;
    fn text_contains(&self, lhs: Frag, s: &str) -> Frag;
    fn text_regex(&self, lhs: Frag, pattern: &str) -> Frag;

    /// `ORDER BY` items sorting by the value at `path` in `direction` (numbers < strings <
    /// booleans < lists and objects (all tied), absent/null last ascending and first descending).
    fn data_sort_keys(&self, path: &str, direction: Direction) -> Vec<Frag>;

    /// `LIMIT … OFFSET …`.
    fn limit_offset(&self, limit: Option<usize>, offset: usize) -> Frag;

    /// The condition picking the rows of resource `resource_id` in the revisions table (the
    /// model is tested separately).
    fn revisions_of(&self, resource_id: &str) -> Frag {
        Frag::new()
            .sql("resource_id = ")
            .bind(Bind::Text(resource_id.to_owned()))
    }
}

/// "The value at `path` is a scalar equal to `v`" from the dialect's type test and comparisons
/// (the default [`Dialect::data_equals`]).
pub(crate) fn typed_equals<D: Dialect + ?Sized>(d: &D, path: &str, v: Scalar<'_>) -> Pred {
    match v {
        Scalar::Bool(true) => d.data_tag_in(path, Tags::TRUE),
        Scalar::Bool(false) => d.data_tag_in(path, Tags::FALSE),
        Scalar::Number(n) => Pred::guarded(
            d.data_tag_in(path, Tags::NUMBER),
            d.data_number_cmp(path, "=", n),
        ),
        Scalar::String(s) => Pred::guarded(
            d.data_tag_in(path, Tags::STRING),
            d.text_compare(d.data_text(path), "=", s),
        ),
    }
}

/// How a compared field is reached.
enum Access<'a> {
    Data(&'a str),
    Column(Column),
}

impl Access<'_> {
    fn tag_in(&self, d: &dyn Dialect, tags: Tags) -> Pred {
        if tags.is_empty() {
            return Pred::Const(false);
        }
        if tags == Tags::ALL {
            return Pred::Const(true);
        }
        match self {
            Access::Data(path) => d.data_tag_in(path, tags),
            Access::Column(c) => {
                let null = c.nullable && tags.has(Tags::NULL);
                let value = match c.kind {
                    ColumnKind::Text => Pred::Const(tags.has(Tags::STRING)),
                    ColumnKind::Integer => Pred::Const(tags.has(Tags::NUMBER)),
                    ColumnKind::Bool => match (tags.has(Tags::TRUE), tags.has(Tags::FALSE)) {
                        (true, true) => Pred::Const(true),
                        (true, false) => Pred::Sql(d.column_bool_is(c.name, true)),
                        (false, true) => Pred::Sql(d.column_bool_is(c.name, false)),
                        (false, false) => Pred::Const(false),
                    },
                };
                if !c.nullable {
                    return value;
                }
                let not_null = Pred::Sql(Frag::new().sql(c.name).sql(" IS NOT NULL"));
                let is_null = Pred::Sql(Frag::new().sql(c.name).sql(" IS NULL"));
                Pred::or([
                    Pred::and([not_null, value]),
                    if null { is_null } else { Pred::Const(false) },
                ])
            }
        }
    }

    fn text(&self, d: &dyn Dialect) -> Frag {
        match self {
            Access::Data(path) => d.data_text(path),
            Access::Column(c) => Frag::new().sql(c.name),
        }
    }

    fn number_cmp(&self, d: &dyn Dialect, op: &'static str, n: &serde_json::Number) -> Frag {
        match self {
            Access::Data(path) => d.data_number_cmp(path, op, n),
            Access::Column(c) => d.column_number_cmp(c.name, op, n),
        }
    }

    fn equals(&self, d: &dyn Dialect, v: Scalar<'_>) -> Pred {
        match (self, v) {
            (Access::Data(path), v) => d.data_equals(path, v),
            (Access::Column(_), Scalar::Bool(b)) => {
                self.tag_in(d, if b { Tags::TRUE } else { Tags::FALSE })
            }
            (Access::Column(_), Scalar::Number(n)) => {
                Pred::guarded(self.tag_in(d, Tags::NUMBER), self.number_cmp(d, "=", n))
            }
            (Access::Column(_), Scalar::String(s)) => Pred::guarded(
                self.tag_in(d, Tags::STRING),
                d.text_compare(self.text(d), "=", s),
            ),
        }
    }

    fn list_contains(&self, d: &dyn Dialect, v: Scalar<'_>) -> Pred {
        match self {
            Access::Data(path) => d.data_list_contains(path, v),
            Access::Column(_) => Pred::Const(false),
        }
    }
}

/// `(T, F)` of one comparison.
fn comparison(d: &dyn Dialect, access: &Access<'_>, operand: &Operand<'_>) -> (Pred, Pred) {
    let swap = |(t, f): (Pred, Pred), negated: bool| if negated { (f, t) } else { (t, f) };
    let string_test = |prim: Frag| {
        let guard = access.tag_in(d, Tags::STRING);
        (
            Pred::guarded(guard.clone(), prim.clone()),
            Pred::guarded_not(guard, prim),
        )
    };
    let flag = |r: Pred| (r.clone(), Pred::not(r));
    match operand {
        Operand::Unknown => (Pred::Const(false), Pred::Const(false)),
        Operand::Equals { value, negated } => {
            let eq = access.equals(d, *value);
            let scalar = access.tag_in(d, Tags::SCALAR);
            swap((eq.clone(), Pred::and([scalar, Pred::not(eq)])), *negated)
        }
        Operand::OneOf { values, negated } => {
            let any = Pred::or(values.iter().map(|v| access.equals(d, *v)));
            let scalar = access.tag_in(d, Tags::SCALAR);
            swap((any.clone(), Pred::and([scalar, Pred::not(any)])), *negated)
        }
        Operand::Order {
            op,
            value: Scalar::Number(n),
        } => {
            let guard = access.tag_in(d, Tags::NUMBER);
            let prim = access.number_cmp(d, op.sql(), n);
            (
                Pred::guarded(guard.clone(), prim.clone()),
                Pred::guarded_not(guard, prim),
            )
        }
        Operand::Order {
            op,
            value: Scalar::String(s),
        } => string_test(d.text_compare(access.text(d), op.sql(), s)),
        // `check_operand` only builds orders on numbers and strings.
        Operand::Order {
            value: Scalar::Bool(_),
            ..
        } => (Pred::Const(false), Pred::Const(false)),
        Operand::Contains(v) => {
            let list = access.tag_in(d, Tags::ARRAY);
            let has = access.list_contains(d, *v);
            let mut t = vec![Pred::and([list.clone(), has.clone()])];
            let mut f = vec![Pred::and([list, Pred::not(has)])];
            if let Scalar::String(s) = v {
                let (st, sf) = string_test(d.text_contains(access.text(d), s));
                t.push(st);
                f.push(sf);
            }
            (Pred::or(t), Pred::or(f))
        }
        Operand::StartsWith(s) => string_test(d.text_starts_with(access.text(d), s)),
        Operand::EndsWith(s) => string_test(d.text_ends_with(access.text(d), s)),
        Operand::Regex(regex) => string_test(d.text_regex(access.text(d), regex.as_str())),
        Operand::IsNull(b) => flag(access.tag_in(d, if *b { Tags::NULL } else { Tags::PRESENT })),
        Operand::Exists(b) => flag(access.tag_in(
            d,
            if *b {
                Tags::PRESENT.union(Tags::NULL)
            } else {
                Tags::ABSENT
            },
        )),
        Operand::IsNa(b) => flag(access.tag_in(
            d,
            if *b {
                Tags::ABSENT.union(Tags::NULL)
            } else {
                Tags::PRESENT
            },
        )),
    }
}

/// `(T, F)` of a condition tree.
fn truth(d: &dyn Dialect, condition: &Condition) -> Result<(Pred, Pred)> {
    Ok(match condition {
        Condition::Compare { field, op, value } => {
            let operand = check_operand(CONDITIONS, field, *op, value)?;
            let access = match field {
                FieldPath::Data(path) => Access::Data(path),
                FieldPath::Meta(m) => Access::Column(meta_column(*m)),
            };
            comparison(d, &access, &operand)
        }
        Condition::And(items) => {
            let (t, f) = truths(d, items)?;
            (Pred::and(t), Pred::or(f))
        }
        Condition::Or(items) => {
            let (t, f) = truths(d, items)?;
            (Pred::or(t), Pred::and(f))
        }
        Condition::Not(inner) => {
            let (t, f) = truth(d, inner)?;
            (f, t)
        }
    })
}

/// The `T`s and the `F`s of several conditions.
fn truths(d: &dyn Dialect, items: &[Condition]) -> Result<(Vec<Pred>, Vec<Pred>)> {
    let mut both = (
        Vec::with_capacity(items.len()),
        Vec::with_capacity(items.len()),
    );
    for item in items {
        let (t, f) = truth(d, item)?;
        both.0.push(t);
        both.1.push(f);
    }
    Ok(both)
}

/// A search of `model`'s metas: `{select} WHERE model = … AND <condition> ORDER BY … LIMIT …`.
pub(crate) fn search_query(
    d: &dyn Dialect,
    select: String,
    model: &str,
    query: &Query,
) -> Result<Frag> {
    Ok(Frag::new()
        .sql(select)
        .sql(" WHERE model = ")
        .bind(Bind::Text(model.to_owned()))
        .sql(" AND ")
        .frag(where_clause(d, query.condition.as_ref())?)
        .sql(" ORDER BY ")
        .frag(order_by(d, query))
        .sql(" ")
        .frag(d.limit_offset(query.limit, query.offset)))
}

/// How many of `model`'s metas match `query`'s condition: `SELECT COUNT(*) FROM {metas} WHERE …`.
pub(crate) fn count_query(
    d: &dyn Dialect,
    metas: &str,
    model: &str,
    query: &Query,
) -> Result<Frag> {
    Ok(Frag::new()
        .sql(format!("SELECT COUNT(*) FROM {metas}"))
        .sql(" WHERE model = ")
        .bind(Bind::Text(model.to_owned()))
        .sql(" AND ")
        .frag(where_clause(d, query.condition.as_ref())?))
}

/// The `WHERE` predicate of a query: "the condition is true" (no condition: `TRUE`).
pub(crate) fn where_clause(d: &dyn Dialect, condition: Option<&Condition>) -> Result<Frag> {
    match condition {
        None => Ok(Pred::Const(true).render()),
        Some(c) => Ok(truth(d, c)?.0.render()),
    }
}

/// The `ORDER BY` list of a query (without the keyword): its keys, then `resource_id`.
pub(crate) fn order_by(d: &dyn Dialect, query: &Query) -> Frag {
    let mut keys: Vec<Frag> = Vec::new();
    if query.sorts.is_empty() {
        keys.push(Frag::new().sql("created_time ASC"));
    }
    for sort in &query.sorts {
        match &sort.field {
            FieldPath::Data(path) => keys.extend(d.data_sort_keys(path, sort.direction)),
            FieldPath::Meta(m) => {
                let column = meta_column(*m);
                let dir = match sort.direction {
                    Direction::Asc => " ASC NULLS LAST",
                    Direction::Desc => " DESC NULLS FIRST",
                };
                keys.push(Frag::new().sql(column.name).sql(dir));
            }
        }
    }
    keys.push(Frag::new().sql("resource_id ASC"));
    let mut out = Frag::new();
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out = out.sql(", ");
        }
        out = out.frag(key);
    }
    out
}

/// A number as a bind value (exact for integers).
pub(crate) fn number_bind(n: &serde_json::Number) -> Bind {
    match n.as_i64() {
        Some(i) => Bind::Int(i),
        None => Bind::Float(n.as_f64().unwrap_or(f64::NAN)),
    }
}
