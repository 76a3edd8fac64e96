//! The read connections of a SQLite store, which call SQLite directly (rusqlite).
//!
//! Point reads — a meta, a revision, a meta with its current revision, a resource's revision
//! list, a page's revisions — run on the caller's thread. They read a few pages of a B-tree
//! that are almost always in the page cache (tens of microseconds), so handing them to another
//! thread would cost more than the read: through sqlx, whose connections each run on a worker
//! thread of their own, half of a `get`'s CPU went to thread switches. Blocking the calling
//! (async) thread for that long is what any in-memory lookup does; a read that has to wait for
//! the disk blocks it longer, which is the trade-off of an embedded database. Readers never
//! wait for the writer (WAL: a read sees the last committed state).
//!
//! Searches and counts may scan, so the store runs them on Tokio's blocking pool (one hand-off
//! per query, however many rows: sqlx hands every row over separately).
//!
//! A reader takes the first free connection of a small set, waiting for one only when all are
//! busy.

use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, Row};

use super::connection::{DatabaseFile, Role, bind};
use super::{BACKEND, decode_info};
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::storage::StoredRevision;
use crate::storage::sql::Statement;
use crate::storage::sql::commit::TableNames;
use crate::storage::sql::meta_row::{META_COLUMNS, MetaRow};

/// The read connections of a store and the SQL of each point read.
pub(super) struct Reader {
    connections: Vec<Mutex<Connection>>,
    next: AtomicUsize,
    sql: Statements,
}

struct Statements {
    meta: String,
    revision: String,
    current: String,
    revisions: String,
    revisions_by_id: String,
}

/// Revision ids read by one statement of [`Reader::revisions_by_id`].
const IDS_PER_STATEMENT: usize = 50;

impl Statements {
    fn new(t: &TableNames) -> Self {
        let meta_columns = |alias: &str| {
            META_COLUMNS[1..]
                .iter()
                .map(|c| format!("{alias}{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Statements {
            meta: format!(
                "SELECT {} FROM {} WHERE model = ?1 AND resource_id = ?2",
                meta_columns(""),
                t.metas
            ),
            revision: format!(
                "SELECT info, data FROM {} WHERE revision_id = ?1 AND model = ?2",
                t.revisions
            ),
            current: format!(
                "SELECT {}, r.info, r.data FROM {} AS m LEFT JOIN {} AS r \
                 ON r.revision_id = m.current_revision_id AND r.model = m.model \
                 WHERE m.model = ?1 AND m.resource_id = ?2",
                meta_columns("m."),
                t.metas,
                t.revisions
            ),
            revisions: format!(
                "SELECT revision_id, info FROM {} WHERE model = ?1 AND resource_id = ?2 ORDER BY seq",
                t.revisions
            ),
            // `rarray` would need the array extension; a fixed-size IN list (unused slots
            // bound to NULL, which matches nothing) keeps one prepared statement.
            revisions_by_id: format!(
                "SELECT revision_id, info, data FROM {} WHERE model = ?1 AND revision_id IN ({})",
                t.revisions,
                (2..IDS_PER_STATEMENT + 2)
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// A meta row (the [`META_COLUMNS`] after `model`, from column 0).
fn meta_at(row: &Row<'_>) -> rusqlite::Result<MetaRow> {
    Ok(MetaRow {
        resource_id: row.get(0)?,
        current_revision_id: row.get(1)?,
        schema_version: row.get(2)?,
        total_revision_count: row.get(3)?,
        created_time: row.get(4)?,
        updated_time: row.get(5)?,
        created_by: row.get(6)?,
        updated_by: row.get(7)?,
        is_deleted: row.get(8)?,
        indexed_data: row.get(9)?,
        rev_status: row.get(10)?,
        rev_created_by: row.get(11)?,
        rev_updated_by: row.get(12)?,
        rev_created_time: row.get(13)?,
        rev_updated_time: row.get(14)?,
    })
}

/// A revision from its `info` text and `data` bytes.
fn revision(info: &str, data: Vec<u8>, revision_id: &str) -> Result<StoredRevision> {
    Ok(StoredRevision {
        info: decode_info(info, revision_id)?,
        data,
    })
}

impl Reader {
    /// Open `count` read connections (at least one).
    pub(super) fn open(file: &DatabaseFile, count: usize, tables: &TableNames) -> Result<Self> {
        let connections = (0..count.max(1))
            .map(|_| file.open(Role::Reader).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Reader {
            connections,
            next: AtomicUsize::new(0),
            sql: Statements::new(tables),
        })
    }

    /// Run `read` on a free connection (or wait for one when all are busy).
    fn with<T>(
        &self,
        action: impl FnOnce() -> String,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let free = (0..n).find_map(|k| self.connections[(start + k) % n].try_lock());
        let conn = match free {
            Some(conn) => conn,
            None => self.connections[start].lock(),
        };
        read(&conn).map_err(|e| Error::storage(BACKEND, action(), e))
    }

    pub(super) fn meta(&self, model: &str, resource_id: &str) -> Result<Option<ResourceMeta>> {
        let row = self.with(
            || format!("load meta of {model} `{resource_id}`"),
            |conn| {
                conn.prepare_cached(&self.sql.meta)?
                    .query_row((model, resource_id), meta_at)
                    .optional()
            },
        )?;
        row.map(|row| row.into_meta(BACKEND, None)).transpose()
    }

    pub(super) fn revision(
        &self,
        model: &str,
        revision_id: &str,
    ) -> Result<Option<StoredRevision>> {
        let row = self.with(
            || format!("load revision `{revision_id}` of {model}"),
            |conn| {
                conn.prepare_cached(&self.sql.revision)?
                    .query_row((revision_id, model), |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?))
                    })
                    .optional()
            },
        )?;
        row.map(|(info, data)| revision(&info, data, revision_id))
            .transpose()
    }

    /// The meta of a resource and its current revision (`None` when the revision is missing).
    pub(super) fn current(
        &self,
        model: &str,
        resource_id: &str,
    ) -> Result<Option<(ResourceMeta, Option<StoredRevision>)>> {
        let row = self.with(
            || format!("load {model} `{resource_id}`"),
            |conn| {
                conn.prepare_cached(&self.sql.current)?
                    .query_row((model, resource_id), |row| {
                        Ok((
                            meta_at(row)?,
                            row.get::<_, Option<String>>(15)?,
                            row.get::<_, Option<Vec<u8>>>(16)?,
                        ))
                    })
                    .optional()
            },
        )?;
        let Some((meta, info, data)) = row else {
            return Ok(None);
        };
        let meta = meta.into_meta(BACKEND, None)?;
        let current = match info {
            Some(info) => Some(revision(
                &info,
                data.unwrap_or_default(),
                &meta.current_revision_id,
            )?),
            None => None,
        };
        Ok(Some((meta, current)))
    }

    /// Every revision of a resource, oldest first.
    pub(super) fn revision_infos(
        &self,
        model: &str,
        resource_id: &str,
    ) -> Result<Vec<RevisionInfo>> {
        let rows = self.with(
            || format!("list revisions of {model} `{resource_id}`"),
            |conn| {
                conn.prepare_cached(&self.sql.revisions)?
                    .query_map((model, resource_id), |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()
            },
        )?;
        rows.iter()
            .map(|(revision_id, info)| decode_info(info, revision_id))
            .collect()
    }

    /// The revisions with these ids (those that exist, in no particular order).
    pub(super) fn revisions_by_id(
        &self,
        model: &str,
        revision_ids: &[String],
    ) -> Result<Vec<StoredRevision>> {
        let mut found = Vec::with_capacity(revision_ids.len());
        for chunk in revision_ids.chunks(IDS_PER_STATEMENT) {
            let rows = self.with(
                || format!("load revisions of {model}"),
                |conn| {
                    let mut statement = conn.prepare_cached(&self.sql.revisions_by_id)?;
                    statement.raw_bind_parameter(1, model)?;
                    for k in 0..IDS_PER_STATEMENT {
                        match chunk.get(k) {
                            Some(id) => statement.raw_bind_parameter(k + 2, id.as_str())?,
                            None => statement.raw_bind_parameter(k + 2, rusqlite::types::Null)?,
                        }
                    }
                    let mut rows = statement.raw_query();
                    let mut out = Vec::with_capacity(chunk.len());
                    while let Some(row) = rows.next()? {
                        out.push((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, Vec<u8>>(2)?,
                        ));
                    }
                    Ok(out)
                },
            )?;
            for (revision_id, info, data) in rows {
                found.push(revision(&info, data, &revision_id)?);
            }
        }
        Ok(found)
    }

    /// The metas a search statement selects (the [`META_COLUMNS`] after `model`).
    pub(super) fn metas(&self, action: &str, statement: &Statement) -> Result<Vec<ResourceMeta>> {
        let rows = self.with(
            || action.to_owned(),
            |conn| {
                let mut prepared = conn.prepare_cached(&statement.sql)?;
                bind(&mut prepared, &statement.binds)?;
                let mut rows = prepared.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(meta_at(row)?);
                }
                Ok(out)
            },
        )?;
        rows.into_iter()
            .map(|row| row.into_meta(BACKEND, None))
            .collect()
    }

    /// The number a `SELECT COUNT(*)` statement returns.
    pub(super) fn count(&self, action: &str, statement: &Statement) -> Result<u64> {
        let n: i64 = self.with(
            || action.to_owned(),
            |conn| {
                let mut prepared = conn.prepare_cached(&statement.sql)?;
                bind(&mut prepared, &statement.binds)?;
                let mut rows = prepared.raw_query();
                match rows.next()? {
                    Some(row) => row.get(0),
                    None => Ok(0),
                }
            },
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
