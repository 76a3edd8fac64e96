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
//! Searches and counts may scan. Each first runs on the caller's thread with a budget of
//! SQLite VM steps ([`SEARCH_BUDGET`], well under a millisecond): an index seek for a page of
//! results finishes within it (most list requests); a query that exceeds it is interrupted and
//! run again on Tokio's blocking pool, so a scan never holds up an async thread for longer than
//! the budget. (sqlx handed every row to another thread separately.)
//!
//! A reader takes the first free connection of a small set, waiting for one only when all are
//! busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension, Row};

use super::connection::{DatabaseFile, Role, bind};
use super::{BACKEND, decode_info};
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::storage::StoredRevision;
use crate::storage::sql::Statement;
use crate::storage::sql::commit::TableNames;
use crate::storage::sql::meta_row::{META_COLUMNS, MetaRow};
use crate::storage::sql::sqlite::revision_range;

/// SQLite VM steps a search may take on the caller's thread before it is interrupted and run
/// on the blocking pool instead (SQLite checks the budget every this many steps).
pub(super) const SEARCH_BUDGET: i32 = 20_000;

/// A read connection, and whether its current statement runs under [`SEARCH_BUDGET`].
struct ReadConnection {
    conn: Connection,
    budgeted: Arc<AtomicBool>,
}

impl ReadConnection {
    fn open(file: &DatabaseFile) -> Result<Self> {
        let conn = file.open(Role::Reader)?;
        let budgeted = Arc::new(AtomicBool::new(false));
        let flag = budgeted.clone();
        // Called every SEARCH_BUDGET steps: interrupt when the statement is budgeted.
        conn.progress_handler(SEARCH_BUDGET, Some(move || flag.load(Ordering::Relaxed)))
            .map_err(|e| Error::storage(BACKEND, "install the search budget", e))?;
        Ok(ReadConnection { conn, budgeted })
    }
}

/// Whether a read was cut short by its budget.
fn interrupted(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted)
}

/// The read connections of a store and the SQL of each point read.
pub(super) struct Reader {
    connections: Vec<Mutex<ReadConnection>>,
    next: AtomicUsize,
    /// Budgeted queries that ran out of budget (for tests and diagnostics).
    over_budget: AtomicUsize,
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
                "SELECT revision_id, info FROM {} WHERE revision_id > ?3 AND revision_id < ?4 \
                 AND model = ?1 AND resource_id = ?2 ORDER BY seq",
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
            .map(|_| ReadConnection::open(file).map(Mutex::new))
            .collect::<Result<Vec<_>>>()?;
        Ok(Reader {
            connections,
            next: AtomicUsize::new(0),
            over_budget: AtomicUsize::new(0),
            sql: Statements::new(tables),
        })
    }

    /// Run `read` on a free connection (or wait for one when all are busy).
    fn with<T>(
        &self,
        action: impl FnOnce() -> String,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        self.with_budget(false, read)
            .map_err(|e| Error::storage(BACKEND, action(), e))
    }

    /// [`with`](Self::with), under [`SEARCH_BUDGET`] when `budgeted`.
    fn with_budget<T>(
        &self,
        budgeted: bool,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let n = self.connections.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let free = (0..n).find_map(|k| self.connections[(start + k) % n].try_lock());
        let connection = match free {
            Some(connection) => connection,
            None => self.connections[start].lock(),
        };
        connection.budgeted.store(budgeted, Ordering::Relaxed);
        let result = read(&connection.conn);
        connection.budgeted.store(false, Ordering::Relaxed);
        result
    }

    /// How many budgeted queries ran out of budget.
    #[cfg(test)]
    pub(super) fn over_budget(&self) -> usize {
        self.over_budget.load(Ordering::Relaxed)
    }

    /// Run the query `read`, under [`SEARCH_BUDGET`] when `budgeted`: `Ok(None)` when it
    /// needed more (run it again unbudgeted, off the async threads).
    fn query<T>(
        &self,
        action: &str,
        budgeted: bool,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        match self.with_budget(budgeted, read) {
            Ok(found) => Ok(Some(found)),
            Err(e) if budgeted && interrupted(&e) => {
                self.over_budget.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            }
            Err(e) => Err(Error::storage(BACKEND, action.to_owned(), e)),
        }
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
                let (low, high) = revision_range(resource_id);
                conn.prepare_cached(&self.sql.revisions)?
                    .query_map((model, resource_id, low, high), |row| {
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

    /// The metas a search statement selects (the [`META_COLUMNS`] after `model`); `None` when
    /// `budgeted` and the budget ran out.
    pub(super) fn metas(
        &self,
        action: &str,
        statement: &Statement,
        budgeted: bool,
    ) -> Result<Option<Vec<ResourceMeta>>> {
        let rows = self.query(action, budgeted, |conn| {
            let mut prepared = conn.prepare_cached(&statement.sql)?;
            bind(&mut prepared, &statement.binds)?;
            let mut rows = prepared.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(meta_at(row)?);
            }
            Ok(out)
        })?;
        rows.map(|rows| {
            rows.into_iter()
                .map(|row| row.into_meta(BACKEND, None))
                .collect()
        })
        .transpose()
    }

    /// The number a `SELECT COUNT(*)` statement returns; `None` when `budgeted` and the budget
    /// ran out.
    pub(super) fn count(
        &self,
        action: &str,
        statement: &Statement,
        budgeted: bool,
    ) -> Result<Option<u64>> {
        let n: Option<i64> = self.query(action, budgeted, |conn| {
            let mut prepared = conn.prepare_cached(&statement.sql)?;
            bind(&mut prepared, &statement.binds)?;
            let mut rows = prepared.raw_query();
            match rows.next()? {
                Some(row) => row.get(0),
                None => Ok(0),
            }
        })?;
        Ok(n.map(|n| u64::try_from(n).unwrap_or(0)))
    }
}
