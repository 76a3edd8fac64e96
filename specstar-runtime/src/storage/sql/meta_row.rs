//! The meta table's columns, shared by the SQL backends: a meta as bind values, and a row back
//! into a [`ResourceMeta`].

use super::Bind;
use crate::model::{Error, ResourceMeta, Result, RevisionStatus, Timestamp, wire_time};
use crate::resource::ResourceDescriptor;

/// The meta columns in the order [`meta_binds`] produces them (and [`MetaRow`] reads them).
pub(crate) const META_COLUMNS: [&str; 16] = [
    "model",
    "resource_id",
    "current_revision_id",
    "schema_version",
    "total_revision_count",
    "created_time",
    "updated_time",
    "created_by",
    "updated_by",
    "is_deleted",
    "indexed_data",
    "rev_status",
    "rev_created_by",
    "rev_updated_by",
    "rev_created_time",
    "rev_updated_time",
];

/// The bind values of a meta, in [`META_COLUMNS`] order.
pub(crate) fn meta_binds(model: &str, meta: &ResourceMeta) -> Vec<Bind> {
    let text = |s: &str| Bind::Text(s.to_owned());
    let time = |t: &Timestamp| Bind::Text(wire_time::format(t));
    vec![
        text(model),
        text(&meta.resource_id),
        text(&meta.current_revision_id),
        meta.schema_version.as_deref().map_or(Bind::Null, text),
        Bind::Int(i64::try_from(meta.total_revision_count).unwrap_or(i64::MAX)),
        time(&meta.created_time),
        time(&meta.updated_time),
        text(&meta.created_by),
        text(&meta.updated_by),
        Bind::Bool(meta.is_deleted),
        Bind::Text(serde_json::Value::Object(meta.indexed_data.clone()).to_string()),
        text(meta.rev_status.as_str()),
        text(&meta.rev_created_by),
        text(&meta.rev_updated_by),
        time(&meta.rev_created_time),
        time(&meta.rev_updated_time),
    ]
}

/// A meta row as read (times and `indexed_data` still text).
pub(crate) struct MetaRow {
    pub resource_id: String,
    pub current_revision_id: String,
    pub schema_version: Option<String>,
    pub total_revision_count: i64,
    pub created_time: String,
    pub updated_time: String,
    pub created_by: String,
    pub updated_by: String,
    pub is_deleted: bool,
    pub indexed_data: String,
    pub rev_status: String,
    pub rev_created_by: String,
    pub rev_updated_by: String,
    pub rev_created_time: String,
    pub rev_updated_time: String,
}

impl MetaRow {
    /// The meta; `indexed_data` keys are put back in the descriptor's index order when the
    /// database does not keep key order (PostgreSQL `jsonb`).
    pub(crate) fn into_meta(
        self,
        backend: &'static str,
        descriptor: Option<&ResourceDescriptor>,
    ) -> Result<ResourceMeta> {
        let corrupt = |what: &str, detail: String| Error::Storage {
            backend,
            message: format!(
                "stored meta of `{}` has an invalid {what}: {detail}",
                self.resource_id
            ),
            source: None,
        };
        let time = |what: &str, s: &str| -> Result<Timestamp> {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|e| corrupt(what, format!("`{s}`: {e}")))
        };
        let mut indexed_data = match serde_json::from_str::<serde_json::Value>(&self.indexed_data) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(other) => return Err(corrupt("indexed_data", format!("not an object: {other}"))),
            Err(e) => return Err(corrupt("indexed_data", e.to_string())),
        };
        if let Some(descriptor) = descriptor {
            let mut ordered = serde_json::Map::new();
            for index in descriptor.indexes {
                if let Some(v) = indexed_data.remove(index.path) {
                    ordered.insert(index.path.to_owned(), v);
                }
            }
            ordered.extend(indexed_data);
            indexed_data = ordered;
        }
        Ok(ResourceMeta {
            created_time: time("created_time", &self.created_time)?,
            updated_time: time("updated_time", &self.updated_time)?,
            rev_created_time: time("rev_created_time", &self.rev_created_time)?,
            rev_updated_time: time("rev_updated_time", &self.rev_updated_time)?,
            rev_status: self
                .rev_status
                .parse::<RevisionStatus>()
                .map_err(|e| corrupt("rev_status", e.to_string()))?,
            total_revision_count: u64::try_from(self.total_revision_count)
                .map_err(|e| corrupt("total_revision_count", e.to_string()))?,
            current_revision_id: self.current_revision_id,
            schema_version: self.schema_version,
            created_by: self.created_by,
            updated_by: self.updated_by,
            is_deleted: self.is_deleted,
            indexed_data,
            rev_created_by: self.rev_created_by,
            rev_updated_by: self.rev_updated_by,
            resource_id: self.resource_id,
        })
    }
}

/// Check a table prefix / schema name: letters, digits and `_`, not starting with a digit,
/// at most `max` characters (so it can be part of an identifier without quoting issues).
pub(crate) fn check_identifier(
    what: &str,
    value: &str,
    allow_empty: bool,
    max: usize,
) -> Result<()> {
    let ok = (allow_empty || !value.is_empty())
        && value.len() <= max
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !value.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(Error::config(format!(
            "invalid {what} `{value}`: use at most {max} ASCII letters, digits and `_`, not starting with a digit"
        )))
    }
}
