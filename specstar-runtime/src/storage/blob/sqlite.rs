//! [`SqliteBlobStore`]: blobs in a table of a SQLite database — the same file as the
//! resources when the `blob` role is bound to the same connection (the default of a
//! `sqlite://` backend URL).
//!
//! Table `{p}blobs` (`{p}` = the table prefix): `file_id TEXT PRIMARY KEY`, `content_type`,
//! `size`, `data BLOB`. The store opens its own small pool on the file (WAL, the same
//! `synchronous` and busy timeout as the resource store), so it shares nothing with the
//! resource store but the file; each put is one autocommit statement, durable like a commit.
//! An in-memory location gives a private in-memory database.

use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};

use super::{Blob, BlobStore, check_file_id, content_type_or_default, file_id_of};
use crate::model::{Error, Result};
use crate::storage::sql::meta_row::check_identifier;
use crate::storage::sqlite::{SqliteLocation, SqliteOptions, SqliteSynchronous};

const BACKEND: &str = "sqlite";

/// A [`BlobStore`] in a SQLite table.
///
/// ```no_run
/// # async fn demo() -> specstar_runtime::Result<()> {
/// use specstar_runtime::storage::blob::{BlobStore, sqlite::SqliteBlobStore};
/// use specstar_runtime::storage::sqlite::SqliteOptions;
/// let blobs = SqliteBlobStore::open(SqliteOptions::file("specstar.db")).await?;
/// let id = blobs.put(b"bytes".to_vec(), "text/plain").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteBlobStore {
    pool: SqlitePool,
    table: String,
}

fn db_error(action: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Error {
    let action = action.into();
    move |e| Error::storage(BACKEND, action, e)
}

impl SqliteBlobStore {
    /// Open (creating when missing) the database and the `{prefix}blobs` table. Uses
    /// `location`, `synchronous`, `busy_timeout`, `table_prefix` and (as the pool size)
    /// `read_connections` of `options`.
    pub async fn open(options: SqliteOptions) -> Result<Self> {
        check_identifier("table prefix", &options.table_prefix, true, 40)?;
        let (base, what, connections) = match &options.location {
            SqliteLocation::File(path) => (
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true),
                format!("open database file `{}` for blobs", path.display()),
                options.read_connections.max(1),
            ),
            SqliteLocation::Memory => (
                SqliteConnectOptions::from_str("sqlite::memory:")
                    .map_err(db_error("open an in-memory database for blobs"))?,
                "open an in-memory database for blobs".to_owned(),
                1,
            ),
        };
        let connect = base
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.synchronous {
                SqliteSynchronous::Normal => sqlx::sqlite::SqliteSynchronous::Normal,
                SqliteSynchronous::Full => sqlx::sqlite::SqliteSynchronous::Full,
            })
            .busy_timeout(options.busy_timeout);
        let mut pool = SqlitePoolOptions::new().max_connections(connections);
        if options.location == SqliteLocation::Memory {
            // One connection that never closes: the database lives as long as it.
            pool = pool
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool.connect_with(connect).await.map_err(db_error(what))?;
        let store = SqliteBlobStore {
            pool,
            table: format!("\"{}blobs\"", options.table_prefix),
        };
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TABLE IF NOT EXISTS {} (
                file_id TEXT PRIMARY KEY NOT NULL,
                content_type TEXT NOT NULL,
                size INTEGER NOT NULL,
                data BLOB NOT NULL
            )",
            store.table
        )))
        .execute(&store.pool)
        .await
        .map_err(db_error("create the blobs table"))?;
        Ok(store)
    }

    async fn insert(
        &self,
        file_id: &str,
        data: Vec<u8>,
        content_type: &str,
        replace: bool,
    ) -> Result<()> {
        let on_conflict = if replace {
            "DO UPDATE SET content_type = excluded.content_type, size = excluded.size, \
             data = excluded.data"
        } else {
            "DO NOTHING"
        };
        let size = i64::try_from(data.len()).unwrap_or(i64::MAX);
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {} (file_id, content_type, size, data) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (file_id) {on_conflict}",
            self.table
        )))
        .bind(file_id)
        .bind(content_type_or_default(content_type))
        .bind(size)
        .bind(data)
        .execute(&self.pool)
        .await
        .map_err(db_error(format!("write blob `{file_id}`")))?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl BlobStore for SqliteBlobStore {
    fn backend_name(&self) -> &'static str {
        BACKEND
    }

    async fn put(&self, data: Vec<u8>, content_type: &str) -> Result<String> {
        let file_id = file_id_of(&data);
        self.insert(&file_id, data, content_type, false).await?;
        Ok(file_id)
    }

    async fn put_with_id(&self, file_id: &str, data: Vec<u8>, content_type: &str) -> Result<()> {
        check_file_id(file_id)?;
        self.insert(file_id, data, content_type, true).await
    }

    async fn get(&self, file_id: &str) -> Result<Option<Blob>> {
        let action = || format!("read blob `{file_id}`");
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT content_type, data FROM {} WHERE file_id = ?1",
            self.table
        )))
        .bind(file_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error(action()))?;
        row.map(|row| {
            Ok(Blob {
                file_id: file_id.to_owned(),
                content_type: row.try_get("content_type").map_err(db_error(action()))?,
                data: row.try_get("data").map_err(db_error(action()))?,
            })
        })
        .transpose()
    }

    async fn exists(&self, file_id: &str) -> Result<bool> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT 1 FROM {} WHERE file_id = ?1",
            self.table
        )))
        .bind(file_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error(format!("look up blob `{file_id}`")))?;
        Ok(row.is_some())
    }

    async fn delete(&self, file_id: &str) -> Result<bool> {
        let done = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {} WHERE file_id = ?1",
            self.table
        )))
        .bind(file_id)
        .execute(&self.pool)
        .await
        .map_err(db_error(format!("delete blob `{file_id}`")))?;
        Ok(done.rows_affected() > 0)
    }
}
