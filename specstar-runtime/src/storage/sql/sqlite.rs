//! The SQLite dialect: `indexed_data` is JSON text, read with `json_type`/`json_extract` and a
//! bound JSON path `$."<dotted key>"` (the key quoted, so dots stay part of the key).
//!
//! - `json_type` returns SQL `NULL` for a missing key and `'null'` for a JSON null, which is how
//!   *Absent* and *Null* are told apart.
//! - Strings compare with SQLite's default `BINARY` collation (`memcmp` of UTF-8 = byte order).
//! - `regex` calls the `regexp(pattern, text)` function registered on every connection
//!   (sqlx's `regexp` feature: the Rust `regex` crate, `is_match` = search semantics).
//! - A key containing `"` cannot be written in a SQLite JSON path; such keys are refused at
//!   `register_model`, and a query on one reads as *Absent* (it cannot be indexed here).

use super::{Bind, Dialect, Frag, Pred, Tags, number_bind};
use crate::query::Direction;

/// The SQLite dialect.
pub(crate) struct Sqlite;

/// The JSON path of a flat `indexed_data` key, `None` when SQLite cannot express it.
pub(crate) fn json_path(key: &str) -> Option<String> {
    if key.contains('"') {
        None
    } else {
        Some(format!("$.\"{key}\""))
    }
}

fn type_names(tags: Tags) -> Vec<&'static str> {
    let mut names = Vec::new();
    let mut add = |t: Tags, n: &[&'static str]| {
        if tags.has(t) {
            names.extend_from_slice(n);
        }
    };
    add(Tags::ABSENT, &["'absent'"]);
    add(Tags::NULL, &["'null'"]);
    add(Tags::TRUE, &["'true'"]);
    add(Tags::FALSE, &["'false'"]);
    add(Tags::NUMBER, &["'integer'", "'real'"]);
    add(Tags::STRING, &["'text'"]);
    add(Tags::ARRAY, &["'array'"]);
    add(Tags::OBJECT, &["'object'"]);
    names
}

fn extract(path: &str) -> Frag {
    match json_path(path) {
        Some(p) => Frag::new()
            .sql("json_extract(indexed_data, ")
            .bind(Bind::Text(p))
            .sql(")"),
        None => Frag::new().sql("NULL"),
    }
}

impl Dialect for Sqlite {
    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn json_cast(&self) -> &'static str {
        ""
    }

    fn data_tag_in(&self, path: &str, tags: Tags) -> Pred {
        let Some(p) = json_path(path) else {
            return Pred::Const(tags.has(Tags::ABSENT));
        };
        Pred::Sql(
            Frag::new()
                .sql("COALESCE(json_type(indexed_data, ")
                .bind(Bind::Text(p))
                .sql("), 'absent') IN (")
                .sql(type_names(tags).join(", "))
                .sql(")"),
        )
    }

    fn data_number_cmp(&self, path: &str, op: &'static str, n: &serde_json::Number) -> Frag {
        extract(path).sql(" ").sql(op).sql(" ").bind(number_bind(n))
    }

    fn data_text(&self, path: &str) -> Frag {
        extract(path)
    }

    fn data_list_contains(&self, path: &str, v: super::Scalar<'_>) -> Pred {
        let Some(p) = json_path(path) else {
            return Pred::Const(false);
        };
        // `x IN (SELECT …)` rather than `EXISTS (…)`: SQLite 3.51 (bundled) ignores OFFSET on
        // some queries whose WHERE has `EXISTS (SELECT … FROM json_each(…))`.
        let (needle, filter) = match v {
            super::Scalar::Bool(b) => (
                Frag::new().sql(if b { "'true'" } else { "'false'" }),
                Frag::new().sql("e.type"),
            ),
            super::Scalar::Number(n) => (
                Frag::new().bind(number_bind(n)),
                Frag::new()
                    .sql("e.atom FROM json_each(indexed_data, ")
                    .bind(Bind::Text(p.clone()))
                    .sql(") AS e WHERE e.type IN ('integer', 'real')"),
            ),
            super::Scalar::String(s) => (
                Frag::new().bind(Bind::Text(s.to_owned())),
                Frag::new()
                    .sql("e.atom FROM json_each(indexed_data, ")
                    .bind(Bind::Text(p.clone()))
                    .sql(") AS e WHERE e.type = 'text'"),
            ),
        };
        let subquery = match v {
            super::Scalar::Bool(_) => filter
                .sql(" FROM json_each(indexed_data, ")
                .bind(Bind::Text(p))
                .sql(") AS e"),
            _ => filter,
        };
        Pred::and([
            self.data_tag_in(path, Tags::ARRAY),
            Pred::Sql(needle.sql(" IN (SELECT ").frag(subquery).sql(")")),
        ])
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
            .bind(number_bind(n))
    }

    fn column_bool_is(&self, column: &'static str, b: bool) -> Frag {
        Frag::new().sql(column).sql(if b { " = 1" } else { " = 0" })
    }

    fn text_compare(&self, lhs: Frag, op: &'static str, s: &str) -> Frag {
        lhs.sql(" ").sql(op).sql(" ").bind(Bind::Text(s.to_owned()))
    }

    fn text_starts_with(&self, lhs: Frag, s: &str) -> Frag {
        Frag::new()
            .sql("substr(")
            .frag(lhs)
            .sql(", 1, length(")
            .bind(Bind::Text(s.to_owned()))
            .sql(")) = ")
            .bind(Bind::Text(s.to_owned()))
    }

    fn text_ends_with(&self, lhs: Frag, s: &str) -> Frag {
        // substr(x, length(x) - length(s) + 1) = s, guarded against s longer than x.
        Frag::new()
            .sql("(length(")
            .frag(lhs.clone())
            .sql(") >= length(")
            .bind(Bind::Text(s.to_owned()))
            .sql(") AND substr(")
            .frag(lhs.clone())
            .sql(", length(")
            .frag(lhs)
            .sql(") - length(")
            .bind(Bind::Text(s.to_owned()))
            .sql(") + 1) = ")
            .bind(Bind::Text(s.to_owned()))
            .sql(")")
    }

    fn text_contains(&self, lhs: Frag, s: &str) -> Frag {
        Frag::new()
            .sql("instr(")
            .frag(lhs)
            .sql(", ")
            .bind(Bind::Text(s.to_owned()))
            .sql(") > 0")
    }

    fn text_regex(&self, lhs: Frag, pattern: &str) -> Frag {
        Frag::new()
            .sql("regexp(")
            .bind(Bind::Text(pattern.to_owned()))
            .sql(", ")
            .frag(lhs)
            .sql(")")
    }

    fn data_sort_keys(&self, path: &str, direction: Direction) -> Vec<Frag> {
        let Some(p) = json_path(path) else {
            return Vec::new(); // always absent: every row ties on this key
        };
        let dir = match direction {
            Direction::Asc => " ASC",
            Direction::Desc => " DESC",
        };
        vec![
            Frag::new()
                .sql("CASE json_type(indexed_data, ")
                .bind(Bind::Text(p.clone()))
                .sql(
                    ") WHEN 'integer' THEN 0 WHEN 'real' THEN 0 WHEN 'text' THEN 1 \
                     WHEN 'true' THEN 2 WHEN 'false' THEN 2 WHEN 'array' THEN 3 \
                     WHEN 'object' THEN 3 ELSE 4 END",
                )
                .sql(dir),
            // Within a class: numbers numerically, strings in byte order, false < true; lists
            // and objects all tie (their order is not defined by the query semantics).
            Frag::new()
                .sql("CASE WHEN json_type(indexed_data, ")
                .bind(Bind::Text(p.clone()))
                .sql(") IN ('array', 'object') THEN NULL ELSE json_extract(indexed_data, ")
                .bind(Bind::Text(p))
                .sql(") END")
                .sql(dir),
        ]
    }

    fn limit_offset(&self, limit: Option<usize>, offset: usize) -> Frag {
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        Frag::new()
            .sql("LIMIT ")
            .bind(Bind::Int(limit))
            .sql(" OFFSET ")
            .bind(Bind::Int(i64::try_from(offset).unwrap_or(i64::MAX)))
    }
}
