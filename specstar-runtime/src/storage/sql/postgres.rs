//! The PostgreSQL dialect: `indexed_data` is `JSONB`, read with `->`/`->>` and a bound key.
//!
//! - `jsonb_typeof(indexed_data -> key)` is SQL `NULL` for a missing key and `'null'` for a JSON
//!   null: *Absent* vs *Null*.
//! - Equality and list membership are written as containment, `indexed_data @> '{"k": v}'` /
//!   `'{"k": [v]}'`, which the GIN `jsonb_path_ops` index answers directly, and which compares
//!   numbers numerically (`1 = 1.0`), strings exactly and never equates bools with numbers.
//! - Numbers compare as `jsonb` (numeric order, no cast that could fail on a non-number); strings
//!   compare with `COLLATE "C"` (byte order), whatever the database's default collation.
//! - `regex` uses PostgreSQL's own `~` (POSIX ARE). It agrees with the Rust `regex` syntax on the
//!   common subset (classes, anchors, `\d \w \s`, quantifiers, groups, alternation, `(?i)` at the
//!   start) but not everywhere (e.g. named groups `(?P<n>…)`, Unicode classes `\p{…}`); a pattern
//!   PostgreSQL rejects is a `BadQuery`. This is the one documented dialect difference.

use super::{Bind, Dialect, Frag, Pred, Scalar, Tags};
use crate::query::Direction;

/// The PostgreSQL dialect.
pub(crate) struct Postgres;

fn key(path: &str) -> Bind {
    Bind::Text(path.to_owned())
}

fn number_json(n: &serde_json::Number) -> Bind {
    Bind::Text(n.to_string())
}

/// `indexed_data @> '{"path": value}'::jsonb`.
fn contains_json(path: &str, value: serde_json::Value) -> Pred {
    let mut object = serde_json::Map::new();
    object.insert(path.to_owned(), value);
    Pred::Sql(
        Frag::new()
            .sql("indexed_data @> ")
            .bind(Bind::Text(serde_json::Value::Object(object).to_string()))
            .sql("::jsonb"),
    )
}

impl Dialect for Postgres {
    fn placeholder(&self, n: usize, out: &mut String) {
        out.push('$');
        out.push_str(&n.to_string());
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn json_cast(&self) -> &'static str {
        "::jsonb"
    }

    fn data_tag_in(&self, path: &str, tags: Tags) -> Pred {
        let mut names = Vec::new();
        let mut add = |t: Tags, n: &'static str| {
            if tags.has(t) {
                names.push(n);
            }
        };
        add(Tags::ABSENT, "'absent'");
        add(Tags::NULL, "'null'");
        add(Tags::NUMBER, "'number'");
        add(Tags::STRING, "'string'");
        add(Tags::ARRAY, "'array'");
        add(Tags::OBJECT, "'object'");
        let mut alternatives = Vec::new();
        match (tags.has(Tags::TRUE), tags.has(Tags::FALSE)) {
            (true, true) => names.push("'boolean'"),
            (true, false) => alternatives.push(contains_json(path, serde_json::Value::Bool(true))),
            (false, true) => alternatives.push(contains_json(path, serde_json::Value::Bool(false))),
            (false, false) => {}
        }
        if !names.is_empty() {
            alternatives.push(Pred::Sql(
                Frag::new()
                    .sql("COALESCE(jsonb_typeof(indexed_data -> ")
                    .bind(key(path))
                    .sql("), 'absent') IN (")
                    .sql(names.join(", "))
                    .sql(")"),
            ));
        }
        Pred::or(alternatives)
    }

    fn data_number_cmp(&self, path: &str, op: &'static str, n: &serde_json::Number) -> Frag {
        Frag::new()
            .sql("(indexed_data -> ")
            .bind(key(path))
            .sql(") ")
            .sql(op)
            .sql(" ")
            .bind(number_json(n))
            .sql("::jsonb")
    }

    fn data_text(&self, path: &str) -> Frag {
        Frag::new()
            .sql("(indexed_data ->> ")
            .bind(key(path))
            .sql(")")
    }

    fn data_equals(&self, path: &str, v: Scalar<'_>) -> Pred {
        contains_json(path, v.to_json())
    }

    fn data_list_contains(&self, path: &str, v: Scalar<'_>) -> Pred {
        contains_json(path, serde_json::Value::Array(vec![v.to_json()]))
    }

    fn column_number_cmp(
        &self,
        column: &'static str,
        op: &'static str,
        n: &serde_json::Number,
    ) -> Frag {
        Frag::new()
            .sql(column)
            .sql(" ")
            .sql(op)
            .sql(" ")
            .bind(number_json(n))
            .sql("::numeric")
    }

    fn column_bool_is(&self, column: &'static str, b: bool) -> Frag {
        Frag::new()
            .sql(column)
            .sql(if b { " = TRUE" } else { " = FALSE" })
    }

    fn text_compare(&self, lhs: Frag, op: &'static str, s: &str) -> Frag {
        lhs.sql(" COLLATE \"C\" ")
            .sql(op)
            .sql(" ")
            .bind(Bind::Text(s.to_owned()))
    }

    fn text_starts_with(&self, lhs: Frag, s: &str) -> Frag {
        Frag::new()
            .sql("left(")
            .frag(lhs)
            .sql(", length(")
            .bind(Bind::Text(s.to_owned()))
            .sql(")) = ")
            .bind(Bind::Text(s.to_owned()))
    }

    fn text_ends_with(&self, lhs: Frag, s: &str) -> Frag {
        Frag::new()
            .sql("right(")
            .frag(lhs)
            .sql(", length(")
            .bind(Bind::Text(s.to_owned()))
            .sql(")) = ")
            .bind(Bind::Text(s.to_owned()))
    }

    fn text_contains(&self, lhs: Frag, s: &str) -> Frag {
        Frag::new()
            .sql("strpos(")
            .frag(lhs)
            .sql(", ")
            .bind(Bind::Text(s.to_owned()))
            .sql(") > 0")
    }

    fn text_regex(&self, lhs: Frag, pattern: &str) -> Frag {
        lhs.sql(" ~ ").bind(Bind::Text(pattern.to_owned()))
    }

    fn data_sort_keys(&self, path: &str, direction: Direction) -> Vec<Frag> {
        let dir = match direction {
            Direction::Asc => " ASC",
            Direction::Desc => " DESC",
        };
        let typeof_ = || {
            Frag::new()
                .sql("jsonb_typeof(indexed_data -> ")
                .bind(key(path))
                .sql(")")
        };
        vec![
            // Class: numbers < strings < booleans < lists/objects < absent/null.
            Frag::new()
                .sql("CASE ")
                .frag(typeof_())
                .sql(
                    " WHEN 'number' THEN 0 WHEN 'string' THEN 1 WHEN 'boolean' THEN 2 \
                     WHEN 'array' THEN 3 WHEN 'object' THEN 3 ELSE 4 END",
                )
                .sql(dir),
            // Numbers and booleans: jsonb order within one type (numeric, false < true); lists
            // and objects all tie (their order is not defined by the query semantics).
            Frag::new()
                .sql("CASE WHEN ")
                .frag(typeof_())
                .sql(" IN ('number', 'boolean') THEN indexed_data -> ")
                .bind(key(path))
                .sql(" END")
                .sql(dir),
            // Strings: byte order.
            Frag::new()
                .sql("CASE WHEN ")
                .frag(typeof_())
                .sql(" = 'string' THEN indexed_data ->> ")
                .bind(key(path))
                .sql(" END COLLATE \"C\"")
                .sql(dir),
        ]
    }

    fn limit_offset(&self, limit: Option<usize>, offset: usize) -> Frag {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        match limit {
            None => Frag::new().sql("OFFSET ").bind(Bind::Int(offset)),
            Some(l) => Frag::new()
                .sql("LIMIT ")
                .bind(Bind::Int(i64::try_from(l).unwrap_or(i64::MAX)))
                .sql(" OFFSET ")
                .bind(Bind::Int(offset)),
        }
    }
}
