//! The SQLite dialect: `indexed_data` is JSON text, read with `json_type`/`json_extract` and a
//! bound JSON path `$."<dotted key>"` (the key quoted, so dots stay part of the key).
//!
//! - `json_type` returns SQL `NULL` for a missing key and `'null'` for a JSON null, which is how
//!   *Absent* and *Null* are told apart.
//! - Strings compare with SQLite's default `BINARY` collation (`memcmp` of UTF-8 = byte order).
//! - `regex` calls the `regexp(pattern, text)` function registered on every read connection
//!   (`storage::sqlite::connection`: the Rust `regex` crate, `is_match` = search semantics).
//! - A key containing `"` cannot be written in a SQLite JSON path; such keys are refused at
//!   `register_model`, and a query on one reads as *Absent* (it cannot be indexed here).
//!
//! # The index table
//!
//! `json_extract(indexed_data, ?)` with a bound path cannot use an index (an expression index
//! would need the path written into the SQL text). So equality and list membership — the
//! common, selective searches — go through `{p}index_values`, one row per scalar value (and per
//! scalar element of a list value) of every key of every meta's `indexed_data`:
//!
//! | column | holds |
//! |---|---|
//! | `model`, `resource_id` | whose value it is |
//! | `path` | the `indexed_data` key |
//! | `tag` | `'n'` number, `'s'` string, `'t'` true, `'f'` false |
//! | `value` | the number or string as SQLite reads it from the JSON (`1` and `1.0` compare equal); 1/0 for booleans |
//! | `kind` | 0: the value itself, 1: an element of a list value |
//!
//! `PRIMARY KEY (model, path, tag, value, kind, resource_id)` (`WITHOUT ROWID`), so
//! `T(path == v)` is one index seek: `resource_id IN (SELECT … WHERE model = ? AND path = ? AND
//! tag = ? AND value = ? AND kind = 0)`, with every part bound. The rows are derived by SQLite's
//! own JSON reader ([`index_rows`]) from the meta's `indexed_data`, in the same transaction that
//! writes the meta (delete the resource's rows, insert the new ones), so they never disagree
//! with the meta; the equality semantics are those `json_extract` gives (numbers numerically,
//! strings exactly, booleans apart from numbers).

use super::{Bind, Dialect, Frag, Pred, Tags, number_bind};
use crate::query::Direction;

/// The SQLite dialect; with an [`IndexLookup`], equality and list membership on data paths
/// use the index table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sqlite {
    pub index: Option<IndexLookup>,
}

/// Where a search finds the index table rows of its model.
#[derive(Debug, Clone)]
pub(crate) struct IndexLookup {
    /// The quoted index table name.
    pub table: String,
    pub model: String,
}

impl IndexLookup {
    /// "A row of `kind` for `path` holds `v`": `resource_id IN (SELECT …)`.
    fn holds(&self, path: &str, kind: i64, v: super::Scalar<'_>) -> Frag {
        let (tag, value) = match v {
            super::Scalar::Bool(true) => ("'t'", Bind::Int(1)),
            super::Scalar::Bool(false) => ("'f'", Bind::Int(0)),
            super::Scalar::Number(n) => ("'n'", number_bind(n)),
            super::Scalar::String(s) => ("'s'", Bind::Text(s.to_owned())),
        };
        Frag::new()
            .sql("resource_id IN (SELECT i.resource_id FROM ")
            .sql(self.table.clone())
            .sql(" AS i WHERE i.model = ")
            .bind(Bind::Text(self.model.clone()))
            .sql(" AND i.path = ")
            .bind(Bind::Text(path.to_owned()))
            .sql(" AND i.tag = ")
            .sql(tag)
            .sql(" AND i.value = ")
            .bind(value)
            .sql(" AND i.kind = ")
            .bind(Bind::Int(kind))
            .sql(")")
    }
}

/// Where [`index_rows`] reads `indexed_data` from.
pub(crate) enum IndexSource<'a> {
    /// One meta being written: its model, resource id and `indexed_data` JSON.
    Meta {
        model: &'a str,
        resource_id: &'a str,
        indexed_data: String,
    },
    /// The meta of one resource as stored in the (quoted) metas table: the rows it holds now.
    Stored {
        metas: &'a str,
        model: &'a str,
        resource_id: &'a str,
    },
    /// Every row of the (quoted) metas table (the backfill of a new index table).
    Table(&'a str),
}

/// `SELECT model, resource_id, path, tag, value, kind …`: the index rows of `source`, one per
/// scalar value and one per scalar element of a list (duplicates such as `[1, 1.0]` included).
pub(crate) fn index_select(source: &IndexSource<'_>) -> Frag {
    const TAG: &str = "CASE {t}.type WHEN 'integer' THEN 'n' WHEN 'real' THEN 'n' \
                       WHEN 'text' THEN 's' WHEN 'true' THEN 't' ELSE 'f' END";
    const VALUE: &str = "CASE {t}.type WHEN 'true' THEN 1 WHEN 'false' THEN 0 ELSE {t}.atom END";
    const SCALAR: &str = "('integer', 'real', 'text', 'true', 'false')";
    let columns = |t: &str| format!("{}, {}", TAG.replace("{t}", t), VALUE.replace("{t}", t));
    let (owner, from, filter) = match source {
        IndexSource::Meta {
            model,
            resource_id,
            indexed_data,
        } => (
            Frag::new()
                .bind(Bind::Text((*model).to_owned()))
                .sql(", ")
                .bind(Bind::Text((*resource_id).to_owned())),
            Frag::new()
                .sql("json_each(")
                .bind(Bind::Text(indexed_data.clone()))
                .sql(") AS j"),
            Frag::new(),
        ),
        IndexSource::Stored {
            metas,
            model,
            resource_id,
        } => (
            Frag::new().sql("m.model, m.resource_id"),
            Frag::new()
                .sql(format!("{metas} AS m, "))
                .sql("json_each(m.indexed_data) AS j"),
            Frag::new()
                .sql("m.model = ")
                .bind(Bind::Text((*model).to_owned()))
                .sql(" AND m.resource_id = ")
                .bind(Bind::Text((*resource_id).to_owned()))
                .sql(" AND "),
        ),
        IndexSource::Table(metas) => (
            Frag::new().sql("m.model, m.resource_id"),
            Frag::new()
                .sql(format!("{metas} AS m, "))
                .sql("json_each(m.indexed_data) AS j"),
            Frag::new(),
        ),
    };
    Frag::new()
        .sql("SELECT ")
        .frag(owner.clone())
        .sql(format!(", j.key, {}, 0 FROM ", columns("j")))
        .frag(from.clone())
        .sql(" WHERE ")
        .frag(filter.clone())
        .sql(format!("j.type IN {SCALAR} UNION ALL SELECT "))
        .frag(owner)
        .sql(format!(", j.key, {}, 1 FROM ", columns("e")))
        .frag(from)
        .sql(", json_each(j.value) AS e WHERE ")
        .frag(filter)
        .sql(format!("j.type = 'array' AND e.type IN {SCALAR}"))
}

/// `INSERT OR IGNORE INTO <index table> (…) SELECT …`: the index rows of `source` (duplicates
/// such as `[1, 1.0]` collapse on the primary key).
pub(crate) fn index_rows(index_table: &str, source: IndexSource<'_>) -> Frag {
    Frag::new()
        .sql(format!(
            "INSERT OR IGNORE INTO {index_table} (model, resource_id, path, tag, value, kind) "
        ))
        .frag(index_select(&source))
}

/// Deletes one row of the index table by its whole key; binds `model, resource_id, path, tag,
/// value, kind`, the columns of [`index_select`] in order.
///
/// A resource's old rows are deleted one key at a time, from the rows its stored meta derives
/// ([`IndexSource::Stored`]), rather than through an index on `(model, resource_id)`: that index
/// was a random B-tree insert on every create, and SQLite does not seek the primary key for a
/// `(…) IN (SELECT …)` of all six columns. It relies on the stored rows being exactly what
/// [`index_select`] derives from the stored metas: a change to that derivation must rebuild the
/// table (drop it; the store backfills it at open), or old rows would no longer be found.
pub(crate) fn delete_index_row(index_table: &str) -> String {
    format!(
        "DELETE FROM {index_table} WHERE model = ?1 AND resource_id = ?2 AND path = ?3 \
         AND tag = ?4 AND value = ?5 AND kind = ?6"
    )
}

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

/// The bounds of the `revision_id` range holding the revisions of `resource_id`: ids are
/// `{resource_id}:{n}`, and in byte order they all sort between `"{resource_id}:"` and
/// `"{resource_id};"`. The range can also hold revisions of another resource whose id extends
/// this one (`"{resource_id}:x"`), so a query on it tests `resource_id` as well. Reading a
/// resource's revisions through the `revision_id` key spares the revisions table an index on
/// `resource_id`, one random B-tree insert less for every write.
pub(crate) fn revision_range(resource_id: &str) -> (String, String) {
    (format!("{resource_id}:"), format!("{resource_id};"))
}

impl Dialect for Sqlite {
    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }

    fn revisions_of(&self, resource_id: &str) -> Frag {
        let (low, high) = revision_range(resource_id);
        Frag::new()
            .sql("revision_id > ")
            .bind(Bind::Text(low))
            .sql(" AND revision_id < ")
            .bind(Bind::Text(high))
            .sql(" AND resource_id = ")
            .bind(Bind::Text(resource_id.to_owned()))
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

    fn data_equals(&self, path: &str, v: super::Scalar<'_>) -> Pred {
        match (&self.index, json_path(path)) {
            (Some(index), Some(_)) => Pred::Sql(index.holds(path, 0, v)),
            _ => super::typed_equals(self, path, v),
        }
    }

    fn data_list_contains(&self, path: &str, v: super::Scalar<'_>) -> Pred {
        let Some(p) = json_path(path) else {
            return Pred::Const(false);
        };
        if let Some(index) = &self.index {
            // Element rows exist only for list values.
            return Pred::Sql(index.holds(path, 1, v));
        }
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
