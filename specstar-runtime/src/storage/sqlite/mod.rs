//! The SQLite backend (the embedded default): one database file in WAL mode.
//!
//! # Tables (`{p}` = the table prefix, empty by default)
//!
//! | table | columns | keys |
//! |---|---|---|
//! | `{p}metas` | `model`, `resource_id`, every meta field as a real column (times as wire-format text, `is_deleted` 0/1), `indexed_data` (JSON text) | `PRIMARY KEY (model, resource_id)`, index `(model, created_time, resource_id)` |
//! | `{p}revisions` | `seq` (insertion order), `revision_id`, `model`, `resource_id`, `info` (the `RevisionInfo` as JSON), `data` (payload bytes) | `seq INTEGER PRIMARY KEY`, `revision_id UNIQUE` (a resource's revisions are a range of it: `{resource_id}:{n}`) |
//! | `{p}unique_values` | `model`, `field`, `value` (canonical JSON text), `resource_id` | `PRIMARY KEY (model, field, value)`, index `(model, resource_id)` |
//! | `{p}index_values` | `model`, `path`, `tag`, `value`, `kind`, `resource_id`: one row per scalar indexed value (see `storage::sql::sqlite`) | `PRIMARY KEY (model, path, tag, value, kind, resource_id)` `WITHOUT ROWID` (a resource's rows are deleted by their keys, derived from its stored meta) |
//!
//! `unique_values` holds one row per unique field with a non-null value of each non-deleted
//! resource; the primary key makes the database refuse a second holder, so two processes writing
//! the same file cannot both win.
//!
//! # Search
//!
//! Conditions are translated to SQL (`sql::where_clause`); equality and list membership on data
//! paths read the index table, so an equality search returning 20 of 100k resources is an index
//! seek plus 20 primary-key lookups. The rows of the index table are written in the same
//! transaction as the meta; a file without the table gets it built from the metas at open.
//! Planner statistics for our indexes are seeded when missing (see `planner_statistics`), so
//! SQLite picks those plans before anyone runs `ANALYZE`.
//!
//! # Durability
//!
//! WAL with `synchronous=NORMAL` (the default) makes every acknowledged commit survive a crash of
//! the process (`kill -9`): the commit is in the WAL file before `commit` returns. After a
//! *power loss or OS crash*, the last commits before the failure may be lost (never corrupted),
//! because the WAL is only fsynced at checkpoints. [`SqliteSynchronous::Full`] fsyncs the WAL on
//! every commit and closes that window, at the cost of one fsync per transaction.
//!
//! # Writers: group commit
//!
//! All writes of one store go through a single writer (`sqlite::writer`) with its own connection, so
//! writers of one process never contend for SQLite's lock; other processes wait up to the busy
//! timeout. The writer batches concurrent commits into one `BEGIN IMMEDIATE … COMMIT`
//! transaction, each commit in its own savepoint, so a failing commit (a lost compare-and-set, a
//! unique violation) fails alone while the others of its batch commit. Reads use connections of
//! their own (`sqlite::reader`) and see a write as soon as its caller has been answered.
//!
//! Writer, readers and checkpointer call SQLite directly through `rusqlite` (the same
//! libsqlite3 that sqlx links): each on the thread that needs the result, with no hand-off per
//! statement or row.

mod connection;
mod reader;
mod writer;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::RwLock;

use self::connection::DatabaseFile;
use self::reader::Reader;
use self::writer::{Outcome, Work, Writer};
use super::sql;
use super::sql::commit::TableNames;
use super::sql::meta_row::{META_COLUMNS, check_identifier};
use super::sql::sqlite::{IndexLookup, IndexSource};
use super::{Commit, ImportMode, ImportOutcome, ImportedResource, ResourceStore, StoredRevision};
use crate::model::{Error, ResourceMeta, Result, RevisionInfo};
use crate::query::Query;
use crate::resource::ResourceDescriptor;

const BACKEND: &str = "sqlite";

/// How hard SQLite syncs to disk on commit (see the module docs for the trade-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteSynchronous {
    /// Survives a process crash; the last commits may be lost on power loss (the default).
    #[default]
    Normal,
    /// Survives power loss too: one fsync per commit.
    Full,
}

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteLocation {
    /// A database file (created when missing).
    File(PathBuf),
    /// A private database, gone when the store is dropped (a file in a temporary directory,
    /// so that the writer and the readers share it; small ones stay in the OS page cache).
    Memory,
}

/// Options of a [`SqliteStore`].
///
/// ```
/// use specstar_runtime::storage::sqlite::{SqliteOptions, SqliteSynchronous};
/// let options = SqliteOptions::file("app.db").synchronous(SqliteSynchronous::Full);
/// assert_eq!(options.table_prefix, "");
/// ```
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    pub location: SqliteLocation,
    pub synchronous: SqliteSynchronous,
    /// How long a write waits for another process's lock before failing (default 5 s).
    pub busy_timeout: Duration,
    /// Prefix of the table names (letters, digits, `_`), so two apps can share one file.
    pub table_prefix: String,
    /// Read connections (default 4): for searches and counts, and as many again for point
    /// reads (see `point_reads`).
    pub read_connections: u32,
}

impl SqliteOptions {
    /// A database file at `path`.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        SqliteOptions {
            location: SqliteLocation::File(path.into()),
            synchronous: SqliteSynchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            table_prefix: String::new(),
            read_connections: 4,
        }
    }

    /// A private in-memory database.
    pub fn memory() -> Self {
        SqliteOptions {
            location: SqliteLocation::Memory,
            ..SqliteOptions::file("")
        }
    }

    /// Set the sync mode.
    pub fn synchronous(mut self, synchronous: SqliteSynchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Set the table prefix.
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.table_prefix = prefix.into();
        self
    }
}

fn table_names(prefix: &str) -> TableNames {
    TableNames {
        metas: format!("\"{prefix}metas\""),
        revisions: format!("\"{prefix}revisions\""),
        unique: format!("\"{prefix}unique_values\""),
        index_values: Some(format!("\"{prefix}index_values\"")),
    }
}

/// A [`ResourceStore`] in one SQLite database file.
///
/// ```no_run
/// # async fn demo() -> specstar_runtime::Result<()> {
/// use specstar_runtime::storage::sqlite::{SqliteOptions, SqliteStore};
/// let store = SqliteStore::open(SqliteOptions::file("specstar.db")).await?;
/// # Ok(()) }
/// ```
pub struct SqliteStore {
    writer: Writer,
    tables: Arc<TableNames>,
    points: Arc<Reader>,
    models: RwLock<HashMap<String, &'static ResourceDescriptor>>,
    /// The temporary directory of a private database, removed with the store.
    _private: Option<tempfile::TempDir>,
}

impl SqliteStore {
    /// Open (creating when missing) the database and its tables.
    pub async fn open(options: SqliteOptions) -> Result<Self> {
        check_identifier("table prefix", &options.table_prefix, true, 40)?;
        // A private database is a file in a temporary directory, removed with the store: the
        // writer and the read connections must reach the same database, which SQLite's
        // `:memory:` databases (one per connection) cannot give.
        let (path, temp) = match &options.location {
            SqliteLocation::File(path) => (path.clone(), None),
            SqliteLocation::Memory => {
                let temp = tempfile::Builder::new()
                    .prefix("specstar-sqlite-")
                    .tempdir()
                    .map_err(|e| Error::storage(BACKEND, "create a private database", e))?;
                (temp.path().join("private.db"), Some(temp))
            }
        };
        // The writer first: it creates the file, the tables and the planner statistics, which
        // read connections load when they open.
        let tables = Arc::new(table_names(&options.table_prefix));
        let file = DatabaseFile {
            path: path.clone(),
            synchronous: options.synchronous,
            busy_timeout: options.busy_timeout,
        };
        let writer = Writer::start(&file, tables.clone())?;
        create_tables(&writer, &tables).await?;
        let points = Arc::new(Reader::open(
            &file,
            options.read_connections as usize,
            &tables,
        )?);
        Ok(SqliteStore {
            writer,
            points,
            tables,
            models: RwLock::new(HashMap::new()),
            _private: temp,
        })
    }

    /// How many write transactions this store has run. With concurrent writers it grows more
    /// slowly than the number of commits: group commit put several in one transaction.
    pub fn write_transactions(&self) -> u64 {
        self.writer.batches()
    }

    /// Open the database file at `path` with default options.
    pub async fn open_file(path: impl Into<PathBuf>) -> Result<Self> {
        Self::open(SqliteOptions::file(path)).await
    }

    /// A private in-memory database.
    pub async fn in_memory() -> Result<Self> {
        Self::open(SqliteOptions::memory()).await
    }

    /// The dialect for searching `model` (equality through the index table).
    fn dialect(&self, model: &str) -> sql::sqlite::Sqlite {
        sql::sqlite::Sqlite {
            index: self.tables.index_values.as_ref().map(|table| IndexLookup {
                table: table.clone(),
                model: model.to_owned(),
            }),
        }
    }

    fn descriptor(&self, model: &str) -> Option<&'static ResourceDescriptor> {
        self.models.read().get(model).copied()
    }

    /// The descriptor of `model`, which writes need (unique and index entries).
    fn registered(&self, model: &str) -> Result<&'static ResourceDescriptor> {
        self.descriptor(model).ok_or_else(|| {
            Error::config(format!(
                "model `{model}` is not registered with the sqlite store (call register_model first)"
            ))
        })
    }

    /// Run `read` on Tokio's blocking pool (a query that exceeded its budget on the caller's
    /// thread must not hold up the async threads).
    async fn blocking<T: Send + 'static>(
        &self,
        read: impl FnOnce(&Reader) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let reader = self.points.clone();
        tokio::task::spawn_blocking(move || read(&reader))
            .await
            .map_err(|e| Error::storage(BACKEND, "run a query on the blocking pool", e))?
    }

    fn select_metas(&self) -> String {
        format!(
            "SELECT {} FROM {}",
            META_COLUMNS[1..].join(", "),
            self.tables.metas
        )
    }
}

async fn create_tables(writer: &Writer, t: &TableNames) -> Result<()> {
    let m = &t.metas;
    let r = &t.revisions;
    let u = &t.unique;
    let iv = t.index_values.as_deref().unwrap_or_default();
    let raw = |name: &str| name.trim_matches('"').to_owned();
    let mut statements = vec![
        format!(
            "CREATE TABLE IF NOT EXISTS {m} (
                model TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                current_revision_id TEXT NOT NULL,
                schema_version TEXT,
                total_revision_count INTEGER NOT NULL,
                created_time TEXT NOT NULL,
                updated_time TEXT NOT NULL,
                created_by TEXT NOT NULL,
                updated_by TEXT NOT NULL,
                is_deleted INTEGER NOT NULL,
                indexed_data TEXT NOT NULL,
                rev_status TEXT NOT NULL,
                rev_created_by TEXT NOT NULL,
                rev_updated_by TEXT NOT NULL,
                rev_created_time TEXT NOT NULL,
                rev_updated_time TEXT NOT NULL,
                PRIMARY KEY (model, resource_id)
            )"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS \"{}_by_created\" ON {m} (model, created_time, resource_id)",
            raw(m)
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {r} (
                seq INTEGER PRIMARY KEY,
                revision_id TEXT NOT NULL UNIQUE,
                model TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                info TEXT NOT NULL,
                data BLOB NOT NULL
            )"
        ),
        // A resource's revisions are read through the `revision_id` key (see
        // `sql::sqlite::revision_range`); files from before that have this index.
        format!("DROP INDEX IF EXISTS \"{}_by_resource\"", raw(r)),
        format!(
            "CREATE TABLE IF NOT EXISTS {u} (
                model TEXT NOT NULL,
                field TEXT NOT NULL,
                value TEXT NOT NULL,
                resource_id TEXT NOT NULL,
                PRIMARY KEY (model, field, value)
            )"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS \"{}_by_resource\" ON {u} (model, resource_id)",
            raw(u)
        ),
        // `value` has no declared type (no affinity): numbers stay numbers, text stays text.
        format!(
            "CREATE TABLE IF NOT EXISTS {iv} (
                model TEXT NOT NULL,
                path TEXT NOT NULL,
                tag TEXT NOT NULL,
                value NOT NULL,
                kind INTEGER NOT NULL,
                resource_id TEXT NOT NULL,
                PRIMARY KEY (model, path, tag, value, kind, resource_id)
            ) WITHOUT ROWID"
        ),
        // A resource's index rows are deleted by their keys (see
        // `sql::sqlite::delete_index_row`); files from before that have this index.
        format!("DROP INDEX IF EXISTS \"{}_by_resource\"", raw(iv)),
    ];
    statements.extend(planner_statistics(t));
    writer
        .write(
            "create tables".into(),
            Work::Setup {
                statements,
                // Metas written before the index table existed get their rows now.
                backfill: Some((
                    raw(iv),
                    sql::sqlite::index_rows(iv, IndexSource::Table(m))
                        .finish(&sql::sqlite::Sqlite::default()),
                )),
            },
        )
        .await
        .map(|_| ())
}

/// Statements seeding SQLite's planner statistics (`sqlite_stat1`) for our indexes, where
/// `ANALYZE` has not written real ones yet.
///
/// Without statistics SQLite assumes an equality on an index's first column selects ~10 rows,
/// so for `model = ? AND resource_id IN (<index table lookup>) ORDER BY created_time LIMIT n` it
/// walks `(model, created_time)` in order — every row of the model — to avoid a sort. The seeds
/// describe what is true of any sizeable store: one `model` value covers many rows, a resource
/// id or revision id a few, an `(path, value)` pair of the index table few. Real statistics
/// (`ANALYZE`, `PRAGMA optimize`) replace them and lead to the same plans. `ANALYZE
/// sqlite_schema` creates the statistics table when missing and reloads it.
fn planner_statistics(t: &TableNames) -> Vec<String> {
    let raw = |name: &str| name.trim_matches('"').to_owned();
    let (m, r, u) = (raw(&t.metas), raw(&t.revisions), raw(&t.unique));
    let mut seeds = vec![
        (
            m.clone(),
            format!("sqlite_autoindex_{m}_1"),
            "1000000 1000000 1",
        ),
        (m.clone(), format!("{m}_by_created"), "1000000 1000000 1 1"),
        (r.clone(), format!("sqlite_autoindex_{r}_1"), "5000000 1"),
        (
            u.clone(),
            format!("sqlite_autoindex_{u}_1"),
            "1000000 1000000 500000 1",
        ),
        (u.clone(), format!("{u}_by_resource"), "1000000 1000000 1"),
    ];
    if let Some(iv) = &t.index_values {
        let iv = raw(iv);
        seeds.push((
            iv.clone(),
            iv.clone(),
            "10000000 10000000 1000000 500000 10 10 1",
        ));
    }
    let mut statements = vec!["ANALYZE sqlite_schema".to_owned()];
    // Names are validated identifiers (letters, digits, `_`): safe inside quotes.
    for (table, index, stat) in seeds {
        statements.push(format!(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) SELECT '{table}', '{index}', '{stat}' \
             WHERE NOT EXISTS (SELECT 1 FROM sqlite_stat1 WHERE tbl = '{table}' AND idx = '{index}')"
        ));
    }
    statements.push("ANALYZE sqlite_schema".to_owned());
    statements
}

fn decode_info(json: &str, revision_id: &str) -> Result<RevisionInfo> {
    serde_json::from_str(json).map_err(|e| Error::Storage {
        backend: BACKEND,
        message: format!("stored info of revision `{revision_id}` is invalid: {e}"),
        source: Some(Box::new(e)),
    })
}

#[async_trait::async_trait]
impl ResourceStore for SqliteStore {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    async fn register_model(&self, model: &'static ResourceDescriptor) -> Result<()> {
        if let Some(index) = model.indexes.iter().find(|i| i.path.contains('"')) {
            return Err(Error::config(format!(
                "{}: the sqlite backend cannot index path `{}` (it contains `\"`)",
                model.name, index.path
            )));
        }
        // The tables are shared by every model and created at open; nothing per model yet.
        self.models.write().insert(model.name.to_owned(), model);
        Ok(())
    }

    async fn load_meta(&self, model: &str, resource_id: &str) -> Result<Option<ResourceMeta>> {
        self.points.meta(model, resource_id)
    }

    async fn load_revision(
        &self,
        model: &str,
        revision_id: &str,
    ) -> Result<Option<StoredRevision>> {
        self.points.revision(model, revision_id)
    }

    async fn load_revisions(
        &self,
        model: &str,
        revision_ids: &[String],
    ) -> Result<Vec<StoredRevision>> {
        self.points.revisions_by_id(model, revision_ids)
    }

    async fn load_current(
        &self,
        model: &str,
        resource_id: &str,
    ) -> Result<Option<(ResourceMeta, Option<StoredRevision>)>> {
        self.points.current(model, resource_id)
    }

    async fn list_revisions(&self, model: &str, resource_id: &str) -> Result<Vec<RevisionInfo>> {
        self.points.revision_infos(model, resource_id)
    }

    async fn commit(&self, model: &str, commit: Commit) -> Result<()> {
        let descriptor = self.registered(model)?;
        let action = format!("commit {model} `{}`", commit.meta.resource_id);
        let work = Work::Commit {
            model: model.to_owned(),
            descriptor,
            commit: Box::new(commit),
        };
        self.writer.write(action, work).await.map(|_| ())
    }

    async fn search(&self, model: &str, query: &Query) -> Result<Vec<ResourceMeta>> {
        let d = &self.dialect(model);
        let statement = sql::search_query(d, self.select_metas(), model, query)?.finish(d);
        let action = format!("search {model}");
        if let Some(found) = self.points.metas(&action, &statement, true)? {
            return Ok(found);
        }
        self.blocking(move |reader| reader.metas(&action, &statement, false))
            .await
            .map(Option::unwrap_or_default)
    }

    async fn count(&self, model: &str, query: &Query) -> Result<u64> {
        let d = &self.dialect(model);
        let statement = sql::count_query(d, &self.tables.metas, model, query)?.finish(d);
        let action = format!("count {model}");
        if let Some(n) = self.points.count(&action, &statement, true)? {
            return Ok(n);
        }
        self.blocking(move |reader| reader.count(&action, &statement, false))
            .await
            .map(Option::unwrap_or_default)
    }

    async fn purge(&self, model: &str, resource_id: &str) -> Result<()> {
        let action = format!("purge {model} `{resource_id}`");
        let work = Work::Purge {
            model: model.to_owned(),
            resource_id: resource_id.to_owned(),
        };
        self.writer.write(action, work).await.map(|_| ())
    }

    async fn import(
        &self,
        model: &str,
        resource: ImportedResource,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        let descriptor = self.registered(model)?;
        let action = format!("import {model} `{}`", resource.meta.resource_id);
        let work = Work::Import {
            model: model.to_owned(),
            descriptor,
            resource: Box::new(resource),
            mode,
        };
        match self.writer.write(action, work).await? {
            Outcome::Imported(outcome) => Ok(outcome),
            Outcome::Applied => Err(Error::Storage {
                backend: BACKEND,
                message: format!("import {model}: the writer did not report the outcome"),
                source: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests;
