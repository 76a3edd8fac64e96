//! The SQLite backend (the embedded default): one database file in WAL mode.
//!
//! # Tables (`{p}` = the table prefix, empty by default)
//!
//! | table | columns | keys |
//! |---|---|---|
//! | `{p}metas` | `model`, `resource_id`, every meta field as a real column (times as wire-format text, `is_deleted` 0/1), `indexed_data` (JSON text) | `PRIMARY KEY (model, resource_id)`, index `(model, created_time, resource_id)` |
//! | `{p}revisions` | `seq` (insertion order), `revision_id`, `model`, `resource_id`, `info` (the `RevisionInfo` as JSON), `data` (payload bytes) | `seq INTEGER PRIMARY KEY`, `revision_id UNIQUE`, index `(model, resource_id, seq)` |
//! | `{p}unique_values` | `model`, `field`, `value` (canonical JSON text), `resource_id` | `PRIMARY KEY (model, field, value)`, index `(model, resource_id)` |
//!
//! `unique_values` holds one row per unique field with a non-null value of each non-deleted
//! resource; the primary key makes the database refuse a second holder, so two processes writing
//! the same file cannot both win.
//!
//! # Durability
//!
//! WAL with `synchronous=NORMAL` (the default) makes every acknowledged commit survive a crash of
//! the process (`kill -9`): the commit is in the WAL file before `commit` returns. After a
//! *power loss or OS crash*, the last commits before the failure may be lost (never corrupted),
//! because the WAL is only fsynced at checkpoints. [`SqliteSynchronous::Full`] fsyncs the WAL on
//! every commit and closes that window, at the cost of one fsync per transaction.
//!
//! # Writers
//!
//! All writes of one store go through a single writer connection (a pool of one), so writers
//! of one process never contend for SQLite's lock; other processes wait up to the busy timeout.
//! Commits start with `BEGIN IMMEDIATE` so the write lock is taken before anything is read.
//! [`Writer`] is the seam where group commit (batching concurrent commits into one transaction)
//! goes; today it runs one transaction per commit. Reads use a separate pool of connections.

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use parking_lot::RwLock;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow,
};
use sqlx::{AssertSqlSafe, Row, Sqlite, Transaction};

use super::sql::commit::{self, SqlTx, TableNames};
use super::sql::meta_row::{META_COLUMNS, MetaRow, check_identifier};
use super::sql::{self, Bind, Frag, Statement};
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
    /// A private in-memory database, gone when the store is dropped.
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
    /// Size of the read pool (default 4; in-memory databases use one connection).
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
    read: SqlitePool,
    writer: Writer,
    tables: TableNames,
    models: RwLock<HashMap<String, &'static ResourceDescriptor>>,
}

fn db_error(action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Error {
    let action = action.into();
    move |e| Error::storage(BACKEND, action, e)
}

impl SqliteStore {
    /// Open (creating when missing) the database and its tables.
    pub async fn open(options: SqliteOptions) -> Result<Self> {
        check_identifier("table prefix", &options.table_prefix, true, 40)?;
        let base = match &options.location {
            SqliteLocation::File(path) => SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true),
            SqliteLocation::Memory => SqliteConnectOptions::from_str("sqlite::memory:")
                .map_err(db_error("open an in-memory database"))?,
        };
        let connect = base
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.synchronous {
                SqliteSynchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
                SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
            })
            .busy_timeout(options.busy_timeout)
            .foreign_keys(false)
            .with_regexp();
        let what = match &options.location {
            SqliteLocation::File(path) => format!("open database file `{}`", path.display()),
            SqliteLocation::Memory => "open an in-memory database".to_owned(),
        };
        let single = |pool: SqlitePoolOptions| {
            pool.max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        };
        let (read, write) = match options.location {
            SqliteLocation::Memory => {
                let pool = single(SqlitePoolOptions::new())
                    .connect_with(connect)
                    .await
                    .map_err(db_error(what))?;
                (pool.clone(), pool)
            }
            SqliteLocation::File(_) => {
                let write = single(SqlitePoolOptions::new())
                    .connect_with(connect.clone())
                    .await
                    .map_err(db_error(what.clone()))?;
                let read = SqlitePoolOptions::new()
                    .max_connections(options.read_connections.max(1))
                    .connect_with(connect)
                    .await
                    .map_err(db_error(what))?;
                (read, write)
            }
        };
        let store = SqliteStore {
            read,
            writer: Writer { pool: write },
            tables: table_names(&options.table_prefix),
            models: RwLock::new(HashMap::new()),
        };
        store.create_tables().await?;
        Ok(store)
    }

    /// Open the database file at `path` with default options.
    pub async fn open_file(path: impl Into<PathBuf>) -> Result<Self> {
        Self::open(SqliteOptions::file(path)).await
    }

    /// A private in-memory database.
    pub async fn in_memory() -> Result<Self> {
        Self::open(SqliteOptions::memory()).await
    }

    async fn create_tables(&self) -> Result<()> {
        let t = &self.tables;
        let m = &t.metas;
        let r = &t.revisions;
        let u = &t.unique;
        let raw = |name: &str| name.trim_matches('"').to_owned();
        let statements = [
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
            format!(
                "CREATE INDEX IF NOT EXISTS \"{}_by_resource\" ON {r} (model, resource_id, seq)",
                raw(r)
            ),
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
        ];
        let mut tx = self
            .writer
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error("create tables"))?;
        for statement in statements {
            sqlx::query(AssertSqlSafe(statement))
                .execute(&mut *tx)
                .await
                .map_err(db_error("create tables"))?;
        }
        tx.commit().await.map_err(db_error("create tables"))
    }

    fn descriptor(&self, model: &str) -> Option<&'static ResourceDescriptor> {
        self.models.read().get(model).copied()
    }

    fn select_metas(&self) -> String {
        format!(
            "SELECT {} FROM {}",
            META_COLUMNS[1..].join(", "),
            self.tables.metas
        )
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Sqlite, SqliteArguments>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, Sqlite, SqliteArguments> {
    for bind in binds {
        query = match bind {
            Bind::Null => query.bind(Option::<String>::None),
            Bind::Text(s) => query.bind(s),
            Bind::Int(i) => query.bind(i),
            Bind::Float(f) => query.bind(f),
            Bind::Bool(b) => query.bind(b),
            Bind::Bytes(b) => query.bind(b),
        };
    }
    query
}

fn statement(frag: Frag) -> sqlx::query::Query<'static, Sqlite, SqliteArguments> {
    let st = frag.finish(&sql::sqlite::Sqlite);
    bind_all(sqlx::query(AssertSqlSafe(st.sql)), st.binds)
}

fn meta_row(row: &SqliteRow) -> std::result::Result<MetaRow, sqlx::Error> {
    Ok(MetaRow {
        resource_id: row.try_get("resource_id")?,
        current_revision_id: row.try_get("current_revision_id")?,
        schema_version: row.try_get("schema_version")?,
        total_revision_count: row.try_get("total_revision_count")?,
        created_time: row.try_get("created_time")?,
        updated_time: row.try_get("updated_time")?,
        created_by: row.try_get("created_by")?,
        updated_by: row.try_get("updated_by")?,
        is_deleted: row.try_get("is_deleted")?,
        indexed_data: row.try_get("indexed_data")?,
        rev_status: row.try_get("rev_status")?,
        rev_created_by: row.try_get("rev_created_by")?,
        rev_updated_by: row.try_get("rev_updated_by")?,
        rev_created_time: row.try_get("rev_created_time")?,
        rev_updated_time: row.try_get("rev_updated_time")?,
    })
}

fn decode_info(json: &str, revision_id: &str) -> Result<RevisionInfo> {
    serde_json::from_str(json).map_err(|e| Error::Storage {
        backend: BACKEND,
        message: format!("stored info of revision `{revision_id}` is invalid: {e}"),
        source: Some(Box::new(e)),
    })
}

/// The single writer of a store: every commit goes through here (group commit goes here).
struct Writer {
    pool: SqlitePool,
}

impl Writer {
    /// Start a write transaction (`BEGIN IMMEDIATE`: take the write lock before reading).
    async fn begin(&self, action: String) -> Result<SqliteTx> {
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error(action.clone()))?;
        Ok(SqliteTx { tx, action })
    }
}

/// An open SQLite write transaction.
struct SqliteTx {
    tx: Transaction<'static, Sqlite>,
    action: String,
}

impl SqliteTx {
    /// Commit when `result` is `Ok`, else roll back and return the error.
    async fn finish(self, result: Result<()>) -> Result<()> {
        match result {
            Ok(()) => self.tx.commit().await.map_err(db_error(self.action)),
            Err(e) => {
                // Nothing of this write may stay; a failed rollback is reported over `e`.
                self.tx.rollback().await.map_err(db_error(self.action))?;
                Err(e)
            }
        }
    }
}

#[async_trait::async_trait]
impl SqlTx for SqliteTx {
    async fn execute(&mut self, statement: Statement) -> Result<u64> {
        let done = bind_all(sqlx::query(AssertSqlSafe(statement.sql)), statement.binds)
            .execute(&mut *self.tx)
            .await
            .map_err(db_error(self.action.clone()))?;
        Ok(done.rows_affected())
    }

    async fn fetch_text(&mut self, statement: Statement) -> Result<Option<String>> {
        let row = bind_all(sqlx::query(AssertSqlSafe(statement.sql)), statement.binds)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(db_error(self.action.clone()))?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(db_error(self.action.clone()))
    }
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
        let sql = format!(
            "{} WHERE model = ? AND resource_id = ?",
            self.select_metas()
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(model)
            .bind(resource_id)
            .fetch_optional(&self.read)
            .await
            .map_err(db_error(format!("load meta of {model} `{resource_id}`")))?;
        match row {
            None => Ok(None),
            Some(row) => {
                let row = meta_row(&row).map_err(db_error("decode a meta row"))?;
                row.into_meta(BACKEND, None).map(Some)
            }
        }
    }

    async fn load_revision(
        &self,
        model: &str,
        revision_id: &str,
    ) -> Result<Option<StoredRevision>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT info, data FROM {} WHERE revision_id = ? AND model = ?",
            self.tables.revisions
        )))
        .bind(revision_id)
        .bind(model)
        .fetch_optional(&self.read)
        .await
        .map_err(db_error(format!(
            "load revision `{revision_id}` of {model}"
        )))?;
        let Some(row) = row else { return Ok(None) };
        let info: String = row
            .try_get("info")
            .map_err(db_error("decode a revision row"))?;
        let data: Vec<u8> = row
            .try_get("data")
            .map_err(db_error("decode a revision row"))?;
        Ok(Some(StoredRevision {
            info: decode_info(&info, revision_id)?,
            data,
        }))
    }

    async fn list_revisions(&self, model: &str, resource_id: &str) -> Result<Vec<RevisionInfo>> {
        let rows: Vec<(String, String)> = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT revision_id, info FROM {} WHERE model = ? AND resource_id = ? ORDER BY seq",
            self.tables.revisions
        )))
        .bind(model)
        .bind(resource_id)
        .fetch_all(&self.read)
        .await
        .map_err(db_error(format!(
            "list revisions of {model} `{resource_id}`"
        )))?;
        rows.iter()
            .map(|(rid, info)| decode_info(info, rid))
            .collect()
    }

    async fn commit(&self, model: &str, commit: Commit) -> Result<()> {
        let descriptor = self.descriptor(model).ok_or_else(|| {
            Error::config(format!(
                "model `{model}` is not registered with the sqlite store (call register_model first)"
            ))
        })?;
        let action = format!("commit {model} `{}`", commit.meta.resource_id);
        let mut tx = self.writer.begin(action).await?;
        let result = commit::apply_commit(
            &mut tx,
            &sql::sqlite::Sqlite,
            &self.tables,
            model,
            descriptor,
            &commit,
        )
        .await;
        tx.finish(result).await
    }

    async fn search(&self, model: &str, query: &Query) -> Result<Vec<ResourceMeta>> {
        let d = &sql::sqlite::Sqlite;
        let frag = Frag::new()
            .sql(self.select_metas())
            .sql(" WHERE model = ")
            .bind(Bind::Text(model.to_owned()))
            .sql(" AND ")
            .frag(sql::where_clause(d, query.condition.as_ref())?)
            .sql(" ORDER BY ")
            .frag(sql::order_by(d, query))
            .sql(" ")
            .frag(sql::Dialect::limit_offset(d, query.limit, query.offset));
        let rows = statement(frag)
            .fetch_all(&self.read)
            .await
            .map_err(db_error(format!("search {model}")))?;
        rows.iter()
            .map(|row| {
                meta_row(row)
                    .map_err(db_error("decode a meta row"))?
                    .into_meta(BACKEND, None)
            })
            .collect()
    }

    async fn count(&self, model: &str, query: &Query) -> Result<u64> {
        let d = &sql::sqlite::Sqlite;
        let frag = Frag::new()
            .sql(format!("SELECT COUNT(*) FROM {}", self.tables.metas))
            .sql(" WHERE model = ")
            .bind(Bind::Text(model.to_owned()))
            .sql(" AND ")
            .frag(sql::where_clause(d, query.condition.as_ref())?);
        let row = statement(frag)
            .fetch_one(&self.read)
            .await
            .map_err(db_error(format!("count {model}")))?;
        let n: i64 = row.try_get(0).map_err(db_error("decode a count"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn purge(&self, model: &str, resource_id: &str) -> Result<()> {
        let action = format!("purge {model} `{resource_id}`");
        let mut tx = self.writer.begin(action).await?;
        let result = commit::purge(
            &mut tx,
            &sql::sqlite::Sqlite,
            &self.tables,
            model,
            resource_id,
        )
        .await;
        tx.finish(result).await
    }

    async fn import(
        &self,
        model: &str,
        resource: ImportedResource,
        mode: ImportMode,
    ) -> Result<ImportOutcome> {
        let descriptor = self.descriptor(model).ok_or_else(|| {
            Error::config(format!(
                "model `{model}` is not registered with the sqlite store (call register_model first)"
            ))
        })?;
        let action = format!("import {model} `{}`", resource.meta.resource_id);
        let mut tx = self.writer.begin(action).await?;
        match commit::apply_import(
            &mut tx,
            &sql::sqlite::Sqlite,
            &self.tables,
            model,
            descriptor,
            &resource,
            mode,
        )
        .await
        {
            Ok(outcome) => tx.finish(Ok(())).await.map(|()| outcome),
            // `finish` rolls back and hands the error back.
            Err(error) => tx.finish(Err(error)).await.map(|()| ImportOutcome::Exists),
        }
    }
}
